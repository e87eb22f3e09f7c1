"""The web app behind ``oddsmon --serve``: textual-serve's websocket, downloads and static files
behind three access rules, and its page with nothing from a third-party host.

Whoever drives the websocket drives a TUI running as this account, with its API key and its
store. So every request, the page's, the websocket's and every file's, must pass all three:

1. **the token**: the random secret printed once in the URL, sent back as ``?token=`` or as the
   cookie the page sets from it (HttpOnly: no script reads it; SameSite=Strict: no other site's
   page sends it). A page opened with ``?token=`` is redirected to the same URL without it, so
   the secret stays out of the address bar and the history.
2. **the Host header** names loopback (``localhost``, ``127.0.0.1``, ``[::1]``, any port, since
   ``ssh -L`` may forward from another one): a DNS-rebinding page reaches 127.0.0.1 under its
   own name, and is refused.
3. **the Origin header**, when there is one (a browser always sends it on a websocket), is the
   page's own origin, ``http://`` + that Host: another site's page (cross-site WebSocket
   hijacking), and another local port's, are refused even though the browser would send the
   cookie along (cookies do not tell ports apart).

A refusal is ``403`` with a one-line reason; it starts no TUI. The page loads only from this
server (its web font from textual-serve's own ``static/fonts``), and its
``Content-Security-Policy`` forbids any other host.

This module imports aiohttp, jinja2 and textual-serve (the ``serve`` extra): ``commands/serve.py``
imports it only once ``--serve`` runs, and says which extra to install when it cannot.
"""

from __future__ import annotations

import asyncio
import hmac
import re
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from textual_serve.server import Server

# Host names that reach this machine's loopback only, with an optional port.
_LOOPBACK_HOST = re.compile(r"(?:localhost|127\.0\.0\.1|\[::1\])(?::[0-9]{1,5})?", re.IGNORECASE)
# A stylesheet or script from another host in textual-serve's page (its Google Fonts link).
_REMOTE_LINK = re.compile(r"<(?:link|script)\b[^>]*\b(?:href|src)\s*=\s*[\"']?(?:https?:)?//[^>]*>"
                          r"(?:\s*</script>)?", re.IGNORECASE)
# The page's font, from the copy textual-serve ships (static/fonts), not from fonts.googleapis.com.
_LOCAL_FONT = ('<style>@font-face { font-family: "Roboto Mono"; font-weight: 100 700; src: '
               'url("{{ config.static.url }}fonts/RobotoMono-VariableFont_wght.ttf") '
               'format("truetype"); }</style>')
TOKEN_PARAM = "token"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def refusal(host: str | None, origin: str | None, given: str | None, token: str) -> str | None:
    """Why a request must be refused (None: it may pass), by the module's three rules.

    ``host`` and ``origin`` are the request's headers, ``given`` the token it carries (query or
    cookie).
    """
    if host is None or not _LOOPBACK_HOST.fullmatch(host):
        return "refused: the Host header must name this machine's loopback (localhost or 127.0.0.1)"
    if origin is not None and origin.lower() != f"http://{host}".lower():
        return "refused: a page from another origin may not drive oddsmon"
    if given is None or not hmac.compare_digest(given.encode(), token.encode()):
        return ("refused: no valid token; open the URL oddsmon --serve printed (it ends with "
                "?token=...)")
    return None


def cookie_name(host: str) -> str:
    """One cookie per port the browser sees, so two ``--serve`` (or two tunnels) never overwrite
    each other's: cookies are shared between the ports of a host."""
    _, colon, port = host.rpartition(":")
    return f"oddsmon-serve-{port if colon and port.isdigit() else 80}"


def security_headers(host: str) -> dict[str, str]:
    """What every answer carries: nothing may load from, be framed by, or leak to another host."""
    return {
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            f"img-src 'self' data:; font-src 'self'; connect-src 'self' ws://{host}; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }


def _guard(token: str) -> Any:
    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        host = request.headers.get("Host")
        cookie = request.cookies.get(cookie_name(host or ""))
        in_query = request.query.get(TOKEN_PARAM)
        why = refusal(host, request.headers.get("Origin"), in_query or cookie, token)
        if why is not None:
            return web.Response(status=403, text=f"oddsmon --serve: {why}\n")
        assert host is not None  # refusal() checked it
        headers = security_headers(host)
        if in_query is not None and request.path == "/":
            # The secret moves from the URL to the cookie; the address bar keeps the rest.
            moved = web.Response(status=303, headers={
                **headers, "Location": str(request.rel_url.without_query_params(TOKEN_PARAM))})
            moved.set_cookie(cookie_name(host), token, path="/", httponly=True, samesite="Strict")
            return moved
        response = await handler(request)
        if not response.prepared:  # a websocket's headers are already sent
            response.headers.update(headers)
        return response

    return guard


class _LocalPage(jinja2.FileSystemLoader):
    """textual-serve's own template, read as it is, with every stylesheet or script from another
    host taken out and its font served from this server instead."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        source, removed = _REMOTE_LINK.subn("", source)
        return source.replace("</head>", _LOCAL_FONT + "</head>", 1) if removed else source, filename, uptodate


def build(command: str, token: str, title: str) -> web.Application:
    """The app: textual-serve's handlers for ``command`` (run per websocket), behind the guard."""
    server = Server(command, title=title)
    sessions: set[asyncio.Task[Any]] = set()

    async def page(request: web.Request) -> web.StreamResponse:
        # The websocket URL from the Host the browser used (checked by the guard): through
        # ``ssh -L 9000:...`` it is localhost:9000, not the address this server is bound to.
        size = request.query.get("fontsize", "")
        font_size = int(size) if size.isascii() and size.isdigit() and 6 <= int(size[:3]) <= 72 else 16
        context = {"font_size": font_size, "app_websocket_url": f"ws://{request.host}/ws",
                   "config": {"static": {"url": "/static/"}}, "application": {"name": title}}
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    async def websocket(request: web.Request) -> web.StreamResponse:
        task = asyncio.current_task()
        assert task is not None
        sessions.add(task)
        try:
            response: web.StreamResponse = await server.handle_websocket(request)
            return response
        finally:
            sessions.discard(task)

    async def end_sessions(app: web.Application) -> None:
        # On Ctrl+C or SIGTERM: each session closes its websocket and stops its TUI process
        # (textual-serve does both when its handler is cancelled), rather than waiting for them.
        running = list(sessions)
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)

    app = web.Application(middlewares=[_guard(token)])
    aiohttp_jinja2.setup(app, loader=_LocalPage(server.templates_path))
    app.add_routes([
        web.get("/", page),
        web.get("/ws", websocket),
        web.get("/download/{key}", server.handle_download),
        web.static("/static", server.statics_path),
    ])
    app.on_shutdown.append(end_sessions)
    return app
