"""Secrets never reach a model; refs, shas and ordinary config values do."""

from __future__ import annotations

import pytest

from agentops.redact import looks_like_token, redact_text, redact_value, secret_kind

PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx9f3k2+abc/def==\nQWERTY12345\n"
    "-----END RSA PRIVATE KEY-----"
)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("key sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123 here", "sk-ant-api03-abcdefghijklmnop"),
        ("OPENAI_KEY=sk-proj-abcdefghijklmnopqrstuvwx1234", "sk-proj-abcdefghijklmnopqrstuvwx1234"),
        ("aws AKIAIOSFODNN7EXAMPLE in a message", "AKIAIOSFODNN7EXAMPLE"),
        ("token ghp_" + "a1B2" * 9, "ghp_" + "a1B2" * 9),
        ("slack xoxb-123456789012-abcdefghij", "xoxb-123456789012-abcdefghij"),
        ("hf_" + "Q" * 34 + " for the hub", "hf_" + "Q" * 34),
        ("Authorization: Bearer abcdef0123456789ABCDEF.xyz", "abcdef0123456789ABCDEF.xyz"),
        ("postgresql://svc:pa55word@db:5432/x", "pa55word"),
        ("password=hunter2", "hunter2"),
        ('{"db_password": "correct horse"}', "horse"),
        ("db_password: 'battery staple'", "staple"),
        ("AWS_SECRET_ACCESS_KEY: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI"),
        ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N", "eyJhbGci"),
        (PEM, "MIIEowIBAAKCAQEA"),
    ],
)
def test_known_secret_shapes_are_redacted_from_text(text: str, secret: str) -> None:
    out = redact_text(text)
    assert secret not in out
    assert "[REDACTED:" in out


@pytest.mark.parametrize(
    "text",
    [
        "commit:" + "1a2b3c4d" * 5,
        "dataset:ratings@3fa2b1c0ffee and model:recsys/7",
        "train.max_tokens: 512",
        "tokenizer: bert-base-uncased",
        "password_policy.min_length: 12",
        "deploy:recsys/prod@2026-11-05T00:00:00Z",
        "see https://example.com/docs?x=1 for details",
        "sqlite:///mlflow.db",
        "token: ${HF_TOKEN}",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact_text(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "configs/train.yaml: db.password None → 'hunter2-prod'",
            "configs/train.yaml: db.password None → '[REDACTED:password]'",
        ),
        (
            "db.password changed from hunter1 to hunter2",
            "db.password changed from [REDACTED:password] to [REDACTED:password]",
        ),
        (
            "mlflow.api_key None → 'a8f5f167f44f4964e6c998dee827110c', train.lr 0.01 → 0.1",
            "mlflow.api_key None → '[REDACTED:token]', train.lr 0.01 → 0.1",
        ),
        (
            "user: bob password: hunter2 host: db1",
            "user: bob password: [REDACTED:password] host: db1",
        ),
        (  # naming the keys is fine; only values go
            "config change in configs/train.yaml: db.password, mlflow.api_key, train.lr",
            "config change in configs/train.yaml: db.password, mlflow.api_key, train.lr",
        ),
    ],
)
def test_values_after_secret_keys_in_prose_are_redacted(text: str, expected: str) -> None:
    assert redact_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "password=hunter2 token: Bearer abcdefabcdef0123456789",
        '{"db.password":"hunter2","note":"password=x1y2z3 and sk-ant-api03-abcdefghijklmnopq"}',
        PEM + " and postgresql://u:p@h/db",
    ],
)
def test_redaction_is_idempotent(text: str) -> None:
    once = redact_text(text)
    assert redact_text(once) == once
    assert "[REDACTED:[" not in once and "]]" not in once


def test_values_under_secret_looking_keys_are_redacted_by_key() -> None:
    data = {
        "keys": {
            "db.password": "hunter2",  # password-like key: any value
            "mlflow.api_key": "a8f5f167f44f4964e6c998dee827110c",  # token-like and random
            "auth.client_secret": "x" * 3 + "9Qz!7pLm@2",
            "train.max_tokens": 512,  # not a token at all
            "feature.token_count": 40,
            "serving.auth_enabled": True,
            "hub.token": "${HF_TOKEN}",  # a reference, not a secret
            "api_key": "short",  # too short to be a token
        },
        "params": [{"name": "PASSWORD", "value": "x"}],
        "secrets": ["one", "two"],
    }
    out = redact_value(data)
    keys = out["keys"]
    assert keys["db.password"] == "[REDACTED:password]"
    assert keys["mlflow.api_key"] == "[REDACTED:token]"
    assert keys["auth.client_secret"] == "[REDACTED:password]"
    assert keys["train.max_tokens"] == 512
    assert keys["feature.token_count"] == 40
    assert keys["serving.auth_enabled"] is True
    assert keys["hub.token"] == "${HF_TOKEN}"
    assert keys["api_key"] == "short"
    assert out["secrets"] == ["[REDACTED:password]", "[REDACTED:password]"]
    assert out["params"] == [{"name": "PASSWORD", "value": "[REDACTED:password]"}]
    assert data["keys"]["db.password"] == "hunter2"  # the input is not modified


def test_key_value_records_are_judged_by_their_key_field() -> None:
    diff = [
        {"key": "db.password", "status": "changed", "old": "hunter1", "new": "hunter2"},
        {"key": "train.lr", "status": "changed", "old": 0.01, "new": 0.1},
    ]
    assert redact_value(diff) == [
        {
            "key": "db.password",
            "status": "changed",
            "old": "[REDACTED:password]",
            "new": "[REDACTED:password]",
        },
        {"key": "train.lr", "status": "changed", "old": 0.01, "new": 0.1},
    ]


def test_secret_kind_splits_keys_into_words() -> None:
    assert secret_kind("AWS_SECRET_ACCESS_KEY") == "password"
    assert secret_kind("apiKey") == "token"
    assert secret_kind("private-key") == "token"
    assert secret_kind("max_tokens") is None
    assert secret_kind("monkey") is None
    assert secret_kind("keyboard_layout") is None


def test_entropy_separates_tokens_from_words() -> None:
    assert looks_like_token("a8f5f167f44f4964e6c998dee827110c")
    assert not looks_like_token("production")
    assert not looks_like_token("not a token at all")
