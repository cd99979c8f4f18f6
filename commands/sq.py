"""/sq — the bot itself: help, your language, who you are, and (for admins) roles and departments."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator
from sqlalchemy import select

import commands
from commands._types import Key, PersonRef
from sqmsbot.cmd.context import Ctx
from sqmsbot.cmd.help import command_help, overview
from sqmsbot.cmd.request import Reply
from sqmsbot.cmd.spec import Args, Command, NoArgs, Pos
from sqmsbot.domain import people
from sqmsbot.errors import NotFound, UsageError
from sqmsbot.i18n import Translator, normalise_locale
from sqmsbot.messages import Message
from sqmsbot.models import ROLES, Person
from sqmsbot.notifications.audience import person_timezone
from sqmsbot.presenters.incident import department_name

command = Command("sq")


@command.sub("help", also=("帮助",))
def help_(ctx: Ctx, _args: NoArgs) -> Reply:
    """help

    Every command with what it is for; `/<command> help` goes into one.
    """
    return Reply([overview(commands.registry().values(), ctx.t), command_help(command, ctx.t)])


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
    department: Key | None = None


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
    # NULLS LAST spelled out: SQLite and PostgreSQL disagree on where people without a department go.
    query = (
        select(Person)
        .where(Person.platform == ctx.platform)
        .order_by(Person.department.nulls_last(), Person.display_name)
    )
    if args.department:
        query = query.where(Person.department == args.department)
    found = ctx.session.scalars(query.limit(200)).all()
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
    positional=(Pos("action"), Pos("person"), Pos("value")),
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
        if args.value not in ROLES:
            raise UsageError(
                "errors.invalid_choice", field="role", value=args.value[:40], choices=", ".join(ROLES)
            )
        old = people.set_role(ctx.session, actor=ctx.actor, subject=subject, role=args.value)
        text = t(
            "sq.role_set", person=subject.display_name, old=t("role." + old), new=t("role." + args.value)
        )
    else:
        people.set_department(
            ctx.session, actor=ctx.actor, subject=subject, org=ctx.org, department=args.value
        )
        text = t(
            "sq.dept_set",
            person=subject.display_name,
            department=department_name(ctx.org, args.value, t.locale),
        )
    return Reply([Message(text=text, ephemeral=True)])
