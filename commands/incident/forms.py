"""The forms incident subcommands declare: what to ask before a line runs (sqmsbot.cmd.form_request).

- the bare `/incident` (its default subcommand, `new`) asks for a whole report;
- a card's Assign button (`incident assign SQ-N`) asks whom, preset to whoever pressed it, so that
  submitting it unchanged means "I take it";
- Resolve asks for the resolution note and whether it was a first-contact resolution;
- Reopen asks for the reason.

Each submits to the line it stands for (`incident report`, `incident resolve SQ-N`) with its fields
as `key="value"`. A line that already says more (`incident assign SQ-1 <@U3>`) runs as it is.
"""

from __future__ import annotations

from commands._types import CUSTOMER_REF_MAX, LONG_TEXT_MAX, NOTE_MAX, TITLE_MAX
from sqmsbot.cmd.form_request import FormRequest
from sqmsbot.domain import incidents
from sqmsbot.messages import Form, FormField


def report_form(*, request: FormRequest) -> Form | None:
    """Every field of `incident report`, in the reader's language, for the bare command."""
    if request.words:  # `incident new …`: nothing to preset; the dispatcher answers it
        return None
    t, org = request.t, request.org
    fields = (
        FormField(
            name="priority",
            label=t("fields.priority"),
            kind="select",
            required=True,
            initial="P3",
            options=tuple((p, p) for p in incidents.PRIORITIES),
        ),
        FormField(
            name="service",
            label=t("fields.service"),
            kind="select",
            required=True,
            options=tuple((s.key, s.name.get(t.locale)) for s in org.services),
        ),
        FormField(
            name="category",
            label=t("fields.category"),
            kind="select",
            options=tuple((c, t("category." + c)) for c in incidents.CATEGORIES),
        ),
        FormField(
            name="source",
            label=t("fields.source"),
            kind="select",
            initial="complaint",
            options=tuple((s, t("source." + s)) for s in incidents.SOURCES),
        ),
        FormField(name="customer_ref", label=t("fields.customer_ref"), max_length=CUSTOMER_REF_MAX),
        FormField(name="title", label=t("fields.title"), required=True, max_length=TITLE_MAX),
        FormField(
            name="description", label=t("fields.description"), kind="long_text", max_length=LONG_TEXT_MAX
        ),
    )
    return Form(
        title=t("incident.form_title"),
        command="incident report",
        fields=fields,
        submit_label=t("button.report"),
    )


def assign_form(*, request: FormRequest) -> Form | None:
    """Whom to assign `incident assign SQ-N` to; preset to the presser. None once a person is named."""
    if not _only_a_ref(request):
        return None
    t = request.t
    person = FormField(name="person", label=t("fields.assignee"), kind="user", initial=request.user_id)
    return Form(
        title=t("form.assign_title"), command=request.line, fields=(person,), submit_label=t("form.submit")
    )


def resolve_form(*, request: FormRequest) -> Form | None:
    """The resolution note (required) and first-contact resolution, for `incident resolve SQ-N`."""
    if not _only_a_ref(request):
        return None
    t = request.t
    fields = (
        FormField(
            name="note", label=t("fields.resolution"), kind="long_text", required=True, max_length=NOTE_MAX
        ),
        FormField(name="fcr", label=t("fields.fcr"), kind="checkbox"),
    )
    return Form(
        title=t("form.resolve_title"), command=request.line, fields=fields, submit_label=t("form.submit")
    )


def reopen_form(*, request: FormRequest) -> Form | None:
    """The reason (required), for `incident reopen SQ-N`."""
    if not _only_a_ref(request):
        return None
    t = request.t
    reason = FormField(
        name="note", label=t("form.reason"), kind="long_text", required=True, max_length=NOTE_MAX
    )
    return Form(
        title=t("form.reopen_title"), command=request.line, fields=(reason,), submit_label=t("form.submit")
    )


def _only_a_ref(request: FormRequest) -> bool:
    """The line names the incident and nothing else: what a card's button carries."""
    return len(request.words) == 1 and request.words[0].key is None and not request.words[0].quoted
