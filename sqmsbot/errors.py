"""Typed errors that become friendly, translated replies in one place (the dispatcher).

Each carries a catalog key and its arguments, never a finished sentence, so the reply is in the
reader's language.
"""

from __future__ import annotations

from typing import Any


class SqmsError(Exception):
    """A rule said no. The reply names the reason and shows the command's usage; nothing is written."""

    def __init__(self, key: str, **args: Any) -> None:
        super().__init__(key)
        self.key = key
        self.args_ = args


class UsageError(SqmsError):
    """The command line itself is wrong: unknown word, missing or malformed argument."""


class NotFound(SqmsError):
    """The thing named does not exist (or is not visible to the actor)."""


class Forbidden(SqmsError):
    """The actor's role or department does not allow this."""


class InvalidTransition(SqmsError):
    """The incident's state does not allow this step now."""
