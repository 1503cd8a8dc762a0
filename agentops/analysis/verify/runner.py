"""Run the project's `[verify] command` in a candidate tree, K times, with a cache.

The contract (docs/conventions.md): the command is a shell command line from the project's own
agentops.toml, run with its working directory set to the tree and `AGENTOPS_METRICS` set to a
file path; it exits 0 and writes a JSON object `{"<metric>": <number>, …}` there. Runs that log
to MLflow are pointed at a scratch store (`MLFLOW_TRACKING_URI`, `MLFLOW_REGISTRY_URI`), never
the team's. Each finished run's metrics are cached at once under the tree's hash
(`.agentops/verify-cache/<hash>.json`), so a second `verify`, or one stopped with Ctrl-C, reuses
them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agentops.analysis.atomic_write import atomic_text_file

STDERR_TAIL = 4000  # characters of a failed command's stderr kept for its error line


class RunFailed(Exception):
    """The command failed in a tree: exit status, timeout, or no usable metrics file."""


@dataclass(frozen=True, slots=True)
class RunSettings:
    command: str
    metric: str
    timeout: float
    cache_dir: Path


class Runner:
    """Trains trees with one command; thread-safe; `stop()` kills what is running."""

    def __init__(self, settings: RunSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[bytes]] = set()
        self._stopped = threading.Event()
        self.ran = 0
        self.reused = 0

    def cache_key(self, tree_key: str) -> str:
        """The tree's hash and the command: the same tree under another command is new."""
        return hashlib.sha256(f"{self.settings.command}\0{tree_key}".encode()).hexdigest()[:32]

    def cached(self, tree_key: str) -> list[dict[str, float]]:
        path = self.settings.cache_dir / f"{self.cache_key(tree_key)}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        runs = data.get("runs") if isinstance(data, dict) else None
        return [r for r in runs if isinstance(r, dict)] if isinstance(runs, list) else []

    def values(
        self,
        tree: Path,
        tree_key: str,
        repeats: int,
        on_run: Callable[[], None] | None = None,
    ) -> list[float]:
        """The metric of `repeats` runs in `tree`: cached ones first, the rest trained now."""
        runs = self.cached(tree_key)
        usable = [v for r in runs if (v := _number(r.get(self.settings.metric))) is not None]
        kept = usable[:repeats]
        with self._lock:
            self.reused += len(kept)
        for _ in range(len(kept), repeats):
            metrics = self._train(tree)
            runs.append(metrics)
            self._save(tree_key, runs)
            value = _number(metrics.get(self.settings.metric))
            if value is None:
                raise RunFailed(
                    f"the metrics file has no number named {self.settings.metric!r} "
                    f"(it has: {', '.join(sorted(metrics)) or 'nothing'})"
                )
            kept.append(value)
            if on_run is not None:
                on_run()
        return kept

    def _save(self, tree_key: str, runs: list[dict[str, float]]) -> None:
        path = self.settings.cache_dir / f"{self.cache_key(tree_key)}.json"
        with self._lock, atomic_text_file(path) as handle:
            json.dump({"command": self.settings.command, "runs": runs}, handle)

    def _train(self, tree: Path) -> dict[str, float]:
        if self._stopped.is_set():
            raise RunFailed("stopped")
        with tempfile.TemporaryDirectory(prefix="agentops-run-") as scratch:
            metrics_path = Path(scratch) / "metrics.json"
            mlflow_uri = (Path(scratch) / "mlruns").as_uri()
            env = {
                **os.environ,
                "AGENTOPS_METRICS": str(metrics_path),
                "MLFLOW_TRACKING_URI": mlflow_uri,
                "MLFLOW_REGISTRY_URI": mlflow_uri,
                # MLflow 3.x refuses to open a file store unless opted in (older ones ignore
                # this): the scratch store keeps runs and artifacts out of the tree and the
                # team's store either way
                "MLFLOW_ALLOW_FILE_STORE": "true",
            }
            env.pop("AGENTOPS_DB_URL", None)
            proc = subprocess.Popen(  # noqa: S602 - the command comes only from agentops.toml
                self.settings.command,
                shell=True,
                cwd=tree,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
            with self._lock:
                self._running.add(proc)
            try:
                _, err = proc.communicate(timeout=self.settings.timeout)
            except subprocess.TimeoutExpired:
                _kill(proc)
                raise RunFailed(f"timed out after {self.settings.timeout:g} s") from None
            finally:
                with self._lock:
                    self._running.discard(proc)
            if self._stopped.is_set():
                raise RunFailed("stopped")
            if proc.returncode != 0:
                tail = err.decode("utf-8", "replace")[-STDERR_TAIL:].strip().splitlines()
                last = tail[-1] if tail else "no output on stderr"
                raise RunFailed(f"exit status {proc.returncode}: {last[:200]}")
            with self._lock:
                self.ran += 1
            if not metrics_path.exists():
                logged = _logged_metrics(Path(scratch) / "mlruns")
                if logged:
                    return logged
            return _read_metrics(metrics_path)

    def stop(self) -> None:
        """Kill every running command (Ctrl-C); finished runs stay in the cache."""
        self._stopped.set()
        with self._lock:
            running = list(self._running)
        for proc in running:
            _kill(proc)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _logged_metrics(store: Path) -> dict[str, float]:
    """The metrics of the last run the command logged to the scratch MLflow store, when it
    wrote no `$AGENTOPS_METRICS`: a project that logs to MLflow (MLflow's own examples do)
    verifies unchanged. MLflow's folder store keeps each metric as a file of
    `timestamp value step` lines under `<experiment>/<run>/metrics/`; the last line is the
    value a run page shows."""
    runs = [folder for folder in store.glob("*/*") if (folder / "metrics").is_dir()]
    if not runs:
        return {}
    latest = max(
        runs,
        key=lambda folder: (
            (folder / "meta.yaml").stat().st_mtime_ns if (folder / "meta.yaml").exists() else 0
        ),
    )
    metrics: dict[str, float] = {}
    for path in (latest / "metrics").rglob("*"):
        lines = path.read_text(encoding="utf-8").split() if path.is_file() else []
        value = _number(_float(lines[-2])) if len(lines) >= 3 else None
        if value is not None:
            metrics[path.relative_to(latest / "metrics").as_posix()] = value
    return metrics


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _read_metrics(path: Path) -> dict[str, float]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunFailed("it exited 0 but wrote nothing to $AGENTOPS_METRICS") from None
    except (OSError, ValueError) as exc:
        kind = exc.__class__.__name__
        raise RunFailed(f"$AGENTOPS_METRICS does not hold JSON ({kind})") from None
    if not isinstance(data, dict):
        raise RunFailed("$AGENTOPS_METRICS must hold a JSON object {metric: number}")
    return {str(k): v for k, v in data.items() if _number(v) is not None}


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None
