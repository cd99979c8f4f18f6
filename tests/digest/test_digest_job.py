"""The morning digest in the console: yesterday's figures against the day before and the 7-day
average, the missed commitments of the last 24 hours, the oldest open incidents and one chart, in
each department's channel and language, on working days only; a quiet line for a quiet department.

The store holds the hand-computed Monday of tests/kpi/scenario.py (five P1 incidents in IT); the
clock moves from Monday 09:00 to Tuesday 08:31 in Shanghai, past the departments' 08:30 digests.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import datetime
from pathlib import Path

import pytest
from slack_sdk.models.blocks import Block
from sqlalchemy import select

import jobs
from sqmsbot.config import EXAMPLE_ORG_FILE, ConfigError, load_org_config
from sqmsbot.domain.kpi.digest import gather
from sqmsbot.i18n import Translator
from sqmsbot.messages import Image, Message
from sqmsbot.models import JobRun, OutboxMessage
from sqmsbot.platforms.slack.blocks import message_blocks
from sqmsbot.presenters import digest as present
from sqmsbot.runtime import Runtime
from sqmsbot.scheduling import run_due
from tests.conftest import START, Transcript
from tests.kpi.scenario import desk, one_day, utc

PNG = b"\x89PNG\r\n\x1a\n"
TUESDAY_0831 = "2026-11-24T08:31"


@pytest.fixture
def console(runtime: Runtime, tmp_path: Path) -> Transcript:
    with runtime.db.transaction() as session:
        one_day(desk(session, runtime.org))
    settings = runtime.settings.model_copy(update={"files_dir": tmp_path / "files"})
    return Transcript(dataclasses.replace(runtime, settings=settings))


def _post(out: str, channel: str, starting: str = "☀️") -> list[str]:
    """The lines of the post in `channel` starting with `starting` (continuation lines are indented
    under its tag; the SLA alerts of the night are posted there too)."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"[{channel}] {starting}"))
    post = [lines[start].removeprefix(f"[{channel}] ")]
    for line in lines[start + 1 :]:
        if not line.startswith(" "):
            break
        post.append(line.strip())
    return post


def _outbox_keys(runtime: Runtime, prefix: str) -> list[str]:
    with runtime.db.transaction() as session:
        keys = session.scalars(
            select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.like(f"{prefix}%"))
        )
        return sorted(keys)


def test_tuesday_morning_digest_of_the_hand_computed_monday(console: Transcript, tmp_path: Path) -> None:
    out = console(f":clock {TUESDAY_0831}")
    it = _post(out, "#it")
    assert it[:14] == [
        "☀️ Morning digest · IT · 2026-11-23",
        "Reported: 5 · day before ▲ 0 · 7-day daily avg ▲ 0.0",
        "Resolved: 3 · day before ▲ 0 · 7-day daily avg ▲ 0.0",
        # acknowledged after 10, 20, 40 and 30 minutes; resolved after 1, 2 and 3 hours
        "Time to acknowledge, mean: 0.42 h · target 0.50 h ✅",
        "Time to acknowledge, median: 0.42 h",
        "Time to resolve, mean: 2.00 h · target 8.00 h ✅",
        "Time to resolve, median: 2.00 h",
        # acknowledge within 15 minutes: A kept it; B, C and E were late, D never came
        "SLA met: acknowledge: 20.0% · target 95.0% ⚠️",
        # first response within 30 minutes: B by its note, E by its resolution at 01:30
        "SLA met: first response: 40.0% · target 95.0% ⚠️",
        # resolve within 4 h: A, B and E kept it; C and D were still open at 05:00 (breached)
        "SLA met: resolve: 60.0% · target 95.0% ⚠️",
        "First-contact resolution: 33.3% · target 80.0% ⚠️",
        "Reopened: 33.3% · target 5.0% ⚠️",
        "Open at the end: 2 · day before ▲ 0",
        "Open and past due: 2 · day before ▲ 0",
    ]
    # nothing like it in the 4 weeks before: the service and the (missing) cause moved
    moved = it.index("What changed")
    assert it[moved + 1 : moved + 3] == [
        "• Mobile app: 5 incidents yesterday, usually none (▲).",
        "• Not categorised: 5 incidents yesterday, usually none (▲).",
    ]
    # the commitments missed since Monday's digest, latest first: acknowledge within 15 min
    # (B, C, D, E), first response within 30 min (A, C, D), resolve within 4 h (C, D: 13:00 local)
    breaches = it.index("Missed commitments since the last digest (2026-11-23 08:30): 9")
    assert it[breaches + 1 : breaches + 4] == [
        "• SQ-4 P1 · Resolve missed at 13:00 · The app crashes at checkout",
        "• SQ-3 P1 · Resolve missed at 13:00 · The app crashes at checkout",
        "• SQ-4 P1 · First response missed at 09:30 · The app crashes at checkout",
    ]
    assert it[breaches + 6] == "…and 4 more"
    oldest = it.index("Oldest open (2 open)")
    assert it[oldest + 1] == "• SQ-3 P1 · Acknowledged · open 23h 30m · The app crashes at checkout"
    assert it[oldest + 2] == "• SQ-4 P1 · New · open 23h 30m · The app crashes at checkout"
    assert it[-2].startswith("As of 2026-11-24 08:30 +08:00. ")
    shown = re.fullmatch(r"📎 digest-it\.png: (\S+)", it[-1])
    assert shown is not None
    png = Path(shown.group(1)).read_bytes()
    assert png.startswith(PNG) and 20_000 < len(png) < 1_000_000
    # Customer Service had nothing: one line in its own language, no chart
    assert _post(out, "#ops") == [
        "☀️ 客户服务部 · 2026-11-23：平稳的一天。没有新报告、解决或超时的事件，也没有未结事件。"
    ]


