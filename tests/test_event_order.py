"""The event order and the search column, in the store.

The event order is mixed: consecutive cards avoid the same organisation,
email domain and source file whenever the deck allows, and a later import
joins after what was walked without moving it.  Search ignores case and
accents, and a database from before folding is re-folded when it opens.
"""

from __future__ import annotations

import csv
import itertools
import random
import sqlite3
from collections import Counter
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from triage.ingest.mixing import mix, traits
from triage.ingest.run import run_import
from triage.model import Email
from triage.store import DB_NAME, Store
from triage.store.codec import search_words
from triage.store.fold import fold
from triage.store.schema import MIGRATIONS, SCHEMA_VERSION, _statements
from triage.walk import Walk

HEADER = ["First Name", "Last Name", "Organization Name", "E-mail 1 - Value"]


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def people(prefix: str, n: int, orgs: list[str], domains: list[str]) -> list[list[str]]:
    return [
        [f"{prefix}{i}", "Person", orgs[i % len(orgs)], f"{prefix}{i}@{domains[i % len(domains)]}"]
        for i in range(n)
    ]


def event_traits(store: Store, deck_name: str) -> list[tuple[str, str, str]]:
    deck = store.deck(deck_name)
    assert deck is not None
    _, rows = store.event_places(deck.id, 0)
    return [traits(o, e, s) for _, _, o, e, s in rows]


def neighbours(cards: list[tuple[str, str, str]], k: int) -> int:
    return sum(bool(a[k]) and a[k] == b[k] for a, b in itertools.pairwise(cards))


def test_mix_keeps_neighbours_apart_when_the_deck_allows() -> None:
    rng = random.Random(7)
    cards = [
        (f"org{rng.randrange(5)}", f"d{rng.randrange(4)}.com", f"f{rng.randrange(3)}")
        for _ in range(600)
    ]
    order = mix(cards)
    assert sorted(order) == list(range(600))  # a permutation: nobody lost, nobody twice
    mixed = [cards[i] for i in order]
    for k in range(3):
        assert neighbours(mixed, k) < neighbours(cards, k) / 10
    assert mix(cards) == order  # stable: the same shuffle gives the same order
    # The card before the first counts too.
    first = mixed[0]
    again = [cards[i] for i in mix(cards, before=first)]
    assert again[0][0] != first[0]


def test_mix_with_one_source_or_unknown_values() -> None:
    cards = [("", "", "only.csv")] * 5 + [("acme", "", "only.csv")] * 2
    order = mix(cards)
    assert sorted(order) == list(range(7))
    mixed = [cards[i] for i in order]
    assert neighbours(mixed, 0) == 0  # the two from Acme are kept apart
    assert mix([]) == [] and mix([("a", "b", "c")]) == [0]


def fixed_deck(store: Store, name: str, seed: int) -> None:
    """A deck whose shuffle is known (a new deck draws its seed at random)."""
    with store.transaction():
        deck = store.create_deck(name, "US")
        store.conn.execute("UPDATE decks SET seed = ? WHERE id = ?", (seed, deck.id))


def test_an_import_is_mixed_and_a_later_one_joins_without_moving_it(tmp_path: Path) -> None:
    files = tmp_path / "files"
    files.mkdir()
    orgs = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", ""]
    big = write(files / "google.csv", people("g", 120, orgs, ["gmail.com", "acme.com", "web.de"]))
    mid = write(files / "outlook.csv", people("o", 70, orgs[::-1], ["outlook.com", "hooli.com"]))
    small = write(files / "phone.csv", people("p", 50, orgs[2:], ["icloud.com"]))
    store = Store.open(tmp_path / "data")
    try:
        # Over several shuffles: no two neighbours from one organisation, and
        # at most a tenth of the pairs from one file or domain a plain
        # shuffle gives (its expected pairs).
        org_pairs, pairs, expected = 0, [0, 0, 0], [0.0, 0.0, 0.0]
        for seed in range(1, 6):
            fixed_deck(store, f"t{seed}", seed)
            run_import(store, f"t{seed}", [big, mid, small], region="US")
            cards = event_traits(store, f"t{seed}")
            assert len(cards) == 240
            org_pairs += neighbours(cards, 0)
            for k in (1, 2):
                shares = Counter(c[k] for c in cards)
                expected[k] += sum(m * (m - 1) for m in shares.values()) / len(cards)
                pairs[k] += neighbours(cards, k)
        assert org_pairs <= 1
        assert pairs[2] <= expected[2] / 10, (pairs, expected)  # source files
        assert pairs[1] <= expected[1] / 5, (pairs, expected)  # email domains

        deck = store.deck("t1")
        assert deck is not None
        before = store.conn.execute(
            "SELECT id, r_event FROM contacts WHERE deck_id = ? ORDER BY r_event", (deck.id,)
        ).fetchall()
        later = write(files / "later.csv", people("l", 30, orgs, ["later.org", "gmail.com"]))
        run_import(store, "t1", [later], region="US")
        after = store.conn.execute(
            "SELECT id, r_event FROM contacts WHERE deck_id = ? ORDER BY r_event", (deck.id,)
        ).fetchall()
        assert after[:240] == before  # nobody walked already moved
        new = {i for i, _ in after[240:]}
        assert len(new) == 30 and not new & {i for i, _ in before}
        joined = event_traits(store, "t1")[239:]
        assert neighbours(joined, 0) == 0  # mixed, the deck's last card included
    finally:
        store.close()


