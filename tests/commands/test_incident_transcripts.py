"""The incident loop typed into the console by several people in several channels, in English and Chinese.

Each test reads the screen as the people involved would: the replies to whoever typed, the cards and
thread lines in the department channels, the private messages.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

import commands
from sqmsbot.clock import ManualClock
from sqmsbot.i18n import catalog
from sqmsbot.models import OutboxMessage
from sqmsbot.runtime import Runtime
from tests.commands import Screen, as_, english_leaks, has_cjk, say
from tests.conftest import Transcript

# -- (a) + (b): the whole loop, in English and then in Chinese ---------------------------------------

PEOPLE = (":as li member ops", ":as wang lead ops", ":as me")
LIFECYCLE = [
    ("me", '/incident report P2 hotline "Customer waited 40 minutes" cust=C-7'),
    ("li", "/incident ack SQ-1"),
    ("wang", "/incident assign SQ-1 @li"),
    ("li", '/incident wait SQ-1 "Need the receipt number"'),
    ("li", "/incident resume SQ-1"),
    ("li", '/incident resolve SQ-1 fcr "Called back and refunded"'),
    ("me", '/incident reopen SQ-1 "Refund never arrived"'),
    ("li", '/incident resolve SQ-1 "Refund confirmed by the bank"'),
    ("me", "/incident close SQ-1"),
]
TYPED = [
    "Customer waited 40 minutes",
    "Need the receipt number",
    "Called back and refunded",
    "Refund never arrived",
    "Refund confirmed by the bank",
    "C-7",
]
NAMES = ["li", "wang", "me"]
STEP = timedelta(minutes=7)


def run_lifecycle(transcript: Transcript, clock: ManualClock) -> list[Screen]:
    transcript(*PEOPLE)
    screens = []
    for who, line in LIFECYCLE:
        screens.append(as_(transcript, who, line))
        clock.advance(STEP)
    screens.append(as_(transcript, "li", "/incident show SQ-1"))
    return screens


EN_DONE = [
    ["✅ Reported SQ-1.", "It is with Customer Service (Service hotline); their channel has the card."],
    ["✅ SQ-1 acknowledged."],
    ["✅ SQ-1 assigned."],
    ["✅ SQ-1 is waiting on the customer; the clocks are paused."],
    ["✅ SQ-1 is back in progress."],
    ["✅ SQ-1 resolved.", "SQ-1 · P2 · Resolved · Customer waited 40 minutes"],
    ["✅ SQ-1 reopened.", "SQ-1 · P2 · Acknowledged · Customer waited 40 minutes"],
    ["✅ SQ-1 resolved."],
    ["✅ SQ-1 closed.", "SQ-1 · P2 · Closed · Customer waited 40 minutes"],
]
EN_TIMELINE = [
    "2026-11-23 09:00 +08:00 · me · reported it",
    "2026-11-23 09:07 +08:00 · li · acknowledged it",
    "2026-11-23 09:14 +08:00 · wang · assigned it: nobody → li",
    "2026-11-23 09:21 +08:00 · li · set it waiting on the customer — Need the receipt number",
    "2026-11-23 09:28 +08:00 · li · resumed work",
    "2026-11-23 09:35 +08:00 · li · resolved it (first contact) — Called back and refunded",
    "2026-11-23 09:42 +08:00 · me · reopened it — Refund never arrived",
    "2026-11-23 09:49 +08:00 · li · resolved it — Refund confirmed by the bank",
    "2026-11-23 09:56 +08:00 · me · closed it",
]
ZH_DONE = [
    ["✅ 已上报 SQ-1。", "已交由客户服务部（服务热线）处理；事件卡片已发到该部门频道。"],
    ["✅ SQ-1 已受理。"],
    ["✅ SQ-1 已指派。"],
    ["✅ SQ-1 正在等待客户，计时已暂停。"],
    ["✅ SQ-1 已恢复处理。"],
    ["✅ SQ-1 已解决。", "SQ-1 · P2 · 已解决 · Customer waited 40 minutes"],
    ["✅ SQ-1 已重新打开。", "SQ-1 · P2 · 已受理 · Customer waited 40 minutes"],
    ["✅ SQ-1 已解决。"],
    ["✅ SQ-1 已关闭。", "SQ-1 · P2 · 已关闭 · Customer waited 40 minutes"],
]
ZH_TIMELINE = [
    "2026-11-23 09:00 +08:00 · me · 上报了事件",
    "2026-11-23 09:07 +08:00 · li · 受理了事件",
    "2026-11-23 09:14 +08:00 · wang · 指派：无 → li",
    "2026-11-23 09:21 +08:00 · li · 设为等待客户 — Need the receipt number",
    "2026-11-23 09:28 +08:00 · li · 继续处理",
    "2026-11-23 09:35 +08:00 · li · 解决了事件（一次解决） — Called back and refunded",
    "2026-11-23 09:42 +08:00 · me · 重新打开了事件 — Refund never arrived",
    "2026-11-23 09:49 +08:00 · li · 解决了事件 — Refund confirmed by the bank",
    "2026-11-23 09:56 +08:00 · me · 关闭了事件",
]


def assert_in_order(text: str, parts: list[str]) -> None:
    positions = []
    for part in parts:
        assert part in text, f"missing: {part}\n---\n{text}"
        positions.append(text.index(part))
    assert positions == sorted(positions), text


def test_the_whole_lifecycle_and_its_timeline(transcript: Transcript, clock: ManualClock) -> None:
    *steps, shown = run_lifecycle(transcript, clock)
    for (_, line), screen, expected in zip(LIFECYCLE, steps, EN_DONE, strict=True):
        for part in expected:
            assert part in screen.reply, f"{line}\n{screen.text}"
        assert not has_cjk(screen.reply), screen.reply  # the English reader reads English…
        for note in screen.to("#ops"):
            assert has_cjk(note), note  # …while the Chinese-speaking ops channel reads Chinese
        for dm in screen.to("@li") + screen.to("@me"):
            assert not has_cjk(dm), dm  # …and private messages are in the reader's language
    dms = [n.splitlines()[0] for screen in steps for n in screen.notifications if n.startswith("[@")]
    resolved = "[@me] The incident you reported, SQ-1, is resolved. If it is not, reopen it with the reason."
    assert dms == [
        "[@li] SQ-1 is now assigned to you.",
        resolved,
        "[@li] SQ-1, assigned to you, was reopened.",
        resolved,
    ]
    assert_in_order(shown.reply, EN_TIMELINE)
    for field in (
        "status: Closed",
        "assignee: @li",
        "customer ref: C-7",
        "resolution: Refund confirmed by the bank",
    ):
        assert field in shown.reply
    assert shown.reply.index("Timeline") > shown.reply.index("status: Closed")


def test_the_same_lifecycle_after_sq_lang_zh_cn_answers_entirely_in_chinese(
    transcript: Transcript, clock: ManualClock
) -> None:
    for who in NAMES:
        switched = as_(transcript, who, "/sq lang zh_CN")
        assert switched.reply == "好的，以后我会用简体中文回复你。"
    *steps, shown = run_lifecycle(transcript, clock)
    for (_, line), screen, expected in zip(LIFECYCLE, steps, ZH_DONE, strict=True):
        for part in expected:
            assert part in screen.reply, f"{line}\n{screen.text}"
        # Everything on screen: the reply, the #ops channel (zh_CN) and the DMs to li and me.
        assert english_leaks(screen.text, allowed=TYPED + NAMES) == [], f"{line}\n{screen.text}"
    assert_in_order(shown.reply, ZH_TIMELINE)
    for field in ("状态：已关闭", "处理人：@li", "客户编号：C-7", "处理结果：Refund confirmed by the bank"):
        assert field in shown.reply
    assert "时间线" in shown.reply
    assert english_leaks(shown.text, allowed=TYPED + NAMES) == [], shown.text
    # And, independently of how leaks are spotted: no sentence of the English catalog is on screen.
    screen_text = "\n".join(s.text for s in [*steps, shown])
    en, zh = catalog("en"), catalog("zh_CN")
    for key, text in en.items():
        for piece in re.split(r"\{[^}]*\}", text):
            piece = piece.strip(" .,;:()—·")
            # Sentences only: a single catalog word ("confirmed") may well be in what someone typed.
            sentence = " " in piece and len(piece) >= 6 and re.search(r"[A-Za-z]{3,}", piece)
            if sentence and piece not in zh[key]:
                assert piece not in screen_text, (key, piece)


# -- (c) who hears about what ------------------------------------------------------------------------


def test_notifications_reach_the_right_channels_and_people(transcript: Transcript, runtime: Runtime) -> None:
    """Who hears about what: cards in channels, thread lines and card edits, DMs to those it lands on."""
    transcript(
        ":as zhao lead finance",
        ":as qin member finance",
        ":as ma member it",
        ":as sun lead it",
        ":as qian lead logistics",
        ":as me",
    )
    reported = say(transcript, '/incident report P2 billing "Customer charged twice" cust=C-1042')
    assert "✅ Reported SQ-1." in reported.reply
    assert [n.splitlines()[0] for n in reported.notifications] == [
        "[#finance] SQ-1 · P2 · New · Customer charged twice"
    ]
    card = reported.to("#finance")[0]
    for line in (
        "status: New",
        "service: Billing",
        "department: Finance",
        "reporter: @me",
        "customer ref: 🔒 see /incident show SQ-1",  # a whole channel reads it: the number stays out
    ):
        assert line in card
    assert "C-1042" not in card
    assert "[Acknowledge: /incident ack SQ-1]" in card

    acked = as_(transcript, "zhao", "/incident ack SQ-1")
    assert acked.to("#finance") == [
        "[#finance ↳] SQ-1 · 2026-11-23 09:00 +08:00 · zhao · acknowledged it",
        "[#finance] ✎ SQ-1 · P2 · Acknowledged · Customer charged twice (card updated)",
    ]
    assert len(acked.notifications) == 2  # no one else is disturbed

    assigned = say(transcript, "/incident assign SQ-1 @qin")
    assert "[#finance ↳] SQ-1 · 2026-11-23 09:00 +08:00 · zhao · assigned it: nobody → qin" in assigned.text
    dm = assigned.to("@qin")
    assert len(dm) == 1 and dm[0].startswith("[@qin] SQ-1 is now assigned to you.")
    took = as_(transcript, "qin", "/incident assign SQ-1 @zhao")
    assert took.to("@zhao") and not took.to("@qin")
    itself = as_(transcript, "zhao", "/incident assign SQ-1 @qin")
    assert itself.to("@qin")
    mine = as_(transcript, "qin", '/incident note SQ-1 "Asked the bank"')
    assert [n.split("] ", 1)[0] for n in mine.notifications] == ["[#finance ↳", "[#finance"]

    involved = as_(transcript, "zhao", '/incident involve SQ-1 dept=it "Check the payment log"')
    assert "✅ Another department is now involved in SQ-1." in involved.reply
    it_channel = involved.to("#it")
    assert it_channel[0].startswith("[#it] SQ-1 · P2 · Acknowledged · Customer charged twice")
    assert "Also working on it: IT" in it_channel[0] and "department: Finance" in it_channel[0]
    assert (
        it_channel[1] == "[#it ↳] SQ-1 · 2026-11-23 09:00 +08:00 · zhao · involved IT — Check the payment log"
    )
    assert len(it_channel) == 2  # the linked card is new: nothing to edit
    assert (
        "[#finance ↳] SQ-1 · 2026-11-23 09:00 +08:00 · zhao · involved IT — Check the payment log"
        in involved.text
    )
    lead_dm = involved.to("@sun")
    assert len(lead_dm) == 1 and "Your department (IT) has been asked to help with SQ-1." in lead_dm[0]
    assert not involved.to("@ma")  # the lead is told, not every member

    transferred = say(transcript, '/incident transfer SQ-1 dept=logistics "Courier collected twice"')
    assert "✅ SQ-1 transferred." in transferred.reply
    new_home = transferred.to("#logistics")
    assert new_home[0].startswith("[#logistics] SQ-1 · P2 · 已受理 · Customer charged twice")  # zh_CN channel
    assert "部门：物流部" in new_home[0] and "处理人：暂无" in new_home[0]
    at = "SQ-1 · 2026-11-23 09:00 +08:00 · zhao ·"
    assert new_home[1:] == [f"[#logistics ↳] {at} 转交：财务部 → 物流部 — Courier collected twice"]
    assert (
        f"[#finance ↳] {at} transferred it: Finance → Logistics — Courier collected twice" in transferred.text
    )
    assert "[#finance] ✎ SQ-1 · P2 · Acknowledged · Customer charged twice (card updated)" in transferred.text
    assert transferred.to("#it")  # still involved, so still told
    assert not transferred.to("@qin")  # the released assignee is not messaged

    refused = as_(transcript, "zhao", '/incident note SQ-1 "Still mine?"')
    assert refused.reply.startswith(
        "⚠️ Only the Logistics department, departments involved in it, its reporter"
    )
    assert refused.notifications == []

    resolved = as_(transcript, "qian", '/incident resolve SQ-1 "Refunded the second charge"')
    assert resolved.to("#logistics")[0].endswith("qian · 解决了事件 — Refunded the second charge")
    assert resolved.to("#it") and not resolved.to("#finance")  # the old owner was told once, at handover
    reporter_dm = resolved.to("@me")
    assert len(reporter_dm) == 1
    assert reporter_dm[0].startswith("[@me] The incident you reported, SQ-1, is resolved.")

    with runtime.db.transaction() as session:  # everything queued was delivered, nothing is left waiting
        left = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status != "sent")
        )
    assert left == 0


def test_a_transfer_back_edits_the_card_the_channel_already_has(transcript: Transcript) -> None:
    transcript(":as li lead ops", ":as zhao lead logistics")
    as_(transcript, "li", '/incident report hotline "Parcel never arrived"')
    away = say(transcript, '/incident transfer SQ-1 logistics "Courier issue"')
    assert away.to("#logistics")[0].startswith("[#logistics] SQ-1 · P3 · 新建")
    back = as_(
        transcript, "zhao", '/incident transfer SQ-1 ops "The parcel was delivered; the hotline must call"'
    )
    ops = back.to("#ops")
    assert not any(n.startswith("[#ops] SQ-1 · P3") for n in ops)  # no second card…
    assert any(n.startswith("[#ops] ✎ SQ-1 · P3 · 新建 · Parcel never arrived") for n in ops)  # …it is edited
    assert any("转交：物流部 → 客户服务部" in n for n in ops)


# -- (d) ways to write a report ----------------------------------------------------------------------


REPORTS: list[tuple[str, list[str]]] = [  # (line, what `show` then shows; {n} is the new number)
    (
        '/incident report P2 billing "Customer charged twice" cust=C-1042',
        [
            "SQ-{n} · P2 · New · Customer charged twice",
            "service: Billing",
            "department: Finance",
            "customer ref: C-1042",
            "source: Customer complaint",
        ],
    ),
    (
        '/incident report priority=P1 service=app title="App crashes at checkout" cat=machine '
        'source=internal cust=C-9 desc="Since the 2.3 release" dept=quality',
        [
            "SQ-{n} · P1 · New · App crashes at checkout",
            "service: Mobile app",
            "department: Quality",
            "category: Machine",
            "source: Internal finding",
            "customer ref: C-9",
            "Since the 2.3 release",
        ],
    ),
    (
        "/incident report P4 store “柜台排队太久” cat=人 source=投诉",
        [
            "SQ-{n} · P4 · New · 柜台排队太久",
            "service: Store counter",
            "category: People",
            "source: Customer complaint",
        ],
    ),
    (
        "/incident report delivery 「包裹破损」 cat=环境 source=神秘顾客 customer=VIP-8",
        [
            "SQ-{n} · P3 · New · 包裹破损",
            "department: Logistics",
            "category: Environment",
            "source: Mystery shopper",
            "customer ref: VIP-8",
        ],
    ),
    (
        "/incident report hotline Nobody answered for an hour",
        ["SQ-{n} · P3 · New · Nobody answered for an hour", "service: Service hotline"],
    ),
    (
        "/incident report p1 HOTLINE 'Line down' src=kpi",
        ["SQ-{n} · P1 · New · Line down", "source: KPI alert"],
    ),
    (
        "/incident 上报 P2 app “闪退” cat=机",  # the Chinese name of the subcommand
        ["SQ-{n} · P2 · New · 闪退", "category: Machine"],
    ),
]


def test_report_shorthand_and_key_value_forms(transcript: Transcript) -> None:
    transcript(":as li member ops")
    for n, (line, expected) in enumerate(REPORTS, start=1):
        reported = say(transcript, line)
        assert reported.reply.startswith(f"✅ Reported SQ-{n}."), reported.text
        shown = say(transcript, f"/incident show SQ-{n}").reply
        for part in expected:
            assert part.format(n=n) in shown, f"{line}\n{part}\n{shown}"


# -- (e) lists ---------------------------------------------------------------------------------------


@pytest.fixture
def backlog(transcript: Transcript) -> Transcript:
    """ops: SQ-1 P1, SQ-2 P2, SQ-3..SQ-11 P3 (SQ-3 waiting, SQ-4 resolved) by li; SQ-12 P2 billing by li;
    SQ-13 P4 store by wang; SQ-14 delivery by zhao."""
    transcript(":as wang lead ops", ":as zhao member logistics", ":as li member ops")
    lines = ['/incident report P1 hotline "Line down"', '/incident report P2 store "Queue too long"']
    lines += [f'/incident report hotline "Call {n}"' for n in range(3, 12)]
    lines += ['/incident report P2 billing "Charged twice"', '/incident wait SQ-3 "Receipt"']
    lines += ['/incident resolve SQ-4 "Called back"']
    transcript(*lines)
    as_(transcript, "wang", '/incident report P4 store "Dirty counter"')
    as_(transcript, "zhao", '/incident report delivery "Late parcel"')
    transcript(":as li")
    return transcript


def refs(screen: Screen) -> list[str]:
    return re.findall(r"^(SQ-\d+) · ", screen.reply, re.MULTILINE)


def test_list_defaults_to_my_departments_open_incidents_with_a_next_page_in_each_language(
    backlog: Transcript,
) -> None:
    first = say(backlog, "/incident list")
    assert first.reply.startswith("Customer Service incidents · Open")
    assert refs(first) == ["SQ-1", "SQ-2", "SQ-11", "SQ-10", "SQ-9", "SQ-8", "SQ-7", "SQ-6", "SQ-5", "SQ-3"]
    assert "Page 1 of 2 · 11 in all. Next page: /incident list dept status=open page=2" in first.reply
    command = re.search(r"Next page: (/incident list .*)$", first.reply, re.MULTILINE)
    assert command is not None
    second = say(backlog, command.group(1))
    assert refs(second) == ["SQ-13"]
    assert "Page 2 of 2 · 11 in all." in second.reply and "Next page" not in second.reply
    say(backlog, "/sq lang zh_CN")
    chinese = say(backlog, "/incident list")
    assert chinese.reply.startswith("客户服务部的事件 · 未关闭")
    assert "SQ-1 · P1 · 新建 · 客户服务部 · Line down" in chinese.reply
    assert "第 1/2 页 · 共 11 条。 下一页：/incident list dept status=open page=2" in chinese.reply


LISTS: list[tuple[str, str | None, list[str]]] = [  # (line, heading, refs shown; no heading: none match)
    (
        "/incident list mine",
        "Your incidents · Any status",
        ["SQ-1", "SQ-12", "SQ-2", "SQ-11", "SQ-10", "SQ-9", "SQ-8", "SQ-7", "SQ-6", "SQ-5"],
    ),
    ("/incident list mine page=2", "Your incidents · Any status", ["SQ-4", "SQ-3"]),
    ("/incident list dept priority=P2", "Customer Service incidents · Any status", ["SQ-2"]),
    (
        "/incident list open priority=P3 page=1",
        "Customer Service incidents · Open",
        ["SQ-11", "SQ-10", "SQ-9", "SQ-8", "SQ-7", "SQ-6", "SQ-5", "SQ-3"],
    ),
    ("/incident list status=waiting", "Customer Service incidents · Waiting on customer", ["SQ-3"]),
    ("/incident list status=resolved", "Customer Service incidents · Resolved", ["SQ-4"]),
    ("/incident list service=store", "Customer Service incidents · Any status", ["SQ-2", "SQ-13"]),
    ("/incident list all priority=p2", "All incidents · Any status", ["SQ-12", "SQ-2"]),
    ("/incident list dept=logistics", "Logistics incidents · Open", ["SQ-14"]),
    ("/incident list all status=closed", None, []),
]


def test_list_variants(backlog: Transcript) -> None:
    for line, heading, expected in LISTS:
        listed = say(backlog, line)
        if heading is None:
            assert listed.reply == "No incidents match.", line
            continue
        assert listed.reply.startswith(heading), f"{line}\n{listed.reply}"
        assert refs(listed) == expected, line


# -- (f) help from the command modules ---------------------------------------------------------------


def test_sq_help_lists_every_command_in_the_readers_language(transcript: Transcript) -> None:
    registry = commands.registry()
    en, zh = catalog("en"), catalog("zh_CN")
    english = say(transcript, "/sq help").reply
    assert english.startswith("sqmsbot commands")
    for name, command in registry.items():
        assert f"/{name} — {en[command.help_key]}" in english
    say(transcript, "/sq lang zh_CN")
    chinese = say(transcript, "/sq help").reply
    assert chinese.startswith("sqmsbot 命令")
    for name, command in registry.items():
        assert f"/{name} — {zh[command.help_key]}" in chinese
        assert en[command.help_key] not in chinese
    assert "输入 /<命令> help 查看某个命令的详细用法" in chinese


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_incident_help_is_generated_from_the_module(transcript: Transcript, locale: str) -> None:
    say(transcript, f"/sq lang {locale}")
    texts, other = catalog(locale), catalog("zh_CN" if locale == "en" else "en")
    shown = say(transcript, "/incident help").reply
    subcommands = list(commands.registry()["incident"].subcommands.values())
    assert len(subcommands) >= 15
    for sub in subcommands:
        assert sub.usage in shown and texts[sub.help_key] in shown, sub.name
        assert other[sub.help_key] not in shown, sub.name
    order = [
        shown.index(f"/incident {name} ") for name in ("report", "list", "show", "ack", "resolve", "transfer")
    ]
    assert order == sorted(order), "help starts with reporting, ends with handing over"
    assert say(transcript, "/incident").reply == shown  # the bare command shows the same on the console


@pytest.mark.parametrize(
    ("locale", "summary", "usage"),
    [
        ("en", "report an incident; priority defaults to P3", "Usage: /incident report [P1-P4] SERVICE"),
        ("zh_CN", "上报事件；优先级默认为 P3", "用法：/incident report [P1-P4] SERVICE"),
    ],
)
def test_subcommand_help(transcript: Transcript, locale: str, summary: str, usage: str) -> None:
    say(transcript, f"/sq lang {locale}")
    for line in ("/incident report help", "/incident report ?", "/incident 上报 帮助"):
        shown = say(transcript, line).reply
        assert shown.splitlines()[0] == summary, line
        assert shown.splitlines()[1].startswith(usage), line
