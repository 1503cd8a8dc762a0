"""Drift between two stored profiles of one dataset (no data needed): PSI, KS, Wasserstein-1.

This is the reference reading of the profile layout in `graph.profile`: the 101 stored
quantiles are each version's quantile function Q(p); interpolating them gives its CDF F(x).

- PSI on the baseline's deciles (the usual 10 bins, open at both ends), each version's mass per
  bin from its own CDF: both sides on the same edges, whatever their own histograms' ranges.
  Categorical columns: the values in both top-k lists plus one "other" bucket.
- KS: max |F_a(x) - F_b(x)| over every stored quantile of either version.
- Wasserstein-1: the integral over p of |Q_a(p) - Q_b(p)| (trapezoids on the 101 points).
"""

from __future__ import annotations

from typing import Any

import numpy as np

PSI_EPSILON = 1e-4  # floor for a bin's share, so an empty bin does not make PSI infinite
PSI_BINS = 10


def _probs(quantiles: list[float]) -> np.ndarray:
    return np.linspace(0.0, 1.0, len(quantiles))


def cdf(quantiles: list[float], x: np.ndarray) -> np.ndarray:
    """The right-continuous CDF a quantile list describes, linear between stored points."""
    q = np.asarray(quantiles, dtype=np.float64)
    p = _probs(quantiles)
    x = np.asarray(x, dtype=np.float64)
    upper = np.searchsorted(q, x, side="right")
    out = np.where(upper >= len(q), 1.0, 0.0)
    inside = (upper > 0) & (upper < len(q))
    lo = np.clip(upper - 1, 0, len(q) - 1)
    hi = np.clip(upper, 0, len(q) - 1)
    span = q[hi] - q[lo]
    frac = np.divide(x - q[lo], span, out=np.zeros_like(x), where=span > 0)
    return np.where(inside, p[lo] + frac * (p[hi] - p[lo]), out)


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    e = np.clip(np.asarray(expected, dtype=np.float64), PSI_EPSILON, None)
    a = np.clip(np.asarray(actual, dtype=np.float64), PSI_EPSILON, None)
    return float(np.sum((a - e) * np.log(a / e)))


def numeric_psi(a: dict[str, Any], b: dict[str, Any]) -> float:
    qa = a["quantiles"]
    step = (len(qa) - 1) // PSI_BINS
    edges = np.unique(np.asarray(qa[step:-1:step], dtype=np.float64))
    fa = np.concatenate(([0.0], cdf(qa, edges), [1.0]))
    fb = np.concatenate(([0.0], cdf(b["quantiles"], edges), [1.0]))
    return psi(np.diff(fa), np.diff(fb))


def ks(a: dict[str, Any], b: dict[str, Any]) -> float:
    points = np.union1d(a["quantiles"], b["quantiles"])
    return float(np.max(np.abs(cdf(a["quantiles"], points) - cdf(b["quantiles"], points))))


def wasserstein(a: dict[str, Any], b: dict[str, Any]) -> float:
    qa, qb = np.asarray(a["quantiles"]), np.asarray(b["quantiles"])
    gaps = np.abs(qa - qb)
    return float(np.sum((gaps[1:] + gaps[:-1]) / 2) / (len(gaps) - 1))


def categorical_psi(a: dict[str, Any], b: dict[str, Any]) -> float:
    top_a = {t["value"]: t["count"] for t in a.get("top", [])}
    top_b = {t["value"]: t["count"] for t in b.get("top", [])}
    shared = sorted(set(top_a) & set(top_b), key=str)
    na, nb = max(a.get("count", 0), 1), max(b.get("count", 0), 1)
    pa = [top_a[v] / na for v in shared]
    pb = [top_b[v] / nb for v in shared]
    pa.append(max(0.0, 1.0 - sum(pa)))
    pb.append(max(0.0, 1.0 - sum(pb)))
    return psi(np.array(pa), np.array(pb))


def column_drift(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """What changed in one column between two stored column profiles."""
    out: dict[str, Any] = {
        "name": a["name"],
        "type": [a["type"], b["type"]] if a["type"] != b["type"] else a["type"],
        "null_rate": [a["null_rate"], b["null_rate"]],
    }
    if a.get("kind") == b.get("kind") == "numeric" and a.get("quantiles") and b.get("quantiles"):
        out.update(psi=numeric_psi(a, b), ks=ks(a, b), wasserstein=wasserstein(a, b))
    elif a.get("kind") == b.get("kind") == "categorical" and a.get("top") and b.get("top"):
        out["psi"] = categorical_psi(a, b)
    return out


def profile_drift(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Row counts, added and removed columns, and per shared column drift, A → B."""
    cols_a = {c["name"]: c for c in a.get("columns", [])}
    cols_b = {c["name"]: c for c in b.get("columns", [])}
    return {
        "row_count": [a.get("row_count"), b.get("row_count")],
        "added": [name for name in cols_b if name not in cols_a],
        "removed": [name for name in cols_a if name not in cols_b],
        "columns": [column_drift(cols_a[n], cols_b[n]) for n in cols_a if n in cols_b],
    }
