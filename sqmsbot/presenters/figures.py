"""How one KPI figure is written, wherever it appears (`/kpi`, the digest, the weekly report).

A figure with nothing to measure is "—" and gets neither arrow nor mark. The arrow says the direction
of the numbers as printed (never "1.8% ▼ 1.8%"); the mark after a target says whether that is good:
✅ met, ⚠️ not, so a manager needs not know which way each KPI is meant to go.
"""

from __future__ import annotations

from typing import Any

from sqmsbot.i18n import Translator


def at_path(data: dict[str, Any] | None, path: tuple[str, ...]) -> Any:
    """The value at `path` in a report's JSON (`("sla", "resolve", "attainment")`); None where a
    part of it is null (no error rate, no CSAT in the period)."""
    for key in path:
        if data is None:
            return None
        data = data[key]
    return data


def shown(kind: str, value: Any, t: Translator, *, average: bool = False) -> str:
    """`12`, `3.50 h`, `91.7%`, `0.35%` (an error rate), `4.20 / 5` (a score); a daily average of a
    count to one decimal (`10.3`)."""
    if value is None:
        return "—"
    if kind == "hours":
        return t("kpi.hours", value=f"{value:.2f}")
    if kind == "percent":
        return f"{value * 100:.1f}%"
    if kind == "fine_percent":  # error rates are small: 0.35%, not 0.3%
        return f"{value * 100:.2f}%"
    if kind == "score":
        return t("kpi_inputs.score", value=f"{value:.2f}")
    if average:
        return f"{value:.1f}"
    return str(value)


def as_shown(kind: str, value: float, *, average: bool = False) -> float:
    """The value at the precision `shown` prints it."""
    if kind in ("hours", "score"):
        return round(value, 2)
    if kind == "percent":
        return round(value * 100, 1)
    if kind == "fine_percent":
        return round(value * 100, 2)
    return round(value, 1) if average else value


def arrow(current: Any, other: Any, *, kind: str, average: bool = False) -> str:
    """▲, ▼ or = between two figures as printed; "" when either is missing."""
    if current is None or other is None:
        return ""
    now, then = as_shown(kind, current), as_shown(kind, other, average=average)
    return "▲" if now > then else "▼" if now < then else "="


def compared(current: Any, other: Any, *, kind: str, t: Translator, average: bool = False) -> str:
    """`▲ 9`: the direction from `other` to `current`, and `other` as printed."""
    return f"{arrow(current, other, kind=kind, average=average)} {shown(kind, other, t, average=average)}"


def met_mark(value: Any, target: float, better: str | None, *, kind: str = "count") -> str:
    """` ✅` when `value` meets `target` in the `better` direction ("up" or "down"), ` ⚠️` when not,
    both as printed: "95.0% · target 95.0% ⚠️" would contradict itself."""
    if value is None or better is None:
        return ""
    now, goal = as_shown(kind, value), as_shown(kind, target)
    return " ✅" if (now >= goal if better == "up" else now <= goal) else " ⚠️"
