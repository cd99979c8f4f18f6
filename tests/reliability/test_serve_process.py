"""Smoke test of the harness the fault scenarios build on: a real `sqmsbot serve` process on the fake
Slack takes a signed slash command and its worker process posts the incident card (SQLite, PostgreSQL)."""

from __future__ import annotations

from urllib.parse import urlencode

from tests.fakes.slack_api import FakeSlack
from tests.platforms.slack.harness import OPS, SECRET, wait_for
from tests.reliability.serve_process import ServeProcess, signed

REPORT = urlencode(
    {
        "team_id": "T0FAKE",
        "channel_id": OPS,
        "user_id": "U1",
        "user_name": "li",
        "command": "/incident",
        "text": 'report P1 hotline "Line down"',
        "trigger_id": "t-serve-process",
    }
)


def test_a_serve_process_answers_a_signed_report_and_posts_the_card(
    store_url: str, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user("U1", name="li", locale="en-US")
    server = ServeProcess(
        database_url=store_url,
        slack_api_url=fake_slack.api_url,
        token=fake_slack.token,
        signing_secret=SECRET,
    )
    with server:
        server.wait_ready()

        status, _, _ = signed(server.url, REPORT, "application/x-www-form-urlencoded", SECRET)
        forged, _, _ = signed(server.url, REPORT, "application/x-www-form-urlencoded", "forged")

        assert (status, forged) == (200, 401), server.log_tail()
        [card] = wait_for(lambda: fake_slack.messages(OPS), timeout=60)
        assert "SQ-1 · Line down" in card["blocks"][0]["text"]["text"]
        assert server.worker_pids(), "the card is posted by the server's worker process"
        assert server.rss_bytes() > 0
        workers = server.worker_pids()

    assert server.returncode is not None  # stopped on leaving the block, and its workers with it
    assert all(not _alive(pid) for pid in workers)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[-1][:1] != "Z"
    except FileNotFoundError:
        return False
