"""Secrets out of everything sent to a model: API keys, tokens, passwords, credentials in URLs,
private keys, and high-entropy values under secret-looking keys.

Graph content is whatever people committed: a config with `db.password`, a run param holding a
token, a connection string in a commit message. Two passes, both before anything is truncated
(a half-cut key would slip past a pattern):

- `redact_value` walks JSON-like data; under a secret-looking key (a dict key, or the `key` /
  `name` of a `{key, value}` record) (`password`, `api_key`,
  `client_secret`, `AWS_SECRET_ACCESS_KEY`, …) a password-like key loses any scalar value, a
  token-like key loses values that look like tokens (long, no spaces, high entropy or mixed
  letters and digits). Numbers, booleans and `${ENV}` references stay: they are not secrets and
  they help diagnosis (`max_tokens: 512` is not a token either: keys are split into words).
- `redact_text` rewrites known secret shapes anywhere in a string (`sk-ant-…`, `AKIA…`, `ghp_…`,
  JWTs, `Bearer …`, `scheme://user:pass@host`, PEM private keys, `password=…` assignments).

What is removed becomes `[REDACTED:<what>]`, so the model and the reader know something was there.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

PLACEHOLDER = "[REDACTED:{}]"

_PASSWORD_WORDS = frozenset({"password", "passwd", "pwd", "passphrase", "secret", "secrets"})
_TOKEN_WORDS = frozenset(
    {
        "token",
        "apikey",
        "credential",
        "credentials",
        "authorization",
        "bearer",
        "dsn",
        "cookie",
        "sas",
        "privatekey",
        "accesskey",
        "secretkey",
    }
)
# `<word> key` pairs that name a secret (`api_key`, `private-key`, `client secret`…).
_KEY_QUALIFIERS = frozenset(
    {
        "api",
        "access",
        "secret",
        "private",
        "auth",
        "client",
        "signing",
        "encryption",
        "master",
        "account",  # Azure storage connection strings: `AccountKey=…`
        "shared",  # Azure Service Bus / Event Hubs: `SharedAccessKey=…`
    }
)
_PASSWORD_SUFFIXES = ("password", "passwd")  # `PGPASSWORD`, `MYSQL_ROOTPASSWORD`: one word
_PASSWORD_LAST_WORDS = frozenset({"pass", "pw"})  # `DB_PASS`, `smtp_pw`; not `pass_rate`
_KEY_WORDS = frozenset({"key", "token", "secret"})
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[^A-Za-z0-9]+")
_ENV_REFERENCE = re.compile(r"^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$|^(env|vault|secret)://", re.I)
_ALREADY = re.compile(r"^\[REDACTED(:[\w-]+)?\]$|^\*+$|^<[\w -]+>$|^x{3,}$", re.I)
_NOT_SECRETS = frozenset({"", "true", "false", "none", "null", "yes", "no", "changeme", "redacted"})


def key_words(key: str) -> list[str]:
    """`AWS_SECRET_ACCESS_KEY` → [aws, secret, access, key]; `apiKey` → [api, key]."""
    return [word.lower() for word in _SPLIT.split(_CAMEL.sub(" ", key)) if word]


def secret_kind(key: str) -> str | None:
    """`password` for password-like keys, `token` for other secret-looking keys, else None.

    Only the last segment of a dotted config key counts (`db.password` is a password, but
    `password_policy.min_length` is not a password).
    """
    last = re.split(r"[./]", key.strip())[-1] if key.strip() else key
    words = key_words(last)
    if not words:
        return None
    named = any(word in _PASSWORD_WORDS or word.endswith(_PASSWORD_SUFFIXES) for word in words)
    if (named and words[-1] not in {"policy", "length"}) or words[-1] in _PASSWORD_LAST_WORDS:
        return "password"
    if any(word in _TOKEN_WORDS for word in words):
        return "token"
    for before, after in zip(words, words[1:], strict=False):
        if after in _KEY_WORDS and before in _KEY_QUALIFIERS:
            return "token"
    if words[-1] in {"auth"}:
        return "token"
    return None


def shannon_entropy(text: str) -> float:
    """Bits per character of `text` (random base64 ≈ 6, hex ≈ 4, English words ≈ 3-4)."""
    if not text:
        return 0.0
    counts = Counter(text)
    total = len(text)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def looks_like_token(value: str) -> bool:
    """Long, unbroken, and random-looking: the shape of a key or token, not of a word or path."""
    value = value.strip()
    if len(value) < 8 or any(ch.isspace() for ch in value):
        return False
    if _ENV_REFERENCE.match(value) or _ALREADY.match(value):
        return False
    has_digit = any(ch.isdigit() for ch in value)
    has_alpha = any(ch.isalpha() for ch in value)
    return shannon_entropy(value) >= 3.5 or (has_digit and has_alpha and len(value) >= 12)


def _scalar_is_secret(kind: str, value: Any) -> bool:
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return False
    if isinstance(value, int):
        return kind == "password"
    if not isinstance(value, str):
        return False
    text = value.strip()
    if text.lower() in _NOT_SECRETS or _ENV_REFERENCE.match(text) or _ALREADY.match(text):
        return False
    return kind == "password" or looks_like_token(text)


# -- text patterns ----------------------------------------------------------------------------

_PEM = re.compile(
    r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(?:-----END \1PRIVATE KEY-----|\Z)", re.S
)
# `scheme://user:password@`, the user possibly empty (`redis://:password@host`), the password
# possibly holding `/` (a base64 one); it ends at the last `@` before a space or quote.
_URL_CREDENTIALS = re.compile(
    r"\b([a-z][a-z0-9+.\-]*://)([^:/@\s\"'<>]*):(?!\d{1,5}(?:/|$))([^\s\"'<>]+)@", re.I
)  # (not `host:8080/path@x`: a port)
_TOKEN_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("anthropic-key", re.compile(r"\bsk-ant-[A-Za-z0-9_\-]{16,}")),
    ("api-key", re.compile(r"\bsk-(?:proj-|live-|test-)?[A-Za-z0-9_\-]{20,}")),
    ("stripe-key", re.compile(r"\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}")),
    ("aws-access-key", re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b")),
    ("github-token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})")),
    ("gitlab-token", re.compile(r"\bglpat-[A-Za-z0-9_\-]{20,}")),
    ("slack-token", re.compile(r"\bxox[abposr]-[A-Za-z0-9\-]{10,}")),
    ("google-api-key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}")),
    ("huggingface-token", re.compile(r"\bhf_[A-Za-z0-9]{30,}")),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}")),
)
_BEARER = re.compile(r"\b(Bearer|Basic|Token)(\s+)([A-Za-z0-9._~+/\-]{16,}=*)", re.I)
# `name = value`, `name: value`, `"name": "value"` where name may be a secret-looking key.
_ASSIGNMENT = re.compile(
    r"""(?P<key>[A-Za-z_][\w.\-]*)["']?\s*[:=]\s*"""
    r"""(?:"(?P<dq>[^"\n]*)"|'(?P<sq>[^'\n]*)'|(?P<bare>(?!\[REDACTED)[^\s"',;&)}\]]+))""",
)
# Prose about a secret key: `db.password None → 'hunter2'`, `api_key changed from x to y`.
_KEY_TOKEN = re.compile(r"[A-Za-z_][\w.\-]*")
_CLAUSE_END = re.compile(
    r";|\n|[}\]]|,\s*(?=\")|,\s+(?=[A-Za-z_][\w\-]*[._][\w.\-]*)|\s(?=[A-Za-z_][\w.\-]*[:=]\s)"
)
_QUOTED = re.compile(r"""(["'])((?:(?!\1)[^\x00]){1,300}?)\1""")
_AFTER_OPERATOR = re.compile(r"""(→|->|=>|=|:|\bto\b|\bfrom\b|\bis\b)(\s*)([^\s"',;()\[\]\x00]+)""")
_PLACEHOLDER_FOUND = re.compile(r"\[REDACTED(?::[\w-]+)?\]")
_STASHED = re.compile(r"\x00(\d+)\x00")


