"""File classes, config flattening and manifest reading, on real file contents."""

from __future__ import annotations

import json

import pytest

from graph.errors import IngestError
from graph.ingest.files.classify import FileClassifier, glob_to_regex
from graph.ingest.files.configs import flatten, parse_config
from graph.ingest.files.manifests import manifest_kind, parse_manifest


@pytest.mark.parametrize(
    ("path", "cls"),
    [
        ("src/recsys/model.py", "code"),
        ("src/recsys/data/loader.py", "code"),
        ("data/prepare.py", "code"),
        ("data/ratings.csv", "data"),
        ("data/schema.json", "data"),
        ("exports/scores.parquet", "data"),
        ("configs/train.yaml", "config"),
        ("service/settings.toml", "config"),
        ("setup.cfg", "dependency"),
        ("requirements-dev.txt", "dependency"),
        ("requirements/base.txt", "dependency"),
        ("pyproject.toml", "dependency"),
        ("uv.lock", "dependency"),
        ("web/package-lock.json", "dependency"),
        ("tests/test_model.py", "tests"),
        ("src/pkg/model_test.py", "tests"),
        ("tests/fixtures/config.yaml", "tests"),
        ("README.md", "docs"),
        ("docs/conf.py", "docs"),
        ("Makefile", "code"),
        ("assets/logo.png", "other"),
        ("notes.txt", "other"),
    ],
)
def test_default_classes(path: str, cls: str) -> None:
    assert FileClassifier()(path) == cls


def test_overrides_come_first() -> None:
    classify = FileClassifier({"config": ["deploy/**"], "data": ["*.json"]})
    assert classify("deploy/run.sh") == "config"
    assert classify("service/settings.json") == "data"
    assert classify("service/settings.yaml") == "config"
    with pytest.raises(IngestError, match="list of globs"):
        FileClassifier({"config": "configs/**"})  # type: ignore[dict-item]


def test_glob_semantics() -> None:
    import re

    def matches(glob: str, path: str) -> bool:
        return re.fullmatch(glob_to_regex(glob), path, re.IGNORECASE) is not None

    assert matches("*.yaml", "a/b/c.yaml") and not matches("*.yaml", "a/b/c.yaml.bak")
    assert matches("configs/*.yaml", "configs/x.yaml")
    assert not matches("configs/*.yaml", "src/configs/x.yaml")
    assert not matches("configs/*.yaml", "configs/sub/x.yaml")
    assert matches("configs/**", "configs/sub/x.yaml")
    assert matches("**/train.yaml", "train.yaml") and matches("**/train.yaml", "a/b/train.yaml")
    assert matches("data", "pkg/data/x.bin")  # a name without / matches folders anywhere
    assert matches("/data", "data/x.bin") and not matches("/data", "pkg/data/x.bin")
    assert matches("model_v[0-9].json", "model_v3.json")
    assert not matches("model_v[!0-9].json", "model_v3.json")


def test_flatten_nested_documents() -> None:
    doc = {
        "train": {"optimizer": {"lr": 0.01}, "layers": [64, 32], "empty": {}},
        "steps": [{"name": "a"}, {"name": "b", "args": [1]}],
        "score": float("nan"),
        1: None,
    }
    keys, truncated = flatten(doc)
    assert not truncated
    assert keys == {
        "train.optimizer.lr": 0.01,
        "train.layers": [64, 32],
        "train.empty": {},
        "steps[0].name": "a",
        "steps[1].name": "b",
        "steps[1].args": [1],
        "score": "nan",
        "1": None,
    }
    json.dumps(keys, allow_nan=False)  # storable on PostgreSQL too
    assert flatten([{"a": 1}]) == ({"$[0].a": 1}, False)
    assert flatten("scalar") == ({"$": "scalar"}, False)
    keys, truncated = flatten({f"k{i}": i for i in range(10)}, max_keys=4)
    assert truncated and len(keys) == 4


