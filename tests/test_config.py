"""Settings from the environment and the organisation file: which platform runs, and readable errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from sqmsbot.config import EXAMPLE_ORG_FILE, ConfigError, Settings, load_org_config

CREDENTIALS = (
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "LARK_APP_ID",
    "LARK_APP_SECRET",
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in CREDENTIALS:
        monkeypatch.delenv(name, raising=False)
    for name in ("SQMS_DATABASE_URL", "SQMS_CONFIG", "SQMS_LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_no_credentials_means_the_console(clean_env: pytest.MonkeyPatch) -> None:
    assert Settings().platform == "console"


@pytest.mark.parametrize(
    ("env", "platform"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, "slack"),  # Socket Mode
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}, "slack"),  # HTTP mode
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "console"),  # half a Slack setup is no Slack setup
        ({"LARK_APP_ID": "cli_1", "LARK_APP_SECRET": "s"}, "console"),  # no Lark adapter yet: the CLI says so
        ({"LARK_APP_ID": "cli_1"}, "console"),
    ],
)
def test_the_platform_follows_the_credentials(
    clean_env: pytest.MonkeyPatch, env: dict[str, str], platform: str
) -> None:
    for name, value in env.items():
        clean_env.setenv(name, value)
    assert Settings().platform == platform


def test_defaults_and_environment(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = Settings()
    assert settings.database_url == "sqlite:///var/sqmsbot.db"
    assert settings.org_file == EXAMPLE_ORG_FILE  # no ./sqmsbot.toml here: the shipped example
    (tmp_path / "sqmsbot.toml").write_text(EXAMPLE_ORG_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    assert Settings().org_file == Path("sqmsbot.toml")
    clean_env.setenv("SQMS_DATABASE_URL", "postgresql://u@db/sqms")
    clean_env.setenv("SQMS_CONFIG", str(tmp_path / "elsewhere.toml"))
    settings = Settings()
    assert settings.database_url == "postgresql://u@db/sqms"
    # A file named on purpose is the file, even when it is missing: the CLI stops rather than
    # quietly running the example company (tests/test_cli.py); only no configuration means the example.
    assert not settings.uses_example and settings.org_file == tmp_path / "elsewhere.toml"


def test_the_example_stands_in_only_when_nothing_is_configured(clean_env: pytest.MonkeyPatch) -> None:
    assert Settings().uses_example and Settings().org_file == EXAMPLE_ORG_FILE
    clean_env.setenv("SQMS_CONFIG", "")  # `export SQMS_CONFIG=` names no file
    assert Settings().uses_example
    clean_env.setenv("SQMS_CONFIG", str(EXAMPLE_ORG_FILE))
    assert not Settings().uses_example


def test_the_example_is_valid() -> None:
    org = load_org_config(EXAMPLE_ORG_FILE)
    assert {d.key for d in org.departments} >= {"ops", "finance"}
    billing = org.service("billing")
    assert billing is not None and billing.department == "finance"


def _load(tmp_path: Path, old: str, new: str) -> str:
    text = EXAMPLE_ORG_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "org.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_org_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert "Value error" not in message  # pydantic's internals are not the reader's business
    return message


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('key = "it"', 'key = "ops"', "departments[2].key: 'ops' is used twice (also departments[0])"),
        ('key = "store"', 'key = "hotline"', "services[1].key: 'hotline' is used twice (also services[0])"),
        (
            'default_locale = "en"',
            'default_locale = "fr"',
            "default_locale: default_locale must be one of en, zh_CN",
        ),
        ('locale = "zh_CN"', 'locale = "zh-TW"', "departments[0].locale: locale must be one of en, zh_CN"),
        (
            'timezone = "Asia/Shanghai"\nlocale',
            'timezone = "Mars/Olympus"\nlocale',
            "departments[0].timezone: unknown time zone 'Mars/Olympus'",
        ),
        (
            'department = "it"',
            'department = "itt"',
            "services[3].department: service 'app' names department 'itt'",
        ),
        ('key = "billing"', 'key = "Billing Dept"', "services[4].key: String should match pattern"),
        ("[kpi_targets]", "[kpi_target]", "kpi_target: Extra inputs are not permitted"),
        (
            "fcr_rate = 0.80",
            "fcr_rate = 80",
            "kpi_targets.fcr_rate: Input should be less than or equal to 1 (given: '80')",
        ),
    ],
    ids=[
        "duplicate-department",
        "duplicate-service",
        "unknown-default-locale",
        "unknown-department-locale",
        "unknown-time-zone",
        "unknown-department",
        "bad-key",
        "misspelt-section",
        "rate-out-of-range",
    ],
)
def test_organisation_file_errors_name_the_key_and_the_problem(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    message = _load(tmp_path, old, new)
    assert "invalid organisation file" in message
    assert expected in message


def test_several_problems_are_all_listed(tmp_path: Path) -> None:
    text = EXAMPLE_ORG_FILE.read_text(encoding="utf-8")
    text = text.replace('default_locale = "en"', 'default_locale = "fr"').replace(
        'ref_prefix = "SQ"', 'ref_prefix = "sq-"'
    )
    path = tmp_path / "org.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_org_config(path)
    lines = str(caught.value).splitlines()
    assert any(line.startswith("  default_locale: ") for line in lines)
    assert any(line.startswith("  ref_prefix: ") and "'sq-'" in line for line in lines)


def test_not_toml_and_not_there(tmp_path: Path) -> None:
    path = tmp_path / "org.toml"
    path.write_text('name = "unterminated\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"org\.toml: not valid TOML: .*line 1"):
        load_org_config(path)
    with pytest.raises(ConfigError, match=r"missing\.toml: file not found"):
        load_org_config(tmp_path / "missing.toml")
