"""/kpi — how the service is doing: the headline KPIs of a period against the period before and the
targets, and the trend and Pareto charts.

Periods are local days of the department's time zone (the organisation's for the whole organisation):
`today`, `yesterday`, `week` (this ISO week), `month` (this month), `2026-11`, `2026-11-23`, or
`2026-11-01..2026-11-30` (both days included, at most a year). The department defaults to your own,
else the whole organisation. Anyone may read their own department's figures and the organisation's;
other departments' are for leads, managers, quality and admins (sqmsbot.domain.kpi.access).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from sqmsbot.cmd.dispatch import HELP_WORDS
from sqmsbot.cmd.spec import Args, Command, Subcommand
from sqmsbot.cmd.tokens import Token, tokenize
from sqmsbot.config import OrgConfig


@dataclass
class _FromFirstWord(Subcommand):
    """The default subcommand, given the word the dispatcher took for a subcommand name as well."""

    first: str = ""

    def bind(self, tokens: list[Token], *, org: OrgConfig | None = None) -> Args:
        return super().bind([*tokenize(self.first), *tokens], org=org)


class KpiCommand(Command):
    """`/kpi ops month` reads as "the KPIs of ops this month": a word that names no subcommand is the
    first argument of `show`, so the everyday form needs no subcommand word."""

    def find(self, word: str) -> Subcommand | None:
        found = super().find(word)
        if found is not None or word.lower() in HELP_WORDS:
            return found
        show = self.subcommands["show"]
        return _FromFirstWord(**{f.name: getattr(show, f.name) for f in fields(show)}, first=word)


command = KpiCommand("kpi", default="show")


# The modules register their subcommands on `command` as they are imported; help lists them in order.
# isort: off
from commands.kpi import show  # noqa: E402
from commands.kpi import volume  # noqa: E402
from commands.kpi import digests  # noqa: E402

# isort: on

__all__ = ["command", "digests", "show", "volume"]
