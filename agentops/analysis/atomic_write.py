"""Write a file so that readers see the old content or the new, never half of it.

The text goes to a new temporary file in the same folder (same file system), created with
O_EXCL under a random name (`tempfile`), so nothing planted there — a `FILE.partial` symlink
pointing elsewhere — is written through. It is flushed to disk, then takes the final name in one
step: `os.replace` to overwrite (a symlink at the final name is replaced, not followed), or
`os.link` when the file must not exist yet — `link` fails if the name is taken, so two writers
cannot both claim one incident id.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_text_file(path: Path, *, overwrite: bool = True) -> Iterator[IO[str]]:
    """A text handle whose content becomes `path` when the block ends without error (nothing
    is written to `path` otherwise); FileExistsError if `overwrite` is False and the file
    exists, IsADirectoryError if `path` is a folder. The folder is created if needed."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(21, "is a folder, not a file", str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, before the rename
        "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
    )
    temp = Path(handle.name)
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(temp, path)
            return
        try:
            os.link(temp, path)
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links: check, then rename
            if path.exists():
                raise FileExistsError(str(path)) from None
            os.replace(temp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def write_atomic(path: Path, text: str, *, overwrite: bool = True) -> None:
    """Write `text` (UTF-8) to `path` atomically (see `atomic_text_file`)."""
    with atomic_text_file(path, overwrite=overwrite) as handle:
        handle.write(text)
