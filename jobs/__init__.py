"""Scheduled jobs: one module per job (SLA watch, digests, reminders), each registering itself with
its schedule. They call `sqmsbot.domain` and emit Messages through the outbox, never a platform SDK.
"""
