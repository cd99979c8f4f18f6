"""The en and zh_CN catalogs are complete and key-for-key equal, and every key the code asks for exists.

A missing key shows the reader a raw `errors.something` instead of a sentence; a missing placeholder
shows a half-filled one. Both are caught here rather than in chat.
"""

from __future__ import annotations

import ast
import re
import string
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

import commands
from sqmsbot.config import REPO_ROOT
from sqmsbot.config_sla import TARGETS
from sqmsbot.domain import incidents
from sqmsbot.domain.incident_workflow import WORKFLOW
from sqmsbot.i18n import LOCALES, Translator, catalog
from sqmsbot.vocabulary import ROLES

EN, ZH = catalog("en"), catalog("zh_CN")
SECTIONS = sorted({key.split(".")[0] for key in EN})
KEY_LITERAL = re.compile(rf"^(?:{'|'.join(map(re.escape, SECTIONS))})\.[A-Za-z0-9_.-]*$")
SOURCE_DIRS = ("sqmsbot", "commands", "jobs")
# Han characters, CJK punctuation (、。「」) and full-width forms (：，（）).
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
# zh_CN texts that rightly contain no Chinese: names, pure formatting, the bot's own name.
NOT_CHINESE_OK = {"language.en", "errors.reply", "time.join", "incident.system"}
# A plural table's `count` names the argument counted, in either language.
PLURAL_COUNT = re.compile(r"\.count$")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_both_languages_have_the_same_keys() -> None:
    assert sorted(set(EN) - set(ZH)) == [], "missing in zh_CN.toml"
    assert sorted(set(ZH) - set(EN)) == [], "missing in en.toml"


@pytest.mark.parametrize("key", sorted(EN))
def test_the_same_placeholders_in_both_languages(key: str) -> None:
    assert _placeholders(EN[key]) == _placeholders(ZH.get(key, EN[key])), key


def test_no_value_is_empty() -> None:
    allowed_empty = {"time.join"}  # Chinese joins "3天4小时" without a space
    for locale, texts in (("en", EN), ("zh_CN", ZH)):
        empty = [k for k, v in texts.items() if not v.strip() and k not in allowed_empty]
        assert empty == [], locale
    assert EN["time.join"] == " "


def test_chinese_texts_are_in_chinese() -> None:
    untranslated = [
        k
        for k, v in ZH.items()
        if k not in NOT_CHINESE_OK and not PLURAL_COUNT.search(k) and not CJK.search(v)
    ]
    assert untranslated == []


def test_english_texts_are_in_english() -> None:
    assert [k for k, v in EN.items() if CJK.search(v) and k != "language.zh_CN"] == []


def _python_files() -> Iterator[Path]:
    for folder in SOURCE_DIRS:
        yield from sorted((REPO_ROOT / folder).rglob("*.py"))


def _scan() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Catalog keys written out in the code, and prefixes of keys built at run time (`"status." + s`)."""
    literal: dict[str, list[str]] = {}
    dynamic: dict[str, list[str]] = {}
    for path in _python_files():
        where = str(path.relative_to(REPO_ROOT))
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=where)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and KEY_LITERAL.match(node.value)
            ):
                if node.value.endswith("."):
                    continue  # the left side of a concatenation, seen below
                literal.setdefault(node.value, []).append(f"{where}:{node.lineno}")
            prefix = None
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
                left = node.left
                if isinstance(left, ast.Constant) and isinstance(left.value, str):
                    prefix = left.value
            elif isinstance(node, ast.JoinedStr) and node.values:
                first = node.values[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    prefix = first.value
            if prefix and KEY_LITERAL.match(prefix) and prefix.endswith("."):
                dynamic.setdefault(prefix, []).append(f"{where}:{getattr(node, 'lineno', 0)}")
    return literal, dynamic


LITERAL_KEYS, DYNAMIC_PREFIXES = _scan()


def test_the_scan_finds_the_keys_the_code_uses() -> None:
    """Not vacuous: the known uses are found, written out and built."""
    assert len(LITERAL_KEYS) > 60
    assert {"errors.unclosed_quote", "incident.done.reported", "console.demo_seeded"} <= set(LITERAL_KEYS)
    assert {"status.", "help.", "event."} <= set(DYNAMIC_PREFIXES)


def _exists(key: str) -> bool:
    """A key is a text, or a table of plural forms (`one`, `other`) the translator picks from."""
    return key in EN or f"{key}.other" in EN


def test_every_key_written_in_the_code_exists() -> None:
    missing = {key: uses for key, uses in LITERAL_KEYS.items() if not _exists(key)}
    assert missing == {}


@pytest.mark.parametrize("locale", LOCALES)
def test_plural_tables_have_both_forms_and_name_their_argument(locale: str) -> None:
    texts = catalog(locale)
    tables = {key.rsplit(".", 1)[0] for key in texts if key.endswith((".one", ".other", ".count"))}
    for table in tables:
        assert {f"{table}.one", f"{table}.other", f"{table}.count"} <= set(texts), table
        assert texts[f"{table}.count"] in _placeholders(texts[f"{table}.other"]), table


def _args_fields() -> set[str]:
    names: set[str] = set()
    for command in commands.registry().values():
        for sub in command.subcommands.values():
            names |= set(sub.args_model.model_fields)
    return names


def _literal_values(model: type[BaseModel], field: str) -> set[str]:
    annotation = model.model_fields[field].annotation
    values: set[str] = set()
    for arg in typing.get_args(annotation) or (annotation,):
        if typing.get_origin(arg) is typing.Literal:
            values |= {str(v) for v in typing.get_args(arg)}
    return values


def _event_kinds() -> set[str]:
    """Every `kind="…"` the domain records on a timeline."""
    kinds: set[str] = set()
    for path in sorted((REPO_ROOT / "sqmsbot" / "domain").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "kind" and isinstance(node.value, ast.Constant):
                kinds.add(str(node.value.value))
    return kinds


def _list_scopes() -> set[str]:
    from commands.incident.report import ListArgs

    return _literal_values(ListArgs, "scope") - {"open"}  # "open" is shown as dept or all


def _list_statuses() -> set[str]:
    from commands.incident.report import ListArgs

    return _literal_values(ListArgs, "status") | {"any"}


def _required_usage_names() -> set[str]:
    """The usage words an error may name as missing (`Missing REASON.`): required positionals'."""
    words: set[str] = set()
    for command in commands.registry().values():
        for sub in command.subcommands.values():
            names = sub.usage_names()
            for pos in sub.positional:
                if sub.args_model.model_fields[pos.name].is_required() and pos.name in names:
                    words.add(names[pos.name].strip('"[]@'))
    return words