def _digests_until(runtime: Runtime, end: datetime) -> None:
    """The scheduler's runner over (START, end] with the digest alone (no minute-by-minute SLA watch)."""
    run_due(runtime, START, end, registry={"digest": jobs.registry()["digest"]})


def test_one_digest_per_department_and_working_day(console: Transcript, runtime: Runtime) -> None:
    """Tuesday 24 November to Tuesday 1 December: no post on the weekend; Monday's post is proof that
    the weekend's periods have passed."""
    _digests_until(runtime, utc("2026-12-01 01:00"))
    assert _outbox_keys(runtime, "digest/it/") == [
        "digest/it/2026-11-24",
        "digest/it/2026-11-25",
        "digest/it/2026-11-26",
        "digest/it/2026-11-27",
        "digest/it/2026-11-30",
        "digest/it/2026-12-01",
    ]


def test_a_24x7_department_hears_every_day(runtime: Runtime, tmp_path: Path) -> None:
    """A department whose commitments all count round the clock has no days off."""
    org = runtime.org
    policies = [p.model_copy(update={"calendar": "round-the-clock"}) for p in org.sla.policies]
    always = dataclasses.replace(
        runtime, org=org.model_copy(update={"sla": org.sla.model_copy(update={"policies": policies})})
    )
    _digests_until(
        dataclasses.replace(always, settings=runtime.settings.model_copy(update={"files_dir": tmp_path})),
        utc("2026-11-30 01:00"),
    )
    assert _outbox_keys(runtime, "digest/it/") == [
        "digest/it/2026-11-24",
        "digest/it/2026-11-25",
        "digest/it/2026-11-26",
        "digest/it/2026-11-27",
        "digest/it/2026-11-28",
        "digest/it/2026-11-29",
        "digest/it/2026-11-30",
    ]


def test_the_digest_validates_as_block_kit_with_its_chart(runtime: Runtime) -> None:
    with runtime.db.transaction() as session:
        one_day(desk(session, runtime.org))
        it = runtime.org.department("it")
        assert it is not None
        digest = gather(session, department=it, org=runtime.org, now=utc("2026-11-24 00:30"))
    t = Translator("en")
    image = Image(blob="a" * 64, name="digest-it.png", alt="IT: the last 30 days")
    message: Message = present.message(digest, org=runtime.org, t=t, tz="Asia/Shanghai", image=image)
    blocks = message_blocks(message, t)
    assert [b["type"] for b in blocks][:2] == ["header", "section"]
    for block in blocks:
        Block.parse(block).validate_json()  # type: ignore[union-attr]
    png = present.chart_png(digest, org=runtime.org, t=t, title="IT")
    assert png is not None and png.startswith(PNG)


def test_each_department_chooses_its_digest_time(runtime: Runtime, tmp_path: Path) -> None:
    org = runtime.org
    early = [d.model_copy(update={"digest_at": "07:15"}) if d.key == "it" else d for d in org.departments]
    moved = dataclasses.replace(runtime, org=org.model_copy(update={"departments": early}))
    job = jobs.registry()["digest"]
    assert job.schedule.describe(moved.org.department("it")) == "cron 15 7 * * * (digest_at)"
    run_due(moved, START, utc("2026-11-24 00:00"), registry={"digest": job})  # to 08:00 Shanghai
    with runtime.db.transaction() as session:
        ran = session.execute(select(JobRun.period_key, JobRun.scheduled_at)).tuples().all()
    assert ran == [("digest/it/2026-11-24", utc("2026-11-23 23:15"))]  # the others' 08:30 is yet to come


@pytest.mark.parametrize("value", ["25:00", "8:30", "08:60", "", "早上八点", "08:30; DROP TABLE"])
def test_a_digest_time_that_is_no_time_is_refused_at_start(tmp_path: Path, value: str) -> None:
    text = EXAMPLE_ORG_FILE.read_text(encoding="utf-8").replace(
        'digest_at = "08:30"', f"digest_at = {json.dumps(value)}"
    )
    path = tmp_path / "org.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"departments\[0\]\.digest_at"):
        load_org_config(path)


def test_monday_covers_friday_to_sunday_and_the_weekends_breaches(runtime: Runtime) -> None:
    """An incident reported on Saturday and never acknowledged: Monday's digest (the first since
    Friday's) covers Friday to Sunday, counts it, and lists its missed commitments with their day."""
    with runtime.db.transaction() as session:
        d = desk(session, runtime.org)
        d.report(utc("2026-11-28 02:00"))  # Saturday, 10:00 Shanghai
    _digests_until(runtime, utc("2026-11-30 01:00"))
    with runtime.db.transaction() as session:
        posts = {
            row.dedupe_key: row.payload["text"]
            for row in session.scalars(
                select(OutboxMessage).where(OutboxMessage.dedupe_key.like("digest/it/%"))
            )
        }
    assert sorted(posts) == [f"digest/it/2026-11-{day}" for day in (24, 25, 26, 27, 30)]
    monday = posts["digest/it/2026-11-30"].splitlines()
    assert monday[0] == "☀️ Morning digest · IT · 2026-11-27 … 2026-11-29"
    assert monday[1] == "Reported: 1 · 3 days before ▲ 0 · 7-day avg for 3 days ▲ 0.0"
    breaches = monday.index("Missed commitments since the last digest (2026-11-27 08:30): 3")
    assert (
        monday[breaches + 1]
        == "• SQ-1 P1 · Resolve missed at 2026-11-28 14:00 +08:00 · The app crashes at checkout"
    )
    # Friday's digest, about Thursday, did not see it
    assert "SQ-1" not in posts["digest/it/2026-11-27"]
