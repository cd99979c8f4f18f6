"""Buttons that need one more answer open a small modal first (DESIGN §3: buttons are commands).

Assign asks whom (a user picker, preset to the presser, so submitting unchanged means "I take
it"); Resolve asks for the resolution note and whether it was a first-contact resolution; Reopen
asks for the reason. The modal submits to the button's own command line.
"""

from __future__ import annotations

from sqmsbot.i18n import Translator
from sqmsbot.messages import Form, FormField

NOTE_LIMIT = 2000
FORM_VERBS = ("assign", "resolve", "reopen")


def needs_form(line: str) -> bool:
    """Whether pressing this button opens a modal first (decided without a translator or a lookup)."""
    words = line.split()
    return len(words) == 3 and words[0] == "incident" and words[1] in FORM_VERBS


def button_form(line: str, t: Translator, *, user_id: str) -> Form | None:
    """The modal a button's command line needs before it can run, or None to run it at once."""
    if not needs_form(line):
        return None
    verb = line.split()[1]
    fields: tuple[FormField, ...]
    if verb == "assign":
        title = t("slack.assign_title")
        fields = (FormField(name="person", label=t("fields.assignee"), kind="user", initial=user_id),)
    elif verb == "resolve":
        title = t("slack.resolve_title")
        fields = (
            FormField(
                name="note",
                label=t("fields.resolution"),
                kind="long_text",
                required=True,
                max_length=NOTE_LIMIT,
            ),
            FormField(name="fcr", label=t("fields.fcr"), kind="checkbox"),
        )
    elif verb == "reopen":
        title = t("slack.reopen_title")
        fields = (
            FormField(
                name="note",
                label=t("slack.note_reason"),
                kind="long_text",
                required=True,
                max_length=NOTE_LIMIT,
            ),
        )
    else:
        return None
    return Form(title=title, command=line, fields=fields, submit_label=t("slack.submit"))
