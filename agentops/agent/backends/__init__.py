"""Model backends: the Anthropic Messages API and the offline stub, behind one `Backend` seam.

Which backend a session gets is decided here. The model comes from, first match wins: `--model`,
`AGENTOPS_MODEL`, `model = "…"` in agentops.toml, then `DEFAULT_MODEL`. `stub` names the offline
stub. Without `ANTHROPIC_API_KEY` every session gets the stub, and says so. The implementations
are imported only when chosen (`anthropic` costs ~1.5 s to import).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from agentops.agent.backends.base import (
    API_KEY_ENV,
    DEFAULT_MODEL,
    MODEL_ENV,
    STUB_MODEL,
    Backend,
    TextSink,
)
from agentops.errors import ProjectError

__all__ = [
    "API_KEY_ENV",
    "DEFAULT_MODEL",
    "MODEL_ENV",
    "STUB_MODEL",
    "Backend",
    "TextSink",
    "make_backend",
    "resolve_model",
]


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