def _cli_help_keys() -> set[str]:
    """Every `sqmsbot` command's help and each of its options' and arguments', by command path."""
    import typer.main

    from sqmsbot.cli import app
    from sqmsbot.cli.help import command_paths

    keys: set[str] = set()
    for path, cmd in command_paths(typer.main.get_command(app)):
        keys.add(f"{path}.help")
        keys |= {f"{path}.{param.name}" for param in cmd.params}
    return keys


# Keys built at run time, and where their possible values come from. A new `"x." + value` in the code
# fails test_every_built_key_is_covered until it is listed here.
ENUMERATED: dict[str, typing.Callable[[], set[str]]] = {
    "status.": lambda: set(incidents.STATUSES) | _list_statuses(),
    "source.": lambda: set(incidents.SOURCES),
    "category.": lambda: set(incidents.CATEGORIES),
    "role.": lambda: set(ROLES),
    "sla.target.": lambda: set(TARGETS),
    "language.": lambda: set(LOCALES),
    "event.": _event_kinds,
    "fields.": _args_fields,
    "incident.list_heading.": _list_scopes,
    "usage_names.": _required_usage_names,
    "cli_help.": _cli_help_keys,
    "workflow.who.": lambda: {t.who.name for t in WORKFLOW.transitions.values()},
    "help.": lambda: {
        f"{c.name}.{sub}" for c in commands.registry().values() for sub in [*c.subcommands, "summary"]
    },
}


def test_every_built_key_is_covered() -> None:
    unknown = {prefix: uses for prefix, uses in DYNAMIC_PREFIXES.items() if prefix not in ENUMERATED}
    assert unknown == {}, "keys built at run time with no enumeration of their values in this test"


@pytest.mark.parametrize("prefix", sorted(ENUMERATED))
def test_every_built_key_exists(prefix: str) -> None:
    values = ENUMERATED[prefix]()
    assert values, prefix
    missing = sorted(prefix + v for v in values if not _exists(prefix + v))
    assert missing == []


def test_every_event_kind_and_subcommand_is_enumerated() -> None:
    """The enumerations are not vacuous either."""
    assert {"reported", "acknowledged", "resolved", "reopened", "closed", "transferred"} <= _event_kinds()
    assert "incident.report" in ENUMERATED["help."]()
    assert {"mine", "dept", "all"} == _list_scopes()


@pytest.mark.parametrize("locale", LOCALES)
def test_every_help_line_is_translated(locale: str) -> None:
    """What `/sq help` and `/incident help` show is a sentence in the reader's language, not a key."""
    t = Translator(locale)
    for command in commands.registry().values():
        assert t(command.help_key) != command.help_key
        for sub in command.subcommands.values():
            assert t(sub.help_key) != sub.help_key
            assert sub.usage.startswith(f"/{command.name} ")


# What an English error may begin with besides a capital letter: a quoted word the reader typed, a
# command, the warning sign, or a name (a person, a department, a reference), which is capitalised
# already or is the person's own spelling.
ERROR_OPENINGS = ("“", "/", "⚠️", "{person}", "{department}", "{incident}", "{ref}", "{who}", "{message}")
NOT_SENTENCES = {"errors.list_separator"}


def test_english_errors_start_with_a_capital_letter() -> None:
    lower = [
        f"{key}: {text[:40]!r}"
        for key, text in EN.items()
        if key.startswith("errors.")
        and key not in NOT_SENTENCES
        and not PLURAL_COUNT.search(key)
        and not (text[:1].isupper() or text.startswith(ERROR_OPENINGS))
    ]
    assert lower == []
