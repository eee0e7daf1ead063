"""The store: schema, file modes, durability rules, undo, walk and counts."""

from __future__ import annotations

import sqlite3
import stat

import pytest

from triage.model import ALL, Contact, Email, Phone, Source, WalkFilter
from triage.store import DB_NAME, Store, StoreError
from triage.store.schema import SCHEMA_VERSION


def make_deck(store: Store, names: list[str], deck_name: str = "d") -> tuple[int, list[int]]:
    ids = []
    with store.transaction():
        deck = store.create_deck(deck_name, "US")
        imp = store.start_import(deck.id, ["x.csv"])
        for i, name in enumerate(names):
            c = Contact(
                id=0,
                deck_id=deck.id,
                key=f"{name.lower()}@example.com",
                name=name,
                emails=[Email(f"{name.lower()}@example.com")],
                phones=[Phone("+12025550100")],
                sources=[Source("x.csv", i + 2, imp, "/tmp/x.csv")],
            )
            ids.append(store.insert_contact(deck.id, c, rank=(i * 7919) % 1000 + 1))
        store.finish_import(deck.id, imp, {})
    return deck.id, ids


def test_files_are_private_and_wal(tmp_path):
    store = Store.open(tmp_path / "data")
    make_deck(store, ["Ann"])
    db = tmp_path / "data" / DB_NAME
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    for suffix in ("-wal", "-shm"):
        side = db.with_name(DB_NAME + suffix)
        assert side.exists()
        assert stat.S_IMODE(side.stat().st_mode) == 0o600
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_newer_schema_is_refused_and_left_alone(tmp_path):
    Store.open(tmp_path).close()
    db = tmp_path / DB_NAME
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before = db.read_bytes()
    with pytest.raises(StoreError, match="newer triage"):
        Store.open(tmp_path)
    assert db.read_bytes() == before


@pytest.mark.parametrize("content", [b"this is not a database at all" * 100, b"\0" * 4096])
def test_damaged_database_is_reported_not_recreated(tmp_path, content):
    db = tmp_path / DB_NAME
    db.write_bytes(content)
    with pytest.raises(StoreError, match=r"damaged|database error"):
        Store.open(tmp_path)
    assert db.read_bytes() == content


def test_decisions_tags_and_notes_survive_reopen(tmp_path):
    store = Store.open(tmp_path)
    deck_id, (a, b, c) = make_deck(store, ["Ann", "Bob", "Cy"])
    store.decide(a, "invite", cursor_id=b)
    store.decide(b, "skip", cursor_id=c)
    assert store.toggle_tag(c, "Conference") is True
    store.set_note(c, "Great chat about SQLite")
    store.close()

    store = Store.open(tmp_path)
    assert store.contact(a).decision == "invite"
    assert store.contact(a).decided_at
    assert store.contact(b).decision == "skip"
    assert store.contact(c).tags == ["Conference"]
    assert store.contact(c).note == "Great chat about SQLite"
    assert store.cursor(deck_id) == c
    counts = store.counts(deck_id)
    assert (counts.contacts, counts.invite, counts.skip, counts.undecided) == (3, 1, 1, 1)


def test_undo_is_unlimited_and_works_after_reopen(tmp_path):
    store = Store.open(tmp_path)
    deck_id, (a, b, _c) = make_deck(store, ["Ann", "Bob", "Cy"])
    store.decide(a, "invite")
    store.set_tag(b, "vip", True)
    store.set_note(b, "hello")
    store.decide(b, "skip")
    store.close()

    store = Store.open(tmp_path)
    assert store.undo(deck_id).kind == "decision"
    assert store.contact(b).decision == "undecided"
    assert store.undo(deck_id).kind == "note"
    assert store.contact(b).note == ""
    change = store.undo(deck_id)
    assert (change.kind, change.detail, change.contact_id) == ("tag", "vip", b)
    assert store.contact(b).tags == []
    assert store.undo(deck_id).contact_id == a
    assert store.contact(a).decision == "undecided"
    assert store.contact(a).decided_at == ""
    assert store.cursor(deck_id) == a
    assert store.undo(deck_id) is None
    assert not store.can_undo(deck_id)
    assert store.counts(deck_id).undecided == 3


