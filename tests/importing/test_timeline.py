"""How an event log's rows become a ticket's timeline (DESIGN §8): the last row wins, acknowledged is
the first update leaving New, waits come from the `Awaiting …` states, reopens from Resolved back to
Active, and the events' from → to are the workflow's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqmsbot.importing.rows import Update
from sqmsbot.importing.servicenow import event_log_ticket
from sqmsbot.importing.tickets import Ticket

T0 = datetime(2016, 3, 1, 1, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def update(mod: int, minutes: int, status: str, state: str = "", **kw: object) -> Update:
    values: dict[str, object] = {
        "line": mod + 2,
        "external_id": "INC1",
        "mod_count": mod,
        "updated_at": at(minutes),
        "reported_at": T0,
        "acknowledged_at": None,
        "resolved_at": None,
        "closed_at": None,
        "status": status,
        "state": state or status,
        "priority": "P3",
        "priority_defaulted": False,
        "title": "Symptom 1",
        "description": "",
        "service": "",
        "category": "",
        "department": "Group 1",
        "source": "Phone",
        "reporter": "Opened by 1",
        "customer": "Caller 1",
        "assignee": "Resolver 1",
        "fcr": None,
        "reopen_count": 0,
        "reassignment_count": 0,
    } | kw
    return Update(**values)  # type: ignore[arg-type]


def ticket(*updates: Update) -> Ticket:
    built = event_log_ticket(list(updates))
    assert isinstance(built, Ticket), built
    return built


def timeline(t: Ticket) -> list[tuple[str, int, str | None, str | None]]:
    return [(e.kind, int((e.at - T0).total_seconds() // 60), e.from_value, e.to_value) for e in t.events]


def test_a_full_life_in_shuffled_rows() -> None:
    final = {"resolved_at": at(300), "closed_at": at(7500), "reopen_count": 1}
    rows = [
        update(0, 0, "new", **final),
        update(1, 10, "acknowledged", "Active", **final),
        update(2, 20, "waiting", "Awaiting User Info", **final),
        update(3, 60, "acknowledged", "Active", **final),
        update(4, 100, "resolved", **final),
        update(5, 200, "acknowledged", "Active", **final),
        update(6, 250, "waiting", "Awaiting Vendor", **final),
        update(7, 299, "resolved", **final),
        update(8, 7500, "closed", **final),
    ]
    t = ticket(*reversed(rows))  # the order in the file does not matter: sys_mod_count decides
    assert timeline(t) == [
        ("reported", 0, None, "new"),
        ("acknowledged", 10, "new", "acknowledged"),
        ("waiting", 20, "acknowledged", "waiting"),
        ("resumed", 60, "waiting", "acknowledged"),
        ("resolved", 100, "acknowledged", "resolved"),
        ("reopened", 200, "resolved", "acknowledged"),
        ("waiting", 250, "acknowledged", "waiting"),
        ("resolved", 300, "waiting", "resolved"),  # dated by the final resolved_at
        ("closed", 7500, "resolved", "closed"),
    ]
    assert (t.status, t.acknowledged_at, t.resolved_at, t.closed_at) == ("closed", at(10), at(300), at(7500))
    assert (t.reopen_count, t.fcr, t.first_response_at, t.waiting_since) == (1, False, at(20), None)
    assert [e.note for e in t.events if e.kind == "waiting"] == ["Awaiting User Info", "Awaiting Vendor"]


def test_first_contact_resolution_and_equal_mod_counts() -> None:
    """Rows with the same sys_mod_count go by their update time; resolved at first contact is never
    reassigned and never reopened."""
    t = ticket(
        update(1, 30, "resolved", resolved_at=at(30)), update(1, 5, "acknowledged"), update(0, 0, "new")
    )
    assert timeline(t)[-1] == ("resolved", 30, "acknowledged", "resolved:fcr")
    assert t.fcr and t.status == "resolved"
    moved = ticket(update(0, 0, "new"), update(1, 30, "resolved", resolved_at=at(30), reassignment_count=1))
    assert not moved.fcr


def test_a_first_row_already_active_and_a_return_to_new() -> None:
    t = ticket(update(0, 3, "acknowledged"), update(1, 50, "new"), update(2, 80, "waiting"))
    assert timeline(t) == [
        ("reported", 0, None, "new"),
        ("acknowledged", 3, "new", "acknowledged"),
        ("waiting", 80, "acknowledged", "waiting"),
    ]
    assert (t.status, t.waiting_since, t.acknowledged_at) == ("waiting", at(80), at(3))


def test_closed_without_a_resolution_and_nothing_after_closed() -> None:
    t = ticket(
        update(0, 0, "new"),
        update(1, 5, "acknowledged"),
        update(2, 90, "closed", closed_at=at(90)),
        update(3, 95, "acknowledged"),
    )
    assert timeline(t)[-2:] == [
        ("resolved", 90, "acknowledged", "resolved:fcr"),  # never reassigned nor reopened
        ("closed", 90, "resolved", "closed"),
    ]
    assert (t.status, t.resolved_at, t.closed_at) == ("closed", at(90), at(90))


def test_instants_never_run_backwards() -> None:
    """An update stamped before the report (clock skew between ServiceNow nodes) is dated at it."""
    t = ticket(update(0, 0, "new"), update(1, -30, "acknowledged"))
    assert t.acknowledged_at == T0 and [e.at for e in t.events] == [T0, T0]
