"""The charts as a reader gets them: real PNGs of a sensible size, labelled in their language, Chinese
drawn with real glyphs (no tofu boxes) on a machine without any system CJK font, nothing for an empty
period, the same bytes for the same input, safe from several threads, and no figure left open."""

from __future__ import annotations

import struct
import subprocess
import sys
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from matplotlib import _pylab_helpers
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.text import Text

from sqmsbot.charts import MAX_BARS, Pareto, Trend, digest_chart, fonts, pareto_chart, trend_chart, wrap_label
from sqmsbot.charts.figures import date_label, digest_figure, pareto_figure, trend_figure
from sqmsbot.config import REPO_ROOT
from sqmsbot.i18n import Translator

EN, ZH = Translator("en"), Translator("zh_CN")
DAYS = [date(2026, 10, 25) + timedelta(days=i) for i in range(30)]
VOLUME = [(i * 7) % 23 for i in range(30)]  # some days with none
ATTAINMENT: list[float | None] = [
    None if v == 0 else 0.86 + ((i * 5) % 14) / 100 for i, v in enumerate(VOLUME)
]
CAUSES_ZH = [
    ("等待时间过长", 42),
    ("账单与收费", 31),
    ("分支机构网络中断导致业务无法办理", 18),
    ("密码重置", 12),
    ("坐席提供错误信息", 9),
    ("打印机卡纸", 5),
    ("VPN 连接失败", 4),
    ("手机应用升级后崩溃", 3),
    ("其他硬件", 2),
    ("杂项", 1),
]
CAUSES_EN = [
    ("Waiting time too long", 42),
    ("Billing and charges", 31),
    ("Network outage at the branch office", 18),
    ("Password reset", 12),
]
MISSING_GLYPH = r"Glyph .* missing from font"


def trend(**changes: object) -> Trend:
    values: dict[str, object] = {"days": DAYS, "volume": VOLUME, "attainment": ATTAINMENT, "target": 0.95}
    values.update(changes)
    return Trend(**values)  # type: ignore[arg-type]


@contextmanager
def no_tofu() -> Iterator[None]:
    """matplotlib only warns when a font lacks a glyph and draws an empty box: here that fails."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=MISSING_GLYPH, category=UserWarning)
        yield


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def texts(figure: Figure) -> list[Text]:
    figure.canvas.draw()  # tick labels exist once drawn
    return [text for text in figure.findobj(Text) if text.get_text() and text.get_visible()]


def all_text(figure: Figure) -> str:
    return "\n".join(text.get_text() for text in texts(figure))


# --- the font -------------------------------------------------------------------------------------


def test_the_cjk_font_comes_from_its_package_not_the_system() -> None:
    assert fonts.CJK_PATH is not None, "noto-cjk-sans-otc is not installed"
    found = findfont(FontProperties(family=fonts.CJK_FAMILY), fallback_to_default=False)
    assert Path(found).resolve() == Path(fonts.CJK_PATH).resolve()
    assert "site-packages" in fonts.CJK_PATH or "dist-packages" in fonts.CJK_PATH
    assert getattr(found, "face_index", None) == 2  # the Simplified Chinese face of the collection


@pytest.mark.parametrize("chart", ["trend", "pareto", "digest"])
def test_chinese_charts_have_no_missing_glyph(chart: str) -> None:
    with no_tofu():
        if chart == "trend":
            data = trend_chart(
                days=DAYS, volume=VOLUME, attainment=ATTAINMENT, target=0.95, t=ZH, title="运营部 — 30天趋势"
            )
        elif chart == "pareto":
            data = pareto_chart(causes=CAUSES_ZH, t=ZH, title="客服中心 — 原因分布")
        else:
            data = digest_chart(trend=trend(), pareto=Pareto(CAUSES_ZH), t=ZH, title="运营部 — 截至11月23日")
    assert data is not None


def test_english_charts_have_no_missing_glyph_even_with_chinese_cause_names() -> None:
    with no_tofu():
        data = digest_chart(
            trend=trend(), pareto=Pareto([*CAUSES_EN, ("账单与收费", 7)]), t=EN, title="Operations — Nov 23"
        )
    assert data is not None


def test_the_tofu_check_does_catch_a_missing_glyph(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above is not vacuous: without the CJK font the same chart fails it."""
    monkeypatch.setattr(fonts, "families", lambda locale: [fonts.LATIN_FAMILY])
    with no_tofu(), pytest.raises(UserWarning, match=MISSING_GLYPH):
        pareto_chart(causes=[("没有字体时的原因", 3)], t=ZH, title="缺字测试")


