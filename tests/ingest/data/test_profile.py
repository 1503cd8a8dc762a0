"""Profiles of real CSV, Parquet and JSON Lines files: exact numbers where they must be exact."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from graph import profile as profile_module
from graph.profile import ProfileError, detect_format, profile_files
from graph.profile.drift import ks, numeric_psi, profile_drift, wasserstein

CSV = """\
user_id,rating,genre,rated_at,liked
1,4.5,drama,2026-11-01 10:00:00,true
2,,comedy,2026-11-02 11:30:00,false
3,3.0,drama,,true
4,1.5,,2026-11-03 09:15:00,
5,5.0,drama,2026-11-02 08:00:00,true
"""


def _columns(profile) -> dict[str, dict]:
    return {c["name"]: c for c in profile.to_json()["columns"]}


def test_csv_profile_has_exact_counts_nulls_and_bounds(tmp_path: Path) -> None:
    path = tmp_path / "ratings.csv"
    path.write_text(CSV)
    profile = profile_files([path], "csv")
    cols = _columns(profile)
    assert profile.row_count == 5
    assert [c["name"] for c in profile.schema] == [
        "user_id",
        "rating",
        "genre",
        "rated_at",
        "liked",
    ]
    assert cols["user_id"]["type"] == "int64" and cols["user_id"]["kind"] == "numeric"
    assert (cols["user_id"]["min"], cols["user_id"]["max"], cols["user_id"]["distinct"]) == (
        1,
        5,
        5,
    )
    rating = cols["rating"]
    assert (rating["nulls"], rating["null_rate"], rating["count"]) == (1, 0.2, 4)
    assert (rating["min"], rating["max"]) == (1.5, 5.0)
    assert rating["mean"] == pytest.approx(3.5)
    assert rating["quantiles"][0] == 1.5 and rating["quantiles"][-1] == 5.0
    assert rating["quantiles"][50] == pytest.approx(3.75)  # median of 1.5, 3, 4.5, 5
    assert sum(rating["histogram"]["counts"]) == 4 and rating["histogram"]["exact"]
    genre = cols["genre"]
    assert genre["kind"] == "categorical" and genre["null_rate"] == 0.2  # empty cell is null
    assert genre["top"] == [{"value": "drama", "count": 3}, {"value": "comedy", "count": 1}]
    assert genre["top_exact"] and genre["distinct"] == 2
    when = cols["rated_at"]
    assert when["kind"] == "temporal" and when["nulls"] == 1
    assert when["max_timestamp"] == "2026-11-03T09:15:00"
    assert profile.to_json()["max_timestamp"] == "2026-11-03T09:15:00"
    assert cols["liked"]["top"] == [{"value": True, "count": 3}, {"value": False, "count": 1}]


def test_parquet_profile_matches_the_data(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    n = 50_000
    values = rng.normal(10.0, 2.0, n)
    values[:500] = np.nan  # NaN counts as null
    table = pa.table(
        {
            "score": values,
            "item": pa.array([f"item-{i % 20_000}" for i in range(n)]),
            "label": rng.choice(["a", "b", "c"], n, p=[0.6, 0.3, 0.1]),
        }
    )
    path = tmp_path / "scores.parquet"
    pq.write_table(table, path, row_group_size=7_000)
    profile = profile_files([path], "parquet")
    cols = _columns(profile)
    score = cols["score"]
    finite = values[~np.isnan(values)]
    assert profile.row_count == n
    assert score["nulls"] == 500 and score["null_rate"] == pytest.approx(0.01)
    assert score["min"] == finite.min() and score["max"] == finite.max()
    assert score["mean"] == pytest.approx(finite.mean()) and score["std"] == pytest.approx(
        finite.std()
    )
    assert not score["sample_exact"] and score["sample_size"] == 16_384
    assert score["quantiles"][50] == pytest.approx(np.median(finite), abs=0.05)
    assert score["quantiles"][90] == pytest.approx(np.quantile(finite, 0.9), abs=0.08)
    assert sum(score["histogram"]["counts"]) == len(finite)
    assert len(score["histogram"]["edges"]) == 21
    assert cols["item"]["distinct"] == pytest.approx(20_000, rel=0.05)  # KMV estimate
    assert not cols["item"]["distinct_exact"]
    top = {t["value"]: t["count"] for t in cols["label"]["top"]}
    labels, counts = np.unique(table.column("label").to_numpy(), return_counts=True)
    assert top == {str(k): int(v) for k, v in zip(labels, counts, strict=True)}
    assert cols["label"]["top_exact"]


def test_profiles_are_deterministic(tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    pq.write_table(pa.table({"x": np.arange(40_000) % 977}), path, row_group_size=3_000)
    first = profile_files([path], "parquet").to_json()
    assert profile_files([path], "parquet").to_json() == first
    assert json.loads(json.dumps(first)) == first  # plain JSON, nothing lost


def test_jsonl_profile_with_nested_and_late_columns(tmp_path: Path) -> None:
    rows = [
        {"id": 1, "city": "Paris", "meta": {"k": 1}, "at": "2026-11-01T00:00:00"},
        {"id": 2, "city": None, "meta": {"k": 2}, "at": "2026-11-05T00:00:00"},
        {"id": 3, "city": "Lyon", "meta": None, "at": "2026-11-03T00:00:00", "late": 7},
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    profile = profile_files([path], "jsonl")
    cols = _columns(profile)
    assert profile.row_count == 3
    assert cols["city"]["null_rate"] == pytest.approx(1 / 3)
    assert cols["meta"]["kind"] == "other" and cols["meta"]["nulls"] == 1
    assert cols["at"]["max_timestamp"] == "2026-11-05T00:00:00"
    assert cols["late"]["nulls"] == 2 and cols["late"]["max"] == 7


def test_a_csv_column_that_changes_type_late_is_widened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Arrow infers types from the first block; a later "2.5" or "abc" restarts the read."""
    monkeypatch.setattr(profile_module, "BLOCK_SIZE", 1 << 12)
    lines = ["n,code,empty"] + [f"{i},{i}," for i in range(3000)] + ["2.5,abc,x"]
    path = tmp_path / "late.csv"
    path.write_text("\n".join(lines) + "\n")
    cols = _columns(profile_files([path], "csv"))
    assert cols["n"]["type"] == "double" and cols["n"]["max"] == 2999.0
    assert cols["code"]["type"] == "string" and cols["code"]["count"] == 3001
    assert cols["empty"]["count"] == 1 and cols["empty"]["top"] == [{"value": "x", "count": 1}]


