"""/sq: your language, who you are, who is here, and (for admins) roles and departments."""

from __future__ import annotations

import pytest

from tests.commands import as_, has_cjk, say
from tests.conftest import Transcript

EN_SET = "From now on I will answer you in English."
ZH_SET = "好的，以后我会用简体中文回复你。"


@pytest.fixture
def team(transcript: Transcript) -> Transcript:
    transcript(":as li member ops", ":as zhao member logistics", ":as drifter", ":as me")
    return transcript


def test_a_language_switch_takes_effect_on_the_very_next_reply(team: Transcript) -> None:
    transcript = team
    transcript(":as li")
    assert say(transcript, "/incident list").reply == "No incidents match."
    assert say(transcript, "/sq lang zh_CN").reply == ZH_SET
    assert say(transcript, "/incident list").reply == "没有符合条件的事件。"
    assert "语言：简体中文" in say(transcript, "/sq me").reply
    assert say(transcript, "/sq lang en").reply == EN_SET
    assert say(transcript, "/incident list").reply == "No incidents match."
    # one person's language is theirs alone
    assert say(transcript, "/sq lang zh_CN").reply == ZH_SET
    assert as_(transcript, "zhao", "/incident list").reply == "No incidents match."


def test_sq_lang_understands_the_ways_people_name_a_language(transcript: Transcript) -> None:
    for typed, reply in [
        ("/sq lang zh-CN", ZH_SET),
        ("/sq lang English", EN_SET),
        ("/sq lang zh", ZH_SET),
        ("/sq lang en-US", EN_SET),
        ("/sq lang 中文", ZH_SET),
        ("/sq lang 英文", EN_SET),
        ("/sq 语言 zh_cn", ZH_SET),
    ]:
        assert say(transcript, typed).reply == reply, typed
        assert has_cjk(say(transcript, "/sq me").reply) == (reply == ZH_SET), typed


def test_sq_me(team: Transcript) -> None:
    transcript = team
    assert as_(transcript, "li", "/sq me").reply == (
        "li · role: member · department: Customer Service · language: English · time zone: Asia/Shanghai"
    )
    # the sandbox's own person starts in the first department, so a new user can work incidents at once
    assert as_(transcript, "me", "/sq me").reply == (
        "me · role: admin · department: Customer Service · language: English · time zone: Asia/Shanghai"
    )
    assert as_(transcript, "drifter", "/sq me").reply == (
        "drifter · role: member · department: no department · language: English · time zone: Asia/Shanghai"
    )
    say(transcript, "/sq lang zh_CN")
    assert (
        say(transcript, "/sq me").reply
        == "drifter · 角色：员工 · 部门：无部门 · 语言：简体中文 · 时区：Asia/Shanghai"
    )
    assert say(transcript, "/sq 我").reply == say(transcript, "/sq me").reply


def test_sq_people_lists_everyone_grouped_by_department(team: Transcript) -> None:
    transcript = team
    # the same order on SQLite and PostgreSQL: people without a department last
    assert say(transcript, "/sq people").reply == (
        "People\n@zhao · member · Logistics\n@li · member · Customer Service\n"
        "@me · admin · Customer Service\n@drifter · member · no department"
    )
    assert say(transcript, "/sq people ops").reply == (
        "People\n@li · member · Customer Service\n@me · admin · Customer Service"
    )
    assert say(transcript, "/sq people dept=logistics").reply == "People\n@zhao · member · Logistics"
    assert say(transcript, "/sq people finance").reply == "Nobody here yet."
    refused = say(transcript, "/sq people narnia").reply
    assert refused.startswith("⚠️ There is no department “narnia”.")
    say(transcript, "/sq lang zh_CN")
    ops = "人员\n@li · 员工 · 客户服务部\n@me · 管理员 · 客户服务部"
    assert say(transcript, "/sq people ops").reply == ops


def test_admins_set_roles_and_departments_and_it_changes_what_people_may_do(team: Transcript) -> None:
    transcript = team
    as_(transcript, "li", '/incident report P3 hotline "Queue too long"')
    refused = say(transcript, '/incident priority SQ-1 P1 "VIP"').reply
    assert refused.startswith("⚠️ Only leads and managers of Customer Service")

    assert as_(transcript, "me", "/sq admin role @li lead").reply == "li's role: member → lead."
    assert as_(transcript, "li", '/incident priority SQ-1 P1 "VIP"').reply.startswith(
        "✅ SQ-1 priority changed."
    )
    assert "role: lead" in say(transcript, "/sq me").reply

    assert as_(transcript, "me", "/sq admin dept @li logistics").reply == "li now belongs to Logistics."
    assert "department: Logistics" in as_(transcript, "li", "/sq me").reply
    moved = say(transcript, "/incident ack SQ-1").reply
    assert moved.startswith("⚠️ Only the Customer Service department")  # li no longer works ops incidents

    say(transcript, ":as me")
    say(transcript, "/sq lang zh_CN")
    assert say(transcript, "/sq admin role @li manager").reply == "li 的角色：主管 → 经理。"
    assert say(transcript, "/sq admin dept @li ops").reply == "li 现在属于客户服务部。"
    assert say(transcript, "/sq 管理 role @zhao quality").reply == "zhao 的角色：员工 → 质量专员。"
    assert "role: quality" in as_(transcript, "zhao", "/sq me").reply


def test_only_admins_use_sq_admin_and_an_admin_cannot_demote_themselves(team: Transcript) -> None:
    transcript = team
    for who, line, error in [
        ("li", "/sq admin role @li admin", "⚠️ Only these roles may do that: admin."),
        ("li", "/sq admin dept @zhao ops", "⚠️ Only these roles may do that: admin."),
        ("me", "/sq admin role @me member", "⚠️ You cannot take your own admin role away; ask another admin."),
        ("me", "/sq admin role @ghost lead", "⚠️ I don't know anyone called ghost."),
    ]:
        reply = as_(transcript, who, line).reply
        assert reply.startswith(error), reply
        assert "\nUsage: /sq admin role @PERSON" in reply
    assert "role: member" in as_(transcript, "li", "/sq me").reply
    assert "role: admin" in as_(transcript, "me", "/sq me").reply
    assert "department: Logistics" in as_(transcript, "zhao", "/sq me").reply


def test_a_promoted_admin_may_administer(team: Transcript) -> None:
    transcript = team
    as_(transcript, "me", "/sq admin role @li admin")
    assert as_(transcript, "li", "/sq admin role @zhao lead").reply == "zhao's role: member → lead."
