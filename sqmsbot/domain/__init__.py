"""Business rules, one module per area. Keyword-only functions taking a Session; no chat platform types."""
