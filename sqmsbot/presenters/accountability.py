"""How accountability records look in the only place they appear: an ephemeral reply to one viewer."""

from __future__ import annotations

from sqmsbot.config import OrgConfig
from sqmsbot.domain.accountability import ALSO_MISSED, missed_targets
from sqmsbot.domain.accountability_workflow import ref
from sqmsbot.i18n import Translator
from sqmsbot.messages import Context, Header, Message, Section
from sqmsbot.models import AccountabilityRecord
from sqmsbot.presenters.sla import TARGET_KEYS
from sqmsbot.timefmt import local

STATUS_KEYS = {
    "draft": "account.status.draft",
    "confirmed": "account.status.confirmed",
    "dismissed": "account.status.dismissed",
}
REASON_KEYS = {"sla_breach": "account.reason.sla_breach"}
# A draft that lists several missed commitments of one incident (one breach episode).
SEVERAL_REASON_KEYS = {"sla_breach": "account.reason.sla_breaches"}
DONE_KEYS = {"confirmed": "account.done.confirmed", "dismissed": "account.done.dismissed"}


def _reason(record: AccountabilityRecord, *, org: OrgConfig, t: Translator) -> str:
    incident = f"{org.ref_prefix}-{record.incident_id}" if record.incident_id is not None else ""
    targets = [_target(name, t) for name in missed_targets(record)]
    several = SEVERAL_REASON_KEYS.get(record.reason_key) if len(targets) > 1 else None
    key = REASON_KEYS.get(record.reason_key)
    if several:
        text = t(several, targets=t("format.list_join").join(targets), incident=incident)
    elif key:
        text = t(key, target=targets[0] if targets else "", incident=incident)
    else:
        text = record.reason_key
    return f"{text}: {record.reason_text}" if record.reason_text else text


def _target(name: str, t: Translator) -> str:
    return t(TARGET_KEYS[name]) if name in TARGET_KEYS else name


def record_lines(record: AccountabilityRecord, *, org: OrgConfig, t: Translator, timezone: str) -> list[str]:
    """The record, its evidence, and every step it went through (oldest first)."""
    status = t(STATUS_KEYS.get(record.status, record.status))
    lines = [
        t(
            "account.line",
            ref=ref(record),
            status=status,
            subject=record.subject.display_name,
            reason=_reason(record, org=org, t=t),
        )
    ]
    if record.evidence_at is not None:
        lines.append("    " + t("account.evidence", at=local(record.evidence_at, timezone)))
    for event in record.events:
        at = local(event.at, timezone)
        if event.action == ALSO_MISSED:
            lines.append("    " + t("account.step_also", target=_target(event.note or "", t), at=at))
        elif event.actor is None:
            lines.append("    " + t("account.step_system", at=at))
        else:
            step = t(STATUS_KEYS.get(event.to_status, event.to_status))
            lines.append(
                "    "
                + t("account.step", status=step, actor=event.actor.display_name, at=at, note=event.note)
            )
    return lines


def records_list(
    records: list[AccountabilityRecord], *, org: OrgConfig, t: Translator, timezone: str
) -> Message:
    if not records:
        return Message(text=t("account.none"), ephemeral=True)
    body = [line for record in records for line in record_lines(record, org=org, t=t, timezone=timezone)]
    heading, hint = t("account.heading"), t("account.hint")
    return Message(
        text="\n".join([heading, *body, hint]),
        blocks=(Header(text=heading), Section(text="\n".join(body)), Context(text=hint)),
        ephemeral=True,
    )


def decided(record: AccountabilityRecord, *, org: OrgConfig, t: Translator, timezone: str) -> Message:
    done = t(DONE_KEYS[record.status], ref=ref(record), subject=record.subject.display_name)
    body = record_lines(record, org=org, t=t, timezone=timezone)
    return Message(
        text="\n".join([f"✅ {done}", *body]),
        blocks=(Section(text=f"✅ {done}"), Section(text="\n".join(body))),
        ephemeral=True,
    )
