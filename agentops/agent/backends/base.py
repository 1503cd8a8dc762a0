"""The model seam: what a backend must do, and which backend a session gets.

A backend turns one `ModelRequest` into one `ModelReply`, streaming text through `on_text` as it
arrives and giving up promptly when `cancel` is set. The loop owns everything else (tools,
limits, history), so the Anthropic backend and the offline stub are interchangeable.

The model comes from, first match wins: `--model`, `AGENTOPS_MODEL`, `model = "…"` in
agentops.toml, then `DEFAULT_MODEL`. `stub` names the offline stub. Without `ANTHROPIC_API_KEY`
every session gets the stub, and says so.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from agentops.agent.messages import ModelReply, ModelRequest
from agentops.errors import ProjectError

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


def resolve_model(cli_model: str | None, config: Mapping[str, Any] | None = None) -> str:
    """The model name from the flag, the environment, the project file, or the default."""
    if cli_model:
        return cli_model.strip()
    env = os.environ.get(MODEL_ENV, "").strip()
    if env:
        return env
    value = (config or {}).get("model")
    if value is not None:
        if not isinstance(value, str) or not value.strip():
            raise ProjectError(
                "agentops.toml: model must be a model name", hint=f'write model = "{DEFAULT_MODEL}"'
            )
        return value.strip()
    return DEFAULT_MODEL


def make_backend(
    model: str,
    api_key: str | None = None,
    base_url: str | None = None,
    **options: Any,
) -> Backend:
    """The backend for `model`: the stub for `stub` or when there is no API key, else Anthropic.

    `api_key=None` reads ANTHROPIC_API_KEY; `options` go to the Anthropic backend (max_retries,
    timeout).
    """
    from agentops.agent.backends.stub import StubBackend

    if model == STUB_MODEL:
        return StubBackend()
    key = api_key if api_key is not None else os.environ.get(API_KEY_ENV, "")
    if not key.strip():
        return StubBackend(reason=f"{API_KEY_ENV} is not set", wanted=model)
    from agentops.agent.backends.anthropic import AnthropicBackend

    return AnthropicBackend(model, api_key=key.strip(), base_url=base_url, **options)
