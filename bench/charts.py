"""Chart rendering time per image, against saving an empty figure of the same size.

Run from the repository root::

    .venv/bin/python -m bench.charts [--quick]

Issue 11: the digest carries one chart image per department, and `/kpi chart` draws one on demand;
each must take at most 300 ms (TARGET_MS). Each chart of `sqmsbot.charts` — the trend (30 days), the
Pareto (25 causes folded to 8 bars), the digest (both stacked) in zh_CN and the digest in en — is
rendered to PNG bytes ROUNDS times (`--quick`: QUICK_ROUNDS) after WARMUP untimed renders, with
realistic synthetic data (Chinese cause names, attainment around its target, a few empty days).

The **floor**, measured in the same run and in the same way: an empty `Figure` of the digest's size
and resolution saved to PNG by the same call — what rasterising and encoding an image of that size
costs with nothing drawn on it.

Printed: min and median ms per image for each chart and the floor, each chart's median over the
floor's; then one JSON line with `bench`, per-chart `min_ms` / `median_ms` / `ratio` / `bytes`,
`floor` (the floor's median ms), `ratio` (the slowest chart's median over the floor), `first_ms`
(the process's first chart, fonts loaded cold), `target_ms`, `met`. The exit status is 1 when a
chart's median is over TARGET_MS, so `make bench` catches a regression.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sqmsbot.charts import Pareto, Trend, digest_chart, pareto_chart, png, trend_chart
from sqmsbot.charts.figures import DIGEST_SIZE, DPI
from sqmsbot.i18n import Translator

TARGET_MS = 300.0
ROUNDS, QUICK_ROUNDS = 20, 5
WARMUP = 2

CAUSES = (
    "等待时间过长",
    "账单与收费",
    "分支机构网络中断导致业务无法办理",
    "密码重置",
    "坐席提供错误信息",
    "打印机卡纸",
    "VPN 连接失败",
    "手机应用升级后崩溃",
    "Billing system timeout",
    "Wrong address on the contract",
)


def _data(seed: int = 11) -> tuple[Trend, Pareto]:
    """Thirty days ending on a Monday in November, about 25 incidents a day, attainment 85–100 %
    against a 95 % target, a quiet day now and then; 25 causes with a long tail."""
    rng = random.Random(seed)
    end = date(2026, 11, 23)
    days = [end - timedelta(days=29 - i) for i in range(30)]
    volume = [0 if rng.random() < 0.1 else rng.randint(5, 45) for _ in days]
    attainment = [None if v == 0 else min(1.0, rng.uniform(0.85, 1.02)) for v in volume]
    names = [*CAUSES, *(f"其他原因 {i}" for i in range(15))]
    causes = [(name, max(1, int(60 / (i + 1)) + rng.randint(0, 3))) for i, name in enumerate(names)]
    return Trend(days, volume, attainment, 0.95), Pareto(causes)


def _empty_png() -> bytes:
    figure = Figure(figsize=DIGEST_SIZE, dpi=DPI)
    FigureCanvasAgg(figure)
    return png(figure)


def _time(render: Callable[[], bytes | None], rounds: int) -> tuple[list[float], int]:
    """ms per call over `rounds` calls after WARMUP; gc collected before and kept off while timing,
    so a collection of the previous figures lands on no one chart."""
    size = 0
    for _ in range(WARMUP):
        size = len(render() or b"")
    gc.collect()
    gc.disable()
    times: list[float] = []
    try:
        for _ in range(rounds):
            started = time.perf_counter()
            render()
            times.append((time.perf_counter() - started) * 1000)
            gc.enable()
            gc.collect()
            gc.disable()
    finally:
        gc.enable()
    return times, size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.charts", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_ROUNDS} renders per chart, not {ROUNDS}"
    )
    args = parser.parse_args(argv)
    rounds = QUICK_ROUNDS if args.quick else ROUNDS
    started = time.perf_counter()
    trend, pareto = _data()
    zh, en = Translator("zh_CN"), Translator("en")

    first_started = time.perf_counter()
    digest_chart(trend=trend, pareto=pareto, t=zh, title="运营部 — 截至11月23日的30天")
    first_ms = (time.perf_counter() - first_started) * 1000

    charts: dict[str, Callable[[], bytes | None]] = {
        "trend_zh": lambda: trend_chart(
            days=trend.days,
            volume=trend.volume,
            attainment=trend.attainment,
            target=trend.target,
            t=zh,
            title="运营部 — 30天趋势",
        ),
        "pareto_zh": lambda: pareto_chart(causes=pareto.causes, t=zh, title="运营部 — 30天原因"),
        "digest_zh": lambda: digest_chart(
            trend=trend, pareto=pareto, t=zh, title="运营部 — 截至11月23日的30天"
        ),
        "digest_en": lambda: digest_chart(
            trend=trend, pareto=pareto, t=en, title="Operations — 30 days to Nov 23"
        ),
    }
    print(
        f"charts bench: {rounds} renders per chart after {WARMUP} warm-up, {DPI} dpi; "
        f"first chart {first_ms:.0f} ms"
    )
    floor_times, floor_bytes = _time(_empty_png, rounds)
    floor = statistics.median(floor_times)
    print(f"{'chart':<12}{'min ms':>9}{'median ms':>11}{'× floor':>9}{'KB':>7}")
    print(f"{'floor':<12}{min(floor_times):9.1f}{floor:11.1f}{1:9.2f}{floor_bytes / 1024:7.0f}")
    figures: dict[str, dict[str, Any]] = {}
    for name, render in charts.items():
        times, size = _time(render, rounds)
        median = statistics.median(times)
        figures[name] = {
            "min_ms": round(min(times), 1),
            "median_ms": round(median, 1),
            "ratio": round(median / floor, 2),
            "bytes": size,
        }
        print(f"{name:<12}{min(times):9.1f}{median:11.1f}{median / floor:9.2f}{size / 1024:7.0f}")
    slowest = max(figures, key=lambda name: figures[name]["median_ms"])
    met = all(f["median_ms"] <= TARGET_MS for f in figures.values())
    print(
        f"slowest: {slowest} {figures[slowest]['median_ms']:.0f} ms per image (target ≤ {TARGET_MS:.0f} ms), "
        f"{figures[slowest]['ratio']:.1f}× the floor"
    )
    if not met:
        print(f"over {TARGET_MS:.0f} ms per image: {slowest}", file=sys.stderr)
    result: dict[str, Any] = {
        "bench": "charts",
        "rounds": rounds,
        "charts": figures,
        "floor": round(floor, 1),
        "floor_min_ms": round(min(floor_times), 1),
        "ratio": figures[slowest]["ratio"],
        "slowest": slowest,
        "first_ms": round(first_ms, 1),
        "target_ms": TARGET_MS,
        "met": met,
        "quick": args.quick,
        "wall_s": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
