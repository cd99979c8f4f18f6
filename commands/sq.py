"""/sq — the bot itself: help, your language, your quiet hours, who you are, and (for admins) roles and
departments."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

import commands
from commands._types import DepartmentKey, PersonRef
from sqmsbot.cmd.context import Ctx
from sqmsbot.cmd.help import command_help, overview
from sqmsbot.cmd.names import department_key, find_role
from sqmsbot.cmd.request import Reply
from sqmsbot.cmd.spec import Args, Command, NoArgs, Pos
from sqmsbot.domain import people, working_hours
from sqmsbot.errors import NotFound, UsageError
from sqmsbot.i18n import Translator, normalise_locale
from sqmsbot.messages import Message
from sqmsbot.notifications.audience import person_timezone
from sqmsbot.presenters.incident import department_name
from sqmsbot.vocabulary import ROLES

command = Command("sq")


@command.sub("help", also=("帮助",))
def help_(ctx: Ctx, _args: NoArgs) -> Reply:
    """help

    Every command with what it is for; `/<command> help` goes into one.
    """
    every = overview(commands.registry().values(), ctx.t)
    return Reply([every, command_help(command, ctx.t, titled=False)])


def _locale(value: object) -> object:
    if isinstance(value, str):
        return normalise_locale(value) or {"中文": "zh_CN", "英文": "en"}.get(value.strip(), value)
    return value


class LangArgs(Args):
    language: Annotated[Literal["en", "zh_CN"], BeforeValidator(_locale)]


@command.sub("lang", positional=(Pos("language"),), also=("语言",))
def lang(ctx: Ctx, args: LangArgs) -> Reply:
    """lang en|zh_CN

    Your language for replies and private messages (channels use their department's).
    """
    people.set_locale(ctx.session, person=ctx.actor, locale=args.language)
    t = Translator(args.language)
    return Reply([Message(text=t("sq.lang_set"), ephemeral=True)])


QUIET_OFF = ("off", "always", "any", "关闭", "关", "随时")
QUIET_DEFAULT = ("default", "reset", "默认")
QUIET_SOURCE_KEYS = {
    "own": "sq.quiet_own",
    "default": "sq.quiet_default",
    "always": "sq.quiet_always",
    "none": "sq.quiet_none",
}


class QuietArgs(Args):
    hours: Annotated[str, Field(max_length=60)] | None = None


@command.sub("quiet", positional=(Pos("hours", optional=True, rest=True),), also=("免打扰", "工作时间"))
def quiet(ctx: Ctx, args: QuietArgs) -> Reply:
    """quiet [HH:MM-HH:MM | off | default]

    When private warnings may reach you; outside those hours they wait for your next working morning.
    """
    value = (args.hours or "").strip()
    if value.lower() in QUIET_OFF:
        working_hours.set_working_hours(ctx.session, person=ctx.actor, value=working_hours.ALWAYS)
    elif value.lower() in QUIET_DEFAULT:
        working_hours.set_working_hours(ctx.session, person=ctx.actor, value=None)
    elif value:
        working_hours.set_working_hours(ctx.session, person=ctx.actor, value=value)
    hours = working_hours.describe(ctx.org, person=ctx.actor)
    t = ctx.t
    dept = ctx.actor.department
    text = t(
        QUIET_SOURCE_KEYS[hours.source],
        hours=hours.spans,
        timezone=hours.timezone,
        department=department_name(ctx.org, dept, t.locale) if dept else ctx.org.name,
    )
    if hours.source in ("own", "default"):
        text += "\n" + t("sq.quiet_rule")
    return Reply([Message(text=text, ephemeral=True)])


@command.sub("me", also=("我",))
def me(ctx: Ctx, _args: NoArgs) -> Reply:
    """me

    Who the bot thinks you are: role, department, language, time zone.
    """
    a, t = ctx.actor, ctx.t
    dept = department_name(ctx.org, a.department, t.locale) if a.department else t("sq.no_department")
    text = t(
        "sq.me",
        name=a.display_name,
        role=t("role." + a.role),
        department=dept,
        language=t("language." + (a.locale or ctx.org.default_locale)),
        timezone=person_timezone(a, ctx.org),
    )
    return Reply([Message(text=text, ephemeral=True)])


class PeopleArgs(Args):
    department: DepartmentKey | None = None


@command.sub("people", positional=(Pos("department", optional=True),), aliases={"dept": "department"})
def people_(ctx: Ctx, args: PeopleArgs) -> Reply:
    """people [DEPT]

    Who is here, with roles and departments: so you know whom to assign or mention.
    """
    if args.department and ctx.org.department(args.department) is None:
        raise NotFound(
            "errors.unknown_department",
            department=args.department,
            choices=", ".join(ctx.org.department_by_key),
        )
    found = people.listed(ctx.session, platform=ctx.platform, department=args.department or None)
    if not found:
        return Reply([Message(text=ctx.t("sq.people_none"), ephemeral=True)])
    t = ctx.t
    lines = [
        f"{p.mention} · {t('role.' + p.role)} · "
        f"{department_name(ctx.org, p.department, t.locale) if p.department else t('sq.no_department')}"
        for p in found
    ]
    return Reply([Message(text=t("sq.people_heading") + "\n" + "\n".join(lines), ephemeral=True)])


class AdminArgs(Args):
    action: Literal["role", "dept"]
    person: PersonRef
    value: Annotated[str, BeforeValidator(lambda v: v.strip().lower() if isinstance(v, str) else v)]


@command.sub(
    "admin",
    positional=(Pos("action", shown="role|dept"), Pos("person"), Pos("value", shown="ROLE|DEPT")),
    aliases={"department": "value", "role_name": "value"},
    also=("管理",),
)
def admin(ctx: Ctx, args: AdminArgs) -> Reply:
    """admin role @PERSON member|lead|manager|quality|admin  ·  admin dept @PERSON DEPT

    Admins only. Roles decide who may change priorities, keep accountability records and see them.
    """
    people.require_role(ctx.actor, "admin")
    subject = people.person_from_ref(
        ctx.session,
        platform=ctx.platform,
        ref=args.person,
        now=ctx.now,
        directory=ctx.runtime.directory(ctx.platform),
    )
    t = ctx.t
    if args.action == "role":
        role = find_role(args.value)  # `quality`, or a title in either language: `质量专员`, `主管`
        if role is None:
            raise UsageError(
                "errors.invalid_choice", field="role", value=args.value[:40], choices=", ".join(ROLES)
            )
        old = people.set_role(ctx.session, actor=ctx.actor, subject=subject, role=role)
        text = t("sq.role_set", person=subject.display_name, old=t("role." + old), new=t("role." + role))
    else:
        department = department_key(ctx.org, args.value)  # `财务部` names finance too
        people.set_department(
            ctx.session, actor=ctx.actor, subject=subject, org=ctx.org, department=department
        )
        text = t(
            "sq.dept_set",
            person=subject.display_name,
            department=department_name(ctx.org, department, t.locale),
        )
    return Reply([Message(text=text, ephemeral=True)])
