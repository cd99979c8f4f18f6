"""`/kpi volume SERVICE YYYY-MM-DD VOLUME [ERRORS]`: a service's volume (and errors) on a day, the
error rate's base.

The service is named by its key or its name in either language; a department stands for its service
when it owns exactly one (`/kpi volume finance 2026-11-23 800`), and one that owns several is
refused with their names rather than guessed at. The day may also be `today` or `yesterday`. Who
may, and what counts, is the domain's (sqmsbot.domain.kpi.volumes).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from commands.kpi import command
from sqmsbot.cmd.context import Ctx
from sqmsbot.cmd.names import find_department, find_service, fold
from sqmsbot.cmd.request import Reply
from sqmsbot.cmd.spec import Args, Pos
from sqmsbot.config import OrgConfig
from sqmsbot.domain.kpi import volumes
from sqmsbot.errors import NotFound
from sqmsbot.presenters import kpi as present

# Long enough for any number or name, short enough that a pasted page is refused at once.
Word = Annotated[str, Field(min_length=1, max_length=200)]


class VolumeArgs(Args):
    service: Word
    day: Word
    volume: Word
    errors: Word | None = None


def service_named(org: OrgConfig, word: str) -> str:
    """The service a word names, or the one service of the department it names."""
    found = find_service(org, word)
    if found is not None:
        return found
    department = find_department(org, word)
    if department is not None:
        return volumes.service_of_department(org, department=department)
    shown = " ".join(fold(word).split())
    raise NotFound(
        "errors.unknown_service",
        service=shown if len(shown) <= 40 else shown[:39] + "…",
        choices=", ".join(org.service_by_key),
    )


@command.sub(
    "volume",
    positional=(Pos("service"), Pos("day"), Pos("volume"), Pos("errors", optional=True)),
    also=("业务量",),
)
def volume(ctx: Ctx, args: VolumeArgs) -> Reply:
    """volume SERVICE YYYY-MM-DD VOLUME [ERRORS]

    Records how often a service was delivered on a day, and how many of those went wrong (without
    ERRORS, the incidents reported against it that day count). Recording a day again replaces it.
    """
    service = service_named(ctx.org, args.service)
    day = volumes.parse_day(args.day, today=volumes.local_today(ctx.org, service=service, now=ctx.now))
    count = volumes.parse_count(args.volume, field="volume")
    errors = None if args.errors is None else volumes.parse_count(args.errors, field="errors")
    done = volumes.record(
        ctx.session,
        org=ctx.org,
        actor=ctx.actor,
        service=service,
        day=day,
        volume=count,
        errors=errors,
        now=ctx.now,
    )
    return Reply([present.volume_recorded(done, t=ctx.t, org=ctx.org)])