@pytest.mark.parametrize(
    ("path", "text", "keys"),
    [
        (
            "a.yaml",
            "a:\n  b: [1, 2]\n  when: 2024-01-01\n",
            {"a.b": [1, 2], "a.when": "2024-01-01"},
        ),
        ("a.yml", "---\nx: 1\n---\nx: 2\n", {"$[0].x": 1, "$[1].x": 2}),
        ("a.yaml", "", {}),
        ("a.json", '{"a": {"b": true}}', {"a.b": True}),
        ("a.toml", "[tool.x]\nlevel = 3\n", {"tool.x.level": 3}),
        ("a.cfg", "[metadata]\nname = pkg\n", {"metadata.name": "pkg"}),
    ],
)
def test_parse_config_formats(path: str, text: str, keys: dict) -> None:
    parsed = parse_config(path, text.encode())
    assert parsed.error is None and parsed.keys == keys


def test_parse_config_errors_are_data() -> None:
    assert parse_config("x.json", b"{nope").attrs()["parse_error"].startswith("JSONDecodeError")
    assert parse_config("x.toml", b"a = ").error.startswith("TOMLDecodeError")
    assert parse_config("x.yaml", b"\xff\xfe\x00bin").error == "not UTF-8 text"
    assert parse_config("x.conf", b"a=1").error == "no config parser for .conf files"
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x]"]  # an alias bomb: 9**9 leaves
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 9)]
    bomb = "\n".join(lines).encode()
    parsed = parse_config("bomb.yaml", bomb)
    assert parsed.error is not None and "aliases expand to more than" in parsed.error


def test_requirements() -> None:
    text = (
        "# pinned\nnumpy==1.26.4\nPandas >= 2.0, <3  # comment\n-r base.txt\n--index-url x\n"
        "scikit_learn[extra]==1.5 ; python_version >= '3.10'\ntorch @ https://x/torch.whl\n"
        "requests==2.31 \\\n    --hash=sha256:abc\n"
    )
    parsed = parse_manifest("requirements.txt", text.encode())
    assert parsed.packages == {
        "numpy": "==1.26.4",
        "pandas": ">= 2.0, <3",
        "requests": "==2.31",
        "scikit-learn": "[extra]==1.5 ; python_version >= '3.10'",
        "torch": "@ https://x/torch.whl",
    }
    assert parsed.attrs()["manifest"] is True


def test_pyproject_with_groups_and_poetry() -> None:
    text = b"""
[project]
requires-python = ">=3.11"
dependencies = ["numpy>=1.26", "PyYAML"]
[project.optional-dependencies]
gpu = ["torch==2.3"]
[dependency-groups]
dev = ["pytest>=8", {include-group = "lint"}]
[tool.poetry.dependencies]
httpx = {version = "^0.27", extras = ["http2"]}
mylib = {git = "https://example.com/mylib.git", tag = "v1"}
"""
    parsed = parse_manifest("pyproject.toml", text)
    assert parsed.packages == {
        "dev:pytest": ">=8",
        "gpu:torch": "==2.3",
        "httpx": "^0.27",
        "mylib": "@ https://example.com/mylib.git@v1",
        "numpy": ">=1.26",
        "python": ">=3.11",
        "pyyaml": "",
    }
    assert parsed.attrs()["keys"]["project.requires-python"] == ">=3.11"


def test_conda_and_lock_files() -> None:
    conda = b"name: env\ndependencies:\n  - python=3.11\n  - conda-forge::numpy>=1.26\n  - pip\n"
    conda += b"  - pip:\n    - mlflow==3.1\n"
    assert parse_manifest("environment.yml", conda).packages == {
        "numpy": ">=1.26",
        "pip": "",
        "pip:mlflow": "==3.1",
        "python": "=3.11",
    }
    lock = b'version = 1\n[[package]]\nname = "NumPy"\nversion = "2.0.0"\n'
    lock += b'[[package]]\nname = "pandas"\nversion = "2.2.2"\n'
    for name in ("uv.lock", "poetry.lock"):
        parsed = parse_manifest(name, lock)
        assert parsed.packages == {"numpy": "==2.0.0", "pandas": "==2.2.2"}
        assert "keys" not in parsed.attrs()  # lock files keep packages, not every key
    pipfile_lock = b'{"default": {"numpy": {"version": "==2.0.0"}}, "develop": {"pytest": {}}}'
    assert parse_manifest("Pipfile.lock", pipfile_lock).packages == {
        "dev:pytest": "",
        "numpy": "==2.0.0",
    }
    broken = parse_manifest("pyproject.toml", b"[project\n")
    assert broken.error and "packages" not in broken.attrs()
    assert manifest_kind("sub/requirements-dev.in") == "requirements"
    assert manifest_kind("setup.py") is None
