"""The one place that talks to MLflow: the tracking URI, the client, paging, and its errors.

`import mlflow` costs ~1.7 s, so it happens inside `connect`, never at import. Every MLflow or
network failure is turned into an `IngestError` naming the tracking URI here, so the ingesters
never see an SDK exception. A server that does not answer fails fast: for the duration of an
ingest the HTTP client gets no retries and a short timeout, unless the user set their own
(`MLFLOW_HTTP_REQUEST_MAX_RETRIES`, `MLFLOW_HTTP_REQUEST_TIMEOUT`).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, urlsplit, urlunsplit

from graph.errors import IngestError

if TYPE_CHECKING:
    from mlflow import MlflowClient

T = TypeVar("T")

HTTP_RETRIES = "0"
HTTP_TIMEOUT_S = "10"
_ENV_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": HTTP_RETRIES,
    "MLFLOW_HTTP_REQUEST_TIMEOUT": HTTP_TIMEOUT_S,
    "MLFLOW_DISABLE_TELEMETRY": "true",  # an ingest must not phone home
    # MLflow 3 refuses to open an `mlruns/` folder unless told to; agentops only reads one, and
    # `_check_local_store` has made sure it exists (opening a missing one would create it).
    "MLFLOW_ALLOW_FILE_STORE": "true",
}
SQLITE_PREFIX = "sqlite:///"
FILE_STORE = "mlruns"  # MLflow's folder store, its default where it already holds experiments
SQLITE_STORE = "mlflow.db"  # MLflow's default store since 3.7 (`sqlite:///mlflow.db`)
_NAMED_SERVERS = ("databricks", "databricks-uc")  # tracking URIs that are not paths


def resolve_tracking_uri(
    explicit: str | None, configured: str | None, root: Path | None = None
) -> str:
    """--tracking-uri, else MLFLOW_TRACKING_URI, else agentops.toml's `[sources.mlflow]
    tracking_uri` (a relative sqlite or folder path in it is relative to the project root),
    else the store MLflow itself uses by default when run in the project root."""
    uri = explicit or os.environ.get("MLFLOW_TRACKING_URI") or configured
    if not uri and root is not None:
        uri = default_tracking_uri(root)
    if not uri:
        raise IngestError(
            "no MLflow tracking URI",
            hint="pass --tracking-uri, set MLFLOW_TRACKING_URI, or set [sources.mlflow] "
            "tracking_uri in agentops.toml",
        )
    if uri == configured and root is not None:
        uri = _under_root(uri, root)
    return uri


def default_tracking_uri(root: Path, *, relative: bool = False) -> str | None:
    """The store MLflow opens by default when a script runs in `root` with no tracking URI
    set, if it is there: `./mlruns` when that folder holds experiments (MLflow keeps using it),
    else `./mlflow.db`. `relative` gives it as agentops.toml writes it."""
    if _holds_experiments(root / FILE_STORE):
        return FILE_STORE if relative else (root / FILE_STORE).resolve().as_uri()
    if (root / SQLITE_STORE).is_file():
        return SQLITE_PREFIX + (SQLITE_STORE if relative else str((root / SQLITE_STORE).resolve()))
    return None


def _under_root(uri: str, root: Path) -> str:
    """A relative sqlite path or folder store path, made absolute under the project root."""
    if uri.startswith(SQLITE_PREFIX):
        path = uri.removeprefix(SQLITE_PREFIX)
        if not path.startswith("/") and ":memory:" not in path:
            return f"{SQLITE_PREFIX}{(root / path).resolve()}"
        return uri
    folder = _folder_store(uri)
    if folder is None or folder.is_absolute():
        return uri
    return (root / folder).resolve().as_uri()


def _folder_store(uri: str) -> Path | None:
    """The folder of a folder-store URI (`./mlruns`, `/abs/mlruns`, `file:///abs/mlruns`)."""
    parts = urlsplit(uri)
    if parts.scheme == "file":
        return Path(parts.path)
    return Path(uri) if not parts.scheme and uri not in _NAMED_SERVERS else None


def _holds_experiments(folder: Path) -> bool:
    """MLflow's own test for a folder store with data: an experiment folder with its meta."""
    try:
        return any(
            child.name.isdigit() and (child / "meta.yaml").exists() for child in folder.iterdir()
        )
    except OSError:
        return False


