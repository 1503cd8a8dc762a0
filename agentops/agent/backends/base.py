"""The model seam: what a backend must do.

A backend turns one `ModelRequest` into one `ModelReply`, streaming text through `on_text` as it
arrives and giving up promptly when `cancel` is set. The loop owns everything else (tools,
limits, history), so the Anthropic backend and the offline stub are interchangeable.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from agentops.agent.messages import ModelReply, ModelRequest

DEFAULT_MODEL = "claude-sonnet-5-5"
"""The current Sonnet in anthropic 2.14's model list (not in its deprecated list)."""
STUB_MODEL = "stub"
API_KEY_ENV = "ANTHROPIC_API_KEY"
MODEL_ENV = "AGENTOPS_MODEL"

TextSink = Callable[[str], None]


class Backend(Protocol):
    """A model that answers one turn. `label` is how it is named to people."""

    model: str
    label: str
    offline: bool

    def complete(
        self, request: ModelRequest, on_text: TextSink, cancel: threading.Event
    ) -> ModelReply: ...