def redact_text(text: str) -> str:
    """`text` with every recognisable secret replaced by a placeholder (idempotent)."""
    if not text:
        return text
    text = _PEM.sub(PLACEHOLDER.format("private-key"), text)
    text = _URL_CREDENTIALS.sub(
        lambda m: f"{m.group(1)}{m.group(2)}:{PLACEHOLDER.format('password')}@", text
    )
    for kind, pattern in _TOKEN_SHAPES:
        text = pattern.sub(PLACEHOLDER.format(kind), text)
    text = _BEARER.sub(lambda m: f"{m.group(1)}{m.group(2)}{PLACEHOLDER.format('token')}", text)
    text = _ASSIGNMENT.sub(_redact_assignment, text)
    return _redact_near_secret_keys(text)


def _redact_near_secret_keys(text: str) -> str:
    """Values in the clause after a secret-looking key, as prose writes them.

    A diff or an evidence line says `db.password None → 'hunter2'` or `api_key changed from
    X to Y`: after such a key, up to the end of its clause (`;`, a line end, a JSON `,"` or
    `}`, `, next.key`, or the next `key:`), quoted strings and words after an operator (→, =,
    :, to, from, is) are judged as values of that key. Over-redacting prose that merely
    mentions a password is the safe side. Placeholders (earlier passes' and this one's) are
    set aside while it looks, so running it twice changes nothing.
    """
    kept: list[str] = []

    def stash(value: str) -> str:
        kept.append(value)
        return f"\x00{len(kept) - 1}\x00"

    text = _PLACEHOLDER_FOUND.sub(lambda m: stash(m.group(0)), text)
    out: list[str] = []
    pos = 0
    for match in _KEY_TOKEN.finditer(text):
        if match.start() < pos:
            continue
        kind = secret_kind(match.group(0))
        if kind is None:
            continue
        end_match = _CLAUSE_END.search(text, match.end())
        end = end_match.start() if end_match else len(text)
        out.append(text[pos : match.end()])
        out.append(_redact_clause(text[match.end() : end], kind, stash))
        pos = end
    out.append(text[pos:])
    return _STASHED.sub(lambda m: kept[int(m.group(1))], "".join(out))


