"""`PLATFORM`: the Slack adapter's name, one home for the whole package.

The name is stored with every person, inbound request and outbox row the adapter makes, so every
module of the package must spell it the same way; each defined its own copy before. This module
imports nothing, so any module of the package (the deliverer, the directory, App Home, the
handlers) can take it without pulling in the rest.
"""

from __future__ import annotations

from typing import Final

PLATFORM: Final = "slack"
