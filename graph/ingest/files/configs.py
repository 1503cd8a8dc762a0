"""A config file version → its flattened keys (`train.optimizer.lr: 0.01`), or its parse error.

Flat keys make two versions diffable key by key and searchable by the agent. A file that does
not parse is still a version (someone committed it, a run may have read it): it is kept with
`parse_error` instead of keys, never a crash. Contents are untrusted data: parsed with safe
loaders only, and capped in size and key count so an alias bomb or a 50 MB JSON cannot blow up
an ingest.
"""

from __future__ import annotations

import configparser
import datetime as dt
import json
import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MAX_KEYS = 5_000
MAX_YAML_VALUES = 200_000  # nodes of one YAML document, aliases expanded (see load_yaml_documents)
MAX_VALUE_CHARS = 2_000

FORMATS = {
    ".yaml": "yaml",
    ".yml": "yaml",
    ".json": "json",
    ".toml": "toml",
    ".ini": "ini",
    ".cfg": "ini",
}


class _TooManyKeys(Exception):
    pass


@dataclass(slots=True)
class ParsedConfig:
    format: str
    keys: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    truncated: bool = False
    document: Any = None  # the parsed document, for manifest readers; not stored

    def attrs(self) -> dict[str, Any]:
        out: dict[str, Any] = {"format": self.format}
        if self.error is not None:
            out["parse_error"] = self.error
        else:
            out["keys"] = self.keys
        if self.truncated:
            out["keys_truncated"] = True
        return out


def config_format(path: str) -> str | None:
    """The parser a config path gets from its extension (None: no parser for it)."""
    dot = path.rfind(".")
    return FORMATS.get(path[dot:].lower()) if dot > path.rfind("/") else None


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or exc.__class__.__name__
    return text[:300]


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) text of a file; UnicodeDecodeError for binary content."""
    if b"\0" in data[:8192]:
        raise UnicodeDecodeError("utf-8", data[:1], 0, 1, "binary content (NUL bytes)")
    return data.decode("utf-8-sig")


class YAMLTooLarge(ValueError):
    """A YAML document whose aliases expand past `MAX_YAML_VALUES`, or refer to themselves."""


def load_yaml_documents(text: str) -> list[Any]:
    """Every document of a YAML text, with a safe loader and bounded expansion.

    Aliases share one object when loaded, so a 75 KB "alias bomb" loads fast and then costs
    gigabytes in whatever walks it (flattening, hashing, serialising). Each document's node
    graph is measured as it will be walked — every alias counted at its full size — before it
    is built, and refused past `MAX_YAML_VALUES` (YAMLTooLarge).
    """
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        documents = []
        while loader.check_node():
            node = loader.get_node()
            _check_expansion(node)
            documents.append(loader.construct_document(node))
        return documents
    finally:
        loader.dispose()


def _check_expansion(root: Any) -> None:
    """YAMLTooLarge if the node graph under `root`, aliases expanded, holds more than
    `MAX_YAML_VALUES` nodes or contains itself. Iterative, each shared node measured once."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, measured_children = stack.pop()
        if id(node) in sizes:
            continue
        value = node.value if isinstance(node.value, list) else []
        children = [
            part for item in value for part in (item if isinstance(item, tuple) else (item,))
        ]
        if not measured_children:
            if id(node) in open_nodes:
                raise YAMLTooLarge("a YAML alias refers to a node that contains it")
            open_nodes.add(id(node))
            stack.append((node, True))
            for child in children:
                if id(child) in open_nodes:
                    raise YAMLTooLarge("a YAML alias refers to a node that contains it")
                stack.append((child, False))
            continue
        open_nodes.discard(id(node))
        sizes[id(node)] = size = 1 + sum(sizes[id(child)] for child in children)
        if size > MAX_YAML_VALUES:
            raise YAMLTooLarge(f"YAML aliases expand to more than {MAX_YAML_VALUES:,} values")


def _load_yaml(text: str) -> Any:
    documents = [doc for doc in load_yaml_documents(text) if doc is not None]
    if not documents:
        return {}
    return documents[0] if len(documents) == 1 else documents


def _load_ini(text: str) -> Any:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keep key case
    parser.read_string(text)
    document: dict[str, Any] = {
        name: dict(parser.items(name, raw=True)) for name in parser.sections()
    }
    if parser.defaults():
        document["DEFAULT"] = dict(parser.defaults())
    return document


LOADERS: dict[str, Callable[[str], Any]] = {
    "yaml": _load_yaml,
    "json": json.loads,
    "toml": tomllib.loads,
    "ini": _load_ini,
}


def parse_config(path: str, data: bytes, fmt: str | None = None) -> ParsedConfig:
    """Parse one version of a config file; failures become `error`, never an exception."""
    fmt = fmt or config_format(path)
    if fmt is None:
        dot = path.rfind(".")
        suffix = path[dot:] if dot > path.rfind("/") else "(none)"
        return ParsedConfig("unknown", error=f"no config parser for {suffix} files")
    try:
        document = LOADERS[fmt](decode_text(data))
    except UnicodeDecodeError:
        return ParsedConfig(fmt, error="not UTF-8 text")
    except RecursionError:
        return ParsedConfig(fmt, error="nested too deeply to parse")
    except YAMLTooLarge as exc:
        return ParsedConfig(fmt, error=str(exc))
    except Exception as exc:  # noqa: BLE001 - any parser failure is data about the file
        return ParsedConfig(fmt, error=f"{exc.__class__.__name__}: {one_line(exc)}")
    keys, truncated = flatten(document)
    return ParsedConfig(fmt, keys, truncated=truncated, document=document)


def json_value(value: Any) -> Any:
    """A scalar as JSON can store it on SQLite and PostgreSQL alike."""
    if value is None or isinstance(value, (bool, int, str)):
        if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
            return value[:MAX_VALUE_CHARS] + "…"
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")[:MAX_VALUE_CHARS]
    return str(value)[:MAX_VALUE_CHARS]


def flatten(document: Any, max_keys: int = MAX_KEYS) -> tuple[dict[str, Any], bool]:
    """Flat `a.b.c` keys of a parsed document; lists of scalars stay lists, others index `[i]`.

    Returns the keys and whether they were cut at `max_keys`. A document that is not a mapping
    has its keys under `$` (`$[0].name`, or `$` alone for a scalar).
    """
    keys: dict[str, Any] = {}

    def put(key: str, value: Any) -> None:
        if len(keys) >= max_keys:
            raise _TooManyKeys
        keys[key] = value

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            if not value and prefix:
                put(prefix, {})
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(value, list):
            if all(not isinstance(item, (dict, list)) for item in value):
                put(prefix or "$", [json_value(item) for item in value[:max_keys]])
            else:
                for i, item in enumerate(value):
                    walk(f"{prefix or '$'}[{i}]", item)
        else:
            put(prefix or "$", json_value(value))

    try:
        walk("", document)
    except _TooManyKeys:
        return keys, True
    except RecursionError:
        return keys, True
    return keys, False
