"""Model backends: the Anthropic Messages API and the offline stub, behind one `Backend` seam.

Which backend a session gets is decided here. The model comes from, first match wins: `--model`,
`AGENTOPS_MODEL`, `model = "…"` in agentops.toml, then `DEFAULT_MODEL`. `stub` names the offline
stub. Without `ANTHROPIC_API_KEY` every session gets the stub, and says so; a name that is neither
`stub` nor a model the installed SDK knows is an error, never a silent stub. The implementations
are imported only when chosen (`anthropic` costs ~1.5 s to import).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agentops.agent.backends.base import (
    API_KEY_ENV,
    DEFAULT_MODEL,
    MODEL_ENV,
    STUB_MODEL,
    Backend,
    TextSink,
)
from agentops.errors import ProjectError, UsageError

__all__ = [
    "API_KEY_ENV",
    "DEFAULT_MODEL",
    "MODEL_ENV",
    "STUB_MODEL",
    "Backend",
    "TextSink",
    "known_models",
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


def known_models() -> tuple[str, ...]:
    """The model names the installed anthropic SDK lists (`anthropic.types.Model`), read from its
    source instead of imported: `ask` with the offline stub must not pay ~1.5 s to check a name."""
    import ast
    from importlib.util import find_spec

    spec = find_spec("anthropic")
    if spec is None or not spec.submodule_search_locations:
        return ()
    source = Path(next(iter(spec.submodule_search_locations))) / "types" / "model.py"
    try:
        tree = ast.parse(source.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return ()
    return tuple(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.startswith("claude-")
    )


def check_model(model: str) -> None:
    """Refuse a model name no backend answers to, naming the ones that do."""
    if model == STUB_MODEL:
        return
    known = known_models()
    if known and model not in known:
        raise UsageError(
            f"unknown model {model!r}", hint=f"known models: {STUB_MODEL}, {', '.join(known)}"
        )


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

    check_model(model)
    if model == STUB_MODEL:
        return StubBackend()
    key = api_key if api_key is not None else os.environ.get(API_KEY_ENV, "")
    if not key.strip():
        return StubBackend(reason=f"{API_KEY_ENV} is not set", wanted=model)
    from agentops.agent.backends.anthropic import AnthropicBackend

    return AnthropicBackend(model, api_key=key.strip(), base_url=base_url, **options)
