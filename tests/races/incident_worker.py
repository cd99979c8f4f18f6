"""One racing console process of the lost-update test: random commands on the same incidents.

    python -m tests.races.incident_worker URL INCIDENTS COMMANDS SEED

Each process is a separate Python interpreter with its own engine, the way two Slack replicas or
the inbound worker's processes are. It types random lifecycle commands (as random people of the
owning department) at the incidents SQ-1…SQ-INCIDENTS through the real dispatcher, and prints one
JSON line: per verb, how many replies said it was done (✅), refused it (⚠️), or broke (anything
else), and how many times a command lost a race and was decided again. The test then checks that
every ✅ left exactly one event and every history is a legal walk.
"""

from __future__ import annotations

import json
import logging
import os
import random
import sys
from collections import Counter

import commands
from sqmsbot.clock import SystemClock
from sqmsbot.cmd.request import CommandRequest
from sqmsbot.config import EXAMPLE_ORG_FILE, Settings, load_org_config
from sqmsbot.db import Database
from sqmsbot.runtime import Runtime

PEOPLE = ("li", "wu", "xu", "wang")  # ops members and its lead (the test creates them)
LINES = {
    "ack": "/incident ack SQ-{n}",
    "assign": "/incident assign SQ-{n}",
    "note": '/incident note SQ-{n} "checked"',
    "wait": '/incident wait SQ-{n} "need the receipt"',
    "resume": "/incident resume SQ-{n}",
    "resolve": '/incident resolve SQ-{n} "refunded"',
    "reopen": '/incident reopen SQ-{n} "still broken"',
    "close": "/incident close SQ-{n}",
}


class _Races(logging.Handler):
    """Counts the commands the dispatcher ran again because another process changed the row first."""

    lost = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.lost += "lost a race" in record.getMessage()


def main(url: str, incidents: int, count: int, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    races = _Races()
    logging.getLogger("sqmsbot.cmd.dispatch").addHandler(races)
    logging.getLogger("sqmsbot.cmd.dispatch").setLevel(logging.INFO)
    logging.basicConfig(level=logging.WARNING)  # an unexpected error's trace goes to stderr, for the test
    runtime = Runtime(
        settings=Settings(database_url=url, config=EXAMPLE_ORG_FILE),
        org=load_org_config(EXAMPLE_ORG_FILE),
        db=Database(url),
        clock=SystemClock(),
    )
    outcomes: Counter[str] = Counter()
    try:
        for _ in range(count):
            verb = rng.choice(list(LINES))
            line = LINES[verb].format(n=rng.randint(1, incidents))
            who = rng.choice(PEOPLE)
            request = CommandRequest(platform="console", channel="#ops", user_id=who, text=line)
            reply = commands.dispatch(request, runtime=runtime).text
            outcome = "done" if reply.startswith("✅") else "refused" if reply.startswith("⚠️") else "broke"
            outcomes[f"{verb}:{outcome}"] += 1
            if outcome == "broke":
                outcomes[f"broke:{reply[:200]}"] += 1
    finally:
        runtime.db.dispose()
    return {"pid": os.getpid(), "outcomes": dict(outcomes), "races_lost": races.lost}


if __name__ == "__main__":
    url, incidents, count, seed = sys.argv[1:5]
    print(json.dumps(main(url, int(incidents), int(count), int(seed))), flush=True)
