"""One Settings object from the environment, and the organisation file `sqmsbot.toml`.

Settings hold what differs per deployment (URLs, secrets); the organisation file holds what the
quality team owns (departments, services, values, targets, commitments). Both are validated at
start-up so a typo stops the bot with the file, key and problem named instead of failing later.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sqmsbot.config_sla import SlaConfig

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_NAME = "sqmsbot.example.toml"


def _example_org_file() -> Path:
    """The shipped example: beside the package in a checkout, else in the working directory (the image)."""
    for folder in (REPO_ROOT, Path.cwd()):
        if (folder / EXAMPLE_NAME).exists():
            return folder / EXAMPLE_NAME
    return REPO_ROOT / EXAMPLE_NAME


EXAMPLE_ORG_FILE = _example_org_file()
LOCAL_ORG_FILE = Path("sqmsbot.toml")  # in the working directory
LOCALES = ("en", "zh_CN")
KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,31}$"
FILES_DIR = Path("var/files")  # in the working directory: where the console writes messages' files


class Settings(BaseSettings):
    """Deployment settings, read from `SQMS_*` variables (and the platforms' own names for tokens)."""

    model_config = SettingsConfigDict(env_prefix="SQMS_", extra="ignore", populate_by_name=True)

    database_url: str = "sqlite:///var/sqmsbot.db"
    files_dir: Path = FILES_DIR  # SQMS_FILES_DIR: where the console writes the files messages carry
    # SQMS_CONFIG: a file named on purpose must exist; unset, ./sqmsbot.toml or the shipped example.
    config: Path | None = None
    log_level: str = "INFO"
    port: int = Field(default=3000, ge=1, le=65535)
    slack_bot_token: str | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_app_token: str | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_signing_secret: str | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_api_url: str | None = None
    lark_app_id: str | None = Field(default=None, validation_alias="LARK_APP_ID")
    lark_app_secret: str | None = Field(default=None, validation_alias="LARK_APP_SECRET")
    # SQMS_PLATFORMS: the chat platforms this deployment serves, comma-separated (`slack,lark`); an
    # adapter of your own as `name=package.module:Factory`. Unset: every platform whose credentials
    # are set, else the console.
    platforms_setting: str | None = Field(default=None, validation_alias="SQMS_PLATFORMS")
    # Scheduled jobs (DESIGN §6): a period missed while down is caught up once if it is at most
    # `job_lateness` seconds old; a claim whose process died is taken over `job_lease` seconds after it.
    job_lateness: int = Field(default=3600, ge=0)
    job_lease: int = Field(default=300, ge=1)
    # Runtime under faults (issue 9). HTTP mode stores a request within `ack_deadline` seconds or answers
    # 503 (Slack retries events; a person sees an error rather than a hang); bodies over
    # `max_body_bytes` are refused with 413 before they are read.
    ack_deadline: float = Field(default=2.0, gt=0, le=2.8)
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    # PostgreSQL: a statement or a lock wait longer than these (seconds) is cancelled by the server.
    db_statement_timeout: float = Field(default=30.0, gt=0)
    db_lock_timeout: float = Field(default=5.0, gt=0)
    # Slack Web API calls give up after `slack_timeout` seconds (the outbox then checks whether the post
    # went out before it sends again).
    slack_timeout: float = Field(default=10.0, gt=0)
    # The outbox keeps retrying a message for `outbox_retry_horizon` seconds (capped back-off of at most
    # `outbox_max_backoff` seconds) before it is dead: visible in /healthz and `sqmsbot outbox list --dead`.
    outbox_retry_horizon: int = Field(default=2 * 24 * 3600, ge=60)
    outbox_max_backoff: int = Field(default=600, ge=1)
    # /healthz fails when the worker is down or the oldest due inbound request or outbox row has waited
    # longer than this many seconds.
    health_stale_after: int = Field(default=120, ge=5)
    # A worker process that dies more than `worker_restart_limit` times within
    # `worker_restart_window` seconds is given up on: logged at CRITICAL, and the server exits with 1.
    worker_restart_limit: int = Field(default=5, ge=0)
    worker_restart_window: float = Field(default=600.0, gt=0)

    @field_validator("config", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """`SQMS_CONFIG=` (set to nothing, as `export SQMS_CONFIG=` leaves it) names no file."""
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _platforms_parse(self) -> Settings:
        """A malformed SQMS_PLATFORMS stops start-up here, not at the first message."""
        if self.platforms_setting and self.platforms_setting.strip():
            parse_platforms(self.platforms_setting)
        return self

    @property
    def org_file(self) -> Path:
        """The organisation file in use: `SQMS_CONFIG` (missing or not: a typo there must stop the bot,
        not quietly run it as the example company), else `./sqmsbot.toml`, else the shipped example."""
        if self.config is not None:
            return self.config
        return LOCAL_ORG_FILE if LOCAL_ORG_FILE.exists() else EXAMPLE_ORG_FILE

    @property
    def uses_example(self) -> bool:
        """True when neither `SQMS_CONFIG` nor `./sqmsbot.toml` is there and the shipped example stands in."""
        return self.config is None and not LOCAL_ORG_FILE.exists()

    @property
    def platform(self) -> str:
        """The first platform served (what one-platform messages such as start-up errors name)."""
        return self.platforms[0].name

    @property
    def platforms(self) -> tuple[PlatformEntry, ...]:
        """The platforms served, in order of preference (a department with channels on several gets
        its cards on the first). Unset, every platform with an adapter whose credentials are set:
        Slack with a bot token and either an app token (Socket Mode) or a signing secret (HTTP mode).
        Lark's credentials do not count until its adapter ships (the CLI says so at start-up)."""
        if self.explicit_platforms:
            return parse_platforms(str(self.platforms_setting))
        found = []
        if self.slack_bot_token and (self.slack_app_token or self.slack_signing_secret):
            found.append(PlatformEntry("slack"))
        return tuple(found) or (PlatformEntry("console"),)

    @property
    def explicit_platforms(self) -> bool:
        """Whether SQMS_PLATFORMS names the platforms (else they follow the credentials)."""
        return bool(self.platforms_setting and self.platforms_setting.strip())

    @property
    def lark_credentials(self) -> bool:
        return bool(self.lark_app_id and self.lark_app_secret)

    @property
    def platform_names(self) -> tuple[str, ...]:
        return tuple(entry.name for entry in self.platforms)


@dataclass(frozen=True)
class PlatformEntry:
    """One served platform: its name (the `platform` of people, requests and outbox rows) and, for an
    adapter that is not built in, where its factory is (`package.module:Factory`)."""

    name: str
    factory: str | None = None


PLATFORM_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")
FACTORY_PATH = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")


def parse_platforms(text: str) -> tuple[PlatformEntry, ...]:
    """`slack, chat=tests.platforms.chat:ChatAdapter` → entries; a malformed or repeated one stops
    start-up."""
    entries: list[PlatformEntry] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, _, factory = (s.strip() for s in item.partition("="))
        if not PLATFORM_NAME.fullmatch(name) or (factory and not FACTORY_PATH.fullmatch(factory)):
            raise ValueError(f"SQMS_PLATFORMS: {item!r} is neither a platform name nor name=module:Factory")
        if any(entry.name == name for entry in entries):
            raise ValueError(f"SQMS_PLATFORMS: {name!r} is listed twice")
        entries.append(PlatformEntry(name, factory or None))
    if not entries:
        raise ValueError("SQMS_PLATFORMS names no platform")
    return tuple(entries)


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r}") from exc
    return value


class LocalizedName(BaseModel):
    """A display name in each language; a plain string in the file stands for every language."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    en: str = Field(min_length=1, max_length=80)
    zh_CN: str | None = Field(default=None, min_length=1, max_length=80)

    def get(self, locale: str) -> str:
        return self.zh_CN if locale == "zh_CN" and self.zh_CN else self.en


def _localized(value: Any) -> Any:
    return {"en": value} if isinstance(value, str) else value


Key = Annotated[str, Field(pattern=KEY_PATTERN)]


class Department(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    key: Key
    name: LocalizedName
    timezone: str = "UTC"
    locale: str = "en"
    channels: dict[str, str] = Field(default_factory=dict)
    # Where its cards go when it has channels on several served platforms (else the first served).
    platform: str | None = None
    # Local time of its morning KPI digest (working days of its calendar) and Monday's weekly report.
    digest_at: str = "08:30"

    _name = field_validator("name", mode="before")(_localized)
    _tz = field_validator("timezone")(_check_timezone)

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in LOCALES:
            raise ValueError(f"locale must be one of {', '.join(LOCALES)}")
        return value

    @field_validator("digest_at")
    @classmethod
    def _time_of_day(cls, value: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
            raise ValueError(
                f"digest_at must be a local time of day as HH:MM, e.g. 08:30 (not {value[:20]!r})"
            )
        return value

    def channel(self, platform: str) -> str | None:
        """The department's channel on a platform: configured, or `#<key>` on the console; else none."""
        return self.channels.get(platform) or (f"#{self.key}" if platform == "console" else None)

    def home(self, platforms: tuple[str, ...]) -> tuple[str, str] | None:
        """(platform, channel) where the department's cards go among the served `platforms`: its own
        `platform` if served and it has a channel there, else the first served one it has a channel on."""
        ordered = ((self.platform,) if self.platform in platforms else ()) + platforms
        for platform in ordered:
            channel = self.channel(platform)
            if channel is not None:
                return platform, channel
        return None


class Service(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    key: Key
    name: LocalizedName
    department: str

    _name = field_validator("name", mode="before")(_localized)


class CompanyValue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    key: Key
    name: LocalizedName

    _name = field_validator("name", mode="before")(_localized)


class KpiTargets(BaseModel):
    """Targets the digests compare against (fractions for rates, hours for times)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    fcr_rate: float | None = Field(default=None, ge=0, le=1)
    reopen_rate: float | None = Field(default=None, ge=0, le=1)
    csat: float | None = Field(default=None, ge=0, le=1)
    mtta_hours: float | None = Field(default=None, gt=0)
    mttr_hours: float | None = Field(default=None, gt=0)
    sla_attainment: float | None = Field(default=None, ge=0, le=1)
    # The highest acceptable share of failed deliveries (errors ÷ volume), e.g. 0.01.
    error_rate: float | None = Field(default=None, ge=0, le=1)


class OrgConfig(BaseModel):
    """The organisation file: what the quality team configures."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = "sqmsbot"
    default_locale: str = "en"
    timezone: str = "UTC"
    ref_prefix: str = Field(default="SQ", pattern=r"^[A-Z]{1,6}$")
    admins: list[str] = Field(default_factory=list)
    departments: list[Department] = Field(min_length=1)
    services: list[Service] = Field(min_length=1)
    values: list[CompanyValue] = Field(default_factory=list)
    kpi_targets: KpiTargets = Field(default_factory=KpiTargets)
    sla: SlaConfig = Field(default_factory=SlaConfig)

    _tz = field_validator("timezone")(_check_timezone)

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in LOCALES:
            raise ValueError(f"default_locale must be one of {', '.join(LOCALES)}")
        return value

    @model_validator(mode="after")
    def _references_resolve(self) -> OrgConfig:
        # Messages start with the exact key ("services[2].department: …"); load_org_config shows it.
        for kind, keys in (
            ("departments", [d.key for d in self.departments]),
            ("services", [s.key for s in self.services]),
        ):
            first: dict[str, int] = {}
            for index, key in enumerate(keys):
                if key in first:
                    raise ValueError(
                        f"{kind}[{index}].key: {key!r} is used twice (also {kind}[{first[key]}])"
                    )
                first[key] = index
        known = {d.key for d in self.departments}
        for index, service in enumerate(self.services):
            if service.department not in known:
                raise ValueError(
                    f"services[{index}].department: service {service.key!r} names department "
                    f"{service.department!r}, which is not one of {', '.join(sorted(known))}"
                )
        self.sla.check_services({s.key for s in self.services})
        return self

    @cached_property
    def department_by_key(self) -> dict[str, Department]:
        return {d.key: d for d in self.departments}

    @cached_property
    def service_by_key(self) -> dict[str, Service]:
        return {s.key: s for s in self.services}

    def department(self, key: str) -> Department | None:
        return self.department_by_key.get(key)

    def service(self, key: str) -> Service | None:
        return self.service_by_key.get(key)


class ConfigError(Exception):
    """The organisation file cannot be used; the message names the file, key and problem."""


def load_org_config(path: Path) -> OrgConfig:
    """Read and validate the organisation file, turning every problem into one readable error."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    try:
        return OrgConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            where = re.sub(r"\.(\d+)", r"[\1]", where)
            message = error["msg"].removeprefix("Value error, ")
            located = re.match(r"^([\w\[\].-]+): (.*)$", message, re.DOTALL)
            if not where and located:  # a check across keys names the key itself
                where, message = located.groups()
            given = error.get("input")
            if error["type"] != "value_error" and isinstance(given, str | int | float):
                message += f" (given: {str(given)[:60]!r})"
            problems.append(f"  {where or '(top level)'}: {message}")
        raise ConfigError(f"{path}: invalid organisation file\n" + "\n".join(problems)) from exc
