"""Local fakes of chat platforms, spoken to by the real SDK clients over real HTTP."""
