"""`--map mapping.toml`: the organisation's own words for a format's columns and values.

```toml
[columns]                 # field = "Header in your file" (or a list: the first present is used)
title = "Short description"
[priority]                # your value = P1…P4
"Sev 1" = "P1"
[status]                  # your value = new | acknowledged | waiting | resolved | closed
"Awaiting Vendor" = "acknowledged"
[source]                  # your value = complaint | internal | audit | mystery-shopper | kpi-alert
"Web form" = "complaint"
[category]                # your value = man | machine | … ("" = leave it uncategorised)
"Category 55" = "machine"
[departments]             # group / queue / project = department key
"Group 56" = "it"
[services.group]          # the service of a group's tickets…
"Group 56" = "app"
[services.category]       # …or of a category's (when the group gives none)…
"Category 55" = "billing"
[services.value]          # …or what the file's own service column says
"Checkout" = "app"
```

Keys are matched folded (case, width and runs of spaces ignored), like every value of the file. A
map entry wins over the format's own meaning of a value. Departments may be keys the organisation
file does not have yet: those are reported as new departments, as unknown groups are; services
must exist (a service carries its department and its commitments).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sqmsbot.config import Key, OrgConfig
from sqmsbot.importing.formats import FIELDS, fold
from sqmsbot.importing.report import Refused
from sqmsbot.vocabulary import Priority

Status = Literal["new", "acknowledged", "waiting", "resolved", "closed"]
Source = Literal["complaint", "internal", "audit", "mystery-shopper", "kpi-alert"]
# The six Ms of sqmsbot.vocabulary.CATEGORIES, or "" for uncategorised (tests/importing checks they agree).
Category = Literal["", "man", "machine", "material", "method", "measurement", "environment"]


class _Services(BaseModel):
    model_config = ConfigDict(extra="forbid")
    group: dict[str, str] = Field(default_factory=dict)
    category: dict[str, str] = Field(default_factory=dict)
    value: dict[str, str] = Field(default_factory=dict)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")
    columns: dict[str, str | list[str]] = Field(default_factory=dict)
    priority: dict[str, Priority] = Field(default_factory=dict)
    status: dict[str, Status] = Field(default_factory=dict)
    source: dict[str, Source] = Field(default_factory=dict)
    category: dict[str, Category] = Field(default_factory=dict)
    departments: dict[str, Key] = Field(default_factory=dict)
    services: _Services = Field(default_factory=_Services)


def _folded(table: Mapping[str, str]) -> dict[str, str]:
    return {fold(key): value for key, value in table.items()}


@dataclass(frozen=True)
class Overrides:
    """A mapping file, checked and folded; empty when no `--map` is given."""

    columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    priority: Mapping[str, str] = field(default_factory=dict)
    status: Mapping[str, str] = field(default_factory=dict)
    source: Mapping[str, str] = field(default_factory=dict)
    category: Mapping[str, str | None] = field(default_factory=dict)
    departments: Mapping[str, str] = field(default_factory=dict)
    services_by_group: Mapping[str, str] = field(default_factory=dict)
    services_by_category: Mapping[str, str] = field(default_factory=dict)
    services_by_value: Mapping[str, str] = field(default_factory=dict)


def load_overrides(path: Path, *, org: OrgConfig) -> Overrides:
    """Read and check a mapping file; every problem is a `Refused("bad_map")` naming the key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise Refused("map_missing", path=str(path)) from exc
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise Refused("bad_map", path=str(path), detail=str(exc)[:200]) from exc
    try:
        parsed = _File.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise Refused("bad_map", path=str(path), detail=f"{where}: {error['msg']}"[:200]) from exc
    unknown = sorted(set(parsed.columns) - set(FIELDS))
    if unknown:
        raise Refused(
            "bad_map", path=str(path), detail=f"columns.{unknown[0]}: not a field ({', '.join(FIELDS)})"
        )
    services = parsed.services
    for table, entries in (
        ("group", services.group),
        ("category", services.category),
        ("value", services.value),
    ):
        for key, service in entries.items():
            if org.service(service) is None:
                raise Refused(
                    "bad_map",
                    path=str(path),
                    detail=f"services.{table}.{key}: {service!r} is not a service "
                    f"({', '.join(org.service_by_key)})",
                )
    return Overrides(
        columns={
            name: tuple(fold(h) for h in ([headers] if isinstance(headers, str) else headers))
            for name, headers in parsed.columns.items()
        },
        priority=_folded(parsed.priority),
        status=_folded(parsed.status),
        source=_folded(parsed.source),
        category={fold(key): (value or None) for key, value in parsed.category.items()},
        departments=_folded(parsed.departments),
        services_by_group=_folded(services.group),
        services_by_category=_folded(services.category),
        services_by_value=_folded(services.value),
    )
