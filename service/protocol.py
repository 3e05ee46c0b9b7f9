"""uvicorn's HTTP/1.1 protocol with a deadline for a request's headers.

uvicorn times out idle keep-alive connections only: a client that opens a connection and sends its
headers a byte at a time (slowloris) holds the connection as long as it likes, and enough of them hold
every file descriptor. Here a request's headers must be complete ``header_timeout`` seconds after the
connection opens or after the first byte of a next request on a kept-alive connection; else the
server answers 408 and closes.
"""

from __future__ import annotations

import asyncio
import json

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol


class HeaderTimeoutH11Protocol(H11Protocol):
    """``H11Protocol`` that closes connections whose request headers take too long.

    Use :func:`protocol_with_header_timeout` to get a subclass with the timeout set.
    """

    header_timeout: float = 10.0
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE:
            self._arm_header_timer()  # the headers of a (next) request are still incomplete
        else:
            self._cancel_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def _arm_header_timer(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout, self._header_timeout_expired)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timeout_expired(self) -> None:
        self._header_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        if self.conn.our_state is h11.IDLE:
            body = json.dumps(
                {
                    "error": {
                        "message": f"the request headers took longer than {self.header_timeout:g} s",
                        "type": "invalid_request_error",
                        "param": None,
                        "code": "request_timeout",
                    }
                }
            ).encode()
            headers = [("content-type", "application/json"), ("connection", "close")]
            try:
                self.transport.write(self.conn.send(h11.Response(status_code=408, headers=headers)))
                self.transport.write(self.conn.send(h11.Data(data=body)))
                self.transport.write(self.conn.send(h11.EndOfMessage()))
            except h11.LocalProtocolError:  # the connection is in no state to answer: just close it
                pass
        self.transport.close()


def protocol_with_header_timeout(seconds: float) -> type[HeaderTimeoutH11Protocol]:
    """A ``HeaderTimeoutH11Protocol`` subclass for uvicorn's ``http=`` option.

    Args:
        seconds: The time a client has to send a request's headers.

    Returns:
        The protocol class.
    """
    return type("HeaderTimeoutH11Protocol", (HeaderTimeoutH11Protocol,), {"header_timeout": seconds})
