"""What the charts draw, as plain values, and the shaping done before any drawing.

The KPI engine hands over lists of numbers; these types are the whole contract, so the charts need no
store, ORM or domain import (an import-linter contract holds it) and tests build them by hand. The
shaping — sorting causes, folding the tail into "other", wrapping long names, the cumulative share —
is kept apart from matplotlib so it can be tested as numbers rather than pixels.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

MAX_BARS = 8
"""Bars in a Pareto chart, "other" included: past eight, names no longer fit under their bars and
the tail carries too little to read anyway."""

LABEL_COLUMNS = 12
"""Width of one line of a cause name under its bar, in columns (a Han character takes two)."""
LABEL_LINES = 2


@dataclass(frozen=True, slots=True)
class Trend:
    """One value per day, oldest first: incidents reported, SLA attainment as a fraction (0–1, None on
    a day when no target completed or breached) and the attainment target (a fraction, or None when
    the organisation set none)."""

    days: Sequence[date]
    volume: Sequence[int]
    attainment: Sequence[float | None]
    target: float | None = None

    def __post_init__(self) -> None:
        if not len(self.days) == len(self.volume) == len(self.attainment):
            raise ValueError(
                f"a trend needs one value per day: {len(self.days)} days, {len(self.volume)} volumes, "
                f"{len(self.attainment)} attainments"
            )

    @property
    def empty(self) -> bool:
        """Nothing to draw: no incident reported and no target settled on any day."""
        return not any(self.volume) and all(a is None for a in self.attainment)

    def ordered(self) -> list[tuple[date, int, float | None]]:
        """The days in calendar order, whatever order the caller's query returned them in."""
        return sorted(zip(self.days, self.volume, self.attainment, strict=True), key=lambda row: row[0])


@dataclass(frozen=True, slots=True)
class Pareto:
    """Incidents per cause over the period, in any order; causes with no incident are ignored."""

    causes: Sequence[tuple[str, int]]

    @property
    def empty(self) -> bool:
        return not any(count > 0 for _, count in self.causes)


@dataclass(frozen=True, slots=True)
class ParetoBar:
    """One bar as drawn: its label (None for the folded tail, which the caller names in the reader's
    language), its count, how many causes it stands for and the cumulative share up to it, in %."""

    label: str | None
    count: int
    causes: int
    cumulative_pct: float


def pareto_bars(causes: Sequence[tuple[str, int]], *, max_bars: int = MAX_BARS) -> list[ParetoBar]:
    """Largest first (ties by name, so the same counts always draw the same chart); beyond `max_bars`
    the smallest are folded into one last "other" bar — by convention it stays last even when it is
    larger than the bars before it. The cumulative share ends at exactly 100 %."""
    if max_bars < 2:
        raise ValueError("a Pareto chart needs room for at least one cause and the rest")
    merged: dict[str, int] = {}
    for name, count in causes:
        if count > 0:
            key = " ".join(name.split()) or "?"
            merged[key] = merged.get(key, 0) + count
    ranked = sorted(merged.items(), key=lambda item: (-item[1], item[0]))
    if len(ranked) > max_bars:
        head, tail = ranked[: max_bars - 1], ranked[max_bars - 1 :]
        rows: list[tuple[str | None, int, int]] = [(name, count, 1) for name, count in head]
        rows.append((None, sum(count for _, count in tail), len(tail)))
    else:
        rows = [(name, count, 1) for name, count in ranked]
    total = sum(count for _, count, _ in rows)
    bars: list[ParetoBar] = []
    running = 0
    for label, count, n in rows:
        running += count
        bars.append(ParetoBar(label, count, n, 100.0 * running / total))
    return bars


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def _tokens(text: str) -> list[tuple[str, bool]]:
    """Latin words and single Han characters, each with whether a space stood before it: the places
    a line may break."""
    tokens: list[tuple[str, bool]] = []
    word, space = "", False
    for char in text:
        if char.isspace():
            if word:
                tokens.append((word, space))
                word = ""
            space = bool(tokens)
        elif _width(char) == 2:
            if word:
                tokens.append((word, space))
                word, space = "", False
            tokens.append((char, space))
            space = False
        else:
            word += char
    if word:
        tokens.append((word, space))
    return tokens


def wrap_label(text: str, *, columns: int = LABEL_COLUMNS, lines: int = LABEL_LINES) -> str:
    """A cause name cut to fit under its bar: at most `lines` lines of `columns` columns, broken at a
    space (Latin words stay whole) or between any two Han characters (Chinese has no spaces), a word
    longer than a line cut where it must, and "…" at the end when the name is longer than that."""
    out: list[str] = []
    line = ""
    for token, space in _tokens(text):
        while _width(token) > columns:  # one word wider than a line: cut it
            room = columns - _width(line) - (1 if line and space else 0)
            if room <= 0:
                out.append(line)
                line, space, room = "", False, columns
            head = ""
            for char in token:
                if _width(head + char) > room:
                    break
                head += char
            out.append(f"{line}{' ' if line and space else ''}{head}")
            line, space, token = "", False, token[len(head) :]
        joined = f"{line}{' ' if line and space else ''}{token}"
        if line and _width(joined) > columns:
            out.append(line)
            line = token
        else:
            line = joined
    if line:
        out.append(line)
    if len(out) > lines:
        out = out[:lines]
        last = out[-1]
        while last and _width(last) + 1 > columns:
            last = last[:-1]
        out[-1] = last.rstrip() + "…"
    return "\n".join(out)


def percent_floor(values: Sequence[float], *, step: float = 10.0) -> float:
    """The bottom of the attainment axis, in %: a step below the lowest value or target drawn, so a
    service between 92 % and 99 % is not a flat line pressed against the top of a 0–100 axis; never
    below 0."""
    if not values:
        return 0.0
    return max(0.0, math.floor((min(values) - step / 2) / step) * step)
