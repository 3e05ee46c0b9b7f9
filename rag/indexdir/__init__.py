"""The index directory (``directory.py``) and its jobs: manifest, writer lock, recovery and ingest."""

from rag.indexdir.directory import IndexDirectory
from rag.indexdir.ingest import IngestReport, content_hash, passage_text
from rag.indexdir.lock import LOCK_TIMEOUT
from rag.indexdir.manifest import MANIFEST, SCHEMA_VERSION, STORE_FILE
from rag.indexdir.recovery import Snapshot

__all__ = [
    "LOCK_TIMEOUT",
    "MANIFEST",
    "SCHEMA_VERSION",
    "STORE_FILE",
    "IndexDirectory",
    "IngestReport",
    "Snapshot",
    "content_hash",
    "passage_text",
]
