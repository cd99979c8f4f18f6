"""An error's arguments in the reader's words, shared by the dispatcher's replies and a form's field
errors, so that a refusal reads the same under a modal's input as in a reply."""

from __future__ import annotations

from sqmsbot.config import OrgConfig
from sqmsbot.i18n import Translator
from sqmsbot.presenters.errors import readable_args


def labelled(args: dict[str, object], *, t: Translator, org: OrgConfig) -> dict[str, object]:
    """Error arguments in the reader's words: field, status, department and role names, not keys."""
    out = readable_args(args, org=org, t=t)
    field = out.get("field")
    if isinstance(field, str) and t.has(f"fields.{field}"):
        out["field"] = t(f"fields.{field}")
    status = out.get("status")
    if isinstance(status, str) and t.has(f"status.{status}"):
        out["status"] = t(f"status.{status}")
    usage_name = out.get("usage_name")  # `"REASON"` as the usage line shows it, said in the reader's words
    if isinstance(usage_name, str):
        word = usage_name.strip('"[]@')
        out["usage_name"] = t(f"usage_names.{word}") if t.has(f"usage_names.{word}") else usage_name
    elif "field" in out:
        out["usage_name"] = out["field"]
    return out
