"""Whether a host is this machine's loopback: for the server's bind rule and Host check, and the load tools.

Two questions, two answers: a name given by the operator (``--host``, a load tool's ``--url``) may be
resolved; a name from a request (``Host``) is the sender's choice and must not be (DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import socket


def is_loopback(host: str) -> bool:
    """True when ``host`` names only loopback addresses (``127.0.0.1``, ``::1``, ``localhost``).

    Args:
        host: A host name or address as given to ``--host`` (brackets around IPv6 allowed).

    Returns:
        False for wildcard or routable addresses and for names that do not resolve.
    """
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback for info in infos)


def is_loopback_name(name: str) -> bool:
    """``localhost`` or a loopback address literal (no DNS lookup: the name is the attacker's choice).

    Args:
        name: A lower-case host name from a request, IPv6 without brackets.

    Returns:
        True only for ``localhost`` and loopback address literals.
    """
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
