"""Error arguments in the reader's words: department names and role names instead of their keys.

The domain raises errors with keys (`department="logistics"`, `roles="lead, manager"`) because it
does not know who will read them; the dispatcher turns them into what the reader calls them,
in their language, so that a Chinese reply does not say "只有logistics部门…".
"""

from __future__ import annotations

from collections.abc import Mapping

from sqmsbot.config import OrgConfig
from sqmsbot.i18n import Translator
from sqmsbot.presenters.incident import department_name


def readable_args(args: Mapping[str, object], *, org: OrgConfig, t: Translator) -> dict[str, object]:
    """Known department keys become department names, incident numbers refs, role keys role names."""
    out = dict(args)
    department = out.get("department")
    if isinstance(department, str) and org.department(department) is not None:
        out["department"] = department_name(org, department, t.locale)
    number = out.get("incident")
    if isinstance(number, int):
        out["incident"] = f"{org.ref_prefix}-{number}"
    roles = out.get("roles")
    if isinstance(roles, str):
        names = [t("role." + r) if t.has("role." + r) else r for r in roles.split(", ")]
        out["roles"] = t("errors.list_separator").join(names)
    return out
