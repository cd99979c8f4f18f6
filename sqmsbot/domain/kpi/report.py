"""What a KPI report holds, and its JSON (DESIGN §8 keys), rounded once so every database agrees.

Durations are kept in seconds as the database computed them and shown in hours to 2 decimals; rates
to 4 decimals, the mean score to 2. A figure with nothing to measure (no incident acknowledged,
nothing resolved) is None (`null`), never a zero that would read as "instant" or "perfect", and never
a division by zero. The error rate and CSAT are `null` as a whole when the period has no recorded
volume or no response: a team that records neither sees no figure for them, not a row of zeros.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqmsbot.config import KpiTargets
from sqmsbot.config_sla import TARGETS
from sqmsbot.domain.kpi.period import Period
from sqmsbot.domain.kpi.slice import Slice

HOURS_DECIMALS = 2
RATE_DECIMALS = 4


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, HOURS_DECIMALS)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, RATE_DECIMALS) if whole else None


SCORE_DECIMALS = 2


@dataclass(frozen=True)
class Durations:
    """n durations and their mean, median and p90, in seconds (None when n is 0)."""

    n: int = 0
    mean: float | None = None
    median: float | None = None
    p90: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "mean": _hours(self.mean),
            "median": _hours(self.median),
            "p90": _hours(self.p90),
            "n": self.n,
        }


@dataclass(frozen=True)
class Attainment:
    """Commitments of one target decided in the period: kept, or broken."""

    achieved: int = 0
    breached: int = 0

    @property
    def attainment(self) -> float | None:
        return _rate(self.achieved, self.achieved + self.breached)

    def as_json(self) -> dict[str, Any]:
        return {"attainment": self.attainment, "achieved": self.achieved, "breached": self.breached}


@dataclass(frozen=True)
class Figures:
    """The KPIs of one period."""

    reported: int = 0
    resolved: int = 0
    fcr: int = 0  # of `resolved`, resolved at first contact
    resolutions: int = 0  # incidents with any resolution in the period: the reopen rate's base
    reopened: int = 0  # of those, reopened after it
    mtta: Durations = field(default_factory=Durations)
    mttr: Durations = field(default_factory=Durations)
    sla: dict[str, Attainment] = field(default_factory=dict)
    backlog: int = 0
    aged: int = 0
    # The same populations as `mtta`/`mttr`, in business time, where it is known.
    mtta_business: Durations = field(default_factory=Durations)
    mttr_business: Durations = field(default_factory=Durations)
    volume: int | None = None  # None: no service volume recorded in the period (or for the slice)
    errors: int | None = None  # recorded errors, else incidents, on the days with a volume
    responses: int = 0  # feedback given in the period
    satisfied: int = 0  # of those, scores 4–5
    score_total: int = 0  # the sum of their scores

    @property
    def error_rate(self) -> float | None:
        return None if self.volume is None else _rate(self.errors or 0, self.volume)

    @property
    def csat_share(self) -> float | None:
        return _rate(self.satisfied, self.responses)

    @property
    def csat_mean(self) -> float | None:
        return round(self.score_total / self.responses, SCORE_DECIMALS) if self.responses else None

    @property
    def fcr_rate(self) -> float | None:
        return _rate(self.fcr, self.resolved)

    @property
    def reopen_rate(self) -> float | None:
        return _rate(self.reopened, self.resolutions)

    def as_json(self) -> dict[str, Any]:
        return {
            "reported": self.reported,
            "resolved": self.resolved,
            "mtta_hours": self.mtta.as_json(),
            "mtta_hours_business": self.mtta_business.as_json(),
            "mttr_hours": self.mttr.as_json(),
            "mttr_hours_business": self.mttr_business.as_json(),
            "fcr_rate": self.fcr_rate,
            "reopen_rate": self.reopen_rate,
            "error_rate": None
            if self.volume is None
            else {"rate": self.error_rate, "errors": self.errors or 0, "volume": self.volume},
            "csat": None
            if not self.responses
            else {"share": self.csat_share, "mean": self.csat_mean, "n": self.responses},
            "sla": {target: self.sla.get(target, Attainment()).as_json() for target in TARGETS},
            "backlog": self.backlog,
            "aged": self.aged,
        }


def _period_json(period: Period) -> dict[str, Any]:
    return {
        "from": period.from_.isoformat(),
        "to": period.to.isoformat(),
        "first_day": period.start.isoformat(),
        "last_day": period.last_day.isoformat(),
        "timezone": period.tz,
        "kind": period.kind,
    }


@dataclass(frozen=True)
class KpiReport:
    """A period's KPIs beside the previous period's and the organisation's targets."""

    period: Period
    slice: Slice
    current: Figures
    previous: Figures
    targets: KpiTargets

    def targets_json(self) -> dict[str, float]:
        """The `[kpi_targets]` that are set (`csat`: the share of satisfied responses; `error_rate`: the
        highest acceptable)."""
        wanted = self.targets.model_dump()
        return {key: float(value) for key, value in wanted.items() if value is not None}

    def as_json(self) -> dict[str, Any]:
        """DESIGN §8's keys at the top for this period; `previous` holds the same keys for the period
        before, `targets` the organisation's targets (`sla_attainment` applies to every target)."""
        return {
            "period": _period_json(self.period),
            "slice": {key: value for key, value in vars(self.slice).items() if value is not None},
            **self.current.as_json(),
            "previous": {"period": _period_json(self.period.previous()), **self.previous.as_json()},
            "targets": self.targets_json(),
        }
