"""Where the bot's own log lines go.

A server logs to standard error (level SQMS_LOG_LEVEL), where the process manager collects it. The
console is different: it shows what people would see, on a clock that stands still until `:clock`
moves it, and log lines stamped with the real time (`INFO jobs.sla_watch …`) interleaved with that
would read as part of the conversation. So in the console the log goes to a file, var/sqmsbot.log
beside the default store, at the same level; if that file cannot be written, only warnings and
errors reach the terminal.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

CONSOLE_LOG = Path("var") / "sqmsbot.log"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_to_file(path: Path = CONSOLE_LOG) -> Path | None:
    """Send the log to `path` instead of the terminal; returns the path, or None when it fell back to
    warnings on standard error."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if type(h) is logging.StreamHandler]:
        root.removeHandler(handler)  # basicConfig's terminal handler; tests' capture handlers stay
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        target: logging.Handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        target = logging.StreamHandler(sys.stderr)
        target.setLevel(logging.WARNING)
        found = None
    else:
        found = path
    target.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(target)
    return found
