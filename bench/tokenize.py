"""Tokenizer time per character on adversarial lines, against plain words of the same length.

Run from the repository root::

    .venv/bin/python -m bench.tokenize [--quick] [--reference]

Issue 9: `sqmsbot.cmd.tokens.tokenize` was quadratic — 11,990 `"` took 2 s of CPU, and eight 12k
notes held a `/incident list` reply up for 20 s. Each adversarial line below is built to the same
character counts (SIZES) and tokenized repeatedly; the figure is the best time per call divided by
its length (ns per character). The **floor** is plain words (`word word …`) of the same length
through the same tokenizer, measured in the same run.

Printed: a table with ns/char at each size, the **growth** (ns/char at the largest size over ns/char
at the smallest — linear time is ≈ 1, quadratic ≈ largest/smallest = 12) and the ratio to the floor
at the largest size; then one JSON line with `bench`, `floor` (the floor's ns/char at the largest
size), `ratio` (the worst input's ratio to it), `max_growth`, the per-input figures, `target_ratio`
and `met`. The exit status is 1 when an input's ratio at the largest size is over TARGET_RATIO (a
generous 20×: a quadratic path is in the hundreds), so `make bench` catches a regression.

`--reference` also times the old quadratic tokenizer kept in tests/tokens_reference.py (one call per
line, figures only; the slow lines take seconds at 12k), to show what the issue was.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqmsbot.cmd.tokens import QUOTES, Token, tokenize
from sqmsbot.errors import UsageError

SIZES = (1_000, 4_000, 12_000)
TARGET_RATIO = 20.0
FULL_BUDGET_S, QUICK_BUDGET_S = 0.05, 0.01  # timing per (line, size), split into ROUNDS
ROUNDS = 5  # the best round counts: the least disturbed by whatever else the machine runs

Tokenizer = Callable[[str], list[Token]]


def _repeat(pattern: str) -> Callable[[int], str]:
    """A line of exactly `size` characters: the pattern over and over, cut at the size."""

    def build(size: int) -> str:
        return (pattern * (size // len(pattern) + 1))[:size]

    return build


FLOOR = ("plain words", _repeat("word "))
# The shapes that were quadratic (adjacent quoted words with no space between them; unclosed `‘`
# each rescanning to the end) and the rest of what the tokenizer decides on.
LINES: tuple[tuple[str, Callable[[int], str]], ...] = (
    *((f"{q}{c} adjacent", _repeat(q + c)) for q, c in QUOTES.items()),  # 11,990 `"` is `""` × 5995
    *((f"{q} {c} spaced", _repeat(f"{q} {c} ")) for q, c in QUOTES.items()),
    *((f"unclosed {q} + words", lambda size, q=q: q + _repeat("word ")(size - 1)) for q in QUOTES),
    ("run of ‘", _repeat("‘")),
    ("‘a unclosed", _repeat("‘a ")),
    ("'a\\' escaped", _repeat("'a\\' ")),
    ("key= run", _repeat("k=")),
    ('key=" run', _repeat('k="')),
    ("key=‘x unclosed", _repeat("k=‘x ")),
    ('key="v" adjacent', _repeat('k="v"')),
    ("key=value words", _repeat("cust=C-1042 ")),
    ("spaces", _repeat(" ")),
    ("ideographic spaces", _repeat("\u3000")),
    ("mixed whitespace", _repeat(" \t\u3000\n")),
    ("one word can't…", _repeat("can't")),
    ("can't it’s words", _repeat("can't it’s ")),
    ("Chinese + emoji", _repeat("客户被重复扣费😀 ")),
    ('"\\" escapes"', lambda size: '"' + _repeat('\\"')(size - 2) + '"'),
    ('"\\\\" escapes"', lambda size: '"' + _repeat("\\\\")(size - 2) + '"'),
    ('words then "', lambda size: _repeat("word ")(size - 1) + '"'),
)


@dataclass
class Row:
    name: str
    ns_per_char: dict[int, float]

    @property
    def growth(self) -> float:
        """ns/char at the largest size over ns/char at the smallest: ≈ 1 when linear."""
        return self.ns_per_char[SIZES[-1]] / self.ns_per_char[SIZES[0]]


def _once(tokenizer: Tokenizer, line: str) -> None:
    """One call; an unclosed quote is an answer too, and its cost counts."""
    with contextlib.suppress(UsageError):
        tokenizer(line)


def _ns_per_char(tokenizer: Tokenizer, line: str, budget_s: float, *, calls: int | None = None) -> float:
    """Best per-call time over ROUNDS rounds, per character. The number of calls per round is set
    from one trial call so each round takes about budget_s / ROUNDS; gc is off while timing, as in
    timeit, so a collection does not land on one line and not another."""
    started = time.perf_counter()
    _once(tokenizer, line)
    trial = time.perf_counter() - started
    if calls is None:
        calls = max(1, int(budget_s / ROUNDS / max(trial, 1e-7)))
    best = trial
    gc.disable()
    try:
        for _ in range(ROUNDS if calls > 0 else 0):
            started = time.perf_counter()
            for _ in range(calls):
                _once(tokenizer, line)
            best = min(best, (time.perf_counter() - started) / calls)
    finally:
        gc.enable()
    return best * 1e9 / len(line)


def _measure(tokenizer: Tokenizer, budget_s: float, *, calls: int | None = None) -> tuple[Row, list[Row]]:
    floor = Row(FLOOR[0], {size: _ns_per_char(tokenizer, FLOOR[1](size), budget_s) for size in SIZES})
    rows = [
        Row(name, {size: _ns_per_char(tokenizer, build(size), budget_s, calls=calls) for size in SIZES})
        for name, build in LINES
    ]
    return floor, rows


def _print_table(title: str, floor: Row, rows: list[Row]) -> None:
    largest = SIZES[-1]
    sizes = "".join(f"{f'{size // 1000}k ns/ch':>12}" for size in SIZES)
    print(f"{title}\n{'line':<22}{sizes}{'growth':>9}{'× floor':>9}")
    for row in (floor, *rows):
        figures = "".join(f"{row.ns_per_char[size]:12.1f}" for size in SIZES)
        ratio = row.ns_per_char[largest] / floor.ns_per_char[largest]
        print(f"{row.name:<22}{figures}{row.growth:9.2f}{ratio:9.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.tokenize", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="less timing per line (a few seconds in all)")
    parser.add_argument(
        "--reference", action="store_true", help="also time the old quadratic tokenizer (slow; figures only)"
    )
    args = parser.parse_args(argv)
    budget = QUICK_BUDGET_S if args.quick else FULL_BUDGET_S
    started = time.perf_counter()
    largest = SIZES[-1]
    print(f"tokenize bench: {len(LINES)} adversarial lines at {', '.join(map(str, SIZES))} characters")

    floor, rows = _measure(tokenize, budget)
    _print_table("tokenize (sqmsbot.cmd.tokens)", floor, rows)
    floor_ns = floor.ns_per_char[largest]
    ratios = {row.name: row.ns_per_char[largest] / floor_ns for row in rows}
    worst = max(ratios, key=lambda name: ratios[name])
    over = [name for name, ratio in ratios.items() if ratio > TARGET_RATIO]
    met = not over
    print(
        f"worst at {largest} characters: {worst!r}, {ratios[worst]:.2f}× the floor "
        f"(target ≤ {TARGET_RATIO:g}×); largest growth {max(row.growth for row in rows):.2f} (linear ≈ 1)"
    )
    if over:
        print(f"over {TARGET_RATIO:g}× the floor: {', '.join(over)}", file=sys.stderr)

    result: dict[str, Any] = {
        "bench": "tokenize",
        "sizes": list(SIZES),
        "floor": round(floor_ns, 2),
        "ratio": round(ratios[worst], 3),
        "worst": worst,
        "max_growth": round(max(row.growth for row in rows), 3),
        "floor_ns_per_char": {str(size): round(ns, 2) for size, ns in floor.ns_per_char.items()},
        "lines": {
            row.name: {
                "ns_per_char": {str(size): round(ns, 2) for size, ns in row.ns_per_char.items()},
                "growth": round(row.growth, 3),
                "ratio": round(ratios[row.name], 3),
            }
            for row in rows
        },
        "target_ratio": TARGET_RATIO,
        "met": met,
        "quick": args.quick,
    }
    if args.reference:
        from tests import tokens_reference

        old_floor, old_rows = _measure(tokens_reference.tokenize, budget, calls=0)
        _print_table(
            "old quadratic tokenizer (tests/tokens_reference.py), one call per line", old_floor, old_rows
        )
        result["reference_ns_per_char"] = {
            row.name: round(row.ns_per_char[largest], 2) for row in (old_floor, *old_rows)
        }
    result["wall_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result, ensure_ascii=False))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
