"""``triage serve`` at the HTTP level: who gets the page, the WebSocket and the
downloads, and who is refused before any app process starts.

The server runs in the test's event loop on 127.0.0.1 with a free port; the
requests are aiohttp's client, so every header (Host, Origin) is set by hand
the way a hostile page or a rebinding DNS name would set it.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from textual.binding import Binding

pytest.importorskip("textual_serve", reason="the web extra is not installed")
aiohttp = pytest.importorskip("aiohttp")

from tests.conftest import DECK, PEOPLE, WORK, build_deck, sample_files  # noqa: E402
from triage.cli.serve import EXTRA_HINT, exposure_warning  # noqa: E402
from triage.store.lock import DeckLock  # noqa: E402
from triage.web.guard import Guard, is_loopback, split_host  # noqa: E402
from triage.web.server import ServeError, TriageServer  # noqa: E402

URL_LINE = re.compile(r"at (http://127\.0\.0\.1:(\d+)/\?token=([\w-]+))")


@pytest.fixture
def deck_dir(tmp_path: Path) -> tuple[Path, Path]:
    """A data folder holding deck ``t``; returns it and the deck's lock file."""
    data = tmp_path / "data"
    store, deck = build_deck(data, sample_files(tmp_path / "files"))
    lock_path = store.lock(deck).path
    store.close()
    return data, lock_path


@pytest.fixture
async def server(deck_dir: tuple[Path, Path]) -> AsyncIterator[TriageServer]:
    data, lock_path = deck_dir
    srv = TriageServer(data_dir=data, deck=DECK, lock_path=lock_path, host="127.0.0.1", port=0)
    await srv.start()
    yield srv
    await srv.stop()


def children() -> list[int]:
    """Processes started by this one (the app processes would be here)."""
    found: list[int] = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(pid) for pid in text]
    return found


def base(srv: TriageServer) -> str:
    return f"http://127.0.0.1:{srv.port}"


# -- the rules, on their own ----------------------------------------------------


