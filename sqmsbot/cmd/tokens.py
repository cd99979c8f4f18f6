"""Split a chat command line into words the way people type them.

Quotes may be straight or curly ("…", “…”, 「…」); `key=value` and `key="quoted value"` name a field;
an apostrophe inside a word (can't) is just a letter. Whitespace includes the ideographic space.

Linear time in the length of the line (issue 9: a note of 11,990 `"` took 2 s and held up every
command queued behind it). Each character is looked at a bounded number of times: the `key=` prefix
is matched at the token start (at most 33 characters), never on the rest of the word; a quoted value
is found with `str.find`, remembering where its closing quote is; and once a scan for a closing quote
has run off the end of the line, later openings that close the same way are known to be unclosed
without scanning again. tests/tokens_reference.py keeps the old quadratic tokenizer, and a property
test checks that both give the same words and errors; `python -m bench.tokenize` measures the growth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqmsbot.errors import UsageError

QUOTES = {'"': '"', "“": "”", "”": "”", "„": "“", "「": "」", "『": "』", "＂": "＂", "'": "'", "‘": "’"}
# A field name and its `=` at the start of a word. Neither can be whitespace, so the match never
# leaves the word, and its length is bounded, so matching it costs the same for a word of any length.
_KEY_PREFIX = re.compile(r"([A-Za-z_][A-Za-z0-9_-]{0,31})[=＝]")
# `\s` is exactly `str.isspace` (both are Py_UNICODE_ISSPACE), the ideographic space included.
_SPACE = re.compile(r"\s")
_NOT_SPACE = re.compile(r"\S")
_APOSTROPHES = "'‘"  # a lone one is a letter, not a quote


@dataclass(frozen=True)
class Token:
    text: str
    quoted: bool = False
    key: str | None = None


def tokenize(line: str) -> list[Token]:
    """Words of a command line; raises UsageError on an unclosed double quote."""
    tokens: list[Token] = []
    n = len(line)
    # Closing quote -> the opening position of a scan for it that ran off the end of the line. A
    # later scan for the same closing quote reads the same characters from the same state (its
    # opening quote is not a backslash, so it cannot start or end an escape differently) and would
    # fail the same way; remembering this keeps a line of unclosed `‘` linear.
    unclosed_after: dict[str, int] = {}
    i = _next_word(line, 0)
    while i < n:
        start = i
        prefix = _KEY_PREFIX.match(line, start)
        key: str | None = None
        if prefix and prefix.end() < n and line[prefix.end()] in QUOTES:
            key = prefix.group(1)
            i = prefix.end()
        opening = line[i]
        if opening in QUOTES:
            closing = QUOTES[opening]
            quoted = None if unclosed_after.get(closing, n) < i else _quoted(line, i + 1, closing)
            if quoted is not None:
                value, end = quoted
                tokens.append(Token(value, quoted=True, key=key))
                i = _next_word(line, end)
                continue
            unclosed_after.setdefault(closing, i)
            if opening not in _APOSTROPHES:
                raise UsageError("errors.unclosed_quote", quote=opening)
        end = _word_end(line, start)
        if prefix:
            tokens.append(Token(line[prefix.end() : end], key=prefix.group(1)))
        else:
            tokens.append(Token(line[start:end]))
        i = _next_word(line, end)
    return tokens


def _word_end(line: str, i: int) -> int:
    """The next whitespace at or after i (or the end): one regex scan, not a Python loop per character."""
    space = _SPACE.search(line, i)
    return space.start() if space else len(line)


def _next_word(line: str, i: int) -> int:
    """The first non-whitespace at or after i (or the end), so runs of spaces cost one scan."""
    word = _NOT_SPACE.search(line, i)
    return word.start() if word else len(line)


def _quoted(line: str, i: int, closing: str) -> tuple[str, int] | None:
    """The value of a quoted word starting at i and the index after its closing quote, or None if
    it is never closed. A backslash escapes a closing quote or a backslash; any other backslash is
    a letter. The closing quote is found once and only looked for again when an escape used it up,
    so a value full of backslashes is still one pass."""
    close = line.find(closing, i)
    if close < 0:
        return None
    parts: list[str] = []
    while True:
        slash = line.find("\\", i, close)
        if slash < 0:
            parts.append(line[i:close])
            return "".join(parts), close + 1
        parts.append(line[i:slash])
        escaped = slash + 1  # < len(line): the closing quote comes after the backslash
        if line[escaped] == closing or line[escaped] == "\\":
            parts.append(line[escaped])
            i = escaped + 1
        else:
            parts.append("\\")
            i = escaped
        if i > close:
            close = line.find(closing, i)
            if close < 0:
                return None
