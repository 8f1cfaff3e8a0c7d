"""The server's front door (an ASGI middleware): Host allow-list, token, body limit, headers.

- Host: a request whose Host header is not in the allow-list gets 421, so a page on another
  site cannot reach this server through DNS rebinding.
- Token: when the server has one, every request needs it, as `Authorization: Bearer TOKEN`,
  a `chokepoint_token` cookie, or `?token=TOKEN` once (the answer then sets the cookie).
- Body: a request body over `max_body` bytes gets 413 before the app reads it.
- Every answer carries a Content-Security-Policy (scripts from this server only, no framing;
  FastAPI's /docs and /redoc pages may also load their CDN script), X-Content-Type-Options,
  X-Frame-Options and Referrer-Policy.
"""
from __future__ import annotations

import hmac
import json
from collections.abc import Iterable
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

COOKIE = "chokepoint_token"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# FastAPI's /docs and /redoc pages are an inline script loading Swagger UI / ReDoc from a CDN
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
            "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; font-src https://fonts.gstatic.com; "
            "worker-src blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
DOCS_PATHS = ("/docs", "/redoc")
COMMON = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"), (b"referrer-policy", b"no-referrer")]
HEADERS = [(b"content-security-policy", CSP.encode()), *COMMON]
DOCS_HEADERS = [(b"content-security-policy", DOCS_CSP.encode()), *COMMON]


def host_name(host: str) -> str:
    """The name part of a Host header: 'a.b:8000' -> 'a.b', '[::1]:8000' -> '::1'."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class Guard:
    """Wraps the app; `token=None` means no token is asked, `hosts=None` that any Host is served."""

    def __init__(self, app, *, token: str | None = None, hosts: Iterable[str] | None = None,
                 max_body: int = 1 << 20):
        self.app, self.token, self.max_body = app, token or None, max_body
        self.hosts = None if hosts is None else {h.lower() for h in hosts}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if self.hosts is not None and host_name(headers.get("host", "")) not in self.hosts:
            return await _refuse(send, 421, "host_not_allowed", "this server does not answer for that Host")
        set_cookie = None
        if self.token is not None:
            given, from_link = _given_token(headers, scope.get("query_string", b""))
            if given is None or not hmac.compare_digest(given.encode(), self.token.encode()):
                return await _refuse(send, 401, "unauthorized", "a token is required (Authorization: "
                                     "Bearer TOKEN, or open the link the server printed)")
            if from_link:  # the browser keeps it, so the page's own requests carry it
                set_cookie = f"{COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/".encode()
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return await _refuse(send, 413, "too_large", f"request body over {self.max_body} bytes")
        receive = await _bounded(receive, self.max_body)
        if receive is None:
            return await _refuse(send, 413, "too_large", f"request body over {self.max_body} bytes")

        extra = DOCS_HEADERS if scope["path"] in DOCS_PATHS else HEADERS

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra,
                                                  *([(b"set-cookie", set_cookie)] if set_cookie else [])]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _cookies(headers: dict[str, str]) -> dict[str, str]:
    jar = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # a malformed cookie header is simply no cookie
        return {}
    return {k: m.value for k, m in jar.items()}


def _given_token(headers: dict[str, str], query: bytes) -> tuple[str | None, bool]:
    """The token the request carries, and whether it came in the link (?token=)."""
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip(), False
    cookie = _cookies(headers).get(COOKIE)
    if cookie:
        return cookie, False
    values = parse_qs(query.decode("latin-1")).get("token")
    return (values[0], True) if values else (None, False)


async def _bounded(receive, limit: int):
    """A receive that replays the body read here, or None when the body is over `limit`."""
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            chunks.append(message)
            break
        body = message.get("body", b"")
        size += len(body)
        if size > limit:
            return None
        chunks.append(message)
        more = message.get("more_body", False)
    replay = iter(chunks)

    async def again():
        return next(replay, None) or await receive()
    return again


async def _refuse(send, status: int, error: str, message: str) -> None:
    body = json.dumps({"error": error, "message": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *HEADERS]})
    await send({"type": "http.response.body", "body": body})
