"""The ``serve`` use case: check the web extra and the address, run the server
until Ctrl+C, print the one address that works (it carries the token)."""

from __future__ import annotations

import asyncio
import signal
import sys
import webbrowser
from pathlib import Path
from typing import TYPE_CHECKING

from triage.cli.errors import StateError, UsageError
from triage.web.guard import is_loopback

if TYPE_CHECKING:
    from triage.web.server import TriageServer

EXTRA_HINT = "serving in a browser needs the web extra: pip install 'triage-contacts[web]'"


def check_web_extra() -> None:
    """The extra's packages are importable, or one line says how to get them."""
    try:
        import aiohttp  # noqa: F401
        import textual_serve  # noqa: F401
    except ImportError:
        raise UsageError(EXTRA_HINT) from None


def exposure_warning(host: str, port: int, deck: str) -> str | None:
    """What listening on ``host`` exposes, when it is not this machine alone."""
    if is_loopback(host):
        return None
    where = "every network this machine is on" if host in ("0.0.0.0", "::") else host
    return (
        f"warning: listening on {host}:{port}: anyone on {where} who has the printed"
        f" address can read and change deck '{deck}' and download its exports;"
        " the connection is plain HTTP, not encrypted"
    )


def serve(
    data_dir: Path, deck: str, lock_path: Path, *, host: str | None, port: int, open_page: bool
) -> int:
    check_web_extra()
    from triage.web.server import ServeError, TriageServer

    if not 0 <= port <= 65535:
        raise UsageError(f"--port {port}: a port is a number from 0 to 65535")
    address = host or "127.0.0.1"
    try:
        server = TriageServer(
            data_dir=data_dir,
            deck=deck,
            lock_path=lock_path,
            host=address,
            port=port,
            allow_remote=host is not None,
        )
    except ServeError as exc:
        raise UsageError(str(exc)) from None
    server.initialize_logging()
    try:
        asyncio.run(_run(server, open_page))
    except ServeError as exc:
        raise StateError(str(exc)) from None
    return 0


async def _run(server: TriageServer, open_page: bool) -> None:
    url = await server.start()
    warning = exposure_warning(server.host, server.port, server.deck)
    if warning:
        print(f"triage: {warning}", file=sys.stderr, flush=True)
    print(f"Serving deck '{server.deck}' at {url}", flush=True)
    print(
        "Open this exact address in a browser (its token is the key); Ctrl+C stops the server.",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if open_page:
        await loop.run_in_executor(None, webbrowser.open, url)
    try:
        await stop.wait()
    finally:
        await server.stop()
        print("Stopped; every decision is saved.", flush=True)
