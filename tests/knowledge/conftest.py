"""Fixtures for the knowledge tests: real card files written into tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml


def build_card_text(
    card_id: str = "team-lesson",
    *,
    kind: str = "failure-mode",
    body: str = "# A team lesson\n\nWhat we learned the hard way.\n",
    drop: tuple[str, ...] = (),
    **fields: Any,
) -> str:
    """The text of a valid card of ``kind``, with ``fields`` overriding and ``drop`` removed."""
    data: dict[str, Any] = {
        "id": card_id,
        "kind": kind,
        "title": f"Team card {card_id}",
        "tags": ["team"],
        "sources": ["INC-1001 postmortem"],
    }
    if kind == "failure-mode":
        data.update(
            change_types=["data-schema"],
            evidence=["a column disappears"],
            prior=0.9,
            checks=["data-1"],
            remediation=["data-pin"],
        )
    data.update(fields)
    for name in drop:
        data.pop(name, None)
    front = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return f"---\n{front}---\n{body}"


@pytest.fixture
def card_text() -> Callable[..., str]:
    """Build the text of a valid card; keyword arguments override or ``drop`` fields."""
    return build_card_text


@pytest.fixture
def write_card(tmp_path: Path) -> Callable[..., Path]:
    """Write a card file; returns its path. Default folder: tmp_path / 'ops'."""

    def write(
        card_id: str = "team-lesson",
        *,
        folder: Path | None = None,
        filename: str | None = None,
        text: str | None = None,
        **kwargs: Any,
    ) -> Path:
        target = folder or tmp_path / "ops"
        target.mkdir(parents=True, exist_ok=True)
        path = target / (filename or f"{card_id}.md")
        content = text if text is not None else build_card_text(card_id, **kwargs)
        path.write_text(content, "utf-8")
        return path

    return write
