"""Edges a new user hits in the first hour (issue 8, section 4), as they would see them in the console.

Swapped or doubled words are refused with the usage instead of being guessed at; Chinese names and
full-width forms work wherever the English keys do; the console can place anyone in any department;
role names read as job titles; errors name arguments as the usage line does.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from sqmsbot.models import Incident, Person
from sqmsbot.runtime import Runtime
from tests.commands import as_, english_leaks, say
from tests.conftest import Transcript

Counts = Callable[[], dict[str, int]]
REPORT_USAGE = 'Usage: /incident report [P1-P4] SERVICE "TITLE"'
SLA_USAGE = "Usage: /sla list  ·  /sla incident SQ-N  (or just /sla SQ-N)"


@pytest.fixture
def team(transcript: Transcript) -> Transcript:
    transcript(":as li member ops", ":as wang lead ops", ":as zhao member finance", ":as me")
    return transcript


def _incident(runtime: Runtime, number: int) -> Incident:
    with runtime.db.transaction() as session:
        found = session.get(Incident, number)
        assert found is not None
        return found


# 4. Words in the wrong place, or given twice, are refused with the usage; nothing is written.


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ('/incident report billing P2 "Charged twice"', "⚠️ “P2” is the priority: it goes before “billing”."),
        (
            '/incident report P2 billing "Charged twice" priority=P3',
            "⚠️ The priority is given twice, as “P2” and as “P3”; keep one.",
        ),
        (
            '/incident report P2 billing "Charged twice" p=P1',
            "⚠️ The priority is given twice, as “P2” and as “P1”",
        ),
    ],
    ids=["swapped", "given-twice", "given-twice-by-alias"],
)
def test_swapped_or_doubled_priority_is_refused_not_guessed(
    team: Transcript, counts: Counts, line: str, error: str
) -> None:
    before = counts()
    screen = as_(team, "zhao", line)
    assert screen.reply.startswith(error), screen.reply
    assert screen.reply.splitlines()[1].startswith(REPORT_USAGE)
    assert screen.notifications == [] and counts() == before  # not a P3 titled "P2 Charged twice"


def test_a_quoted_title_may_start_with_what_looks_like_a_priority(team: Transcript, runtime: Runtime) -> None:
    assert as_(team, "zhao", '/incident report billing "P2 line down"').reply.startswith("✅ Reported SQ-1.")
    assert (_incident(runtime, 1).priority, _incident(runtime, 1).title) == ("P3", "P2 line down")


def test_the_words_in_their_places_in_chinese_too(team: Transcript) -> None:
    team(":as zhao", "/sq lang zh_CN")
    reply = say(team, '/incident report 账单与收费 Ｐ２ "重复扣费"').reply
    assert reply.startswith("⚠️ “Ｐ２”是优先级，应写在“账单与收费”之前。"), reply
    assert english_leaks(reply.splitlines()[0]) == []


@pytest.mark.parametrize("line", ["/sla frobnicate", "/sla SQ-404", "/sla incident", "/sla list extra"])
def test_sla_errors_show_its_whole_usage(team: Transcript, line: str) -> None:
    reply = as_(team, "zhao", line).reply
    assert reply.startswith("⚠️ ") and reply.splitlines()[-1] == SLA_USAGE, reply


# 5. Chinese names and full-width forms work wherever the English keys do.


def test_a_chinese_keyboard_reports_and_finds_incidents(team: Transcript, runtime: Runtime) -> None:
    team(":as zhao")
    reply = say(team, '/incident report Ｐ２ 账单与收费 "客户被重复扣费"').reply
    assert reply.startswith("✅ Reported SQ-1.") and "It is with Finance (Billing)" in reply, reply
    found = _incident(runtime, 1)
    assert (found.priority, found.service, found.department) == ("P2", "billing", "finance")
    for ref in ("ＳＱ－１", "ｓｑ－１", "＃１", "１"):
        assert say(team, f"/incident show {ref}").reply.startswith("SQ-1 · P2 · New"), ref
    assert say(team, "/sla ＳＱ－１").reply.startswith("SQ-1 · P2 · service commitments")
    listed = say(team, "/incident list dept=财务部 service=Billing priority=Ｐ２ page=１").reply
    assert listed.startswith("Finance incidents · ") and "SQ-1 · P2 · New · Finance" in listed, listed
    assert say(team, '/incident report p3 服务热线 "等了很久" dept=客户服务部').reply.startswith(
        "✅ Reported SQ-2."
    )
    assert _incident(runtime, 2).department == "ops"


def test_transfer_and_involve_name_departments_in_chinese(team: Transcript, runtime: Runtime) -> None:
    as_(team, "li", '/incident report P2 hotline "Charged twice at the counter"')
    moved = as_(team, "wang", '/incident transfer ＳＱ－１ 财务部 "账单问题"')
    assert moved.reply.startswith("✅ SQ-1 transferred."), moved.reply
    assert _incident(runtime, 1).department == "finance"
    assert moved.to("#finance"), moved.notifications
    involved = as_(team, "zhao", '/incident involve SQ-1 信息技术部 "查扣款日志"')
    assert involved.reply.startswith("✅ Another department is now involved in SQ-1."), involved.reply
    assert involved.to("#it")


def test_a_name_that_names_nothing_is_refused_with_the_choices(team: Transcript, counts: Counts) -> None:
    as_(team, "li", '/incident report P2 hotline "x"')
    before = counts()
    reply = as_(team, "wang", '/incident transfer SQ-1 财务 "x"').reply
    assert reply.startswith("⚠️ There is no department “财务”. Departments: ops, logistics"), reply
    assert reply.splitlines()[1] == 'Usage: /incident transfer SQ-N [dept=]DEPT "REASON"'
    assert counts() == before


def test_sq_people_and_admin_take_department_names(team: Transcript, runtime: Runtime) -> None:
    assert as_(team, "me", "/sq people 财务部").reply == "People\n@zhao · member · Finance"
    assert say(team, "/sq admin dept @li 物流部").reply == "li now belongs to Logistics."
    assert say(team, "/sq admin role @li 主管").reply == "li's role: member → lead."
    with runtime.db.transaction() as session:
        li = session.scalars(select(Person).where(Person.platform_user_id == "li")).one()
        assert (li.role, li.department) == ("lead", "logistics")


# 7. The console places anyone in any department, the quality department included.


def test_as_places_someone_in_the_quality_department(transcript: Transcript) -> None:
    assert transcript(":as lin quality quality").endswith("You are now lin (quality, Quality).")
    assert say(transcript, "/sq me").reply.startswith("lin · role: quality · department: Quality ·")
    assert transcript(":as wu member quality").endswith("You are now wu (member, Quality).")
    assert transcript(":as wu lead").endswith("You are now wu (lead, Quality).")  # one word: a role first
    assert transcript(":as qi 质量专员 质量管理部").endswith("You are now qi (quality, Quality).")
    assert transcript(":as ma finance").endswith("You are now ma (member, Finance).")
    assert "Usage: :as NAME [ROLE] [DEPARTMENT]" in transcript(":as lin quality nowhere")


# 8. Wording: job titles, /sq once in /sq help, usage names in errors.


def test_chinese_role_names_read_as_job_titles(team: Transcript) -> None:
    team(":as lin quality quality", "/sq lang zh_CN")
    assert "角色：质量专员 · 部门：质量管理部" in say(team, "/sq me").reply
    as_(team, "me", "/sq lang zh_CN")
    people = say(team, "/sq people")
    for line in ("@wang · 主管 · 客户服务部", "@li · 员工 · 客户服务部", "@lin · 质量专员 · 质量管理部"):
        assert line in people.reply, people.reply


def test_sq_help_lists_sq_once(team: Transcript) -> None:
    reply = as_(team, "li", "/sq help").reply
    assert [line for line in reply.splitlines() if line.startswith("/sq —")] == [
        "/sq — the bot itself: help, language, who you are, admin"
    ]
    assert "/sq lang en|zh_CN" in reply  # its subcommands follow the overview


@pytest.mark.parametrize(
    ("line", "en", "zh"),
    [
        ("/incident reopen SQ-1", "⚠️ Missing REASON.", "⚠️ 缺少原因。"),
        ("/incident resolve SQ-1", "⚠️ Missing RESOLUTION.", "⚠️ 缺少处理结果。"),
        ("/incident note SQ-1", "⚠️ Missing TEXT.", "⚠️ 缺少备注内容。"),
        ("/incident ack", "⚠️ Missing SQ-N.", "⚠️ 缺少事件编号（SQ-N）。"),
        ("/incident report", "⚠️ Missing SERVICE.", "⚠️ 缺少服务。"),
        ('/incident note SQ-1 ""', "⚠️ The note is empty.", "⚠️ 备注不能为空。"),
        ("/incident list page=9", "⚠️ There is no page 9; there is only 1.", "⚠️ 没有第 9 页；共 1 页。"),
    ],
)
def test_errors_name_the_argument_as_the_usage_does(team: Transcript, line: str, en: str, zh: str) -> None:
    as_(team, "li", '/incident report P2 hotline "x"')
    assert say(team, line).reply.splitlines()[0] == en
    say(team, "/sq lang zh_CN")
    assert say(team, line).reply.splitlines()[0] == zh
