"""``rag serve``: run the app under uvicorn, refusing a non-loopback bind without API keys.

uvicorn's defaults are changed where they trust too much or wait too long: proxy headers
(``X-Forwarded-For``) are believed only from ``service.forwarded_allow_ips`` (uvicorn trusts 127.0.0.1
by default, so any local client could claim any address past the per-address limits), and a request's
headers must arrive within ``service.header_timeout`` seconds (``service/protocol.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rag.config import ServiceConfig, Settings, load_settings
from rag.errors import InputError
from rag.netaddr import is_loopback
from service.protocol import protocol_with_header_timeout
from service.security import ENV_KEYS, resolve_keys


def bind_host(host: str) -> str:
    """The address to bind: an IPv6 literal without the brackets of URL notation (``[::1]`` → ``::1``)."""
    host = host.strip()
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def uvicorn_options(config: ServiceConfig) -> dict[str, Any]:
    """The uvicorn settings the service runs with (``rag serve`` and the tests' servers alike).

    Args:
        config: The service section.

    Returns:
        Keyword arguments for ``uvicorn.run`` / ``uvicorn.Config``.
    """
    trusted = config.forwarded_allow_ips
    return {
        "proxy_headers": bool(trusted),
        # uvicorn reads FORWARDED_ALLOW_IPS when this is None: pass the configured list, never None.
        "forwarded_allow_ips": trusted or [],
        "http": protocol_with_header_timeout(config.header_timeout),
        "timeout_graceful_shutdown": 5,
    }


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
    host = bind_host(host)
    check_bind(host, settings)
    app = create_app(settings=settings)
    # One worker process: the pipeline (model, index snapshot) lives in this process; concurrency comes
    # from the threadpool that runs model calls, and writes go through the app's one writer thread.
    uvicorn.run(app, host=host, port=port, log_level=log_level, workers=1, **uvicorn_options(settings.service))
