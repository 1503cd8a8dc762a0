"""A run param's new value is attributed to the commit line that set it, and to nothing else."""

from __future__ import annotations

from agentops.analysis.rootcause.params_origin import _edited_lines, _names, _values_swapped
from graph.ingest.git.hunks import Hunk

ALPHA = [{"key": "alpha", "old": "0.5", "new": "5"}]


def test_a_line_that_only_swaps_the_value_sets_the_param() -> None:
    hunk = Hunk("train.py", "@@ -1,2 +1,2 @@", ("-a = 1 if x else 0.5", "+a = 1 if x else 5.0"))
    assert [_values_swapped(r, a, ALPHA) for r, a in _edited_lines(hunk)] == [["alpha"]]
    yaml = ("      alpha: {type: float, default: 0.5}", "      alpha: {type: float, default: 5}")
    assert _values_swapped(*yaml, ALPHA) == ["alpha"]  # numbers by value: 5 is 5.0


def test_lines_that_change_more_than_the_value_or_other_values_set_nothing() -> None:
    assert _values_swapped("a = f(0.5)", "a = g(5.0)", ALPHA) == []  # the call changed too
    assert _values_swapped("n = 0.5", "n = 0.25", ALPHA) == []  # another new value
    assert _values_swapped("n = 0.5", "n = 0.5  # same", ALPHA) == []


def test_runs_of_removed_and_added_lines_pair_in_order() -> None:
    hunk = Hunk("p.py", "@@", (" keep", "-a = 1", "-b = 2", "+a = 3", "+b = 4", " keep", "+c = 5"))
    assert _edited_lines(hunk) == [("a = 1", "a = 3"), ("b = 2", "b = 4")]


def test_the_hunk_must_name_the_param() -> None:
    hunk = Hunk("p.py", "@@ def fit(cfg):", ("-    lr = 0.5", "+    lr = 5"))
    assert _names(hunk, "optimizer.lr") and not _names(hunk, "alpha")
    assert not _names(Hunk("p.py", "@@", ("-    learning_rate = 1",)), "rate")
