"""``triage serve`` in a real browser: Debian's chromium driven by playwright.

The server is the real command (``triage serve --port 0``) in a subprocess;
the browser loads the printed address, draws the card, takes keys, and is
watched for every request it makes.  Without chromium or playwright these
tests skip with one reason, except in CI (``CI=true``), where they fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import DECK, PEOPLE, WORK, build_deck, sample_files

CHROMIUM = os.environ.get("TRIAGE_CHROMIUM") or shutil.which("chromium") or ""
URL_LINE = re.compile(r"at (http://127\.0\.0\.1:\d+/\?token=[\w-]+)")
# What a card shows of each person: a family name, or "(no name)" for the
# person known only by an organisation's address.
NAMES = (*(p[1] for p in PEOPLE + WORK if p[1]), "(no name)")


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    if not CHROMIUM:
        return "chromium is not installed (apt-get install chromium)"
    return None


if (why := _missing()) is not None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run in CI: {why}", pytrace=False)
    pytest.skip(why, allow_module_level=True)

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM)
        yield b
        b.close()


def status(data: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "triage", "--data-dir", str(data), "status", "--deck", DECK,
         "--json"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


class Served:
    def __init__(self, proc: subprocess.Popen[str], url: str, data: Path) -> None:
        self.proc, self.url, self.data = proc, url, data
        parts = urlsplit(url)
        self.netloc = parts.netloc
        self.token = parts.query.removeprefix("token=")

    def app_processes(self) -> list[int]:
        found: list[int] = []
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            found += [int(p) for p in (task / "children").read_text().split()]
        return found


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    data = tmp_path / "data"
    store, _ = build_deck(data, sample_files(tmp_path / "files"))
    store.close()
    # HOME: the export dialog's default file goes there, not into the real home.
    env = {**os.environ, "TRIAGE_CONFIG": str(tmp_path / "no-config.toml"), "HOME": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "triage", "--data-dir", str(data), "serve", "--deck", DECK,
         "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
        text=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert proc.stdout is not None
    found = URL_LINE.search(proc.stdout.readline())
    assert found, proc.stderr.read() if proc.stderr else ""
    try:
        yield Served(proc, found.group(1), data)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)


def wait_for(page: Page, check: Any, limit: float = 20.0) -> Any:
    """Poll ``check``; the page's events keep arriving meanwhile (the sync
    API delivers them only inside its own calls, never during time.sleep)."""
    end = time.monotonic() + limit
    while True:
        value = check()
        if value or time.monotonic() > end:
            return value
        page.wait_for_timeout(100)


def open_card(page: Page, url: str) -> list[str]:
    """Load the page and wait until a person's name has reached the terminal."""
    received: list[str] = []

    def watch(ws: Any) -> None:
        ws.on(
            "framereceived",
            lambda payload: received.append(
                payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
            ),
        )

    page.on("websocket", watch)
    page.goto(url)
    assert wait_for(page, lambda: any(n in "".join(received) for n in NAMES), 30), "no card drawn"
    drawn = "() => document.body.classList.contains('-first-byte')"
    assert wait_for(page, lambda: page.evaluate(drawn)), "the terminal never showed"
    return received


