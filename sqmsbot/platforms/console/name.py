"""The console's platform name: the `platform` of its people and outbox rows."""

PLATFORM = "console"
