"""The old quadratic tokenizer kept as the oracle (issue 9): `sqmsbot.cmd.tokens` before it was made linear.

Copied verbatim from the version that was in production, so the property test in tests/test_tokens.py
can check that the linear rewrite gives the same words, and the same UsageError, for every line. Never
import it from `sqmsbot`; it rescans to the next whitespace at every token start and rescans to the
end of the line for every unclosed `‘`, which is what made 12k-character notes take seconds.
QUOTES and Token are the module's own, so both read the same quote pairs and their tokens compare equal.
"""

from __future__ import annotations

import re

from sqmsbot.cmd.tokens import QUOTES, Token
from sqmsbot.errors import UsageError

_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]{0,31})[=＝](.*)$", re.DOTALL)


def tokenize(line: str) -> list[Token]:
    """Words of a command line; raises UsageError on an unclosed double quote."""
    tokens: list[Token] = []
    i, n = 0, len(line)
    while i < n:
        if line[i].isspace():
            i += 1
            continue
        start = i
        key: str | None = None
        prefix = _KEY.match(line[i : _word_end(line, i)])
        if prefix and prefix.group(2)[:1] in QUOTES:
            key = prefix.group(1)
            i += len(prefix.group(1)) + 1
        if line[i] in QUOTES:
            closing = QUOTES[line[i]]
            value, end = _quoted(line, i + 1, closing)
            if end is None:
                if line[i] in "'‘":  # a lone apostrophe is a letter, not a quote
                    i = start
                    word_end = _word_end(line, i)
                    tokens.append(_plain(line[i:word_end]))
                    i = word_end
                    continue
                raise UsageError("errors.unclosed_quote", quote=line[i])
            tokens.append(Token(value, quoted=True, key=key))
            i = end
            continue
        end = _word_end(line, start)
        tokens.append(_plain(line[start:end]))
        i = end
    return tokens


def _plain(word: str) -> Token:
    match = _KEY.match(word)
    if match:
        return Token(match.group(2), key=match.group(1))
    return Token(word)


def _word_end(line: str, i: int) -> int:
    while i < len(line) and not line[i].isspace():
        i += 1
    return i


def _quoted(line: str, i: int, closing: str) -> tuple[str, int | None]:
    out: list[str] = []
    while i < len(line):
        ch = line[i]
        if ch == "\\" and i + 1 < len(line) and line[i + 1] in (closing, "\\"):
            out.append(line[i + 1])
            i += 2
            continue
        if ch == closing:
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    return "".join(out), None
