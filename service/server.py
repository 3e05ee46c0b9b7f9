"""``rag serve``: run the app under uvicorn, refusing a non-loopback bind without API keys."""

from __future__ import annotations

from pathlib import Path

from rag.config import Settings, load_settings
from rag.errors import InputError
from service.security import ENV_KEYS, is_loopback, resolve_keys


def check_bind(host: str, settings: Settings) -> None:
    """Refuse to expose an unauthenticated service beyond this machine.

    Args:
        host: The address to bind.
        settings: The settings (``service.api_keys``; ``RAG_API_KEYS`` is read too).

    Raises:
        InputError: ``host`` is not loopback and no API key is configured.
    """
    if is_loopback(host) or resolve_keys(settings.service.api_keys):
        return
    raise InputError(
        f"refusing to listen on {host} without an API key: set {ENV_KEYS} (comma-separated) or service.api_keys "
        "in the config, or bind to 127.0.0.1"
    )


def serve(host: str = "127.0.0.1", port: int = 8000, config: str | Path | None = None, log_level: str = "info") -> None:
    """Run the chat API and web page until interrupted.

    Args:
        host: Address to bind (non-loopback needs API keys).
        port: TCP port.
        config: A YAML config file (None: the defaults).
        log_level: uvicorn's log level.

    Raises:
        InputError: Unsafe bind without keys.
        ConfigError: The config does not load.
    """
    import uvicorn

    from service.app import create_app

    settings = load_settings(config)
    check_bind(host, settings)
    app = create_app(settings=settings)
    # One worker process: the pipeline (model, index snapshot) lives in this process; concurrency comes
    # from the threadpool that runs model calls, and writes are serialised inside the index.
    uvicorn.run(app, host=host, port=port, log_level=log_level, workers=1, timeout_graceful_shutdown=5)
