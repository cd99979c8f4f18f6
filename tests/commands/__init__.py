"""Chat commands typed into the console, read back the way a person reads the screen.

Helpers shared by the command tests: what one typed line put on the screen, split into the reply
(what the person who typed sees) and the notifications delivered to channels and people.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from tests.conftest import Transcript

NOTIFICATION = re.compile(r"^\[(#[\w-]+|@[^\]\s]+)( ↳)?\] ")


@dataclass(frozen=True)
class Screen:
    """What one line typed into the console printed (without the echo of the line itself)."""

    entries: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.entries)

    @property
    def reply(self) -> str:
        """What the person who typed the line is told."""
        return "\n".join(e for e in self.entries if not NOTIFICATION.match(e))

    @property
    def notifications(self) -> list[str]:
        return [e for e in self.entries if NOTIFICATION.match(e)]

    def to(self, target: str) -> list[str]:
        """Notifications delivered to `#channel` or `@person` (thread lines and card edits included)."""
        found = []
        for entry in self.entries:
            match = NOTIFICATION.match(entry)
            if match and match.group(1) == target:
                found.append(entry)
        return found


def say(transcript: Transcript, line: str) -> Screen:
    """Type one line; return what appeared after its echo."""
    start = len(transcript.lines)
    transcript(line)
    return Screen(tuple(transcript.lines[start + 1 :]))


def as_(transcript: Transcript, who: str, line: str) -> Screen:
    """Type a line as someone (`:as who` first, which prints nothing we look at)."""
    transcript(f":as {who}")
    return say(transcript, line)


ALLOWED_ASCII = [
    re.compile(r"^\[[#@][^\]\s]+(?: ↳)?\]", re.MULTILINE),  # where a notification went: [#ops], [@li]
    re.compile(r"/[a-z]+(?: [a-z_]+)*(?: SQ-\d+)?"),  # commands shown as buttons or hints
    re.compile(r"\bSQ-\d+\b"),
    re.compile(r"\bP[1-4]\b"),
    re.compile(r"\bfcr\b"),
]


def english_leaks(text: str, *, allowed: Iterable[str] = ()) -> list[str]:
    """Runs of three or more Latin letters left once the words any language shows as they are (refs,
    priorities, commands, names, what the person typed) are taken out: in a Chinese reply there
    should be none."""
    for word in sorted(allowed, key=len, reverse=True):
        text = re.sub(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", " ", text)
    for pattern in ALLOWED_ASCII:
        text = pattern.sub(" ", text)
    return re.findall(r"[A-Za-z]{3,}", text)


def has_cjk(text: str) -> bool:
    return re.search(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]", text) is not None
