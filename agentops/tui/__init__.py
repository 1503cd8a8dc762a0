"""The Textual chat (`agentops chat`). Importing this package imports nothing heavy; the app is
built by `agentops.tui.app.make_app`, which is where Textual gets imported."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentops.tui.app import ChatApp, make_app

__all__ = ["ChatApp", "make_app"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from agentops.tui import app

        return getattr(app, name)
    raise AttributeError(f"module 'agentops.tui' has no attribute {name!r}")