def test_walk_order_and_next_undecided(tmp_path):
    store = Store.open(tmp_path)
    deck_id, ids = make_deck(store, ["Ann", "Bob", "Cy", "Di"])
    order = [store.walk_first(deck_id, "event")]
    while (nxt := store.walk_step(deck_id, "event", ALL, order[-1], +1)) is not None:
        order.append(nxt)
    assert sorted(order) == sorted(ids)
    assert [store.walk_index(deck_id, "event", ALL, i) for i in order] == [0, 1, 2, 3]
    assert store.walk_nth(deck_id, "event", ALL, 2) == order[2]
    store.decide(order[1], "skip")
    assert store.next_undecided(deck_id, "event", order[0]) == order[2]
    store.decide(order[2], "invite")
    store.decide(order[3], "invite")
    # wraps around to the first undecided card
    assert store.next_undecided(deck_id, "event", order[3]) == order[0]
    store.decide(order[0], "skip")
    assert store.next_undecided(deck_id, "event", order[0]) is None
    skipped = WalkFilter("skip")
    assert store.walk_count(deck_id, skipped) == 2
    assert store.walk_first(deck_id, "event", skipped) == order[0]


def test_name_order_is_computed_lazily(tmp_path):
    store = Store.open(tmp_path)
    deck_id, _ = make_deck(store, ["Zoe", "adam", "Mia"])
    deck = store.deck("d")
    store.prepare_order(deck, "name")
    first = store.walk_first(deck_id, "name")
    assert store.contact(first).name == "adam"
    second = store.walk_step(deck_id, "name", ALL, first, +1)
    assert store.contact(second).name == "Mia"


def test_tag_and_flag_filters_and_search(tmp_path):
    store = Store.open(tmp_path)
    deck_id, (_a, b, c) = make_deck(store, ["Ann Lee", "Bob Ray", "Cy Young"])
    store.set_tag(b, "Berlin", True)
    assert store.walk_count(deck_id, WalkFilter("tag", "berlin")) == 1
    assert store.walk_first(deck_id, "event", WalkFilter("tag", "Berlin")) == b
    assert store.walk_count(deck_id, WalkFilter("flag", "no_email")) == 0
    assert [x.id for x in store.search(deck_id, "ray")] == [b]
    assert [x.id for x in store.search(deck_id, "YOUNG@EXAMPLE")] == [c]
    assert store.search(deck_id, "%") == []
    assert store.deck_tags(deck_id) == ["Berlin"]


def test_status_counts_tags_and_flags(tmp_path):
    store = Store.open(tmp_path)
    _, (a, b, _c) = make_deck(store, ["Ann", "Bob", "Cy"])
    store.decide(a, "invite")
    store.set_tag(a, "friends", True)
    store.set_tag(b, "friends", True)
    st = store.status(store.deck("d")).as_dict()
    assert st["deck"] == "d"
    assert (st["contacts"], st["invite"], st["skip"], st["undecided"]) == (3, 1, 0, 2)
    assert st["tags"] == {"friends": 2}
    assert st["flags"]["no_email"] == 0
    assert st["to_export"] == 1 and st["exported"] == 0
    assert st["sources"] == {"x.csv": 3}


def test_failed_transaction_leaves_nothing(tmp_path):
    store = Store.open(tmp_path)
    deck_id, ids = make_deck(store, ["Ann"])
    with pytest.raises(RuntimeError), store.transaction():
        store.conn.execute("UPDATE contacts SET decision = 'invite' WHERE id = ?", (ids[0],))
        raise RuntimeError("power cut")
    assert store.contact(ids[0]).decision == "undecided"
    assert store.counts(deck_id).undecided == 1


def test_merge_index_reads_the_deck_and_holds_keys_in_sqlite(tmp_path):
    """The deck's keys in the order they were indexed; once spilled, the
    keys live in temporary tables (first holder wins) and go with close()."""
    store = Store.open(tmp_path / "data")
    deck_id, (ann, bob) = make_deck(store, ["Ann", "Bob"])
    index = store.merge_index(
        deck_id, str.casefold, lambda name, org: f"{name}|{org}", str.casefold, 64
    )
    assert index.people() == store.count_contacts(deck_id) == 2
    assert list(index.deck_keys()) == [("eann@example.com", ann), ("ebob@example.com", bob)]
    # One shared valid phone: both holders, in id order, with their names.
    assert list(index.deck_phones()) == [("+12025550100", ann, "Ann"), ("+12025550100", bob, "Bob")]
    assert list(index.deck_names()) == [("Ann|", ann), ("Bob|", bob)]
    with store.transaction():
        index.spill([("kx", 7)], [("+1", 7, "X")], [("Zed|", 9)], 1024, from_deck=True)
        index.write([("kx", 8), ("ky", 9)], [("+1", 8, "Y"), ("+1", 7, "X")], [("Zed|", 7)])
        one, holders, named = index.fetch(
            ["kx", "ky", "eann@example.com", "nope"], ["+1", "+2"], ["Zed|", "Ann|", "Cy|"]
        )
        assert one == {"kx": 7, "ky": 9, "eann@example.com": ann}
        assert holders == {"+1": [(7, "X"), (8, "Y")]}
        assert named == {"Zed|": [7, 9], "Ann|": [ann]}
        assert index.has("ky") and not index.has("kz")
        index.close()
        temp = store.conn.execute("SELECT name FROM sqlite_temp_master").fetchall()
        assert temp == []
    store.close()


