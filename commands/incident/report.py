"""Reporting and finding incidents: /incident (form), report, list, show."""

from __future__ import annotations

from typing import Literal

from commands._types import (
    PRIORITY_WORD,
    Category,
    CustomerRef,
    DepartmentKey,
    LongText,
    PageNumber,
    Priority,
    Ref,
    ServiceKey,
    ShortText,
    Source,
    Title,
)
from commands.incident import command
from commands.incident._common import changed, load, viewer_timezone
from commands.incident.forms import report_form
from sqmsbot.cmd.context import Ctx
from sqmsbot.cmd.help import command_help
from sqmsbot.cmd.request import Reply
from sqmsbot.cmd.spec import Args, NoArgs, Pos
from sqmsbot.domain import incidents, sla
from sqmsbot.domain.incident_queries import list_incidents
from sqmsbot.domain.incident_workflow import can_see_customer
from sqmsbot.errors import NotFound
from sqmsbot.messages import Message
from sqmsbot.presenters.incident import department_name, list_page, ref, service_name, timeline, title_line


@command.sub("new", form=report_form)
def new(ctx: Ctx, _args: NoArgs) -> Reply:
    """new

    Typing the bare command opens the report form (a Slack modal, a Lark form card, the console's
    questions: see commands/incident/forms.py). Run without one — where no answers can be asked for —
    it shows the help, which starts with `report`.
    """
    return Reply([command_help(command, ctx.t)])


class ReportArgs(Args):
    priority: Priority = "P3"
    service: ServiceKey
    title: Title
    category: Category | None = None
    source: Source = "complaint"
    customer_ref: CustomerRef | None = None
    description: LongText | None = None
    department: DepartmentKey | None = None


@command.sub(
    "report",
    positional=(Pos("priority", match=PRIORITY_WORD, optional=True), Pos("service"), Pos("title", rest=True)),
    aliases={
        "cust": "customer_ref",
        "customer": "customer_ref",
        "desc": "description",
        "cat": "category",
        "src": "source",
        "dept": "department",
        "p": "priority",
    },
    also=("上报", "报告"),
)
def report(ctx: Ctx, args: ReportArgs) -> Reply:
    """report [P1-P4] SERVICE "TITLE" [cust=REF] [cat=CATEGORY] [source=SOURCE] [desc="…"] [dept=DEPT]

    Shorthand first (priority, service, title), `key=value` for everything: what a frontline person
    can type in seconds while the customer is still on the line. Priority defaults to P3.
    """
    incident = incidents.report(
        ctx.session,
        org=ctx.org,
        actor=ctx.actor,
        platform=ctx.platform,
        now=ctx.now,
        priority=args.priority,
        service=args.service,
        title=args.title,
        source=args.source,
        category=args.category,
        customer_ref=args.customer_ref,
        description=args.description,
        department=args.department,
    )
    reply = changed(ctx, incident, incident.events[0], "incident.done.reported")
    where = department_name(ctx.org, incident.department, ctx.t.locale)
    extra = ctx.t(
        "incident.reported_where",
        department=where,
        service=service_name(ctx.org, incident.service, ctx.t.locale),
    )
    first = reply.messages[0]
    reply.messages[0] = first.model_copy(update={"text": first.text + "\n" + extra})
    return reply


class ListArgs(Args):
    scope: Literal["mine", "dept", "open", "all"] | None = None
    status: Literal["open", "new", "acknowledged", "waiting", "resolved", "closed"] | None = None
    priority: Priority | None = None
    service: ServiceKey | None = None
    department: DepartmentKey | None = None
    q: ShortText | None = None
    page: PageNumber = 1


@command.sub(
    "list",
    positional=(Pos("scope", match=r"mine|dept|open|all", optional=True),),
    aliases={"dept": "department", "p": "priority", "search": "q", "搜索": "q"},
    also=("列表",),
)
def list_(ctx: Ctx, args: ListArgs) -> Reply:
    """list [mine|dept|open|all] [status=S] [priority=P] [service=S] [dept=D] [q="WORDS"] [page=N]

    With no scope: the open incidents of your department, or yours if you have no department yet.
    `q=` finds the words in titles, and in the descriptions you may read.
    """
    org = ctx.org
    if args.department and org.department(args.department) is None:
        raise NotFound(
            "errors.unknown_department",
            department=args.department,
            choices=", ".join(org.department_by_key),
        )
    if args.service and org.service(args.service) is None:
        raise NotFound("errors.unknown_service", service=args.service, choices=", ".join(org.service_by_key))
    scope = args.scope
    status = args.status
    if scope == "open":
        scope, status = ("dept" if ctx.actor.department else "all"), status or "open"
    if scope is None:
        scope = "dept" if (ctx.actor.department or args.department) else "mine"
        if status is None and not any((args.priority, args.service, args.q)):
            status = "open"
    page = list_incidents(
        ctx.session,
        actor=ctx.actor,
        scope=scope,
        status=status,
        priority=args.priority,
        service=args.service,
        department=args.department,
        text=args.q,
        page=args.page,
    )
    dept = args.department or ctx.actor.department
    heading = ctx.t(
        "incident.list_heading." + scope,
        department=department_name(ctx.org, dept, ctx.t.locale) if dept else "",
        status=ctx.t("status." + status) if status else ctx.t("status.any"),
    )
    next_command = None
    if page.page < page.pages:
        words = [f"/incident list {scope}"]
        words += [
            f"{k}={v}"
            for k, v in (
                ("status", status),
                ("priority", args.priority),
                ("service", args.service),
                ("dept", args.department),
                ("q", f'"{args.q}"' if args.q else None),
            )
            if v
        ]
        next_command = " ".join([*words, f"page={page.page + 1}"])
    return Reply([list_page(page, org=ctx.org, t=ctx.t, heading=heading, next_command=next_command)])


class RefArgs(Args):
    ref: Ref


@command.sub("show", positional=(Pos("ref"),), also=("查看",))
def show(ctx: Ctx, args: RefArgs) -> Reply:
    """show SQ-N

    Fields and the whole timeline, times in the reader's own zone. The customer's details and the
    timeline are for the departments working on it, its reporter and quality; others see the summary.
    """
    incident = load(ctx, args.ref)
    if not can_see_customer(incident, ctx.actor):
        summary = title_line(incident, ctx.org, ctx.t)
        hint = ctx.t("incident.summary_only", ref=ref(incident, ctx.org))
        return Reply([Message(text=f"{summary}\n{hint}", ephemeral=True)])
    tz = viewer_timezone(ctx)
    entries = sla.timeline(incident)  # read by the domain: the presenter only draws it
    page = timeline(
        incident, org=ctx.org, t=ctx.t, timezone=tz, now=ctx.now, viewer=ctx.actor, entries=entries
    )
    return Reply([page])