def test_search_ignores_case_and_accents(tmp_path: Path) -> None:
    book = write(
        tmp_path / "c.csv",
        [
            ["Jürgen", "Müller", "Bäckerei Groß", "jm@example.com"],
            ["Zoë", "Ångström", "", "zoe@example.com"],
            ["Zoe", "Plain", "", "zp@example.com"],
            ["Anna", "Muller", "", "am@example.com"],
        ],
    )
    store = Store.open(tmp_path / "data")
    try:
        run_import(store, "t", [book], region="US")
        deck = store.deck("t")
        assert deck is not None

        def found(text: str) -> list[str]:
            return sorted(c.name for c in store.search(deck.id, text))

        assert found("muller") == ["Anna Muller", "Jürgen Müller"]
        assert found("MÜLLER") == ["Anna Muller", "Jürgen Müller"]
        assert found("zoe") == ["Zoe Plain", "Zoë Ångström"]
        assert found("angstrom") == ["Zoë Ångström"]
        assert found("backerei gross") == ["Jürgen Müller"]  # ß is ss
        assert found("100%") == [] and found("  ") == []
    finally:
        store.close()


@settings(max_examples=2000, deadline=None)
@given(
    st.lists(
        st.text(max_size=12) | st.sampled_from(["Müller", "Zoë", "ΟΔΟΣ", "ﬁ", "\u0301a"])
    ).filter(lambda parts: len(parts) >= 3),
)
def test_the_search_column_is_the_folded_text_of_the_card(parts: list[str]) -> None:
    """Folded part by part, the search column is what folding the whole
    text gives (the query is folded whole)."""
    name, org, title, *addresses = parts
    emails = [Email(a) for a in addresses]
    whole = fold(" ".join(p for p in (name, org, title, *addresses) if p))
    assert search_words(name, org, title, emails) == whole


def test_an_older_database_is_refolded_when_it_opens(tmp_path: Path) -> None:
    """A file from before folding (schema 2) held search text casefolded
    only; opening it migrates: the text is folded, the deck used last and
    redo work."""
    data = tmp_path / "data"
    data.mkdir()
    conn = sqlite3.connect(data / DB_NAME, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    for statement in _statements(MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute(
        "INSERT INTO decks (id, name, region, seed, created_at) VALUES (1, 'old', 'DE', 1, '')"
    )
    conn.execute(
        "INSERT INTO contacts (deck_id, key, name, search, r_event)"
        " VALUES (1, 'k', 'Jürgen Müller', 'jürgen müller', 1)"
    )
    conn.execute("PRAGMA user_version = 2")
    conn.close()
    store = Store.open(data)
    try:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.conn.execute("SELECT search FROM contacts").fetchone() == ("jurgen muller",)
        assert [c.name for c in store.search(1, "muller")] == ["Jürgen Müller"]
        assert store.last_used() == "old"  # the only deck
        store.decide(1, "invite")
        assert store.undo(1) is not None and store.can_redo(1)
        assert store.redo(1) is not None and store.contact(1).decision == "invite"
    finally:
        store.close()


def test_a_schema_5_file_loses_the_unique_rank_index_and_keeps_its_walk(tmp_path: Path) -> None:
    """Schema 6: the event walk reads (deck_id, r_event, flags); the unique
    (deck_id, r_event) index of schema 5 is dropped when the file opens, and
    the walk and its position still work."""
    data = tmp_path / "data"
    data.mkdir()
    conn = sqlite3.connect(data / DB_NAME, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.create_function("triage_fold", 1, str.casefold)  # what schema 3 calls
    for version in range(5):
        for statement in _statements(MIGRATIONS[version]):
            conn.execute(statement)
    conn.execute("CREATE UNIQUE INDEX contacts_event ON contacts(deck_id, r_event)")
    conn.execute(
        "INSERT INTO decks (id, name, region, seed, created_at) VALUES (1, 'old', 'DE', 1, '')"
    )
    for n, name in enumerate(["Ann Old", "Bo Old", "Cy Old"], start=1):
        conn.execute(
            "INSERT INTO contacts (deck_id, key, name, search, r_event) VALUES (1, ?, ?, ?, ?)",
            (f"k{n}", name, name.lower(), n * 10),
        )
    conn.execute("PRAGMA user_version = 5")
    conn.close()
    store = Store.open(data)
    try:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 6
        indexes = {
            name
            for (name,) in store.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contacts'"
            )
        }
        assert "contacts_event" not in indexes
        assert {"contacts_event_flags", "contacts_event_decision"} <= indexes
        deck = store.deck("old")
        assert deck is not None
        walk = Walk(store, deck)
        assert walk.view.contact is not None and walk.view.contact.name == "Ann Old"
        view = walk.decide("invite")
        assert view.contact is not None and view.contact.name == "Bo Old"
        assert view.index == 1
    finally:
        store.close()


def test_rank_order_is_a_stable_sort_by_key() -> None:
    """The import's newcomers in rank order: by the random field, equal ones
    in the order they came (their count), as sorting the ranks gives."""
    from triage.ingest.mixing import rank_order

    rng = random.Random(7)
    for n, size in ((0, 4), (1, 4), (500, 4), (5000, 1 << 16)):
        keys = [rng.randrange(size) for _ in range(n)]
        assert list(rank_order(keys, 0, size)) == sorted(range(n), key=lambda i: (keys[i], i))
        ranks = [1 << 40 | key << 24 | count for count, key in enumerate(keys)]
        assert list(rank_order(ranks, 24, size)) == sorted(range(n), key=ranks.__getitem__)
