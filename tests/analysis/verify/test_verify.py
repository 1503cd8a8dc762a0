"""`Project.verify` on fixture scenarios, with the sample project's own training command.

Lean on purpose (the suite runs on 2 cores): one run per tree (`repeats=1`) — the sample's
training is deterministic — and a run budget that covers the top suspects. The planted code
cause is confirmed through the CLI (tests/cli/test_verify_cli.py), with the stored evidence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from agentops.errors import VerifyError
from agentops.project import Project
from agentops.settings import load_settings

pytestmark = pytest.mark.usefixtures("project_python_first")


def _open(root: Path, command: str | None = None) -> Project:
    settings = load_settings(root)
    if command is not None:
        settings = replace(settings, raw={**settings.raw, "verify": {"command": command}})
    return Project(settings)


def test_a_compound_regression_is_resolved_to_both_causes(copied_scenario: Callable) -> None:
    built, root = copied_scenario("compound")
    with _open(root) as project:
        result = project.verify(built.incident_id, repeats=1, max_runs=24)
    assert result.verdict == "cause-confirmed"
    assert result.cause_set is not None and result.cause_set.share >= 0.8
    found = set(result.cause_set.refs)
    # a data cause is resolved to its version or to the export commit that carried it
    for cause in built.ground_truth.causes:
        assert cause.ref in found or f"commit:{cause.commit}" in found, (cause, found)
    assert len(found) == 2


def test_a_regression_within_noise_has_no_confirmed_cause(copied_scenario: Callable) -> None:
    built, root = copied_scenario("seed-noise")
    with _open(root) as project:
        result = project.verify(built.incident_id, repeats=1)
    assert result.verdict == "no-confirmed-cause"
    assert result.runs == 2  # GOOD and BAD only: nothing to explain, nothing reverted
    assert all(s.verdict != "confirmed" for s in result.suspects)


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("echo 'Traceback: boom' >&2; exit 3", "exit status 3: Traceback: boom"),
        ("""echo '{"ndcg_at_10": 0.5}' > "$AGENTOPS_METRICS" """, "does not reproduce"),
        ("true", "wrote nothing to $AGENTOPS_METRICS"),
    ],
)
def test_a_command_that_fails_or_does_not_reproduce_gives_no_verdict(
    copied_scenario: Callable, command: str, words: str
) -> None:
    built, root = copied_scenario("feature-code-bug")
    with _open(root, command) as project, pytest.raises(VerifyError) as raised:
        project.verify(built.incident_id, repeats=1)
    assert words in raised.value.message and "\n" not in raised.value.message
    with _open(root) as project:
        assert project.verification(built.incident_id) is None


def test_a_run_past_the_timeout_is_stopped_and_gives_no_verdict(
    copied_scenario: Callable,
) -> None:
    built, root = copied_scenario("seed-noise")
    with _open(root, "sleep 30") as project, pytest.raises(VerifyError) as raised:
        project.verify(built.incident_id, repeats=1, timeout=1)
    assert "timed out after 1 s" in raised.value.message
