"""Argument types shared by command modules: limits and normalisation people would expect.

Everything typed is folded (NFKC) first, so a full-width keyboard's `Ｐ２`, `ＳＱ－１` and `１` mean
P2, SQ-1 and 1; services and departments may be named as the organisation file names them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo
from pydantic_core import PydanticCustomError

from sqmsbot.cmd.markup import plain
from sqmsbot.cmd.names import find_department, find_service, fold
from sqmsbot.config import OrgConfig
from sqmsbot.vocabulary import PRIORITIES

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
    """Free text on one line: chat markup made plain, so that a title cannot ping or link (see
    sqmsbot.cmd.markup)."""
    return _no_control(" ".join(plain(value).split()), newlines=False)


def _multi_line(value: str) -> str:
    return _no_control(plain(value).replace("\r\n", "\n").strip(), newlines=True)


def _choice(words: dict[str, str], kind: str) -> BeforeValidator:
    def pick(value: object) -> object:
        if isinstance(value, str):
            key = fold(value).lower()
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
    if isinstance(value, str) and fold(value).upper() in PRIORITIES:
        return fold(value).upper()
    raise PydanticCustomError("errors.invalid_choice", "not a priority", {"choices": "P1, P2, P3, P4"})


def _page(value: object) -> object:
    text = fold(str(value)) if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_PAGE:
        return int(text)
    raise PydanticCustomError("errors.page_number", "not a page number")


def _lower(value: object) -> object:
    return fold(value).lower() if isinstance(value, str) else value


def _folded(value: object) -> object:
    return fold(value) if isinstance(value, str) else value


def _org_name(
    error: str, kind: str, find: Callable[[OrgConfig, str], str | None], keys: str
) -> BeforeValidator:
    """A key, or a name of it in any language, resolved through the organisation file handed to the
    binder as validation context; a word that names none is refused with the choices. Without a
    context (a model built by hand) the word is only folded and lower-cased."""

    def pick(value: object, info: ValidationInfo) -> object:
        if not isinstance(value, str):
            return value
        org = (info.context or {}).get("org")
        if not isinstance(org, OrgConfig):
            return fold(value).lower()
        found = find(org, value)
        if found is None:
            choices = ", ".join(getattr(org, keys))
            raise PydanticCustomError(error, f"no such {kind}", {kind: fold(value)[:40], "choices": choices})
        return found

    return BeforeValidator(pick)


# The limits, named so that a form's inputs can say them too (commands/incident/forms.py).
TITLE_MAX, SHORT_TEXT_MAX, NOTE_MAX, LONG_TEXT_MAX, CUSTOMER_REF_MAX = 200, 500, 2000, 4000, 64
Title = Annotated[str, Field(min_length=1, max_length=TITLE_MAX), AfterValidator(_single_line)]
ShortText = Annotated[str, Field(min_length=1, max_length=SHORT_TEXT_MAX), AfterValidator(_single_line)]
Note = Annotated[str, Field(min_length=1, max_length=NOTE_MAX), AfterValidator(_multi_line)]
LongText = Annotated[str, Field(min_length=1, max_length=LONG_TEXT_MAX), AfterValidator(_multi_line)]
CustomerRef = Annotated[
    str, Field(min_length=1, max_length=CUSTOMER_REF_MAX, pattern=r"^[^\s<>]+$"), AfterValidator(_single_line)
]
Priority = Annotated[str, BeforeValidator(_priority)]
PageNumber = Annotated[int, BeforeValidator(_page)]
KEY_FIELD = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9][a-z0-9_-]*$")
Key = Annotated[str, BeforeValidator(_lower), KEY_FIELD]
# A service or department: its key, or its name in any language (`账单与收费`, `财务部`, `Finance`).
ServiceKey = Annotated[
    str, _org_name("errors.unknown_service", "service", find_service, "service_by_key"), KEY_FIELD
]
DepartmentKey = Annotated[
    str, _org_name("errors.unknown_department", "department", find_department, "department_by_key"), KEY_FIELD
]
Category = Annotated[str, _choice(CATEGORY_WORDS, "category")]
Source = Annotated[str, _choice(SOURCE_WORDS, "source")]
Ref = Annotated[str, BeforeValidator(_folded), Field(min_length=1, max_length=40)]
PersonRef = Annotated[str, Field(min_length=1, max_length=100)]
# A word that looks like a priority: P9 is taken as a (refused) priority, not as a service called "p9".
# The binder matches these against the folded word, so full-width `Ｐ２` and `ＳＱ－１` fit them too.
PRIORITY_WORD = r"P\d{1,2}"
REF_WORD = r"(?:[A-Za-z]{1,6}-)?#?\d{1,9}"
# A department in the place of a word: a key, or a name of one word in any script (`财务部`).
DEPARTMENT_WORD = r"[^\W_][\w-]{0,39}"
