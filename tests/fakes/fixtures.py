"""Pytest fixtures for the fake Slack, importable from any test module.

The fixture function is named ``fake_slack_fixture`` but registered as ``fake_slack``, so a module can
import it without the test parameter shadowing the import (ruff F811)::

    from tests.fakes.fixtures import fake_slack_fixture  # noqa: F401  (registers ``fake_slack``)

    def test_posts(fake_slack: FakeSlack) -> None: ...

The fixture fails the test at teardown if any call was one Slack would refuse; a test that provokes a
violation on purpose asserts on ``violations`` and then clears the list.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .slack_api import FakeSlack


def require_spec(slack: FakeSlack) -> None:
    """Skip the calling test when Slack's spec file is absent (a clone without ``../shared``)."""
    if not slack.spec_loaded:
        pytest.skip(f"Slack Web API spec unavailable, calls cannot be checked ({slack.spec.source})")


@pytest.fixture(name="fake_slack")
def fake_slack_fixture() -> Iterator[FakeSlack]:
    """A running fake Slack for one test; teardown fails on calls Slack would have refused."""
    with FakeSlack() as slack:
        yield slack
        slack.assert_no_violations()