def png_colours(png: bytes) -> int:
    """How many distinct pixel colours a screenshot holds (RGB(A), 8 bit)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, kind = 8, b"", 0, 0, 0
    while pos < len(png):
        size = int.from_bytes(png[pos : pos + 4], "big")
        tag, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + size]
        if tag == b"IHDR":
            width, height = int.from_bytes(body[:4], "big"), int.from_bytes(body[4:8], "big")
            kind = body[9]
        elif tag == b"IDAT":
            idat += body
        pos += 12 + size
    bpp = 4 if kind == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    colours: set[bytes] = set()
    for y in range(height):
        start = y * (stride + 1)
        filt, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if filt == 1:
                line[i] = (line[i] + a) & 255
            elif filt == 2:
                line[i] = (line[i] + b) & 255
            elif filt == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif filt == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 255
        if y % 4 == 0:
            colours.update(bytes(line[i : i + 3]) for i in range(0, stride, bpp * 2))
        prev = line
    return len(colours)


def test_the_card_is_drawn_and_keys_decide(
    browser: Browser, served: Served, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1000, "height": 640})
    requests: list[str] = []
    sockets: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("websocket", lambda ws: sockets.append(ws.url))
    open_card(page, served.url)
    shot = tmp_path / "card.png"
    page.screenshot(path=str(shot))
    assert png_colours(shot.read_bytes()) > 8  # text in several colours, not a blank page

    page.locator("#terminal").click()
    before = status(served.data)
    assert before["invite"] == 0 and before["skip"] == 0
    page.keyboard.press("a")
    assert wait_for(page, lambda: status(served.data)["invite"] == 1)
    page.keyboard.press("s")
    assert wait_for(page, lambda: status(served.data)["skip"] == 1)
    after = status(served.data)
    assert (after["invite"], after["skip"]) == (1, 1)
    assert after["undecided"] == before["undecided"] - 2

    # Nothing but the server was asked for anything: 0 requests off the machine.
    hosts = {urlsplit(u).netloc for u in requests + sockets if not u.startswith("data:")}
    assert hosts == {served.netloc}, requests + sockets
    assert sockets == [f"ws://{served.netloc}/ws/{served.token}?width={_cols(sockets[0])}"
                       f"&height={_rows(sockets[0])}"]  # fmt: skip
    page.close()


def _cols(url: str) -> str:
    return re.search(r"width=(\d+)", url).group(1)  # type: ignore[union-attr]


def _rows(url: str) -> str:
    return re.search(r"height=(\d+)", url).group(1)  # type: ignore[union-attr]


def test_an_export_arrives_as_a_download(browser: Browser, served: Served, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1000, "height": 640})
    received = open_card(page, served.url)

    def shows(text: str) -> bool:
        return wait_for(page, lambda: text in "".join(received), 30)

    page.locator("#terminal").click()
    page.keyboard.press("a")
    assert wait_for(page, lambda: status(served.data)["invite"] == 1)
    page.keyboard.press("e")
    assert shows("1 person will be written")  # the dialog has counted
    page.keyboard.press("Control+s")  # the dialog's own key; its button works as well
    assert shows("Write 1 person")
    with page.expect_download(timeout=30_000) as info:
        page.keyboard.press("y")
    download = info.value
    assert download.failure() is None
    body = Path(download.path()).read_text(encoding="utf-8")
    lines = body.splitlines()
    assert lines[0].startswith("First Name") and len(lines) == 2  # one person invited
    (written,) = tmp_path.glob("triage-t-*.csv")  # also written where the dialog said
    assert written.read_text(encoding="utf-8") == body
    assert download.suggested_filename == written.name
    page.close()


def test_refusals_in_the_browser(browser: Browser, served: Served) -> None:
    page = browser.new_page()
    for url in (served.url.split("?")[0], served.url + "x"):
        response = page.goto(url)
        assert response is not None and response.status == 403
        assert "token" in page.content()

    # A page elsewhere (another port is another origin) that even knows the
    # token cannot open the WebSocket: cross-site WebSocket hijacking.
    hostile = _HostilePage(f"ws://{served.netloc}/ws/{served.token}")
    try:
        page.goto(hostile.url)
        outcome = page.wait_for_function("window.outcome", timeout=15_000).json_value()
    finally:
        hostile.close()
    assert outcome == "refused"
    assert served.app_processes() == []
    assert status(served.data)["undecided"] == 13
    page.close()


class _HostilePage:
    """A page on another local port that tries the WebSocket."""

    def __init__(self, target: str) -> None:
        html = (
            "<!DOCTYPE html><script>"
            f"const ws = new WebSocket({json.dumps(target)});"
            "ws.onopen = () => { window.outcome = 'opened'; ws.send('[\"stdin\", \"a\"]'); };"
            "ws.onerror = () => { window.outcome = window.outcome || 'refused'; };"
            "</script>"
        ).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                self.wfile.write(html)

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
