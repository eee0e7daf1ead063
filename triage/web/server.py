"""The browser server: textual-serve with a token, Host and Origin checks, a
page of our own, and one walk-through per deck at a time.

textual-serve (1.1.3) runs one app process per WebSocket and trusts whoever
connects.  :class:`TriageServer` keeps its WebSocket-to-process plumbing
(``AppService``, the download manager, the message loop) and replaces what
faces the network:

- every request names this server in its Host header (:mod:`triage.web.guard`);
- the page, the WebSocket and every download carry the server's token;
- a WebSocket opens only from this server's own page (its Origin), and only
  then is an app process started;
- the page template loads nothing from anywhere else, and its Content Security
  Policy forbids it to;
- a second tab (or a deck open in a terminal) gets a page that says so
  instead of a terminal that never draws.

The app process is ``python -m triage --data-dir DIR review --deck NAME``
under Textual's web driver, so it takes the deck lock and reads the same
config as ``triage review``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import shlex
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
import textual_serve
from aiohttp import hdrs, web
from textual_serve.app_service import AppService
from textual_serve.server import Server

from triage.store.lock import DeckLock, DeckLocked
from triage.web.guard import WILDCARDS, Guard, is_loopback, new_token

log = logging.getLogger("triage.web")

STATIC = Path(textual_serve.__file__).parent / "static"
TEMPLATES = Path(__file__).parent / "templates"
# How long a reloaded page waits for the walk-through it replaces to close.
CLOSING_WAIT = 5.0
# How long a closing app process may take before it is killed.
STOP_WAIT = 10.0

# Pages without a script (refusals, "open elsewhere"): their own styles only.
PLAIN_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:;"
    " base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ServeError(Exception):
    """The server cannot start as asked (a public address without consent,
    a port in use)."""


class TriageServer(Server):
    """Serve one deck's walk-through to a browser on this machine."""

    def __init__(
        self,
        *,
        data_dir: Path,
        deck: str,
        lock_path: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        allow_remote: bool = False,
        token: str | None = None,
        python: str = sys.executable,
    ) -> None:
        """``allow_remote``: the user named a non-loopback ``host`` on purpose
        (``--host``); without it such an address is refused."""
        if not is_loopback(host) and not allow_remote:
            raise ServeError(
                f"refusing to serve on {host}: it is reachable from other machines;"
                " name it with --host to do that on purpose"
            )
        argv = [python, "-m", "triage", "--data-dir", str(data_dir), "review", "--deck", deck]
        # The marker lets `review` run without a terminal in this case only.
        command = "TRIAGE_SERVED=1 exec " + shlex.join(argv)
        super().__init__(
            command,
            host=host,
            port=port,
            title=f"triage · {deck}",
            statics_path=STATIC,
            templates_path=TEMPLATES,
        )
        self.deck = deck
        self.lock_path = lock_path
        self.guard = Guard(token or new_token(), host, port)
        self.sessions_started = 0  # app processes started (tests read these)
        self.refused = 0  # requests answered 403
        self._session: web.WebSocketResponse | None = None
        self._services: set[AppService] = set()
        self._idle: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None

    # -- address -------------------------------------------------------------

    @property
    def token(self) -> str:
        return self.guard.token

    @property
    def url(self) -> str:
        """The page's address with its token, as printed and opened."""
        host = self.host
        if host in WILDCARDS:
            host = "127.0.0.1"
        elif ":" in host:
            host = f"[{host.strip('[]')}]"
        return f"http://{host}:{self.port}/?token={self.token}"

    # -- running -------------------------------------------------------------

    async def start(self) -> str:
        """Bind the socket and start answering; returns :attr:`url`."""
        app = await self._make_app()
        runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            why = exc.strerror or str(exc)
            raise ServeError(
                f"cannot listen on {self.host}:{self.port} ({why}); choose another"
                " port with --port N (0 picks a free one)"
            ) from None
        self._runner = runner
        sockets = [s for s in runner.addresses if isinstance(s, tuple)]
        if sockets:
            self.port = int(sockets[0][1])
        self.guard.port = self.port
        return self.url

    async def stop(self) -> None:
        """Close every WebSocket and wait for their app processes to end."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        for service in list(self._services):
            await self._stop_service(service)

    def initialize_logging(self) -> None:
        logging.basicConfig(level=logging.WARNING, format="triage serve: %(message)s")

    async def on_startup(self, app: web.Application) -> None:
        """The command prints its own lines (textual-serve's banner names no token)."""

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._check_host])
        aiohttp_jinja2.setup(
            app, loader=jinja2.FileSystemLoader(self.templates_path), autoescape=True
        )
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/ws/{token}", self.handle_websocket, name="websocket"),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.static("/static", self.statics_path, name="static"),
            ]
        )
        app.on_response_prepare.append(self._add_headers)
        return app

    # -- the checks ------------------------------------------------------------

    @web.middleware
    async def _check_host(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Every request, static files included, must name this server."""
        if not self.guard.host_ok(request.headers.get(hdrs.HOST)):
            return self._forbidden("This server answers only to its own address.")
        return await handler(request)

    def _refusal(self, request: web.Request, token: str | None, *, websocket: bool) -> str | None:
        """Why ``request`` may not have the page, the WebSocket or a download."""
        host = request.headers.get(hdrs.HOST)
        origin = request.headers.get(hdrs.ORIGIN)
        if websocket and not self.guard.origin_ok(origin, host):
            return "A WebSocket opens only from this server's own page."
        if origin is not None and not self.guard.origin_ok(origin, host):
            return "Requests from other sites are refused."
        if (
            not websocket
            and request.headers.get("Sec-Fetch-Site") == "cross-site"
            and request.headers.get("Sec-Fetch-Mode") != "navigate"
        ):
            return "Requests from other sites are refused."
        if not self.guard.token_ok(token):
            return (
                "This address needs the token printed by `triage serve`:"
                " open the exact link it shows."
            )
        return None

    def _forbidden(self, why: str) -> web.Response:
        self.refused += 1
        return web.Response(status=403, text=f"403 Forbidden: {why}\n")

    async def _add_headers(self, request: web.Request, response: web.StreamResponse) -> None:
        """No framing, no referrer (the token is in the address), no caching,
        and a Content Security Policy that keeps the page on this server."""
        headers = response.headers
        headers.setdefault("Content-Security-Policy", PLAIN_CSP)
        headers["Referrer-Policy"] = "no-referrer"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Cross-Origin-Resource-Policy"] = "same-origin"
        if not request.path.startswith("/static/"):
            headers["Cache-Control"] = "no-store"

    # -- the deck ----------------------------------------------------------------

    def _deck_busy(self) -> str | None:
        """Why a walk-through cannot start now, or ``None``."""
        if self._session is not None:
            return (
                f"Deck '{self.deck}' is already open in another tab or window of this"
                " server. Close that one (q), then try again."
            )
        lock = DeckLock(self.lock_path)
        try:
            lock.acquire(self.deck)
        except DeckLocked as exc:
            return f"{str(exc)[:1].upper()}{str(exc)[1:]}."
        lock.release()
        return None

    async def _wait_for_closing_session(self) -> None:
        """A reload closes the old WebSocket just before it asks for the page:
        give that walk-through a moment to finish instead of calling it busy."""
        session, idle = self._session, self._idle
        if session is None or idle is None or not session.closed:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(idle.wait(), CLOSING_WAIT)

    # -- the routes ----------------------------------------------------------------

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        why = self._refusal(request, request.query.get("token"), websocket=False)
        if why:
            return self._forbidden(why)
        await self._wait_for_closing_session()
        page_url = f"/?token={self.token}"
        busy = self._deck_busy()
        if busy:
            return aiohttp_jinja2.render_template(
                "message.html",
                request,
                {
                    "title": self.title,
                    "heading": "This deck is open elsewhere",
                    "message": busy,
                    "retry_url": page_url,
                },
                status=409,
            )
        nonce = secrets.token_urlsafe(16)
        context: dict[str, Any] = {
            "title": self.title,
            "static": "/static/",
            "token": self.token,
            "nonce": nonce,
            "page_url": page_url,
            "font_size": _int(request.query.get("fontsize"), 16, 6, 48),
            "websocket_url": f"ws://{request.host}/ws/{self.token}",
        }
        response = aiohttp_jinja2.render_template("page.html", request, context)
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self' 'unsafe-inline'; "
            "font-src 'self'; img-src 'self' data: blob:; "
            f"connect-src 'self' ws://{request.host}; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        )
        return response

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
        why = self._refusal(request, request.match_info.get("token"), websocket=True)
        if why:
            return self._forbidden(why)
        busy = self._deck_busy()
        if busy:
            return web.Response(status=409, text=f"409 Conflict: {busy}\n")
        websocket = web.WebSocketResponse(heartbeat=15)
        width = _int(request.query.get("width"), 80, 20, 1000)
        height = _int(request.query.get("height"), 24, 5, 500)
        idle = asyncio.Event()
        self._session, self._idle = websocket, idle
        self.sessions_started += 1
        service: AppService | None = None
        try:
            await websocket.prepare(request)
            service = AppService(
                self.command,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=lambda: _close(websocket),
                download_manager=self.download_manager,
                debug=False,
            )
            self._services.add(service)
            await service.start(width, height)
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
            raise
        except Exception as error:  # a broken message: close this tab, keep serving
            log.warning("walk-through closed: %s", error)
        finally:
            if service is not None:
                await self._stop_service(service)
            self._session = None
            idle.set()
        return websocket

    async def handle_download(self, request: web.Request) -> web.StreamResponse:
        why = self._refusal(request, request.query.get("token"), websocket=False)
        if why:
            return self._forbidden(why)
        return await super().handle_download(request)

    async def _stop_service(self, service: AppService) -> None:
        """Ask the app process to quit; kill it if it has not within STOP_WAIT."""
        try:
            await asyncio.wait_for(asyncio.shield(service.stop()), STOP_WAIT)
        except (TimeoutError, ConnectionError):
            process = service._process  # textual-serve keeps no public handle
            if process is not None and process.returncode is None:
                process.kill()
                await process.wait()
        self._services.discard(service)


async def _close(websocket: web.WebSocketResponse) -> None:
    await websocket.close()


def _int(text: str | None, default: int, low: int, high: int) -> int:
    try:
        value = int(text) if text is not None else default
    except ValueError:
        value = default
    return max(low, min(high, value))
