"""Error arguments in the reader's words: department names and role names instead of their keys.

The domain raises errors with keys (`department="logistics"`, `roles="lead, manager"`) because it
does not know who will read them; this turns them into what the reader calls them, in their
language, so that a Chinese reply does not say "只有logistics部门…".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Protocol, TypeVar

from sqmsbot.config import OrgConfig
from sqmsbot.errors import SqmsError
from sqmsbot.i18n import Translator
from sqmsbot.presenters.incident import department_name

A = TypeVar("A")
R = TypeVar("R")


class Reader(Protocol):
    """What a handler context offers for this: the organisation and the reader's translator."""

    @property
    def org(self) -> OrgConfig: ...

    @property
    def t(self) -> Translator: ...


C = TypeVar("C", bound=Reader)


def readable_args(args: Mapping[str, object], *, org: OrgConfig, t: Translator) -> dict[str, object]:
    """Known department keys become department names; a list of role keys becomes role names."""
    out = dict(args)
    department = out.get("department")
    if isinstance(department, str) and org.department(department) is not None:
        out["department"] = department_name(org, department, t.locale)
    roles = out.get("roles")
    if isinstance(roles, str):
        names = [t("role." + r) if t.has("role." + r) else r for r in roles.split(", ")]
        out["roles"] = t("errors.list_separator").join(names)
    return out


def with_readable_errors(handler: Callable[[C, A], R]) -> Callable[[C, A], R]:
    """Wrap a subcommand handler so the errors it raises name things the way the reader does."""

    @wraps(handler)
    def run(ctx: C, args: A) -> R:
        try:
            return handler(ctx, args)
        except SqmsError as error:
            error.args_ = readable_args(error.args_, org=ctx.org, t=ctx.t)
            raise

    return run
