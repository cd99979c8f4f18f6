"""Slack Web API method table, read from Slack's own published OpenAPI 2 description.

The fake checks every call against this table so that a test catches what Slack itself would refuse
(an unknown method, a missing required argument, a JSON body sent to a form-only method) instead of
a fake that happily answers ``ok`` to anything.  The spec dates from 2020, so methods Slack added since
are described here by hand from its current documentation.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SPEC_ENV_VAR = "SQMS_SLACK_SPEC"
"""Environment variable that points the fake at another copy of the spec file."""

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SPEC_PATH = REPO_ROOT.parent / "shared" / "slack" / "web-api-openapi-v2.json"
"""``../shared/slack/web-api-openapi-v2.json`` relative to the repository root (outside the project)."""


@dataclass(frozen=True)
class MethodSpec:
    """What the fake needs to know about one Web API method."""

    name: str
    required: frozenset[str]
    """Required arguments other than ``token`` (which travels in the ``Authorization`` header)."""
    accepts_json: bool
    """Slack ignores a JSON body for methods that do not list ``application/json``; the fake flags it."""
    needs_auth: bool = True


HAND_WRITTEN: dict[str, MethodSpec] = {
    # https://docs.slack.dev/reference/methods/files.getUploadURLExternal
    "files.getUploadURLExternal": MethodSpec(
        "files.getUploadURLExternal", frozenset({"filename", "length"}), accepts_json=True
    ),
    # https://docs.slack.dev/reference/methods/files.completeUploadExternal
    "files.completeUploadExternal": MethodSpec(
        "files.completeUploadExternal", frozenset({"files"}), accepts_json=True
    ),
}
"""Methods newer than the 2020 spec, served from Slack's current documentation."""


@dataclass(frozen=True)
class SlackSpec:
    """The method table plus where it came from, so a skipped test can say why."""

    methods: dict[str, MethodSpec]
    loaded: bool
    source: str

    def lookup(self, method: str) -> MethodSpec | None:
        """Return the method's description; without a spec every method is accepted as it comes."""
        if method in HAND_WRITTEN:
            return HAND_WRITTEN[method]
        if not self.loaded:
            return MethodSpec(method, frozenset(), accepts_json=True)
        return self.methods.get(method)


def resolve_spec_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Pick the spec file: explicit argument, then ``$SQMS_SLACK_SPEC``, then the shared default."""
    if explicit is not None:
        return Path(explicit)
    from_env = os.environ.get(SPEC_ENV_VAR)
    return Path(from_env) if from_env else DEFAULT_SPEC_PATH


@lru_cache(maxsize=4)
def _parse(path: Path) -> dict[str, MethodSpec]:
    """Parse once per process: the file is a megabyte and every test starts a fake."""
    document = json.loads(path.read_text(encoding="utf-8"))
    methods: dict[str, MethodSpec] = {}
    for route, operations in document["paths"].items():
        name = route.lstrip("/")
        for operation in operations.values():
            parameters = operation.get("parameters", [])
            required = {p["name"] for p in parameters if p.get("required") and p["name"] != "token"}
            needs_auth = any(p["name"] == "token" for p in parameters)
            accepts_json = "application/json" in operation.get("consumes", [])
            methods[name] = MethodSpec(name, frozenset(required), accepts_json, needs_auth)
    return methods


def load_spec(path: str | os.PathLike[str] | None = None) -> SlackSpec:
    """Load the spec if the file exists; otherwise return an empty, permissive table."""
    resolved = resolve_spec_path(path).resolve()
    if not resolved.is_file():
        return SlackSpec({}, loaded=False, source=f"spec file not found: {resolved}")
    return SlackSpec(_parse(resolved), loaded=True, source=str(resolved))
