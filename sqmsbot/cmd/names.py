"""What people type for a key: full-width forms, Chinese names, any case — turned into the org's keys.

A Chinese keyboard in full-width mode types `ＳＱ－１`, `Ｐ２` and `１`; a person who reads the card
calls the billing service `账单与收费` and the finance department `财务部`. The domain speaks keys only,
so the command layer folds what was typed (NFKC: full-width letters, digits and signs become their
ASCII selves) and looks names up in the organisation file before the domain sees them. A word that
names nothing is passed on folded, so the domain's own "there is no service …" answers it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from sqmsbot.config import LocalizedName, OrgConfig
from sqmsbot.i18n import LOCALES, catalog
from sqmsbot.vocabulary import ROLES


def fold(text: str) -> str:
    """Compatibility-normalised (NFKC) and stripped: `Ｐ２` → `P2`, `ＳＱ－１` → `SQ-1`, `１` → `1`."""
    return unicodedata.normalize("NFKC", text).strip()


def _key(word: str) -> str:
    return " ".join(fold(word).casefold().split())


def _lookup(word: str, entries: Iterable[tuple[str, LocalizedName]]) -> str | None:
    wanted = _key(word)
    for key, name in entries:
        if wanted in {key, _key(name.en), _key(name.zh_CN or name.en)}:
            return key
    return None


def find_service(org: OrgConfig, word: str) -> str | None:
    """The key of the service a word names: its key or its name in any language; None for no service."""
    return _lookup(word, ((s.key, s.name) for s in org.services))


def find_department(org: OrgConfig, word: str) -> str | None:
    """The key of the department a word names: its key or its name in any language; None for none."""
    return _lookup(word, ((d.key, d.name) for d in org.departments))


def service_key(org: OrgConfig, word: str) -> str:
    """The service a word names, else the word folded and lower-cased (for the caller to refuse)."""
    return find_service(org, word) or fold(word).lower()


def department_key(org: OrgConfig, word: str) -> str:
    """The department a word names, else the word folded and lower-cased (for the caller to refuse)."""
    return find_department(org, word) or fold(word).lower()


def find_role(word: str) -> str | None:
    """The role a word names: its key (`quality`) or its title in a catalog (`质量专员`, `主管`)."""
    wanted = _key(word)
    for role in ROLES:
        if wanted == role or any(wanted == _key(catalog(loc).get(f"role.{role}", role)) for loc in LOCALES):
            return role
    return None
