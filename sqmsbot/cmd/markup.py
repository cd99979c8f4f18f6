"""What people type is text, never markup (DESIGN §10): chat markup in free text is made plain.

Slack hands over a mention, a channel link, `@here` or a link as markup (`<@U1|li>`, `<#C1|ops>`,
`<!here>`, `<https://x|x>`), and the console writes `@li` as `<@li>`. In a person argument that
markup is how the person is named; in a title, note or description it would ping people or turn
into a link when the bot repeats it in a channel. So free text keeps what the person saw (`@li`,
`#ops`, `@here`, the link's address) and none of the markup.
"""

from __future__ import annotations

import re

_MARKUP = re.compile(
    r"<([@#!])([^<>|\s]{1,80})(?:\|([^<>]{0,80}))?>"  # a mention, channel or special mention
    r"|<((?:https?|mailto):[^<>|\s]{1,2000})(?:\|[^<>]{0,200})?>"  # a link, with its label
)
_SPECIAL = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}


def plain(text: str) -> str:
    """`<@U1|li>` → `@li`, `<@li>` → `@li`, `<#C1|ops>` → `#ops`, `<!here>` → `@here`, `<url|label>` →
    `url`; anything else is left as typed (the adapters escape what remains)."""
    return _MARKUP.sub(_plain, text)


def _plain(match: re.Match[str]) -> str:
    sigil, target, label, url = match.groups()
    if url:
        return str(url)
    if sigil == "!":
        if label:
            return "@" + label.lstrip("@")
        special = target.split("^")[0]
        return _SPECIAL.get(special, "@" + special)
    return sigil + (label.lstrip("@#") if label else target)
