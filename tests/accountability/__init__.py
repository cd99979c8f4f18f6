"""Accountability records drafted on a breach: who sees them, who decides, and `/account` in chat."""
