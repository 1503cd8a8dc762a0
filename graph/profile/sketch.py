"""Bounded-memory sketches for column profiles: stable hashes, distinct counts, samples, top-k.

Every sketch here is deterministic (same input → same numbers on any machine and process; no
`hash()`, whose string seed changes per process) and has a fixed size whatever the input size:

- `DistinctSketch`: K-minimum-values (Bar-Yossef et al. 2002). Keeps the K smallest 64-bit
  hashes; exact while fewer than K distinct values were seen, else (K-1)/(K-th smallest / 2^64)
  with a relative standard error of about 1/sqrt(K-2) (1.6 % at K = 4096).
- `BottomKSample`: a uniform sample without replacement of K values, chosen by the K smallest
  keys `splitmix64(row index ^ seed)`. The key depends on the row's position only, so the sample
  does not depend on how the file was cut into batches.
- `HeavyHitters`: Misra-Gries frequent items with C counters, merged batch by batch in Arrow.
  A reported count undercounts the true one by at most `error` (0 while no eviction happened,
  then the counts are exact); any value more frequent than N/(C+1) is kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa

SEED = 0x5EED_AB1E_0DD5_1DE5
_TWO_64 = float(2**64)
_WEIGHT_PERIOD = 4096  # byte positions beyond this reuse weights; length is mixed in as well


def splitmix64(values: np.ndarray) -> np.ndarray:
    """The splitmix64 finalizer, vectorized: a bijection on uint64 that mixes all bits."""
    z = values.astype(np.uint64, copy=True)
    with np.errstate(over="ignore"):
        z += np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


_WEIGHTS = splitmix64(np.arange(_WEIGHT_PERIOD, dtype=np.uint64) ^ np.uint64(SEED)) | np.uint64(1)


def hash_numbers(values: np.ndarray) -> np.ndarray:
    """Stable 64-bit hashes of numbers by their bit pattern (-0.0 is taken as 0.0)."""
    if values.dtype.kind == "f":
        values = values.astype(np.float64) + 0.0  # -0.0 + 0.0 == +0.0
        bits = values.view(np.uint64)
    elif values.dtype.kind in "iub":
        bits = values.astype(np.int64).view(np.uint64)
    else:
        raise TypeError(f"cannot hash numbers of dtype {values.dtype}")
    return splitmix64(bits)


def hash_strings(array: pa.Array) -> np.ndarray:
    """Stable 64-bit hashes of the non-null values of a string or binary Arrow array.

    A random-weight linear hash over the bytes, computed with numpy on Arrow's buffers (a
    Python loop over values would dominate the profile of an id column), then mixed with the
    length through splitmix64.
    """
    import pyarrow as pa

    array = array.drop_null()
    if len(array) == 0:
        return np.empty(0, dtype=np.uint64)
    array = array.cast(pa.large_binary())
    _, offsets_buf, data_buf = array.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[
        array.offset : array.offset + len(array) + 1
    ]
    first, last = int(offsets[0]), int(offsets[-1])
    data = np.frombuffer(data_buf, dtype=np.uint8)[first:last] if data_buf is not None else None
    starts = offsets[:-1] - first
    lengths = np.diff(offsets)
    if data is None or len(data) == 0:
        sums = np.zeros(len(lengths), dtype=np.uint64)
    else:
        positions = np.arange(len(data), dtype=np.int64) - np.repeat(starts, lengths)
        with np.errstate(over="ignore"):
            products = (data.astype(np.uint64) + np.uint64(1)) * _WEIGHTS[
                positions % _WEIGHT_PERIOD
            ]
            running = np.concatenate(([np.uint64(0)], np.cumsum(products, dtype=np.uint64)))
            sums = running[offsets[1:] - first] - running[starts]
    with np.errstate(over="ignore"):
        mixed = sums ^ (lengths.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15))
    return splitmix64(mixed)


class DistinctSketch:
    """K-minimum-values distinct counter over 64-bit hashes."""

    def __init__(self, k: int = 4096) -> None:
        self.k = k
        self._mins = np.empty(0, dtype=np.uint64)

    def add(self, hashes: np.ndarray) -> None:
        if len(hashes) == 0:
            return
        merged = np.union1d(self._mins, hashes.astype(np.uint64, copy=False))
        self._mins = merged[: self.k]

    @property
    def exact(self) -> bool:
        return len(self._mins) < self.k

    def estimate(self) -> int:
        if self.exact:
            return len(self._mins)
        kth = float(self._mins[self.k - 1]) + 1.0
        return round((self.k - 1) / (kth / _TWO_64))


class BottomKSample:
    """Uniform sample of up to K numbers from a stream, by the K smallest position keys."""

    def __init__(self, k: int = 16_384, seed: int = SEED) -> None:
        self.k = k
        self._seed = np.uint64(seed)
        self._seen = 0
        self._keys = np.empty(0, dtype=np.uint64)
        self._values = np.empty(0, dtype=np.float64)

    def add(self, values: np.ndarray) -> None:
        n = len(values)
        if n == 0:
            return
        positions = np.arange(self._seen, self._seen + n, dtype=np.uint64)
        self._seen += n
        keys = np.concatenate((self._keys, splitmix64(positions ^ self._seed)))
        merged = np.concatenate((self._values, values.astype(np.float64, copy=False)))
        if len(keys) > self.k:
            keep = np.argpartition(keys, self.k - 1)[: self.k]
            keys, merged = keys[keep], merged[keep]
        self._keys, self._values = keys, merged

    @property
    def seen(self) -> int:
        return self._seen

    def values(self) -> np.ndarray:
        """The sample, sorted (exactly every value when the stream had at most K)."""
        return np.sort(self._values)


class HeavyHitters:
    """Misra-Gries frequent values of a column, with `capacity` counters, merged in Arrow."""

    def __init__(self, capacity: int = 1024) -> None:
        self.capacity = capacity
        self.error = 0  # total decrement: an upper bound on each count's undercount
        self._table: pa.Table | None = None

    def add(self, array: pa.Array) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        array = array.drop_null()
        if len(array) == 0:
            return
        counted = pc.value_counts(array)
        batch = pa.table({"value": counted.field("values"), "count": counted.field("counts")})
        if self._table is not None:
            batch = pa.concat_tables([self._table, batch.cast(self._table.schema)])
            batch = batch.group_by("value").aggregate([("count", "sum")])
            batch = batch.rename_columns(["value", "count"])
        if batch.num_rows > self.capacity:
            counts = batch.column("count").to_numpy()
            cut = int(np.partition(counts, -(self.capacity + 1))[-(self.capacity + 1)])
            self.error += cut
            batch = batch.set_column(1, "count", pa.array(counts - cut, type=pa.int64()))
            batch = batch.filter(pc.greater(batch.column("count"), 0))
        self._table = batch.cast(
            pa.schema([("value", batch.schema.field("value").type), ("count", pa.int64())])
        )

    def top(self, k: int) -> list[tuple[Any, int]]:
        """The k most frequent values with their counts, most frequent first, ties by value."""
        if self._table is None:
            return []
        rows = zip(
            self._table.column("value").to_pylist(),
            self._table.column("count").to_pylist(),
            strict=True,
        )
        return sorted(rows, key=lambda row: (-row[1], str(row[0])))[:k]