def test_a_jsonl_column_with_numbers_and_text_is_read_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(profile_module, "BLOCK_SIZE", 1 << 12)
    rows = [{"v": i} for i in range(2000)] + [{"v": "oops"}]
    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    profile = profile_files([path], "jsonl")
    column = _columns(profile)["v"]
    assert profile.row_count == 2001 and column["kind"] == "categorical"
    assert column["count"] == 2001


def test_a_folder_of_parts_is_one_table(tmp_path: Path) -> None:
    one, two = tmp_path / "p1.parquet", tmp_path / "p2.parquet"
    pq.write_table(pa.table({"x": [1, 2, 3]}), one)
    pq.write_table(pa.table({"x": [4.5, None], "y": ["a", "b"]}), two)
    profile = profile_files([one, two], "parquet")
    cols = _columns(profile)
    assert (profile.row_count, profile.files) == (5, 2)
    assert cols["x"]["type"] == "double" and (cols["x"]["min"], cols["x"]["max"]) == (1.0, 4.5)
    assert cols["y"]["nulls"] == 3  # absent from the first part


def test_malformed_csv_is_a_profile_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n3,4,5\n")
    with pytest.raises(ProfileError, match="bad.csv"):
        profile_files([path], "csv")


def test_format_detection() -> None:
    assert detect_format(Path("x/ratings.csv")) == "csv"
    assert detect_format(Path("ratings.CSV.gz")) == "csv"
    assert detect_format(Path("e.ndjson")) == "jsonl"
    assert detect_format(Path("t.parquet")) == "parquet"
    assert detect_format(Path("model.pkl")) is None


def test_drift_from_stored_profiles_alone(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    base, same, shifted = (tmp_path / f"{n}.parquet" for n in ("base", "same", "shifted"))
    pq.write_table(pa.table({"x": rng.normal(0, 1, 40_000)}), base)
    pq.write_table(pa.table({"x": rng.normal(0, 1, 40_000)}), same)
    pq.write_table(pa.table({"x": rng.normal(1.0, 1, 40_000), "new": np.ones(40_000)}), shifted)
    a, b, c = (profile_files([p], "parquet").to_json() for p in (base, same, shifted))
    xa, xb, xc = (p["columns"][0] for p in (a, b, c))
    assert numeric_psi(xa, xb) < 0.02 and ks(xa, xb) < 0.03
    assert numeric_psi(xa, xc) > 0.5 and ks(xa, xc) == pytest.approx(0.38, abs=0.04)
    assert wasserstein(xa, xc) == pytest.approx(1.0, abs=0.05)
    report = profile_drift(a, c)
    assert report["added"] == ["new"] and report["row_count"] == [40_000, 40_000]
    assert report["columns"][0]["psi"] == pytest.approx(numeric_psi(xa, xc))


def test_header_only_and_repeated_names(tmp_path: Path) -> None:
    header = tmp_path / "header.csv"
    header.write_text("a,b\n")
    empty = profile_files([header], "csv")
    assert empty.row_count == 0 and [c["name"] for c in empty.schema] == ["a", "b"]
    repeated = tmp_path / "repeated.csv"
    repeated.write_text("a,a\n1,2\n")
    cols = _columns(profile_files([repeated], "csv"))
    assert (cols["a"]["max"], cols["a.1"]["max"]) == (1, 2)
