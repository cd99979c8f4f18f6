"""The console shows what people would see (issue 8 §3.7): the bot's own log lines, stamped with the
real time, go to var/sqmsbot.log instead of interleaving with a conversation on the simulated clock."""

from __future__ import annotations

from pathlib import Path

from tests.test_cli import sqmsbot

LINES = (":as wang lead it", ":as me", '/incident report P1 app "Payments fail"', ":clock +20m")


def test_the_console_keeps_the_log_out_of_the_conversation(tmp_path: Path) -> None:
    done = sqmsbot(tmp_path, "console", stdin="\n".join(LINES) + "\n")
    assert done.returncode == 0, done.stderr
    assert "[#it ↳] ⚠️ SQ-1 · Acknowledge: 50%" in done.stdout  # the watch ran and people were told
    screen = done.stdout + done.stderr
    assert "INFO" not in screen and "jobs.sla_watch" not in screen
    log = (tmp_path / "var" / "sqmsbot.log").read_text(encoding="utf-8")
    assert "INFO jobs.sla_watch: sla_watch/" in log
