"""Talking to git for the ingester: a handful of long-lived processes, never one per commit.

Every process is started through GitPython's `Git.execute(..., as_process=True)` and streamed:
a reader thread drains stdout into a bounded queue so git keeps running on its own core while
Python parses, and a writer thread feeds stdin (revision lists, object names) so neither side
can block the other. Failures become `IngestError` naming the repository and git's own words.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from subprocess import PIPE
from typing import TYPE_CHECKING, Any

from graph.errors import IngestError

if TYPE_CHECKING:
    from git.cmd import Git

CHUNK = 1 << 18
PIPE_BYTES = 1 << 20
QUEUE_CHUNKS = 256  # at most ~64 MiB of git output waiting for the parser

# Make the output independent of the user's git configuration.
GIT_CONFIG = [
    arg
    for setting in (
        "i18n.logOutputEncoding=UTF-8",
        "log.showSignature=false",
        "core.quotePath=false",
        "diff.renames=true",
    )
    for arg in ("-c", setting)
]


@dataclass(frozen=True, slots=True)
class RepoInfo:
    """What an ingest needs to know about a repository before reading it."""

    path: Path
    git_dir: Path
    key: str  # stable identity for bookkeeping: the common git dir
    bare: bool
    shallow: bool
    shallow_boundary: tuple[str, ...]
    head: str | None  # the checked-out commit; None in an empty repository
    head_ref: str | None  # `refs/heads/main`, or None when HEAD is detached or unborn

    @property
    def detached(self) -> bool:
        return self.head is not None and self.head_ref is None


class GitRunner:
    """One repository's git, through GitPython's `Git` command object."""

    def __init__(self, path: Path) -> None:
        try:
            from git.cmd import Git
        except ImportError as exc:  # GitPython refuses to import without a git binary
            raise IngestError(
                f"cannot run git: {exc}", hint="install git and make sure it is on PATH"
            ) from None
        self.path = path
        self.git: Git = Git(str(path))
        self.git.update_environment(TZ="UTC")  # `--date=*-local` prints UTC: no parsing needed

    def start(self, args: list[str]) -> Any:
        """Start `git <args>` with piped stdin and stdout; returns GitPython's process wrapper."""
        from git.exc import GitCommandNotFound

        try:
            process = self.git.execute(
                ["git", *GIT_CONFIG, *args],
                as_process=True,
                istream=PIPE,
                stdout_as_string=False,
            )
        except GitCommandNotFound as exc:
            raise IngestError(
                f"cannot run git: {exc}", hint="install git and make sure it is on PATH"
            ) from None
        _widen_pipe(process.proc.stdout)
        return process

    def run(
        self, args: list[str], input_lines: Iterable[bytes] = (), ok: tuple[int, ...] = (0,)
    ) -> tuple[int, bytes, bytes]:
        """Run a short command to completion: (status, stdout, stderr). Other statuses raise."""
        chunks: list[bytes] = []
        process = self.start(args)
        status, stderr = self._drive(process, input_lines, chunks.append)
        if status not in ok:
            raise self.error(args, stderr)
        return status, b"".join(chunks), stderr

    def stream(self, args: list[str], input_lines: Iterable[bytes] = ()) -> Iterator[bytes]:
        """Yield stdout chunks of a long command as git produces them; raises on failure.

        Stopping early (an exception in the consumer) kills the process.
        """
        process = self.start(args)
        chunks: queue.Queue[bytes | None] = queue.Queue(QUEUE_CHUNKS)
        outcome: dict[str, Any] = {}

        def drive() -> None:
            try:
                outcome["result"] = self._drive(process, input_lines, chunks.put)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the consumer
                outcome["error"] = exc
            finally:
                chunks.put(None)

        thread = threading.Thread(target=drive, name="git-stdout", daemon=True)
        thread.start()
        finished = False
        try:
            while (chunk := chunks.get()) is not None:
                yield chunk
            finished = True
        finally:
            if not finished:
                _kill(process)
                while chunks.get() is not None:  # unblock the reader so it can exit
                    pass
            thread.join()
        if "error" in outcome:
            raise outcome["error"]
        status, stderr = outcome["result"]
        if status != 0:
            raise self.error(args, stderr)

    def _drive(self, process: Any, input_lines: Iterable[bytes], sink: Any) -> tuple[int, bytes]:
        """Feed stdin from a thread, pass stdout chunks to `sink`, then collect the status."""
        proc = process.proc
        writer = threading.Thread(
            target=_feed, args=(proc.stdin, input_lines), name="git-stdin", daemon=True
        )
        errors: list[bytes] = []
        reader = threading.Thread(
            target=lambda: errors.append(proc.stderr.read()), name="git-stderr", daemon=True
        )
        writer.start()
        reader.start()
        read = proc.stdout.read  # buffered: blocks for a full chunk, so few hand-offs to Python
        while chunk := read(CHUNK):
            sink(chunk)
        writer.join()
        reader.join()
        return proc.wait(), b"".join(errors)

    def error(self, args: list[str], stderr: bytes) -> IngestError:
        lines = [ln for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
        said = lines[0].removeprefix("fatal: ").strip() if lines else "no error message"
        return IngestError(
            f"git {args[0]} failed in {self.path}: {said}",
            hint="check that the repository is readable (`git -C PATH log` works)",
        )


def _widen_pipe(stream: Any) -> None:
    """Let git write up to PIPE_BYTES ahead (Linux; the default pipe holds 64 KiB), so it keeps
    running while the reader thread waits for the GIL."""
    try:
        import fcntl

        fcntl.fcntl(stream.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_BYTES)
    except (ImportError, OSError, ValueError):
        pass  # not Linux, or above /proc/sys/fs/pipe-max-size: the default pipe works too


def _feed(stdin: Any, lines: Iterable[bytes]) -> None:
    try:
        for line in lines:
            stdin.write(line)
        stdin.close()
    except (BrokenPipeError, OSError, ValueError):
        pass  # git stopped reading (it failed, or we killed it); its status says why


def _kill(process: Any) -> None:
    with contextlib.suppress(OSError):
        process.proc.kill()


def open_repo(path: Path) -> tuple[GitRunner, RepoInfo]:
    """Check that `path` is a git repository and read what the ingest needs to know about it."""
    path = path.expanduser()
    if not path.exists():
        raise IngestError(
            f"{path} does not exist", hint="give the path of a git repository: ingest git PATH"
        )
    if not path.is_dir():
        raise IngestError(f"{path} is not a folder", hint="give the folder of a git repository")
    runner = GitRunner(path)
    process_args = [
        "rev-parse",
        "--is-bare-repository",
        "--is-shallow-repository",
        "--absolute-git-dir",
        "--git-common-dir",
    ]
    status, out, stderr = runner.run(process_args, ok=(0, 128))
    if status != 0:
        if b"not a git repository" in stderr:
            raise IngestError(
                f"{path} is not a git repository",
                hint="give the path of a git checkout or bare repository: ingest git PATH",
            )
        raise runner.error(process_args, stderr)
    bare, shallow, git_dir, common_dir = out.decode("utf-8", "surrogateescape").splitlines()[:4]
    git_dir_path = Path(git_dir)
    common = Path(common_dir)
    common = (common if common.is_absolute() else (path / common)).resolve()
    boundary: tuple[str, ...] = ()
    if shallow == "true":
        shallow_file = common / "shallow"
        if shallow_file.is_file():
            boundary = tuple(sorted(shallow_file.read_text("ascii", "replace").split()))
    status, head, _ = runner.run(["rev-parse", "--verify", "-q", "HEAD^{commit}"], ok=(0, 1, 128))
    head_sha = head.decode().strip() if status == 0 else None
    head_ref = None
    head_file = git_dir_path / "HEAD"
    if head_sha and head_file.is_file():
        text = head_file.read_text("utf-8", "replace").strip()
        head_ref = text.removeprefix("ref:").strip() if text.startswith("ref:") else None
    info = RepoInfo(
        path=path.resolve(),
        git_dir=git_dir_path,
        key=str(common),
        bare=bare == "true",
        shallow=shallow == "true",
        shallow_boundary=boundary,
        head=head_sha,
        head_ref=head_ref,
    )
    return runner, info
