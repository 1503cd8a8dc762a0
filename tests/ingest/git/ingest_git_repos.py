"""Real git repositories built by the tests with the `git` binary."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

# Deterministic commits, and no user or system git config leaking into the repositories.
GIT_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_AUTHOR_NAME": "Ada Lovelace",
    "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_COMMITTER_NAME": "Ada Lovelace",
    "GIT_COMMITTER_EMAIL": "ada@example.com",
}


@dataclass
class Repo:
    """A repository under construction; `commit` returns the new sha."""

    path: Path
    clock: int = 0
    shas: dict[str, str] = field(default_factory=dict)

    def git(self, *args: str | bytes, env: dict[str, str] | None = None) -> str:
        done = subprocess.run(
            ["git", *args],
            cwd=self.path,
            env={**os.environ, **GIT_ENV, **(env or {})},
            check=True,
            capture_output=True,
        )
        return done.stdout.decode("utf-8", "replace").strip()

    def write(self, name: str | bytes, content: str | bytes) -> None:
        raw = name if isinstance(name, bytes) else name.encode()
        target = os.path.join(os.fsencode(self.path), raw)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(content if isinstance(content, bytes) else content.encode())

    def commit(self, message: str, label: str | None = None, date: str | None = None) -> str:
        self.clock += 1
        when = date or f"2024-01-{self.clock:02d}T12:00:00+00:00"
        env = {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message, env=env)
        sha = self.git("rev-parse", "HEAD")
        if label:
            self.shas[label] = sha
        return sha

    def commit_raw_message(self, message: bytes, label: str | None = None) -> str:
        """Commit with a message of arbitrary bytes (`git commit` would fix invalid UTF-8)."""
        self.clock += 1
        self.git("add", "-A")
        tree = self.git("write-tree")
        stamp = f"{1704067200 + self.clock * 86400} +0000".encode()
        who = b"Ada Lovelace <ada@example.com> " + stamp
        body = b"tree %s\nparent %s\nauthor %s\ncommitter %s\n\n%s" % (
            tree.encode(),
            self.git("rev-parse", "HEAD").encode(),
            who,
            who,
            message,
        )
        done = subprocess.run(
            ["git", "hash-object", "-t", "commit", "-w", "--stdin"],
            cwd=self.path,
            input=body,
            capture_output=True,
            check=True,
        )
        sha = done.stdout.decode().strip()
        self.git("update-ref", "HEAD", sha)
        if label:
            self.shas[label] = sha
        return sha


def new_repo(path: Path) -> Repo:
    path.mkdir(parents=True, exist_ok=True)
    repo = Repo(path)
    repo.git("init", "-q", "-b", "main")
    return repo


TRAIN_V1 = "train:\n  optimizer:\n    lr: 0.01\n    name: adam\n  epochs: 10\n"
TRAIN_V2 = "train:\n  optimizer:\n    lr: 0.02\n    name: adam\n  epochs: 10\n"
RATINGS_V1 = b"user,item,rating\n1,2,5\n"
RATINGS_V2 = b"user,item,rating\n1,2,5\n3,4,1\n"


def build_ml_repo(path: Path) -> Repo:
    """A small ML project with branches, a merge, a rename, config edits and a dependency bump.

    c1 add code, config, requirements, docs, tests, data
    c2 lr 0.01 → 0.02, add docs (tag v1, annotated), committed at +02:00
    c3 (feature) rename src/train.py → src/trainer.py, bump numpy, add scikit-learn
    c4 (feature) add a YAML file that does not parse
    c5 (main) edit README, append rows to the data file
    c6 merge feature into main
    c7 a Latin-1 commit message and a file name that is not UTF-8
    """
    repo = new_repo(path)
    repo.write("src/train.py", "print('train')\n")
    repo.write("configs/train.yaml", TRAIN_V1)
    repo.write("requirements.txt", "numpy==1.26.4\npandas>=2.0  # dataframes\n")
    repo.write("README.md", "# recsys\n")
    repo.write("tests/test_train.py", "def test_ok():\n    assert True\n")
    repo.write("data/ratings.csv", RATINGS_V1)
    repo.commit("Initial project", "c1")
    repo.write("configs/train.yaml", TRAIN_V2)
    repo.write("docs/guide.md", "How to train.\n")
    repo.commit(
        "Raise the learning rate\n\nBecause the loss plateaued.",
        "c2",
        date="2024-01-02T10:00:00+02:00",
    )
    repo.git("tag", "-a", "v1", "-m", "first release")
    repo.git("checkout", "-q", "-b", "feature")
    repo.git("mv", "src/train.py", "src/trainer.py")
    repo.write("requirements.txt", "numpy==2.0.0\npandas>=2.0\nscikit-learn==1.5.0\n")
    repo.commit("Rename trainer, bump numpy", "c3")
    repo.write("configs/broken.yaml", "a: [1, 2\nb: }\n")
    repo.commit("Add a broken config", "c4")
    repo.git("checkout", "-q", "main")
    repo.write("README.md", "# recsys\n\nNow with docs.\n")
    repo.write("data/ratings.csv", RATINGS_V2)
    repo.commit("More ratings", "c5")
    env = {
        "GIT_AUTHOR_DATE": "2024-01-06T12:00:00+00:00",
        "GIT_COMMITTER_DATE": "2024-01-06T12:00:00+00:00",
    }
    repo.clock += 1
    repo.git("merge", "-q", "--no-ff", "-m", "Merge feature", "feature", env=env)
    repo.shas["c6"] = repo.git("rev-parse", "HEAD")
    repo.write(b"configs/caf\xe9.yaml", "x: 1\n")
    repo.commit_raw_message(b"Caf\xe9 au lait\n", "c7")
    return repo
