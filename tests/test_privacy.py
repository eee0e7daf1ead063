"""Offline and private (DESIGN §2.4).

* The whole flow (import the demo book through the command line, a review
  under Pilot with a few keys, export in every format) runs in a child
  process under an audit hook that records and blocks every socket
  connection, name lookup and internet socket; it must record none.  Audit
  hooks cannot be removed, hence the child process.
* The database, its WAL and SHM files, the deck lock and every exported file
  are mode 0600 and the data folder 0700, even under a umask of 0.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from triage.cli.main import main as cli_main
from triage.config import Config
from triage.demo import demo_files
from triage.export.plan import FORMATS
from triage.store import DB_NAME, Store

ROOT = Path(__file__).resolve().parents[1]

FLOW = r"""
import asyncio, json, socket, sys
from pathlib import Path

NETWORK = {
    "socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr",
    "socket.getnameinfo", "socket.sendto", "socket.sendmsg", "socket.bind",
    "http.client.connect", "urllib.Request", "webbrowser.open", "smtplib.connect",
    "ftplib.connect", "imaplib.open", "poplib.connect", "nntplib.connect",
}
INTERNET = {int(socket.AF_INET), int(socket.AF_INET6)}
seen = []
canary = False


def hook(event, args):
    if event in NETWORK or (event == "socket.__new__" and int(args[1]) in INTERNET):
        seen.append(f"{event} {args[1:]!r}"[:200] if canary else f"{event} {args!r}"[:200])
        raise PermissionError(f"network access blocked by the test: {event}")


sys.addaudithook(hook)

from triage.cli.main import main
from triage.config import Config
from triage.demo import demo_files
from triage.export.plan import FORMATS
from triage.store import Store
from triage.ui.app import ReviewApp

data, out = Path(sys.argv[1]), Path(sys.argv[2])
report = {}
with demo_files() as files:
    report["import"] = main(["--data-dir", str(data), "import", *map(str, files), "--deck", "demo",
                             "--json"])

store = Store.open(data)
deck = store.deck("demo")
lock = store.lock(deck)
lock.acquire(deck.name)


async def review():
    app = ReviewApp(store, deck, order="event", config=Config(), cursor_blink=False)
    async with app.run_test() as pilot:
        await pilot.pause()
        for key in ("a", "s", "a", "j", "a", "u", "a", "k", "s", "question_mark", "escape"):
            await pilot.press(key)
        await pilot.pause()


asyncio.run(review())
lock.release()
# The walk order is shuffled per deck: make sure someone the linkedin format
# keeps (a valid email, not connected) is invited, so every format writes.
keep = next(c for c in store.iter_contacts(deck.id)
            if any(e.valid for e in c.emails) and not c.has("connected"))
store.decide(keep.id, "invite")
counts = store.counts(deck.id)
report["decided"] = counts.invite + counts.skip
report["invited"] = counts.invite
store.close()

report["exports"] = {}
for fmt in FORMATS:
    target = out / f"demo-{fmt}{'.vcf' if fmt == 'vcard' else '.csv'}"
    code = main(["--data-dir", str(data), "export", "--deck", "demo", "-o", str(target),
                 "--format", fmt])
    report["exports"][fmt] = [code, target.exists()]

report["violations"] = list(seen)
canary = True
try:
    socket.getaddrinfo("example.com", 443)
except PermissionError:
    pass
report["canary"] = seen[len(report["violations"]):]
print("REPORT " + json.dumps(report))
"""


def test_the_whole_flow_touches_no_network(tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    out.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEXTUAL")}
    env.update(
        HOME=str(tmp_path),
        TRIAGE_CONFIG=str(tmp_path / "no-config.toml"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    proc = subprocess.run(
        [sys.executable, "-c", FLOW, str(data), str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("REPORT "))
    report = json.loads(line.removeprefix("REPORT "))
    assert report["violations"] == [], report["violations"]
    # The flow really ran: imported, decided under Pilot, wrote every format.
    assert report["import"] == 0
    assert report["decided"] >= 3 and report["invited"] >= 2
    assert report["exports"] == {fmt: [0, True] for fmt in FORMATS}
    # ... and the hook really blocks: the lookup made after the flow was caught.
    assert report["canary"] and report["canary"][0].startswith("socket.getaddrinfo")


# --------------------------------------------------------------------------- file modes


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A umask that would leave everything world-readable: the modes must not
    depend on the user's umask."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


async def test_state_and_exported_files_are_private(
    tmp_path: Path, open_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from triage.ui.app import ReviewApp

    monkeypatch.setenv("TRIAGE_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("HOME", str(tmp_path))
    data, out = tmp_path / "data", tmp_path / "out"
    out.mkdir()
    with demo_files() as files:
        assert cli_main(["--data-dir", str(data), "import", *map(str, files), "--deck", "d"]) == 0
    store = Store.open(data)
    deck = store.deck("d")
    assert deck is not None
    lock = store.lock(deck)
    lock.acquire(deck.name)
    try:
        app = ReviewApp(store, deck, order="event", config=Config(), cursor_blink=False)
        async with app.run_test() as pilot:
            for key in ("a", "a", "s", "a"):
                await pilot.press(key)
            await pilot.pause()
            # While the window is open: the database, its WAL and SHM, the lock.
            db = data / DB_NAME
            state = [db, db.with_name(DB_NAME + "-wal"), db.with_name(DB_NAME + "-shm"), lock.path]
            for path in state:
                assert path.exists(), path
                assert mode(path) == 0o600, (path, oct(mode(path)))
            assert mode(data) == 0o700
            assert mode(lock.path.parent) == 0o700
    finally:
        lock.release()
        store.close()

    written: list[Path] = []
    for fmt in FORMATS:
        target = out / f"people-{fmt}{'.vcf' if fmt == 'vcard' else '.csv'}"
        assert cli_main(["--data-dir", str(data), "export", "--deck", "d", "-o", str(target),
                         "--format", fmt]) == 0  # fmt: skip
        written.append(target)
    batches = out / "batch.csv"
    args = ["--data-dir", str(data), "export", "--deck", "d", "-o", str(batches)]
    assert cli_main([*args, "--format", "full", "--batch-size", "1"]) == 0  # one file a person
    written += sorted(out.glob("batch-*.csv"))
    assert len(written) == len(FORMATS) + 3  # three invited
    for path in written:
        assert mode(path) == 0o600, (path, oct(mode(path)))
    # Overwriting keeps the file private too (a new file replaces the old one).
    (out / "people-linkedin.csv").chmod(0o644)
    assert cli_main([*args[:-2], "-o", str(out / "people-linkedin.csv"), "--force"]) == 0
    assert mode(out / "people-linkedin.csv") == 0o600
    # Nothing else was left in the folders: no temporary or world-readable file.
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in written)
    for path in data.rglob("*"):
        assert mode(path) == (0o700 if path.is_dir() else 0o600), path
