"""Block Kit rendering: Slack's limits are kept, text is escaped, every block passes slack_sdk."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from sqmsbot.i18n import Translator
from sqmsbot.messages import Actions, Button, Context, Divider, Field_, File, Header, Image, Message, Section
from sqmsbot.platforms.slack.blocks import SlackFile, fallback_text, message_blocks
from sqmsbot.platforms.slack.text import escape, inbound

T = Translator("en")


def test_every_kind_of_block_renders_and_validates() -> None:
    message = Message(
        text="SQ-1",
        blocks=(
            Header(text="SQ-1 · Title"),
            Section(text="body", fields=(Field_(label="status", value="New"),)),
            Context(text="by <@U1>"),
            Divider(),
            Image(blob="a" * 64, name="chart.png", alt="MTTR trend"),  # not uploaded: named only
            Actions(buttons=(Button(label="Ack", command="incident ack SQ-1", style="primary"),)),
        ),
    )
    blocks = message_blocks(message, T)
    assert [b["type"] for b in blocks] == [
        "header",
        "section",
        "section",
        "context",
        "divider",
        "context",
        "actions",
    ]
    assert blocks[-1]["elements"][0]["value"] == "incident ack SQ-1"
    assert "MTTR trend" in blocks[5]["elements"][0]["text"]
    for block in blocks:
        Block.parse(block).validate_json()  # type: ignore[union-attr]


def test_uploaded_files_show_in_the_card() -> None:
    """An uploaded PNG is an image block on its Slack file; other files (and an image Slack cannot
    show inline) are links to the uploaded file; a file not uploaded is only named."""
    png, svg, csv, lost = "a" * 64, "b" * 64, "c" * 64, "d" * 64
    message = Message(
        text="KPIs",
        blocks=(
            Image(blob=png, name="mttr.png", alt="MTTR trend"),
            Image(blob=svg, name="mttr.svg", alt="MTTR <drawing>"),
            File(blob=csv, name="open.csv", title="Open & overdue"),
            File(blob=lost, name="lost.csv"),
        ),
    )
    files = {
        png: SlackFile("F0PNG00001"),
        svg: SlackFile("F0SVG00001", "https://x/svg"),
        csv: SlackFile("F0CSV00001", "https://x/csv"),
    }
    image, svg_link, csv_link, named = message_blocks(message, T, files=files)
    assert image == {
        "type": "image",
        "slack_file": {"id": "F0PNG00001"},
        "alt_text": "MTTR trend",
        "title": {"type": "plain_text", "text": "mttr.png", "emoji": True},
    }
    assert svg_link["elements"][0]["text"] == "📎 File: <https://x/svg|MTTR &lt;drawing&gt;>"
    assert csv_link["elements"][0]["text"] == "📎 File: <https://x/csv|Open &amp; overdue>"
    assert named["elements"][0]["text"] == "📎 File: lost.csv"
    for block in (image, svg_link, csv_link, named):
        Block.parse(block).validate_json()  # type: ignore[union-attr]


def test_limits_are_kept_with_an_ellipsis() -> None:
    fields = tuple(Field_(label=f"f{i}", value="v" * 2500) for i in range(23))
    message = Message(
        text="x" * 5000,
        blocks=(Header(text="h" * 400), Section(text="s" * 4000, fields=fields)),
    )
    blocks = message_blocks(message, T)
    assert len(blocks[0]["text"]["text"]) == 150 and blocks[0]["text"]["text"].endswith("…")
    assert len(blocks[1]["text"]["text"]) == 3000 and blocks[1]["text"]["text"].endswith("…")
    assert [len(b["fields"]) for b in blocks[2:]] == [10, 10, 3]
    assert all(len(f["text"]) <= 2000 for b in blocks[2:] for f in b["fields"])
    assert len(fallback_text(message)) == 3000


def test_more_than_fifty_blocks_are_cut_to_fifty_with_a_note() -> None:
    message = Message(text="long", blocks=tuple(Context(text=f"line {i}") for i in range(80)))
    blocks = message_blocks(message, T)
    assert len(blocks) == 50
    assert "…" in blocks[-1]["elements"][0]["text"]


def test_more_than_25_buttons_split_into_actions_blocks_with_unique_ids() -> None:
    buttons = tuple(Button(label=f"b{i}", command=f"incident show SQ-{i}") for i in range(30))
    blocks = message_blocks(Message(text="b", blocks=(Actions(buttons=buttons),)), T)
    assert [len(b["elements"]) for b in blocks] == [25, 5]
    ids = [e["action_id"] for b in blocks for e in b["elements"]]
    assert len(set(ids)) == 30


def test_text_is_escaped_but_mentions_stay_mentions() -> None:
    assert escape("<!channel> & <@U123> <b>") == "&lt;!channel&gt; &amp; <@U123> &lt;b&gt;"
    section = message_blocks(Message(text="t", blocks=(Section(text="<!here> ping <@U9>"),)), T)[0]
    assert section["text"]["text"] == "&lt;!here&gt; ping <@U9>"


def test_slash_command_text_is_unescaped_and_mentions_normalised() -> None:
    assert inbound("assign SQ-1 <@U2|wang> a &amp; b &lt;x&gt;") == "assign SQ-1 <@U2|wang> a & b <x>"
    assert inbound("note SQ-1 <@U2|li wei> <@U3>") == "note SQ-1 <@U2> <@U3>"  # labels that are one word
