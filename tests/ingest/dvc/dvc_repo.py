"""Build real git repositories shaped like DVC projects (test helper).

Files are what DVC 3 writes: `dvc.yaml`, `params.yaml`, `dvc.lock` (schema 2.0) and
`data/raw.csv.dvc`, with the md5 of the real data bytes; the data files themselves are
git-ignored, as DVC arranges. Commits go through the `git` binary.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DVC_YAML = """\
stages:
  prepare:
    cmd: python src/prepare.py data/raw.csv data/features
    deps:
    - data/raw.csv
    - src/prepare.py
    outs:
    - data/features
  train:
    cmd: python src/train.py
    deps:
    - data/features
    - src/train.py
    params:
    - train.lr
    - train.epochs
    outs:
    - model.pkl
"""


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()  # noqa: S324 - DVC's own content hash


def dir_md5(files: dict[str, bytes]) -> str:
    """DVC's folder hash: md5 of the JSON listing of its files, with `.dir` appended."""
    import json

    listing = [{"md5": md5(data), "relpath": name} for name, data in sorted(files.items())]
    return md5(json.dumps(listing, separators=(", ", ": ")).encode()) + ".dir"


@dataclass
class DvcRepo:
    root: Path
    commits: list[str] = field(default_factory=list)

    def git(self, *args: str) -> str:
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": "Dee Vee",
            "GIT_AUTHOR_EMAIL": "dv@example.com",
            "GIT_COMMITTER_NAME": "Dee Vee",
            "GIT_COMMITTER_EMAIL": "dv@example.com",
        }
        if self.commits is not None:
            stamp = f"{1_767_225_600 + 3600 * len(self.commits)} +0000"
            env |= {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
        done = subprocess.run(
            ["git", "-C", str(self.root), *args],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout.strip()

    def write(self, path: str, content: str | bytes) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            target.write_text(content, encoding="utf-8")
        else:
            target.write_bytes(content)

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        sha = self.git("rev-parse", "HEAD")
        self.commits.append(sha)
        return sha

    def blob(self, rev: str, path: str) -> str:
        return self.git("rev-parse", f"{rev}:{path}")


def lock_entry(
    cmd: str,
    deps: list[tuple[str, str, int]],
    outs: list[tuple[str, str, int]],
    params: dict[str, object] | None = None,
) -> dict[str, object]:
    def item(path: str, digest: str, size: int) -> dict[str, object]:
        entry: dict[str, object] = {"path": path, "hash": "md5", "md5": digest, "size": size}
        if digest.endswith(".dir"):
            entry["nfiles"] = 2
        return entry

    entry: dict[str, object] = {"cmd": cmd, "deps": [item(*d) for d in deps]}
    if params:
        entry["params"] = {"params.yaml": params}
    entry["outs"] = [item(*o) for o in outs]
    return entry


def write_lock(repo: DvcRepo, stages: dict[str, dict[str, object]], path: str = "dvc.lock") -> None:
    repo.write(path, yaml.safe_dump({"schema": "2.0", "stages": stages}, sort_keys=False))


@dataclass
class Pipeline:
    """A three-commit DVC project: c1 baseline, c2 a learning-rate change (only `train` re-runs),
    c3 new raw data (both stages re-run)."""

    repo: DvcRepo
    c1: str
    c2: str
    c3: str
    raw_v1: str
    raw_v2: str
    features_v1: str
    features_v2: str


def build_pipeline(root: Path) -> Pipeline:
    repo = DvcRepo(root)
    root.mkdir(parents=True, exist_ok=True)
    repo.git("init", "-q", "-b", "main")
    repo.write(".gitignore", "/data/raw.csv\n/data/features\n/model.pkl\n")
    repo.write("dvc.yaml", DVC_YAML)
    prepare_src, train_src = b"print('prepare')\n", b"print('train')\n"
    repo.write("src/prepare.py", prepare_src)
    repo.write("src/train.py", train_src)

    def version(raw: bytes, lr: float) -> tuple[str, str]:
        repo.write("data/raw.csv", raw)
        repo.write(
            "data/raw.csv.dvc",
            yaml.safe_dump(
                {"outs": [{"md5": md5(raw), "size": len(raw), "hash": "md5", "path": "raw.csv"}]},
                sort_keys=False,
            ),
        )
        repo.write("params.yaml", yaml.safe_dump({"train": {"lr": lr, "epochs": 5}}))
        features = {"train.csv": raw.upper(), "test.csv": raw.lower()}
        features_md5 = dir_md5(features)
        model = f"model trained on {md5(raw)} with lr={lr}".encode()
        write_lock(
            repo,
            {
                "prepare": lock_entry(
                    "python src/prepare.py data/raw.csv data/features",
                    [
                        ("data/raw.csv", md5(raw), len(raw)),
                        ("src/prepare.py", md5(prepare_src), len(prepare_src)),
                    ],
                    [("data/features", features_md5, 2 * len(raw))],
                ),
                "train": lock_entry(
                    "python src/train.py",
                    [
                        ("data/features", features_md5, 2 * len(raw)),
                        ("src/train.py", md5(train_src), len(train_src)),
                    ],
                    [("model.pkl", md5(model), len(model))],
                    params={"train.lr": lr, "train.epochs": 5},
                ),
            },
        )
        return md5(raw), features_md5

    raw1 = b"user,item,rating\n1,10,4\n2,11,5\n"
    raw2 = raw1 + b"3,12,1\n"
    raw_v1, features_v1 = version(raw1, 0.01)
    c1 = repo.commit("baseline pipeline")
    version(raw1, 0.1)
    c2 = repo.commit("raise the learning rate")
    raw_v2, features_v2 = version(raw2, 0.1)
    c3 = repo.commit("new ratings batch")
    return Pipeline(repo, c1, c2, c3, raw_v1, raw_v2, features_v1, features_v2)
