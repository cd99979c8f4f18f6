"""What one `sla_watch` tick has to say about one incident: the thresholds it crossed, in order.

Kept apart from who hears it (sqmsbot.notifications.sla) and how it reads (sla_text) because both ask
the same questions of it: which threshold leads (the most significant, whose dedupe key a message
carries), which were announced before this tick (where to look for a recent message to fold into).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqmsbot.config_sla import TARGETS
from sqmsbot.models import Incident, Person

# A breach leads a message, then an escalation, then a warning (the highest level first).
KIND_RANK = {"breach": 0, "escalate": 1, "warn": 2}


@dataclass(frozen=True)
class Crossed:
    """One threshold of one clock: `warn:0.75`, `breach` or `escalate:1:manager` of a target."""

    target: str
    threshold: str

    @property
    def kind(self) -> str:
        return self.threshold.split(":")[0]

    @property
    def fraction(self) -> float:
        """For a warning, the share of the target used up (0.75); 0 otherwise."""
        return float(self.threshold.split(":")[1]) if self.kind == "warn" else 0.0

    @property
    def role(self) -> str:
        """For an escalation, who is told (owner, lead, manager, quality); "" otherwise."""
        return self.threshold.split(":")[2] if self.kind == "escalate" else ""

    @property
    def label(self) -> str:
        return f"{self.target}:{self.threshold}"

    def rank(self) -> tuple[int, int, float, str]:
        target = TARGETS.index(self.target) if self.target in TARGETS else len(TARGETS)
        return (KIND_RANK.get(self.kind, len(KIND_RANK)), target, -self.fraction, self.threshold)


@dataclass(frozen=True)
class Alerts:
    """The thresholds one tick crossed on one incident's clocks, most significant first."""

    incident: Incident
    ref: str  # SQ-42
    now: datetime
    crossed: tuple[Crossed, ...]

    @classmethod
    def of(cls, *, incident: Incident, ref: str, now: datetime, crossed: Iterable[Crossed]) -> Alerts:
        return cls(incident, ref, now, tuple(sorted(crossed, key=Crossed.rank)))

    def key(self, item: Crossed, reader: Person | None = None) -> str:
        """The dedupe key of the message `item` leads: `sla:SQ-42:resolve:breach`, plus `:<person id>`
        for a private one. A message carries its leading threshold's key, so a tick run again (or two
        ticks racing) writes the same keys and the outbox keeps the first."""
        stem = f"sla:{self.ref}:{item.label}"
        return stem if reader is None else f"{stem}:{reader.id}"

    def of_kind(self, kind: str) -> list[Crossed]:
        return [item for item in self.crossed if item.kind == kind]

    def earlier_keys(self, reader: Person | None = None) -> list[str]:
        """The keys messages about this incident may have been sent under before this tick: one per
        threshold announced earlier (only the ones that led a message were stored)."""
        now = {item.label for item in self.crossed}
        labels = [f"{row.target}:{label}" for row in self.incident.targets for label in row.fired]
        return [self.key(Crossed(*label.split(":", 1)), reader) for label in labels if label not in now]


def warnings_only(key: str) -> bool:
    """Whether the message stored under `key` was led by a warning (so it said nothing more urgent)."""
    return ":warn:" in key


@dataclass
class Reader:
    """One person a tick's alerts about one incident reach, and why: one message for all of it."""

    person: Person
    items: list[Crossed]
    owner: bool = False  # a breach falls to them (the assignee, else the department's head)
    as_lead: bool = False  # picked as the department's head because nobody has taken it

    def add(self, item: Crossed) -> None:
        if item not in self.items:
            self.items.append(item)
            self.items.sort(key=Crossed.rank)

    @property
    def only_warnings(self) -> bool:
        return all(item.kind == "warn" for item in self.items)
