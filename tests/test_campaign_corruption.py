"""The corruption campaign in its small CI form (bench/campaign_corruption.py).

One seeded case of every kind (truncated, zeroed pages, flipped header and
b-tree bytes, zero-length, a CSV file, PNG bytes, another program's database,
a newer schema, a read-only folder, a read-only file, a full disk, a
read-only file system when root), each run through status, decks, import,
review and export as subprocesses: every run ends in one line and exit 2/3
with the files byte-for-byte as they were, or in the right answer.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.campaign_corruption import KINDS, report, run_campaign, wal_commits
from triage.store import DB_NAME, Store, StoreError

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the campaign is Linux-only")


def test_every_kind_of_damage_is_handled(tmp_path: Path) -> None:
    result = run_campaign(seed=1, count=len(KINDS), keep=tmp_path / "campaign", jobs=4)
    tried = {c.kind for c in result.cases}
    assert tried >= set(KINDS) - {"read-only-fs"}
    assert {c.variant for c in result.cases} == {"clean", "wal"}
    refused = [r for r in result.runs if r.verdict == "refused"]
    assert refused and all(r.returncode in (2, 3) for r in refused)
    assert result.cases_handled == len(result.cases), report(result)


def test_a_zero_length_database_is_refused_not_recreated(tmp_path: Path) -> None:
    (tmp_path / DB_NAME).write_bytes(b"")
    with pytest.raises(StoreError, match="empty"):
        Store.open(tmp_path)
    assert (tmp_path / DB_NAME).read_bytes() == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == [DB_NAME]


def test_another_programs_database_is_left_alone(tmp_path: Path) -> None:
    db = tmp_path / DB_NAME
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    conn.close()
    before = db.read_bytes()
    with pytest.raises(StoreError, match="not a triage database"):
        Store.open(tmp_path)
    assert db.read_bytes() == before


def test_a_new_database_appears_whole(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "data")
    store.close()
    names = sorted(p.name for p in (tmp_path / "data").iterdir())
    assert names == [DB_NAME]  # no temporary file left beside it
    assert os.stat(tmp_path / "data" / DB_NAME).st_size > 0


def test_an_orphan_wal_is_not_replayed_into_a_new_database(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    conn = sqlite3.connect(tmp_path / DB_NAME, isolation_level=None)
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("CREATE TABLE junk (x)")
    wal = (tmp_path / (DB_NAME + "-wal")).read_bytes()
    conn.close()
    (tmp_path / DB_NAME).unlink()  # "moved aside", without its -wal
    (tmp_path / (DB_NAME + "-wal")).write_bytes(wal)
    with pytest.raises(StoreError, match="-wal"):
        Store.open(tmp_path)
    assert (tmp_path / (DB_NAME + "-wal")).read_bytes() == wal
    assert not (tmp_path / DB_NAME).exists()


def test_damage_found_after_opening_leaves_the_wal_alone(tmp_path: Path) -> None:
    """A page that fails while a command reads it: the store is closed
    without a checkpoint into the damaged file."""
    from triage.cli.commands import open_store
    from triage.cli.errors import StateError

    store = Store.open(tmp_path)
    store.conn.execute("PRAGMA wal_autocheckpoint = 0")
    with store.transaction():
        deck = store.create_deck("d", "US")
    db, wal = tmp_path / DB_NAME, tmp_path / (DB_NAME + "-wal")
    db_bytes, wal_bytes = db.read_bytes(), wal.read_bytes()
    store.close()  # checkpoints; put the crash state back
    db.write_bytes(db_bytes)
    wal.write_bytes(wal_bytes)
    assert wal_commits(wal_bytes)

    class Args:
        data_dir = str(tmp_path)

    with pytest.raises(StateError, match="damaged"), open_store(Args()) as opened:  # type: ignore[arg-type]
        assert opened.deck("d") is not None and deck.id
        raise sqlite3.DatabaseError("database disk image is malformed")
    assert db.read_bytes() == db_bytes
    assert wal.read_bytes() == wal_bytes


def test_damage_the_review_window_reads_is_one_line_and_exit_3(tmp_path: Path) -> None:
    """Opening and the deck read fine (other pages); the cards are in the
    contacts table, whose root page is zeroed."""
    from bench.campaign_corruption import Case, _snapshot, build_base, prepare_slot, run_command

    base = build_base(tmp_path / "base")
    slot = prepare_slot(base, Case("none", "clean", 0), tmp_path / "slot", mount=False)
    db = slot.data / DB_NAME
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'contacts'").fetchone()
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with db.open("r+b") as fh:
        fh.seek((root - 1) * page)
        fh.write(bytes(page))
    before = _snapshot(slot.data)
    assert run_command("decks", slot, base).returncode == 0  # counts come from an index
    run = run_command("review", slot, base)
    assert "Traceback" not in run.stdout + run.stderr
    assert run.returncode == 3, run.stderr[-500:]
    assert "damaged" in run.stderr and len(run.stderr.strip().splitlines()) == 1
    assert _snapshot(slot.data) == before
