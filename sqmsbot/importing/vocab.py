"""The export's words for departments, services, categories and sources, turned into ours.

Departments live in the organisation file, not in the store, so an import cannot create one. What it
does with a group (assignment group, Zendesk group, Jira project) the organisation file has no
department for: the `--map` file's `[departments]` entry, else the department whose key or name (in
either language) the group is, else a key derived from the group's name (`Group 56` → `group-56`;
a name with Chinese or other non-ASCII letters, or longer than a key may be, gets a short stable hash:
`客服一组` → `group-1a2b3c4d`). Such incidents are imported under that key and the report lists the
keys with their names, ready to paste into the organisation file; until they are added, the incidents
count in the organisation-wide KPIs and `sqmsbot kpi --department KEY` refuses the key. The dry run
lists them before anything is written. A ticket with no group at all belongs to the department of its
service when that is known, else to `unassigned` (reported the same way).

Services: the map (by the file's own service value, then by group, then by category), else the
service the file names (key or name), else the first service of the ticket's department in the
organisation file, else (a department the file does not have) the department's key — listed with it.

Categories: the map, else one of the six cause categories by key or Chinese name; anything else is
left uncategorised (and listed as not mapped). Sources: the map, else the format's channels, else the
format's default source (listed as not mapped).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from sqmsbot.config import OrgConfig
from sqmsbot.importing.formats import Format, fold
from sqmsbot.importing.mapping import Overrides
from sqmsbot.importing.report import ImportReport, NewDepartment
from sqmsbot.vocabulary import CATEGORIES, SOURCES

KEY_LENGTH = 32  # sqmsbot.config.KEY_PATTERN
NO_GROUP = "unassigned"
CATEGORY_WORDS = {
    "人": "man",
    "人员": "man",
    "机": "machine",
    "机器": "machine",
    "设备": "machine",
    "料": "material",
    "材料": "material",
    "物料": "material",
    "法": "method",
    "方法": "method",
    "环": "environment",
    "环境": "environment",
    "测": "measurement",
    "测量": "measurement",
}


def derived_key(name: str) -> str:
    """A department key for a group's name: stable, so a re-import finds the same department."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name))
    slug = re.sub(r"[^a-z0-9]+", "-", decomposed.encode("ascii", "ignore").decode().lower()).strip("-")
    lossy = any(ch.isalnum() and not ch.isascii() for ch in decomposed)
    digest = hashlib.sha1(fold(name).encode("utf-8")).hexdigest()[:8]
    if not slug:
        return f"group-{digest}"
    if lossy or len(slug) > KEY_LENGTH:
        return f"{slug[: KEY_LENGTH - 9].rstrip('-')}-{digest}"
    return slug


class Vocabulary:
    """Looks the export's words up (once per distinct word) and notes what it could not map."""

    def __init__(self, *, org: OrgConfig, fmt: Format, overrides: Overrides, report: ImportReport) -> None:
        self.org = org
        self.fmt = fmt
        self.overrides = overrides
        self.report = report
        self._departments = {fold(d.key): d.key for d in org.departments}
        for d in org.departments:
            self._departments.setdefault(fold(d.name.en), d.key)
            self._departments.setdefault(fold(d.name.zh_CN or d.name.en), d.key)
        self._services = {fold(s.key): s.key for s in org.services}
        for s in org.services:
            self._services.setdefault(fold(s.name.en), s.key)
            self._services.setdefault(fold(s.name.zh_CN or s.name.en), s.key)
        self._first_service: dict[str, str] = {}
        for s in org.services:
            self._first_service.setdefault(s.department, s.key)
        self._categories = {c: c for c in CATEGORIES} | CATEGORY_WORDS
        self._sources = {s: s for s in SOURCES}
        self._department_cache: dict[str, str] = {}

    def department(self, group: str) -> str:
        """The department key for a group (see the module docstring); new ones go in the report."""
        found = self._department_cache.get(group)
        if found is not None:
            return found
        folded = fold(group)
        key = self.overrides.departments.get(folded) or self._departments.get(folded)
        if key is None:
            key = derived_key(group) if folded else NO_GROUP
        if self.org.department(key) is None and key not in self.report.new_departments:
            self.report.new_departments[key] = NewDepartment(key=key, name=group.strip()[:80] or NO_GROUP)
        self._department_cache[group] = key
        return key

    def explicit_service(self, *, value: str, group: str, category: str) -> str | None:
        """The service the map or the file names for a ticket, if any."""
        folded = fold(value)
        if folded:
            found = self.overrides.services_by_value.get(folded) or self._services.get(folded)
            if found:
                return found
        return self.overrides.services_by_group.get(fold(group)) or self.overrides.services_by_category.get(
            fold(category)
        )

    def place(self, *, value: str, group: str, category: str) -> tuple[str, str]:
        """(department, service) of a ticket."""
        service = self.explicit_service(value=value, group=group, category=category)
        if fold(group) or service is None:
            department = self.department(group)
        else:
            department = self.org.service_by_key[service].department
        if service is None:
            service = self._first_service.get(department, department)
            if fold(value):
                self.report.not_mapped("service", value, service)
        self.report.department_tickets[department] += 1
        return department, service

    def category(self, value: str) -> str | None:
        folded = fold(value)
        if not folded:
            return None
        if folded in self.overrides.category:
            return self.overrides.category[folded]
        found = self._categories.get(folded)
        if found is None:
            self.report.not_mapped("category", value, "")
        return found

    def source(self, value: str) -> str:
        folded = fold(value)
        if not folded:
            return self.fmt.default_source
        found = self.overrides.source.get(folded) or self.fmt.sources.get(folded) or self._sources.get(folded)
        if found is None:
            found = self.fmt.default_source
            self.report.not_mapped("source", value, found)
        return found
