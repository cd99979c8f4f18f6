"""The one rule for the language a person is answered in (DESIGN §3: decided once, carried on the reply).

The dispatcher applies it with the stored person's choice (`/sq lang`, or what their platform said
when they were first seen) and puts the result on the `Reply`; adapters render with `Reply.locale`
instead of deciding again. A form opened before dispatch (a Slack modal, whose trigger cannot wait
for the store) applies the same rule with what the platform's profile says.
"""

from __future__ import annotations

from sqmsbot.config import OrgConfig
from sqmsbot.i18n import normalise_locale


def reader_locale(
    *, org: OrgConfig, stored: str | None = None, profile: str | None = None, requested: str | None = None
) -> str:
    """The person's stored language, else their platform profile's, else the one the request
    carried, else the organisation's default; each normalised onto a catalog we have (`zh-CN`)."""
    for locale in (stored, profile, requested):
        found = normalise_locale(locale)
        if found:
            return found
    return org.default_locale
