"""The direction of imports (DESIGN §2) is a contract: `lint-imports` checks the contracts in
pyproject.toml ([tool.importlinter]) here too, so a module that imports upwards fails `make test`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqmsbot.config import REPO_ROOT


def test_the_import_contracts_hold() -> None:
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(linter), "--no-cache"], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "BROKEN" not in result.stdout and "KEPT" in result.stdout
