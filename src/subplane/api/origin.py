"""Which configured public URL a request came in by, for the links an answer carries (paging, polling,
discovery). The request's own scheme and ``Host`` — or, from a trusted proxy only, ``X-Forwarded-Proto``
and ``X-Forwarded-Host`` — pick among the configured URLs; anything else gets the primary one. Issuers
and audiences never come from here (``domain.authority``)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from starlette.requests import HTTPConnection


def public_base(app, request: HTTPConnection) -> str:
    scheme, host = request.url.scheme, request.headers.get("host", "")
    if _from_trusted_proxy(request, app.settings.trusted_proxies):
        scheme = _first(request.headers.get("x-forwarded-proto")) or scheme
        host = _first(request.headers.get("x-forwarded-host")) or host
    return app.authority.base_for(f"{scheme}://{host}")


def _first(value: str | None) -> str:
    return (value or "").split(",")[0].strip()


def _from_trusted_proxy(request: HTTPConnection, trusted: tuple[str, ...]) -> bool:
    if not trusted or request.client is None:
        return False
    try:
        address = ipaddress.ip_address(request.client.host)
    except ValueError:
        return False
    return any(address in network for network in _networks(trusted))


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(item) for item in trusted)
