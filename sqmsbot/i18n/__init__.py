"""Message catalogs (en, zh_CN) and the translator every reply is built with.

Catalogs are TOML tables so translators see the structure; keys are dotted paths into them. A text
that depends on a number is a table of plural forms (`one`, `other`, and `count`: the argument counted).
"""

from __future__ import annotations

import logging
import os
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from sqmsbot.locales import DEFAULT_LOCALE as DEFAULT_LOCALE
from sqmsbot.locales import LOCALES as LOCALES

_CATALOG_DIR = Path(__file__).parent
log = logging.getLogger(__name__)


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


def catalog_files(locale: str) -> list[Path]:
    """One language's catalog: `<locale>.toml` and each area's `<locale>/<area>.toml` (the KPIs, the
    ticket import…), so that a feature's texts sit in a file of their own and two features never edit
    the same file."""
    return [_CATALOG_DIR / f"{locale}.toml", *sorted((_CATALOG_DIR / locale).glob("*.toml"))]


@cache
def catalog(locale: str) -> dict[str, str]:
    """All keys of one language, flattened to dotted paths; a key defined by two files is an error."""
    merged: dict[str, str] = {}
    for path in catalog_files(locale):
        flat = _flatten(tomllib.loads(path.read_text(encoding="utf-8")))
        clash = sorted(set(flat) & set(merged))
        if clash:
            raise ValueError(f"{path.name}: keys defined in another {locale} catalog file too: {clash[:5]}")
        merged.update(flat)
    return merged


def normalise_locale(value: str | None) -> str | None:
    """Map what platforms send (zh-CN, zh_cn, zh-Hans, en-US) onto a catalog we have."""
    if not value:
        return None
    v = value.replace("-", "_").lower()
    if v.startswith("zh"):
        return "zh_CN"
    if v.startswith("en"):
        return "en"
    return None


class Translator:
    """Looks keys up in one language and fills in named arguments."""

    def __init__(self, locale: str | None) -> None:
        self.locale = locale if locale in LOCALES else DEFAULT_LOCALE
        self._texts = catalog(self.locale)

    def __call__(self, key: str, **args: Any) -> str:
        template = self._texts.get(key)
        if template is None and f"{key}.other" in self._texts:
            template = self._plural(key, args)
        if template is None:
            log.error("missing catalog key %s in %s", key, self.locale)
            return key
        try:
            return template.format(**args) if args else template
        except (KeyError, IndexError, ValueError):
            log.exception("catalog key %s in %s does not fit its arguments", key, self.locale)
            return template

    def has(self, key: str) -> bool:
        return key in self._texts or f"{key}.other" in self._texts

    def _plural(self, key: str, args: dict[str, Any]) -> str:
        """A key whose text depends on a number is a table: `one` when it is 1, else `other`; its
        `count` names the argument counted. English needs both ("1 working day", "2 working days");
        Chinese says the same either way and repeats the text."""
        counted = args.get(self._texts.get(f"{key}.count", "n"))
        one = f"{key}.one"
        return self._texts[one] if counted == 1 and one in self._texts else self._texts[f"{key}.other"]


def translator(locale: str | None) -> Translator:
    return Translator(locale)


def terminal_locale() -> str | None:
    """The terminal's language, looked up the way gettext does (LANGUAGE, LC_ALL, LC_MESSAGES, LANG):
    what the `sqmsbot` command itself prints follows `LANG=zh_CN.UTF-8` like any other program."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return normalise_locale(value.split(":")[0])
    return None


def terminal_translator() -> Translator:
    return Translator(terminal_locale())