def test_every_text_names_the_readers_font_first() -> None:
    for t, first in ((ZH, fonts.CJK_FAMILY), (EN, fonts.LATIN_FAMILY)):
        figure = digest_figure(trend(), Pareto(CAUSES_ZH), t=t, title="x")
        assert figure is not None
        for text in texts(figure):
            assert text.get_fontfamily()[0] == first, (t.locale, text.get_text())


# --- size and labels ------------------------------------------------------------------------------


@pytest.mark.parametrize("t", [EN, ZH], ids=["en", "zh_CN"])
def test_real_pngs_of_a_sensible_size(t: Translator) -> None:
    causes = CAUSES_ZH if t is ZH else CAUSES_EN
    for data in (
        trend_chart(days=DAYS, volume=VOLUME, attainment=ATTAINMENT, target=0.95, t=t, title="T"),
        pareto_chart(causes=causes, t=t, title="P"),
        digest_chart(trend=trend(), pareto=Pareto(causes), t=t, title="D"),
    ):
        assert data is not None
        width, height = png_size(data)
        assert 600 <= width <= 2000 and 600 <= height <= 2000, (width, height)
        assert 10_000 < len(data) < 300_000


@pytest.mark.parametrize("t", [EN, ZH], ids=["en", "zh_CN"])
def test_the_trend_has_labelled_axes_title_legend_and_dates(t: Translator) -> None:
    figure = trend_figure(trend(), t=t, title="Ops 30 days")
    assert figure is not None
    left, right = figure.axes
    assert left.get_xlabel() == t("charts.trend.x")
    assert left.get_ylabel() == t("charts.trend.volume_axis")
    assert right.get_ylabel() == t("charts.trend.attainment_axis")
    assert figure.get_suptitle() == "Ops 30 days"
    legend = left.get_legend()
    assert legend is not None
    assert [text.get_text() for text in legend.get_texts()] == [
        t("charts.trend.volume"),
        t("charts.trend.attainment"),
        t("charts.trend.target", percent="95%"),
    ]
    ticks = [label.get_text() for label in left.get_xticklabels()]
    assert 2 <= len(ticks) <= 8
    assert ticks[-1] == date_label(DAYS[-1], t)  # the latest day is always labelled
    assert right.get_ylim()[1] >= 100 and right.get_ylim()[0] >= 0


def test_dates_read_in_the_readers_language() -> None:
    assert date_label(date(2026, 11, 23), EN) == "Nov 23"
    assert date_label(date(2026, 11, 23), ZH) == "11月23日"


def test_no_target_no_target_line() -> None:
    figure = trend_figure(trend(target=None), t=EN, title="x")
    assert figure is not None
    legend = figure.axes[0].get_legend()
    assert legend is not None
    assert len(legend.get_texts()) == 2


@pytest.mark.parametrize("t", [EN, ZH], ids=["en", "zh_CN"])
def test_the_pareto_has_labelled_axes_and_a_0_to_100_percent_axis(t: Translator) -> None:
    figure = pareto_figure(Pareto(CAUSES_EN), t=t, title="Causes")
    assert figure is not None
    left, right = figure.axes
    assert left.get_xlabel() == t("charts.pareto.x")
    assert left.get_ylabel() == t("charts.pareto.count_axis")
    assert right.get_ylabel() == t("charts.pareto.cumulative_axis")
    assert right.get_ylim() == (0, 105)
    ticks = [label.get_text() for label in left.get_xticklabels()]
    assert ticks == [wrap_label(name) for name, _ in CAUSES_EN]
    assert ticks[1] == "Billing and\ncharges" and ticks[2].endswith("…")
    (line,) = right.get_lines()[:1]
    assert np.asarray(line.get_ydata(), dtype=float)[-1] == pytest.approx(100.0)
    references = [np.asarray(ref.get_ydata(), dtype=float).tolist() for ref in right.get_lines()]
    assert [80.0, 80.0] in references  # the 80 % line


