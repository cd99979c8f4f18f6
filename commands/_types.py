"""Argument types shared by command modules: limits and normalisation people would expect."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError

MAX_PAGE = 1_000_000_000  # larger pages are refused by the query with the real page count
CATEGORY_WORDS = {
    "man": "man",
    "people": "man",
    "人": "man",
    "人员": "man",
    "machine": "machine",
    "equipment": "machine",
    "机": "machine",
    "设备": "machine",
    "material": "material",
    "料": "material",
    "材料": "material",
    "物料": "material",
    "method": "method",
    "process": "method",
    "法": "method",
    "方法": "method",
    "measurement": "measurement",
    "测": "measurement",
    "测量": "measurement",
    "environment": "environment",
    "环": "environment",
    "环境": "environment",
}
SOURCE_WORDS = {
    "complaint": "complaint",
    "customer": "complaint",
    "投诉": "complaint",
    "客户投诉": "complaint",
    "internal": "internal",
    "内部": "internal",
    "内部发现": "internal",
    "audit": "audit",
    "审核": "audit",
    "稽核": "audit",
    "mystery-shopper": "mystery-shopper",
    "mystery": "mystery-shopper",
    "神秘顾客": "mystery-shopper",
    "kpi-alert": "kpi-alert",
    "kpi": "kpi-alert",
    "指标预警": "kpi-alert",
}


# Bidirectional overrides can make a title read differently from what it says (a spoofing trick).
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _no_control(value: str, *, newlines: bool) -> str:
    """Refuse control characters, and text with nothing visible in it (only zero-width characters)."""
    allowed = {"\n", "\t"} if newlines else set()
    for ch in value:
        if ch not in allowed and (unicodedata.category(ch) in ("Cc", "Cs") or ch in BIDI_CONTROLS):
            raise PydanticCustomError("errors.field_control_characters", "control characters are not allowed")
    if not any(not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in value):
        raise PydanticCustomError("errors.empty_field", "nothing visible")
    return value


def _single_line(value: str) -> str:
    return _no_control(" ".join(value.split()), newlines=False)


def _multi_line(value: str) -> str:
    return _no_control(value.replace("\r\n", "\n").strip(), newlines=True)


def _choice(words: dict[str, str], kind: str) -> BeforeValidator:
    def pick(value: object) -> object:
        if isinstance(value, str):
            key = value.strip().lower()
            if key in words:
                return words[key]
            raise PydanticCustomError(
                "errors.invalid_choice",
                "not a known value",
                {"choices": ", ".join(sorted(set(words.values())))},
            )
        return value

    return BeforeValidator(pick)


def _priority(value: object) -> object:
    if isinstance(value, str) and value.strip().upper() in ("P1", "P2", "P3", "P4"):
        return value.strip().upper()
    raise PydanticCustomError("errors.invalid_choice", "not a priority", {"choices": "P1, P2, P3, P4"})


def _page(value: object) -> object:
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_PAGE:
        return int(text)
    raise PydanticCustomError("errors.page_number", "not a page number")


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


Title = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_single_line)]
ShortText = Annotated[str, Field(min_length=1, max_length=500), AfterValidator(_single_line)]
Note = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(_multi_line)]
LongText = Annotated[str, Field(min_length=1, max_length=4000), AfterValidator(_multi_line)]
CustomerRef = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[^\s<>]+$"), AfterValidator(_single_line)
]
Priority = Annotated[str, BeforeValidator(_priority)]
PageNumber = Annotated[int, BeforeValidator(_page)]
Key = Annotated[
    str, BeforeValidator(_lower), Field(min_length=1, max_length=32, pattern=r"^[a-z0-9][a-z0-9_-]*$")
]
Category = Annotated[str, _choice(CATEGORY_WORDS, "category")]
Source = Annotated[str, _choice(SOURCE_WORDS, "source")]
Ref = Annotated[str, Field(min_length=1, max_length=40)]
PersonRef = Annotated[str, Field(min_length=1, max_length=100)]
# A word that looks like a priority: P9 is taken as a (refused) priority, not as a service called "p9".
PRIORITY_WORD = r"P\d{1,2}"
REF_WORD = r"(?:[A-Za-z]{1,6}-)?#?\d{1,9}"