def _redact_clause(clause: str, kind: str, stash: Any) -> str:
    def is_value(value: str) -> bool:
        return (
            any(ch.isalnum() for ch in value)
            and not _looks_numeric(value)
            and _scalar_is_secret(kind, value)
        )

    def quoted(m: re.Match[str]) -> str:
        if not is_value(m.group(2)):
            return m.group(0)
        return m.group(1) + stash(PLACEHOLDER.format(kind)) + m.group(1)

    def after(m: re.Match[str]) -> str:
        if not is_value(m.group(3)):
            return m.group(0)
        return m.group(1) + m.group(2) + stash(PLACEHOLDER.format(kind))

    clause = _QUOTED.sub(quoted, clause)
    return _AFTER_OPERATOR.sub(after, clause)


def _looks_numeric(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _redact_assignment(match: re.Match[str]) -> str:
    kind = secret_kind(match.group("key"))
    group = next(name for name in ("dq", "sq", "bare") if match.group(name) is not None)
    value = match.group(group)
    if kind is None or not _scalar_is_secret(kind, value):
        return match.group(0)
    start, end = match.span(group)
    offset = match.start()
    whole = match.group(0)
    return whole[: start - offset] + PLACEHOLDER.format(kind) + whole[end - offset :]


_VALUE_FIELDS = frozenset({"value", "values", "old", "new", "default", "a", "b"})
"""Fields of a `{"key"|"name": K, "value"|"old"|"new": V}` record (config diffs, run params)
judged by K, since K is not their dict key."""


def redact_value(value: Any, key: str | None = None) -> Any:
    """A copy of JSON-like `value` with secrets replaced (by key, then by text pattern)."""
    kind = secret_kind(key) if key else None
    if isinstance(value, dict):
        name = value.get("key", value.get("name"))
        named = isinstance(name, str) and secret_kind(name) is not None
        return {
            k: redact_value(v, name if named and k in _VALUE_FIELDS else str(k))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        if kind is not None:
            return [
                PLACEHOLDER.format(kind) if _scalar_is_secret(kind, item) else redact_value(item)
                for item in value
            ]
        return [redact_value(item) for item in value]
    if kind is not None and _scalar_is_secret(kind, value):
        return PLACEHOLDER.format(kind)
    if isinstance(value, str):
        return redact_text(value)
    return value
