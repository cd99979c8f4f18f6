"""One outbox worker round in a process of its own, for the test that kills it mid-send.

    python -m tests.reliability.outbox_send_process URL SLACK_API_URL TOKEN START

A separate interpreter with its own engine and Slack client, as a replica is: it builds the outbox
worker exactly as the Slack adapter does, on a manual clock standing at START (ISO 8601), and sends
the due rows once. The test kills it (SIGKILL) while Slack holds the answer to its post, so nothing
after the send runs: the row is left as a dead process leaves it.
"""

from __future__ import annotations

import sys
from datetime import datetime

from sqmsbot.clock import ManualClock
from sqmsbot.config import EXAMPLE_ORG_FILE, Settings, load_org_config
from sqmsbot.db import Database
from sqmsbot.platforms.slack.delivery import make_client
from sqmsbot.platforms.slack.workers import outbox_worker
from sqmsbot.runtime import Runtime


def main(url: str, api_url: str, token: str, start: str) -> int:
    settings = Settings(database_url=url, config=EXAMPLE_ORG_FILE, slack_timeout=120)
    runtime = Runtime(
        settings=settings,
        org=load_org_config(EXAMPLE_ORG_FILE),
        db=Database(url),
        clock=ManualClock(datetime.fromisoformat(start)),
    )
    worker = outbox_worker(runtime, make_client(token, api_url))
    return worker.run_once()


if __name__ == "__main__":
    print(main(*sys.argv[1:5]))