def test_many_causes_end_in_other() -> None:
    many = [(f"原因{i}", 50 - i) for i in range(25)]
    figure = pareto_figure(Pareto(many), t=ZH, title="x")
    assert figure is not None
    ticks = [label.get_text() for label in figure.axes[0].get_xticklabels()]
    assert len(ticks) == MAX_BARS
    assert ticks[-1] == ZH("charts.other", n=25 - (MAX_BARS - 1))
    assert ticks[0] == "原因0"


# --- empty periods --------------------------------------------------------------------------------


def test_empty_data_draws_nothing() -> None:
    assert trend_chart(days=[], volume=[], attainment=[], target=0.95, t=EN, title="x") is None
    assert (
        trend_chart(days=DAYS[:3], volume=[0, 0, 0], attainment=[None] * 3, target=None, t=EN, title="x")
        is None
    )
    assert pareto_chart(causes=[], t=ZH, title="x") is None
    assert pareto_chart(causes=[("等待时间过长", 0)], t=ZH, title="x") is None
    assert digest_chart(trend=Trend([], [], []), pareto=Pareto([]), t=ZH, title="x") is None


@pytest.mark.parametrize("t", [EN, ZH], ids=["en", "zh_CN"])
def test_an_empty_half_of_the_digest_says_so(t: Translator) -> None:
    no_causes = digest_figure(trend(), Pareto([]), t=t, title="x")
    assert no_causes is not None
    assert t("charts.pareto.empty") in all_text(no_causes)
    no_trend = digest_figure(Trend([], [], []), Pareto(CAUSES_EN), t=t, title="x")
    assert no_trend is not None
    assert t("charts.trend.empty") in all_text(no_trend)


def test_one_day_and_one_cause_still_draw() -> None:
    with no_tofu():
        assert (
            trend_chart(days=[DAYS[0]], volume=[3], attainment=[1.0], target=0.9, t=ZH, title="一天")
            is not None
        )
        assert pareto_chart(causes=[("等待时间过长", 1)], t=ZH, title="一个原因") is not None


# --- determinism, threads, no open figures --------------------------------------------------------


def test_the_same_input_gives_the_same_bytes() -> None:
    first = digest_chart(trend=trend(), pareto=Pareto(CAUSES_ZH), t=ZH, title="同一输入")
    again = digest_chart(trend=trend(), pareto=Pareto(CAUSES_ZH), t=ZH, title="同一输入")
    assert first is not None and first == again
    assert b"Software" not in first and b"matplotlib" not in first


def test_rendering_in_threads_gives_the_same_bytes_as_alone() -> None:
    jobs = [(EN, CAUSES_EN, "Ops"), (ZH, CAUSES_ZH, "运营部")] * 3

    def render(job: tuple[Translator, list[tuple[str, int]], str]) -> bytes | None:
        t, causes, title = job
        return digest_chart(trend=trend(), pareto=Pareto(causes), t=t, title=title)

    alone = [render(job) for job in jobs[:2]]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(render, jobs))
    assert together == alone * 3


def test_no_figure_is_left_open() -> None:
    digest_chart(trend=trend(), pareto=Pareto(CAUSES_EN), t=EN, title="x")
    assert _pylab_helpers.Gcf.get_num_fig_managers() == 0


def test_a_fresh_process_draws_chinese_without_pyplot_or_a_missing_glyph() -> None:
    """What a new server does: import, draw a zh_CN digest with every warning an error, and never load
    pyplot (whose global figure list would need closing)."""
    script = f"""
import sys, warnings
warnings.simplefilter("error")
from datetime import date
from sqmsbot.charts import Pareto, Trend, digest_chart
from sqmsbot.i18n import Translator
data = digest_chart(
    trend=Trend([date(2026, 11, 22), date(2026, 11, 23)], [4, 7], [0.9, None], 0.95),
    pareto=Pareto({CAUSES_ZH!r}),
    t=Translator("zh_CN"),
    title="客服部 — 每日摘要",
)
assert data and data[:4] == b"\\x89PNG"
assert "matplotlib.pyplot" not in sys.modules, "pyplot was imported"
print("ok")
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