def test_page_cache_is_restored(tmp_path):
    store = Store.open(tmp_path / "data")
    before = store.conn.execute("PRAGMA cache_size").fetchone()[0]
    with store.page_cache(8 * 1024):
        assert store.conn.execute("PRAGMA cache_size").fetchone()[0] == -8 * 1024
    assert store.conn.execute("PRAGMA cache_size").fetchone()[0] == before
    with pytest.raises(RuntimeError), store.page_cache(4096):
        raise RuntimeError
    assert store.conn.execute("PRAGMA cache_size").fetchone()[0] == before
    store.close()


def test_invited_oldest_decision_first_with_tags(tmp_path):
    """Only invited people, by decision time then id; the upload read
    fills names, emails, flags and times, and nothing else."""
    store = Store.open(tmp_path / "data")
    deck_id, ids = make_deck(store, ["Ann", "Bob", "Cy", "Di"])
    for cid in (ids[2], ids[0], ids[1]):
        store.decide(cid, "invite")
    store.decide(ids[3], "skip")
    at = {ids[0]: "2025-01-02", ids[1]: "2025-01-01", ids[2]: "2025-01-02"}
    with store.transaction():
        for cid, when in at.items():
            store.conn.execute("UPDATE contacts SET decided_at = ? WHERE id = ?", (when, cid))
    store.set_tag(ids[0], "b-tag", True)
    store.set_tag(ids[2], "a-tag", True)  # created after b-tag: comes second
    store.set_tag(ids[0], "a-tag", True)
    store.set_tag(ids[3], "b-tag", True)  # skipped: never read
    full = store.invited(deck_id)
    assert [c.id for c in full] == [ids[1], ids[0], ids[2]]
    assert [c.tags for c in full] == [[], ["b-tag", "a-tag"], ["a-tag"]]
    assert full[1] == store.contact(ids[0])  # every field, as the card reads it
    lean = store.invited(deck_id, upload_only=True, tags=False)
    assert [(c.id, c.name, c.emails, c.flags, c.decided_at) for c in lean] == [
        (c.id, c.name, c.emails, c.flags, c.decided_at) for c in full
    ]
    assert all(c.phones == [] and c.sources == [] and c.tags == [] for c in lean)
    assert [c.tags for c in store.invited(deck_id, upload_only=True)] == [c.tags for c in full]
    store.close()


def test_verified_checks_alongside_and_reports_damage(tmp_path):
    """The check of verified() runs on a second connection: a sound file
    passes, pages no b-tree reaches raise DatabaseError when the block ends,
    and an error of the block itself is the one raised."""
    data = tmp_path / "data"
    store = Store.open(data)
    make_deck(store, ["Ann"])
    with store.verified():
        pass
    store.close()
    db = data / DB_NAME
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE scratch (x)")
    conn.executemany("INSERT INTO scratch VALUES (?)", [("x" * 3000,)] * 20)
    conn.commit()
    conn.execute("DROP TABLE scratch")
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    raw = bytearray(db.read_bytes())
    raw[32:40] = bytes(8)  # the freelist cut off: its pages are never used
    db.write_bytes(bytes(raw))
    store = Store.open(data)
    read = []
    with pytest.raises(sqlite3.DatabaseError, match="never used"), store.verified():
        read.append(store.count_contacts(1))
    assert read == [1]  # the block ran; the verdict came after it
    with pytest.raises(KeyError), store.verified():
        raise KeyError("the block's own error")
    store.close_keeping_files()
    assert db.read_bytes() == bytes(raw)
