"""Served page: from the browser connecting to the first card drawn.

``triage serve`` runs on a temporary copy of the demo deck (60 people); Debian's
chromium (headless, through playwright) opens the printed address N times.
Each run is timed inside the page: from the moment the page creates its
WebSocket (``new WebSocket``) until the first message holding the card has
arrived and two animation frames have passed (xterm.js paints on the next
frame).  That span holds the app process's whole start-up (a fresh
interpreter, Textual, the store, the first card) and the first paint.  The
page's own load (HTML, script, font) comes before it and is shown apart.

Prints a small table; never asserts (DESIGN §8).

Usage: ``python bench/bench_serve.py [--runs N] [--chromium PATH]``
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Wraps the page's WebSocket to timestamp its creation and the first message
# that carries the card ("undecided" is on the card and in the header).
PROBE = """
(() => {
  const Native = window.WebSocket;
  window.__bench = {};
  window.WebSocket = function (url, protocols) {
    const ws = protocols === undefined ? new Native(url) : new Native(url, protocols);
    window.__bench.created = performance.now();
    const decoder = new TextDecoder();
    let text = "";
    ws.addEventListener("message", (event) => {
      if (window.__bench.card || typeof event.data === "string") return;
      text += decoder.decode(event.data, {stream: true});
      if (text.includes("undecided")) {
        window.__bench.arrived = performance.now();
        requestAnimationFrame(() => requestAnimationFrame(() => {
          window.__bench.card = performance.now();
        }));
      }
    });
    return ws;
  };
  window.WebSocket.prototype = Native.prototype;
})();
"""

URL_LINE = re.compile(r"at (http://127\.0\.0\.1:\d+/\?token=[\w-]+)")


def seed(data: Path) -> None:
    from triage.demo import demo_files
    from triage.ingest.run import run_import
    from triage.store import Store

    store = Store.open(data)
    try:
        with demo_files() as files:
            run_import(store, "demo", files, region="US")
    finally:
        store.close()


def children(pid: int) -> list[str]:
    out: list[str] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += (task / "children").read_text().split()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="triage-bench-serve-") as tmp:
        data = Path(tmp) / "data"
        seed(data)
        env = {**os.environ, "TRIAGE_CONFIG": str(Path(tmp) / "no-config.toml")}
        server = subprocess.Popen(
            [sys.executable, "-m", "triage", "--data-dir", str(data), "serve",
             "--deck", "demo", "--port", "0"],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=env, cwd=tmp,
        )  # fmt: skip
        assert server.stdout is not None
        found = URL_LINE.search(server.stdout.readline())
        assert found, "the server printed no address"
        url = found.group(1)
        connect, page_load = [], []
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=args.chromium)
                for _ in range(args.runs):
                    # bypass_csp: the page's policy forbids the harness's own eval.
                    context = browser.new_context(
                        viewport={"width": 1000, "height": 640}, bypass_csp=True
                    )
                    context.add_init_script(PROBE)
                    page = context.new_page()
                    page.goto(url)
                    page.wait_for_function("window.__bench && window.__bench.card", timeout=30_000)
                    t = page.evaluate("window.__bench")
                    connect.append((t["card"] - t["created"]) / 1000)
                    page_load.append(t["created"] / 1000)
                    context.close()
                    end = time.monotonic() + 20
                    while children(server.pid) and time.monotonic() < end:
                        time.sleep(0.05)
                browser.close()
        finally:
            server.send_signal(signal.SIGINT)
            server.communicate(timeout=30)

    def row(name: str, values: list[float]) -> None:
        print(
            f"{name:<38}{statistics.median(values):>8.3f} s{min(values):>10.3f}{max(values):>10.3f}"
        )

    print(f"served page, demo deck, {args.runs} runs{'':<13}{'median':>10}{'min':>10}{'max':>10}")
    row("WebSocket created -> first card drawn", connect)
    row("page request -> WebSocket created", page_load)
    print("target: first card within 1.5 s of the browser connecting")


if __name__ == "__main__":
    main()
