"""`console --demo`, then `:clock` to the next morning: the digest has something to say — the demo's
rough day on the hotline is named as a mover, its chart drawn — in each department's language."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from sqmsbot.demo import seed_demo
from sqmsbot.runtime import Runtime
from tests.commands import say
from tests.conftest import Transcript

PNG = b"\x89PNG\r\n\x1a\n"


# SQLite only: seeding 90 days through the domain takes half a minute on PostgreSQL, and every part of
# the digest is tested on both databases in the other files here.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_demo_morning_digest_names_the_rough_day(runtime: Runtime, tmp_path: Path) -> None:
    seed_demo(runtime)
    settings = runtime.settings.model_copy(update={"files_dir": tmp_path / "files"})
    console = Transcript(dataclasses.replace(runtime, settings=settings))
    morning = say(console, ":clock 2026-11-24T08:31")
    [ops] = [post for post in morning.to("#ops") if post.startswith("[#ops] ☀️ 晨间简报")]
    lines = [line.strip() for line in ops.splitlines()]
    moved = lines.index("变化")
    assert any(line.startswith("• 服务热线：昨天") for line in lines[moved + 1 : moved + 4]), lines
    chart = re.search(r"📎 附件 digest-ops\.png：(\S+)", ops)
    assert chart is not None and Path(chart.group(1)).read_bytes().startswith(PNG)
    [it] = [post for post in morning.to("#it") if post.startswith("[#it] ☀️")]
    assert "IT · 2026-11-23" in it and "昨天" not in it  # IT reads English