def masked_uri(uri: str) -> str:
    """The URI without a password (it goes into node attributes and messages)."""
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


@contextmanager
def _fail_fast_env() -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in _ENV_DEFAULTS}
    for key, value in _ENV_DEFAULTS.items():
        os.environ.setdefault(key, value)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _check_local_store(uri: str) -> None:
    """A source is only read: refuse a SQLite file MLflow would write to before it connects.

    MLflow creates its tables in any SQLite file it is pointed at that lacks one of them — an
    empty file at a mistyped path, the lineage store itself, a tracking database with a dropped
    table — and exits happily. So the file is opened read-only first and must hold every table
    of MLflow's schema (as MLflow itself checks before it "initialises"). A folder store must
    already hold an experiment, or MLflow would make one (it only adds its `.trash` folder).
    """
    folder = _folder_store(uri)
    if folder is not None:
        if not _holds_experiments(folder):  # MLflow would create one there
            raise IngestError(
                f"no MLflow experiments in {folder}",
                hint="check the tracking URI (a folder MLflow wrote, sqlite:///path/mlflow.db, "
                "or a server's http(s) URL)",
            )
        return
    if not uri.startswith(SQLITE_PREFIX) or ":memory:" in uri:
        return
    path = Path(uri.removeprefix(SQLITE_PREFIX).split("?", 1)[0])
    hint = "check the tracking URI (sqlite:///absolute/path/mlflow.db)"
    if not path.is_file():
        raise IngestError(f"no MLflow database at {path}", hint=hint)
    try:
        with contextlib.closing(
            sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
        ) as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.Error as exc:
        raise IngestError(f"{path} is not a readable SQLite database ({exc})", hint=hint) from None
    if "experiments" not in tables or "alembic_version" not in tables:
        raise IngestError(
            f"{path} is not an MLflow tracking database: agentops only reads MLflow stores",
            hint=hint,
        )
    missing = sorted(_mlflow_tables() - tables)
    if missing:
        shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
        raise IngestError(
            f"{path} lacks MLflow table(s) {shown}: agentops reads it as it is, never repairs it",
            hint="upgrade or repair it with MLflow (`mlflow db upgrade`), then ingest again",
        )


def _mlflow_tables() -> set[str]:
    """The tables of the installed MLflow's schema (its ORM models, as MLflow checks them)."""
    import mlflow.store.model_registry.dbmodels.models  # noqa: F401 - registers the tables
    import mlflow.store.tracking.dbmodels.models  # noqa: F401
    from mlflow.store.db.base_sql_model import Base

    return set(Base.metadata.tables)


@contextmanager
def connect(uri: str) -> Iterator[MlflowClient]:
    """An `MlflowClient` for the tracking (and registry) server at `uri`; any MLflow or network
    error inside the block becomes an IngestError naming the server."""
    _check_local_store(uri)
    with _fail_fast_env(), translated_errors(uri):
        from mlflow import MlflowClient

        yield MlflowClient(tracking_uri=uri, registry_uri=uri)


@contextmanager
def translated_errors(uri: str) -> Iterator[None]:
    try:
        yield
    except IngestError:
        raise
    except Exception as exc:  # the SDK raises MlflowException, requests and DB errors alike
        if not _is_mlflow_failure(exc):
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if len(first) > 300:
            first = first[:300] + "…"
        raise IngestError(
            f"MLflow at {masked_uri(uri)} failed: {first}",
            hint="check that the tracking server is up and the URI is right "
            "(--tracking-uri or MLFLOW_TRACKING_URI)",
        ) from exc


def _is_mlflow_failure(exc: Exception) -> bool:
    module = type(exc).__module__ or ""
    return module.startswith(("mlflow", "requests", "urllib3", "sqlalchemy", "sqlite3")) or (
        isinstance(exc, (OSError, ConnectionError, TimeoutError))
    )


def paged(fetch: Callable[[str | None], Any]) -> Iterator[list[Any]]:
    """Pages of a search call: `fetch(page_token)` returns a PagedList with `.token`."""
    token: str | None = None
    while True:
        page = fetch(token)
        yield list(page)
        token = getattr(page, "token", None)
        if not token:
            return
