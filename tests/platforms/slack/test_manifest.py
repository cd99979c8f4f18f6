"""The manifest installs exactly the slash commands the code registers, each escaped."""

from __future__ import annotations

import re
from pathlib import Path

import commands
from sqmsbot.platforms.slack.app import slash_commands

MANIFEST = Path(__file__).resolve().parents[3] / "slack" / "manifest.yml"


def test_manifest_lists_exactly_the_registered_commands() -> None:
    text = MANIFEST.read_text(encoding="utf-8")
    listed = re.findall(r"^\s*- command: (/\S+)\s*$", text, re.MULTILINE)
    assert sorted(listed) == sorted(slash_commands()) == sorted(f"/{n}" for n in commands.registry())
    assert len(re.findall(r"^\s*should_escape: true\s*$", text, re.MULTILINE)) == len(listed)


def test_manifest_enables_what_the_adapter_uses() -> None:
    text = MANIFEST.read_text(encoding="utf-8")
    for needed in (
        "socket_mode_enabled: true",
        "home_tab_enabled: true",
        "- app_home_opened",
        "is_enabled: true",
    ):
        assert needed in text
    scopes = re.findall(
        r"^\s{6}- ([a-z:.]+)\s*$", text.split("scopes:")[1].split("settings:")[0], re.MULTILINE
    )
    assert sorted(scopes) == [
        "channels:history",
        "chat:write",
        "chat:write.public",
        "commands",
        "files:write",
        "groups:history",
        "im:history",
        "im:write",
        "mpim:history",
        "users:read",
    ]
