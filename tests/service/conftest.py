"""Real servers for the service tests: uvicorn on 127.0.0.1, a free port, the tiny model, a small corpus.

Two servers per module that asks for them: ``server`` (no keys, generous limits, like a local install)
and ``keyed_server`` (API keys, an admin key and a low request rate). Each has its own index directory.
Both run with the uvicorn options ``rag serve`` uses (``service.server.uvicorn_options``).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from rag.config import load_settings
from rag.pipeline import Pipeline
from service.app import create_app
from service.server import uvicorn_options
from service.state import ServiceState
from tests.conftest import SMALL_DOCS

KEYS = ["test-key-alpha-0123456789", "test-key-beta-0123456789"]

# Modules marked slow as a whole whose test cases are generated while collecting: schemathesis builds its
# cases from the schema then (seconds), only for ``-m "not slow"`` to deselect them all afterwards.
_SLOW_MODULES = frozenset({"test_schemathesis.py"})


def _deselects_slow(config: pytest.Config) -> bool:
    """Whether the run's ``-m`` expression deselects a test marked only ``slow``."""
    expression = config.getoption("markexpr", "")
    if not expression:
        return False
    try:  # pytest's own -m parser (not public API): if it moves, the module is collected as before
        from _pytest.mark.expression import Expression

        return not Expression.compile(expression).evaluate(lambda name, **kwargs: name == "slow")
    except Exception:  # noqa: BLE001 - any failure here only costs collection time
        return False


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Skip collecting the slow-only modules when the run deselects slow tests (``make test-fast``)."""
    if collection_path.name in _SLOW_MODULES and _deselects_slow(config):
        return True
    return None


ADMIN_KEY = "test-admin-key-0123456789"


@dataclass
class Server:
    """A running server, the pipeline and the app state behind it (for checks that bypass HTTP)."""

    url: str
    pipeline: Pipeline
    corpus: Path
    state: ServiceState | None = None

    def counts(self) -> tuple[int, int, list[str]]:
        """(documents, chunks, document ids) read from the index itself, not through the API."""
        c = self.pipeline.index.store.counts()
        return c["documents"], c["chunks"], sorted(d.doc_id for d in self.pipeline.documents())


def write_small_corpus(directory: Path) -> Path:
    """The three small documents of ``tests/conftest.py`` written to ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in SMALL_DOCS.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def build_pipeline(home: Path, model_dir: Path, corpus: Path, service: dict) -> Pipeline:
    """A pipeline on the tiny model with its own index, over ``corpus``."""
    settings = load_settings(
        None,
        {
            "home": str(home),
            "corpus": str(corpus),
            "index": {"dir": str(home / "index")},
            "embedder": {"model": str(model_dir), "query_prompt": "", "passage_prompt": ""},
            "service": service,
        },
    )
    return Pipeline(settings)


def run_server(pipeline: Pipeline, corpus: Path, wait_ready: bool = True) -> Iterator[Server]:
    """Serve ``pipeline`` with uvicorn in a thread on a pre-bound loopback socket until the generator closes.

    Args:
        pipeline: What to serve.
        corpus: Its corpus (recorded on the ``Server``).
        wait_ready: Wait for ``/readyz`` (else only for ``/healthz``: for servers whose index never loads).
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # bound here, so no other process can take the port in between
    port = sock.getsockname()[1]
    with pytest.MonkeyPatch.context() as mp:
        # A developer's RAG_API_KEYS must not change what the tests see (keys are read at creation).
        mp.delenv("RAG_API_KEYS", raising=False)
        app = create_app(pipeline)
    options = uvicorn_options(pipeline.settings.service)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", **options))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    state = app.state.service
    probe = "/readyz" if wait_ready else "/healthz"
    while True:
        try:
            if httpx.get(f"{url}{probe}", timeout=5).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or not thread.is_alive() or (wait_ready and state.load_error):
            server.should_exit = True
            raise RuntimeError(f"the server at {url} did not become ready: {state.load_error or 'timeout'}")
        time.sleep(0.1)
    try:
        yield Server(url, pipeline, corpus, state)
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, tiny_onnx_dir: Path) -> Iterator[Server]:
    """An open (no keys) server on the small corpus; small upload limit, no practical rate limit."""
    root = tmp_path_factory.mktemp("server")
    corpus = write_small_corpus(root / "corpus")
    service = {"requests_per_minute": 100000, "max_upload_bytes": 100_000, "max_messages": 8}
    yield from run_server(build_pipeline(root / "home", tiny_onnx_dir, corpus, service), corpus)


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory: pytest.TempPathFactory, tiny_onnx_dir: Path) -> Iterator[Server]:
    """A server requiring API keys (and an admin key), limited to 5 requests a minute per key."""
    root = tmp_path_factory.mktemp("keyed")
    corpus = write_small_corpus(root / "corpus")
    service = {"api_keys": KEYS, "admin_keys": [ADMIN_KEY], "requests_per_minute": 5}
    yield from run_server(build_pipeline(root / "home", tiny_onnx_dir, corpus, service), corpus)


@pytest.fixture
def client(server: Server) -> Iterator[httpx.Client]:
    """An httpx client for ``server``."""
    with httpx.Client(base_url=server.url, timeout=60) as c:
        yield c


def bare_server(root: Path, model_dir: Path, service: dict) -> Iterator[Server]:
    """A server whose index never loads (its corpus does not exist): for what runs before any route.

    Keys, rates, Host/Origin checks, headers and timeouts need no index; such a server starts in a
    fraction of the time an index build takes. Questions and uploads get 503.
    """
    pipeline = build_pipeline(root / "home", model_dir, root / "no-corpus", service)
    yield from run_server(pipeline, root / "no-corpus", wait_ready=False)
