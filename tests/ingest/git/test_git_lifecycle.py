"""Incremental runs, rewritten history and the repositories that are not the usual checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import IngestError
from graph.ingest import git as git_ingest
from graph.ingest.git import ingest_git
from graph.refs import EdgeKind, NodeKind
from graph.store import LineageStore

from .ingest_git_repos import Repo, new_repo


def _reachable(store: LineageStore, sha: str) -> bool:
    node = store.get(f"commit:{sha}")
    assert node is not None
    return node.attrs["reachable"]


def _linear(repo: Repo, n: int) -> list[str]:
    shas = []
    for i in range(n):
        repo.write("src/app.py", f"value = {i}  # {repo.path.name}\n")
        shas.append(repo.commit(f"commit {i}"))
    return shas


def test_second_run_reads_only_new_commits(repo: Repo, store: LineageStore) -> None:
    first = _linear(repo, 3)
    assert ingest_git(store, repo.path).new_commits == 3
    repo.write("configs/app.yaml", "threads: 4\n")
    new = repo.commit("add config")
    result = ingest_git(store, repo.path)
    assert (result.new_commits, result.configs, result.noop) == (1, 1, False)
    parents = {(e.src, e.dst) for e in store.edges_of([f"commit:{new}"])}
    assert (f"commit:{first[-1]}", f"commit:{new}") in parents
    # the tip moved: the old tip no longer carries the branch name
    assert "refs" not in store.get(f"commit:{first[-1]}").attrs
    assert store.get(f"commit:{new}").attrs["refs"] == ["HEAD", "main"]
    assert ingest_git(store, repo.path).noop


def test_rewritten_history_is_kept_and_marked_unreachable(repo: Repo, store: LineageStore) -> None:
    c1, c2, c3 = _linear(repo, 3)
    ingest_git(store, repo.path)
    repo.git("reset", "-q", "--hard", c1)
    repo.write("src/app.py", "value = 'rewritten'\n")
    c2b = repo.commit("rewritten")
    result = ingest_git(store, repo.path)
    assert (result.new_commits, result.marked_unreachable) == (1, 2)
    assert store.counts().nodes["commit"] == 4
    assert [_reachable(store, sha) for sha in (c1, c2, c3, c2b)] == [True, False, False, True]
    # a ref brings the old history back
    repo.git("branch", "restored", c3)
    result = ingest_git(store, repo.path)
    assert (result.new_commits, result.commits_read, result.reachable_again) == (0, 2, 2)
    assert _reachable(store, c2) and _reachable(store, c3)
    assert store.get(f"commit:{c3}").attrs["refs"] == ["restored"]


def test_pruned_history_is_marked_from_the_graph(repo: Repo, store: LineageStore) -> None:
    c1, c2, c3 = _linear(repo, 3)
    ingest_git(store, repo.path)
    repo.git("reset", "-q", "--hard", c1)
    repo.git("reflog", "expire", "--expire=now", "--all")
    repo.git("gc", "-q", "--prune=now")
    assert repo.git("cat-file", "-t", c1) == "commit"
    result = ingest_git(store, repo.path)
    assert result.marked_unreachable == 2
    assert [_reachable(store, sha) for sha in (c1, c2, c3)] == [True, False, False]


def test_empty_repository(repo: Repo, store: LineageStore) -> None:
    result = ingest_git(store, repo.path)
    assert result.empty and result.new_commits == 0
    assert "no commits yet" in result.summary()
    assert store.counts().nodes == {}
    assert ingest_git(store, repo.path).noop
    repo.commit("first")
    assert ingest_git(store, repo.path).new_commits == 1


def test_not_a_repository(tmp_path: Path, store: LineageStore) -> None:
    (tmp_path / "plain").mkdir()
    with pytest.raises(IngestError, match="is not a git repository") as caught:
        ingest_git(store, tmp_path / "plain")
    assert "ingest git PATH" in caught.value.hint
    with pytest.raises(IngestError, match="does not exist"):
        ingest_git(store, tmp_path / "missing")


def test_bare_repository(repo: Repo, store: LineageStore, tmp_path: Path) -> None:
    _linear(repo, 2)
    bare = tmp_path / "bare.git"
    repo.git("clone", "-q", "--bare", str(repo.path), str(bare))
    result = ingest_git(store, bare)
    assert result.bare and result.new_commits == 2


def test_shallow_clone_ingests_what_exists(repo: Repo, store: LineageStore, tmp_path: Path) -> None:
    shas = _linear(repo, 4)
    shallow = tmp_path / "shallow"
    repo.git("clone", "-q", "--depth", "2", f"file://{repo.path}", str(shallow))
    result = ingest_git(store, shallow)
    assert result.shallow and result.new_commits == 2
    assert "shallow clone" in result.notes[0]
    boundary = store.get(f"commit:{shas[2]}")
    assert boundary.attrs["parents"] == []  # git shows the boundary as a root
    assert boundary.attrs["shallow_boundary"] is True
    parent_edges = {(e.src, e.dst) for e in store.iter_edges() if e.kind is EdgeKind.PARENT}
    assert parent_edges == {(f"commit:{shas[2]}", f"commit:{shas[3]}")}
    # deepening the clone changes the boundary: the next run reads the older history too
    Repo(shallow).git("fetch", "-q", "--unshallow")
    result = ingest_git(store, shallow)
    assert not result.shallow and result.new_commits == 4 - 2
    assert store.counts().nodes["commit"] == 4
    boundary = store.get(f"commit:{shas[2]}")
    assert boundary.attrs["parents"] == [shas[1]] and "shallow_boundary" not in boundary.attrs
    assert len([e for e in store.iter_edges() if e.kind is EdgeKind.PARENT]) == 3


def test_detached_head_commit_is_ingested(repo: Repo, store: LineageStore) -> None:
    c1, _ = _linear(repo, 2)
    repo.git("checkout", "-q", "--detach", c1)
    loose = repo.commit("experiment on a detached HEAD")
    result = ingest_git(store, repo.path)
    assert result.detached and result.new_commits == 3
    assert store.get(f"commit:{loose}").attrs["refs"] == ["HEAD"]


def test_binary_huge_and_gitlink_configs(repo: Repo, store: LineageStore) -> None:
    repo.write("configs/weights.json", b"\x00\x01binary")
    repo.write("configs/huge.json", "[" + "1," * (1100 * 1024) + "1]")
    repo.write("configs/ok.ini", "[db]\nhost = localhost\nport = 5432\n")
    repo.write("data/ok.json", "{}")  # under the data folder: data, not a config version
    repo.git("add", "-A")
    head_tree_commit = repo.commit("configs")
    # a submodule entry (gitlink) at a config-looking path: no blob behind it
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{head_tree_commit},configs/sub.yaml")
    repo.git("commit", "-q", "-m", "add a submodule")
    result = ingest_git(store, repo.path)
    configs = {node.attrs["path"]: node.attrs for node in store.find(NodeKind.CONFIG)}
    assert set(configs) == {"configs/weights.json", "configs/huge.json", "configs/ok.ini"}
    assert configs["configs/weights.json"]["parse_error"] == "not UTF-8 text"
    assert configs["configs/huge.json"]["parse_error"].startswith("too large to parse")
    assert configs["configs/ok.ini"]["keys"] == {"db.host": "localhost", "db.port": "5432"}
    assert result.parse_errors == 2


def test_a_failure_mid_ingest_leaves_nothing_behind(
    repo: Repo, store: LineageStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    _linear(repo, 3)
    repo.write("configs/app.yaml", "a: 1\n")
    repo.commit("config")

    def repository_changed(*args: object, **kwargs: object) -> None:
        raise IngestError("git cat-file output ended early")

    monkeypatch.setattr(git_ingest, "build_versions", repository_changed)
    with pytest.raises(IngestError, match="ended early"):
        ingest_git(store, repo.path)
    assert store.counts().nodes == {}  # the commits streamed before the failure were rolled back
    assert store.get_state("git") == {}
    monkeypatch.undo()
    assert ingest_git(store, repo.path).new_commits == 4


def test_classify_overrides_apply_and_a_change_rereads_history(
    repo: Repo, store: LineageStore
) -> None:
    repo.write("settings/app.conf.yaml", "a: 1\n")
    repo.write("notebooks/explore.py", "x = 1\n")
    repo.commit("add files")
    ingest_git(store, repo.path)
    classes = {f["path"]: f["class"] for f in store.find(NodeKind.COMMIT)[0].attrs["files"]}
    assert classes == {"settings/app.conf.yaml": "config", "notebooks/explore.py": "code"}
    result = ingest_git(store, repo.path, classify={"docs": ["notebooks/**"]})
    assert (result.new_commits, result.commits_read) == (0, 1)
    classes = {f["path"]: f["class"] for f in store.find(NodeKind.COMMIT)[0].attrs["files"]}
    assert classes["notebooks/explore.py"] == "docs"
    with pytest.raises(IngestError, match="unknown file class"):
        ingest_git(store, repo.path, classify={"secrets": ["*.pem"]})


def test_two_repositories_in_one_store(tmp_path: Path, store: LineageStore) -> None:
    one, two = new_repo(tmp_path / "one"), new_repo(tmp_path / "two")
    _linear(one, 2)
    _linear(two, 3)
    assert ingest_git(store, one.path).new_commits == 2
    assert ingest_git(store, two.path).new_commits == 3
    assert ingest_git(store, one.path).noop and ingest_git(store, two.path).noop


def test_large_and_lfs_data_files_are_fingerprinted(repo: Repo, store: LineageStore) -> None:
    from blake3 import blake3

    big = b"user,item,rating\n" + b"".join(
        b"%d,%d,%d\n" % (i, i * 7, i % 5) for i in range(200_000)
    )
    pointer = b"version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n"
    repo.write("data/big.csv", big)
    repo.write("data/features.parquet", pointer)
    repo.commit("data")
    result = ingest_git(store, repo.path)
    assert result.datasets == 2
    datasets = {node.attrs["path"]: node for node in store.find(NodeKind.DATASET)}
    assert len(big) > 1 << 20  # streamed through cat-file in several chunks
    assert datasets["data/big.csv"].ref == f"dataset:big@{blake3(big).hexdigest()[:12]}"
    assert datasets["data/big.csv"].attrs["size"] == len(big)
    assert datasets["data/features.parquet"].attrs["lfs_pointer"] is True
    # digests of data blobs are remembered, so the next run need not hash the old version
    old_blob = repo.git("rev-parse", "HEAD:data/big.csv")
    assert store.get_state("git", [f"blob:{old_blob}"]) == {
        f"blob:{old_blob}": blake3(big).hexdigest()
    }
    repo.write("data/big.csv", big + b"1,1,1\n")
    repo.commit("more data")
    assert ingest_git(store, repo.path).datasets == 1
    (edge,) = [e for e in store.iter_edges() if e.kind is EdgeKind.PREVIOUS]
    assert edge.src == datasets["data/big.csv"].ref


def test_progress_is_reported_per_phase(repo: Repo, store: LineageStore) -> None:
    _linear(repo, 3)
    repo.write("configs/a.yaml", "a: 1\n")
    repo.commit("config")
    calls: list[tuple[str, int, int | None]] = []
    ingest_git(store, repo.path, progress=lambda *call: calls.append(call))
    assert calls[0] == ("commits", 0, None)  # the total is counted beside the log
    assert ("files", 1, 1) in calls
    assert calls[-1] == ("commits", 4, 4)