def test_loopback_addresses() -> None:
    for host in ("127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"):
        assert is_loopback(host), host
    for host in ("0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "example.com", ""):
        assert not is_loopback(host), host


def test_host_header_must_name_this_server() -> None:
    guard = Guard("tok", "127.0.0.1", 8123)
    for ok in ("127.0.0.1:8123", "localhost:8123", "LOCALHOST:8123", "[::1]:8123"):
        assert guard.host_ok(ok), ok
    for bad in (
        None,
        "",
        "127.0.0.1",  # no port: not this server's address as a browser sends it
        "127.0.0.1:8124",
        "evil.example:8123",  # a DNS name rebound to 127.0.0.1
        "127.0.0.1.evil.example:8123",
        "user@127.0.0.1:8123",
        "127.0.0.1:8123/path",
    ):
        assert not guard.host_ok(bad), bad
    assert split_host("[::1]:80") == ("::1", 80)
    # Listening on every address: any address literal, still never a name.
    wide = Guard("tok", "0.0.0.0", 8123)
    assert wide.host_ok("192.168.1.10:8123")
    assert not wide.host_ok("evil.example:8123")


def test_origin_must_be_this_server() -> None:
    guard = Guard("tok", "127.0.0.1", 8123)
    host = "127.0.0.1:8123"
    assert guard.origin_ok("http://127.0.0.1:8123", host)
    for bad in (
        None,
        "null",
        "http://evil.example",
        "http://127.0.0.1:8124",
        "https://127.0.0.1:8123",
        "http://localhost:8123",  # another origin than the page's own
    ):
        assert not guard.origin_ok(bad, host), bad


def test_token_comparison() -> None:
    guard = Guard("secret-token", "127.0.0.1", 1)
    assert guard.token_ok("secret-token")
    for bad in (None, "", "secret-toke", "secret-token2", "SECRET-TOKEN"):
        assert not guard.token_ok(bad)


def test_a_public_address_needs_consent(deck_dir: tuple[Path, Path]) -> None:
    data, lock = deck_dir
    for host in ("0.0.0.0", "::", "192.168.1.10"):
        with pytest.raises(ServeError, match="--host"):
            TriageServer(data_dir=data, deck=DECK, lock_path=lock, host=host, port=0)
    # Named on purpose (--host): allowed, and the command warns what it exposes.
    TriageServer(data_dir=data, deck=DECK, lock_path=lock, host="0.0.0.0", allow_remote=True)
    warning = exposure_warning("0.0.0.0", 8000, "work")
    assert warning and "every network" in warning and "'work'" in warning
    assert "not encrypted" in warning
    assert exposure_warning("127.0.0.1", 8000, "work") is None


# -- the server -------------------------------------------------------------------


async def test_the_page_needs_the_token(server: TriageServer) -> None:
    async with aiohttp.ClientSession() as http:
        for query in ("", "?token=", "?token=wrong", f"?token={server.token}x"):
            async with http.get(base(server) + "/" + query) as resp:
                assert resp.status == 403, query
                assert "token" in await resp.text()
        async with http.get(f"{base(server)}/?token={server.token}") as resp:
            assert resp.status == 200
            page = await resp.text()
            csp = resp.headers["Content-Security-Policy"]
            assert resp.headers["Referrer-Policy"] == "no-referrer"
            assert resp.headers["Cache-Control"] == "no-store"
    assert server.sessions_started == 0 and children() == []
    # Everything the page loads is on this server: no scheme-qualified URL
    # except the WebSocket back to it, and a policy that forbids the rest.
    urls = re.findall(r"""(?:src|href)=["']([^"']+)""", page)
    assert urls and all(u.startswith("/") or u.startswith("data:") for u in urls), urls
    assert re.findall(r"\b(?:https?|wss?)://[^\s\"'<]+", page) == [
        f"ws://127.0.0.1:{server.port}/ws/{server.token}"
    ]
    assert "googleapis" not in page
    assert "default-src 'none'" in csp and f"connect-src 'self' ws://127.0.0.1:{server.port}" in csp


async def test_a_foreign_host_header_is_refused(server: TriageServer) -> None:
    """DNS rebinding: a page on evil.example resolved to 127.0.0.1 sends
    ``Host: evil.example:PORT``; even with the token it gets nothing."""
    async with aiohttp.ClientSession() as http:
        for path in (f"/?token={server.token}", "/static/js/textual.js"):
            headers = {"Host": f"evil.example:{server.port}"}
            async with http.get(base(server) + path, headers=headers) as resp:
                assert resp.status == 403, path
        async with http.get(base(server) + "/static/js/textual.js") as resp:
            assert resp.status == 200


async def test_websockets_from_elsewhere_start_nothing(server: TriageServer) -> None:
    ws_url = f"ws://127.0.0.1:{server.port}/ws/{server.token}"
    own = f"http://127.0.0.1:{server.port}"
    refused = [
        (ws_url, {"Origin": "http://evil.example"}),  # hijacking, token known
        (ws_url, {"Origin": "null"}),
        (ws_url, {"Origin": f"http://localhost:{server.port}"}),
        (ws_url, {}),  # no Origin at all
        (f"ws://127.0.0.1:{server.port}/ws/wrong", {"Origin": own}),
        (ws_url, {"Origin": own, "Host": f"evil.example:{server.port}"}),
    ]
    async with aiohttp.ClientSession() as http:
        for url, headers in refused:
            with pytest.raises(aiohttp.WSServerHandshakeError) as err:
                await http.ws_connect(url, headers=headers)
            assert err.value.status == 403, headers
    assert server.sessions_started == 0
    assert server.refused == len(refused)
    assert children() == []


async def test_downloads_need_the_token(server: TriageServer) -> None:
    async with aiohttp.ClientSession() as http:
        for query in ("", "?token=wrong"):
            async with http.get(f"{base(server)}/download/abc{query}") as resp:
                assert resp.status == 403
        origin = {"Origin": "http://evil.example"}
        url = f"{base(server)}/download/abc?token={server.token}"
        async with http.get(url, headers=origin) as resp:
            assert resp.status == 403
        async with http.get(url) as resp:  # allowed through; no such download
            assert resp.status == 404


# Every person of deck t has one of these names; the walk's order is a shuffle.
# A family name, or "(no name)" for the person known only by an address.
NAMES = (*(p[1].encode() for p in PEOPLE + WORK if p[1]), b"(no name)")


async def read_card(ws: aiohttp.ClientWebSocketResponse, limit: float) -> bytes:
    """The app's output up to the first card (a person's name on screen)."""
    seen = b""
    async with asyncio.timeout(limit):
        while not any(name in seen for name in NAMES):
            msg = await ws.receive()
            if msg.type == aiohttp.WSMsgType.BINARY:
                seen += msg.data
            elif msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                raise AssertionError(f"closed before a card: {seen[-300:]!r}")
    return seen


async def test_one_walk_through_per_deck(server: TriageServer, deck_dir: tuple[Path, Path]) -> None:
    """The page's own WebSocket starts the app; a second tab meets a page
    that says the deck is open, not a dead terminal, and no second process."""
    origin = {"Origin": f"http://127.0.0.1:{server.port}"}
    ws_url = f"ws://127.0.0.1:{server.port}/ws/{server.token}?width=100&height=30"
    page = f"{base(server)}/?token={server.token}"
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(ws_url, headers=origin)
        await ws.send_json(["resize", {"width": 100, "height": 30}])
        await read_card(ws, 30)
        assert server.sessions_started == 1 and len(children()) == 1
        async with http.get(page) as resp:
            assert resp.status == 409
            assert "already open in another tab" in await resp.text()
        with pytest.raises(aiohttp.WSServerHandshakeError) as err:
            await http.ws_connect(ws_url, headers=origin)
        assert err.value.status == 409
        assert server.sessions_started == 1
        await ws.send_json(["stdin", "q"])  # quit: the app ends, the socket closes
        async with asyncio.timeout(20):
            while not ws.closed:
                await ws.receive()
        async with asyncio.timeout(20):
            while children():
                await asyncio.sleep(0.05)
        async with http.get(page) as resp:
            assert resp.status == 200
        # The deck open in a terminal (another process's lock): the page says so.
        lock = DeckLock(deck_dir[1])
        lock.acquire(DECK)
        try:
            async with http.get(page) as resp:
                assert resp.status == 409
                assert "open in another window" in await resp.text()
        finally:
            lock.release()


def run_cli(data: Path, *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRIAGE_CONFIG": str(data / "no-config.toml")}
    return subprocess.run(
        [sys.executable, "-m", "triage", "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        stdin=subprocess.DEVNULL,
        **kw,  # type: ignore[arg-type]
    )


def test_serve_command_prints_a_token_url_and_stops_cleanly(
    deck_dir: tuple[Path, Path],
) -> None:
    data, _ = deck_dir
    env = {**os.environ, "TRIAGE_CONFIG": str(data / "no-config.toml")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "triage", "--data-dir", str(data), "serve", "--deck", DECK,
         "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        found = URL_LINE.search(line)
        assert found, line
        url, port, token = found.groups()
        assert len(token) >= 40

        async def fetch() -> tuple[int, int]:
            async with (
                aiohttp.ClientSession() as http,
                http.get(url) as ok,
                http.get(f"http://127.0.0.1:{port}/") as bad,
            ):
                return ok.status, bad.status

        assert asyncio.run(fetch()) == (200, 403)
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Stopped" in out and "Traceback" not in err and err == ""


def test_serve_command_errors(deck_dir: tuple[Path, Path], tmp_path: Path) -> None:
    data, _ = deck_dir
    proc = run_cli(data, "serve", "--deck", "nope", "--port", "0")
    assert proc.returncode == 2 and "no deck named 'nope'" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    proc = run_cli(data, "serve", "--deck", DECK, "--port", "70000")
    assert proc.returncode == 2 and "--port 70000" in proc.stderr
    # Without the web extra: one line that says how to get it.
    code = (
        "import sys; sys.modules['textual_serve'] = None\n"
        "from triage.cli.main import main\n"
        f"sys.exit(main(['--data-dir', {str(data)!r}, 'serve', '--deck', 't']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"triage: {EXTRA_HINT}"
    assert "pip install 'triage-contacts[web]'" in proc.stderr


def test_review_without_a_terminal_only_when_served(deck_dir: tuple[Path, Path]) -> None:
    """The web driver alone does not lift the terminal check: the server's
    marker must come with it."""
    data, _ = deck_dir
    env = {**os.environ, "TEXTUAL_DRIVER": "textual.drivers.web_driver:WebDriver"}
    env.pop("TRIAGE_SERVED", None)
    proc = subprocess.run(
        [sys.executable, "-m", "triage", "--data-dir", str(data), "review", "--deck", DECK],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert proc.returncode == 2 and "needs a terminal" in proc.stderr


def test_no_action_needs_a_key_the_browser_keeps() -> None:
    """ctrl+w, ctrl+n and ctrl+t close or open browser tabs before the page
    sees them: every action of the window (the app's, every screen's and
    dialog's) bound to one of them has another key too."""
    from textual.dom import DOMNode

    from triage.ui import app, editors, export_screen, filter, help, search, summary
    from triage.ui.keys import review_bindings

    browser_keys = {"ctrl+w", "ctrl+n", "ctrl+t", "ctrl+shift+w", "ctrl+shift+n", "ctrl+shift+t"}
    owners: dict[str, list[tuple[str, str]]] = {
        "review": [(b.key, b.action) for b in review_bindings() if isinstance(b, Binding)]
    }
    for module in (app, editors, export_screen, filter, help, search, summary):
        for cls in vars(module).values():
            if (
                isinstance(cls, type)
                and issubclass(cls, DOMNode)
                and cls.__module__.startswith("triage.")
            ):
                owners[cls.__name__] = [
                    (key, b.action)
                    for key, bindings in cls._merge_bindings().key_to_bindings.items()
                    for b in bindings
                ]
    assert {"ReviewApp", "ExportScreen"} <= owners.keys()
    only_browser = []
    for owner, pairs in owners.items():
        by_action: dict[str, set[str]] = {}
        for keys, action in pairs:
            for key in keys.split(","):
                by_action.setdefault(action, set()).add(key.strip())
        for action, keys in by_action.items():
            if keys <= browser_keys:
                only_browser.append(f"{owner}: {action} ({', '.join(sorted(keys))})")
    assert only_browser == []
