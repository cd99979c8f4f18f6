"""Who hears about a change, in their own language and time zone, through the outbox."""
