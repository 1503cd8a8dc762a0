"""First paint of `agentops chat`: from starting the process to the first screen.

    uv run python benchmarks/tui_first_paint.py                 # builds the demo project (~30 s)
    uv run python benchmarks/tui_first_paint.py --project DIR   # an already synced project
    uv run python benchmarks/tui_first_paint.py --runs 11

Each row starts a fresh Python process and times it from spawn to a marker, median of N runs:

- `python -c pass` and `import textual.app`: the floors, measured in the same run;
- `agentops chat` in a terminal: the real command line (`agentops chat --incident …`) in a
  pseudo-terminal of 120×40, timed until the first frame with the tab labels reaches the terminal
  — the whole process to the first screen, as a user sees it;
- `make_app` headless: the app alone under `App.run_test`, timed until the first screen is
  rendered (`export_screenshot`), then until the context panel is ready (the store opened, the
  incident's suspects in the table), which happens in workers after the first paint.

Target (issue 9): first paint ≤ 1 s.
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from fcntl import ioctl
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 1.0
SIZE = (120, 40)

CHAT_CLI = """
import sys
from agentops.cli import app, main
from agentops.cli.chat import chat
app.command()(chat)
sys.exit(main(sys.argv[1:]))
"""

HEADLESS = """
import asyncio, sys
from pathlib import Path

async def run():
    from agentops.settings import load_settings
    from agentops.tui.app import make_app
    from agentops.tui.panels.suspects import SuspectsTable

    app = make_app(settings=load_settings(Path(sys.argv[1])), incident=sys.argv[2], save=False)
    async with app.run_test(size=(120, 40)) as pilot:
        refreshed = asyncio.Event()
        app.call_after_refresh(refreshed.set)
        await refreshed.wait()
        app.export_screenshot()
        print("painted", flush=True)
        while not app.query_one(SuspectsTable).row_count:
            await pilot.pause(0.005)
        print("ready", flush=True)

asyncio.run(run())
"""


def timed_markers(argv: list[str], markers: list[str], cwd: Path) -> list[float]:
    """Seconds from spawn to each marker line on the child's stdout."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, text=True, env=_env())
    found: list[float] = []
    assert child.stdout is not None
    for line in child.stdout:
        if line.strip() == markers[len(found)]:
            found.append(time.perf_counter() - start)
            if len(found) == len(markers):
                break
    child.wait(timeout=60)
    if len(found) != len(markers):
        raise SystemExit(f"{argv[:3]}… exited without printing {markers}")
    return found


def timed_exit(argv: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True, env=_env())
    return time.perf_counter() - start


def timed_terminal(argv: list[str], cwd: Path, marker: bytes, timeout: float = 30.0) -> float:
    """Seconds from spawn until `marker` appears in what the child writes to its terminal."""
    master, slave = pty.openpty()
    ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    env = {**_env(), "TERM": "xterm-256color", "COLUMNS": str(SIZE[0]), "LINES": str(SIZE[1])}
    start = time.perf_counter()
    child = subprocess.Popen(
        argv, cwd=cwd, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    seen = b""
    try:
        while time.perf_counter() - start < timeout:
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                continue
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
            if marker in seen:
                return time.perf_counter() - start
        raise SystemExit(f"no {marker!r} on the terminal within {timeout} s:\n{seen[-2000:]!r}")
    finally:
        os.killpg(child.pid, signal.SIGTERM)
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
        os.close(master)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("ANTHROPIC_API_KEY", None)  # the stub: no network in a start-up benchmark
    env["PYTHONPATH"] = str(ROOT)
    return env


def demo_project(folder: Path) -> tuple[Path, str]:
    sys.path.insert(0, str(ROOT))
    from agentops.demo import build_demo

    print(f"building the demo project in {folder} …", file=sys.stderr)
    project = build_demo(folder / "demo", "feature-code-bug")
    return project.root, project.incident


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, help="a synced project (default: build the demo)")
    parser.add_argument("--incident", help="the incident to open on (default: the demo's)")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tui-bench-") as tmp:
        if args.project is None:
            root, incident = demo_project(Path(tmp))
        else:
            root, incident = args.project.resolve(), args.incident or ""
        incident = args.incident or incident
        py = sys.executable
        rows: dict[str, list[float]] = {
            "python -c pass (floor)": [],
            "python -c 'import textual.app'": [],
            "agentops chat: first frame on a terminal": [],
            "make_app headless: first screen rendered": [],
            "make_app headless: store open, suspects shown": [],
        }
        names = list(rows)
        for _ in range(args.runs):
            rows[names[0]].append(timed_exit([py, "-c", "pass"], root))
            rows[names[1]].append(timed_exit([py, "-c", "import textual.app"], root))
            chat = [py, "-c", CHAT_CLI, "chat", "--incident", incident]
            rows[names[2]].append(timed_terminal(chat, root, b"Suspects"))
            painted, ready = timed_markers(
                [py, "-c", HEADLESS, str(root), incident], ["painted", "ready"], root
            )
            rows[names[3]].append(painted)
            rows[names[4]].append(ready)
    print(f"\nfirst paint of agentops chat, median of {args.runs} runs (min … max), seconds\n")
    print(f"| {'what':<46} | median | min … max     |")
    print(f"| {'-' * 46} | ------ | ------------- |")
    for name, values in rows.items():
        print(
            f"| {name:<46} | {statistics.median(values):6.3f} | "
            f"{min(values):.3f} … {max(values):.3f} |"
        )
    first = statistics.median(rows[names[2]])
    verdict = "ok" if first <= TARGET_S else "OVER"
    print(f"\nfirst frame on a terminal: {first:.3f} s (target ≤ {TARGET_S:.1f} s): {verdict}")


if __name__ == "__main__":
    main()
