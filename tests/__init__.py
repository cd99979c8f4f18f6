"""sqmsbot tests; mirrors the source folders."""
