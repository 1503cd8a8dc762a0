"""Which OpenLineage datasets are files on a file system, and at what path.

The spec's dataset naming (`spec/Naming.md`, openlineage.io/docs/spec/naming: "Local file
system" and "Remote file system") names a file by the namespace `file` (or `file://{host}`)
and the name `{path}`. Older clients put a whole `file:` URI in the name instead (Marquez's own
listener events: namespace `file.localhost`, name `file://localhost/in_file1.txt`); its path is
the file's. Any other dataset (a table, a topic, an object in a bucket) names no file here.

The link step (`graph.ingest.link`) resolves such a dataset to the content node of that file;
this module only reads the naming, so it takes no store and reads no file.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from graph.attributes import DatasetAttrs
from graph.ingest.openlineage import SOURCE, dataset_name
from graph.model import Node

FILE_SCHEME = "file"


def file_path(namespace: str, name: str) -> str | None:
    """The path an OpenLineage dataset's namespace and name give a file, as written (absolute
    per the spec; a relative one is the producer's); None if they name no file."""
    name = name.strip()
    if _is_file_uri(name):
        return unquote(urlsplit(name).path) or None
    if namespace == FILE_SCHEME or _is_file_uri(namespace):
        return name or None
    return None


def _is_file_uri(text: str) -> bool:
    return text.lower().startswith(FILE_SCHEME + "://")


def file_dataset_path(node: Node) -> str | None:
    """The path of the file an OpenLineage dataset node names, or None (see `file_path`)."""
    view = DatasetAttrs(node)
    if view.source != SOURCE or view.namespace is None or view.dataset_name is None:
        return None
    return file_path(view.namespace, view.dataset_name)


def openlineage_identity(node: Node) -> str:
    """The name OpenLineage gives the dataset (`<namespace>/<name>`, as in its graph ref), kept
    as an alias of the content it resolves to."""
    view = DatasetAttrs(node)
    return dataset_name(view.namespace or "", view.dataset_name or "")


def split_identity(identity: str) -> tuple[str, str]:
    """(namespace, name) of an `openlineage_identity`: the namespace is `file://<host>` or the
    text before the first `/` (`file`, or an older client's `file.localhost`)."""
    if _is_file_uri(identity):
        host_end = identity.find("/", len(FILE_SCHEME) + 3)
        if host_end >= 0:
            return identity[:host_end], identity[host_end + 1 :]
    namespace, _, name = identity.partition("/")
    return namespace, name
