"""What the `sqmsbot` sub-apps (`jobs`, `outbox`) share with the main CLI module: its terminal
translator and a runtime on a migrated store. The main module imports the sub-apps, so they reach
back into it only when a command runs."""

from __future__ import annotations

from sqmsbot.i18n import Translator
from sqmsbot.runtime import Runtime


def terminal_t() -> Translator:
    from sqmsbot.cli import _t

    return _t()


def migrated_runtime() -> Runtime:
    """The CLI's runtime (settings, organisation file, store) after the store's migrations ran."""
    from sqmsbot.cli import _runtime, _store
    from sqmsbot.migrate import upgrade

    runtime = _runtime()
    with _store(runtime.db.url):
        upgrade(runtime.db.url)
    return runtime
