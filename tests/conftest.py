"""Shared fixtures: a temporary data folder and a small deck built through the
import API (never through the UI, never in the user's real data folder)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from triage.config import Config
from triage.model import Deck
from triage.store import Store

GOOGLE_HEADER = [
    "First Name",
    "Last Name",
    "Organization Name",
    "Organization Title",
    "Notes",
    "Labels",
    "E-mail 1 - Label",
    "E-mail 1 - Value",
    "E-mail 2 - Label",
    "E-mail 2 - Value",
    "Phone 1 - Label",
    "Phone 1 - Value",
]

# first, last, org, title, notes, labels, email1, email2, phone
PEOPLE: list[tuple[str, ...]] = [
    (
        "Ada",
        "Lovelace",
        "Analytical Engines",
        "Mathematician",
        "Met at the compiler meetup",
        "Meetups ::: * myContacts",
        "ada@engines-example.com",
        "",
        "+1 415 555 0101",
    ),
    (
        "Grace",
        "Hopper",
        "Navy Computing",
        "Rear Admiral",
        "",
        "",
        "grace@navy-example.com",
        "",
        "+1 202 555 0134",
    ),
    (
        "Alan",
        "Turing",
        "Bletchley Park",
        "Cryptanalyst",
        "",
        "",
        "alan@bletchley-example.com",
        "",
        "",
    ),
    ("", "", "Acme Corp", "", "", "", "info@acme-example.com", "", ""),
    ("Barbara", "Liskov", "MIT", "Professor", "", "", "", "", "+1 617 555 0199"),
    ("Ken", "Thompson", "Bell Labs", "", "", "", "ken@@bell-example", "", ""),
    ("Dennis", "Ritchie", "Bell Labs", "Researcher", "", "", "dmr@bell-example.com", "", ""),
    (
        "Margaret",
        "Hamilton",
        "NASA",
        "Director of Software",
        "",
        "",
        "margaret@nasa-example.com",
        "",
        "",
    ),
    ("Linus", "Torvalds", "Kernel Org", "", "", "", "linus@kernel-example.com", "", "12"),
    ("Radia", "Perlman", "Net Works", "Engineer", "", "", "radia@net-example.com", "", ""),
    (
        "Guido",
        "van Rossum",
        "Python Software Foundation",
        "BDFL emeritus",
        "",
        "",
        "guido@python-example.org",
        "",
        "",
    ),
    ("Katherine", "Johnson", "NASA", "Mathematician", "", "", "katherine@nasa-example.com", "", ""),
]

# A second export: Grace again (merged, a second address) and one newcomer.
WORK: list[tuple[str, ...]] = [
    (
        "Grace",
        "Hopper",
        "Navy Computing",
        "Rear Admiral",
        "Keynote speaker",
        "",
        "grace@navy-example.com",
        "amazing.grace@mail-example.com",
        "",
    ),
    ("Tim", "Berners-Lee", "Web Consortium", "Director", "", "", "tim@web-example.org", "", ""),
]

CONNECTIONS = (
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    "Ada,Lovelace,https://www.linkedin.com/in/ada-example,ada@engines-example.com,"
    "Analytical Engines,Mathematician,15 Jan 2024\n"
)

DECK = "t"

# The public corpus of real exports sits beside the project in the development
# workspace (../shared/corpus/public); a user's clone has none.
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "public"
NO_CORPUS = "../shared/corpus not found: the corpus tests need it"


@pytest.fixture
def corpus() -> Path:
    """The public corpus folder; the test skips when it is absent."""
    if not CORPUS.is_dir():
        pytest.skip(NO_CORPUS)
    return CORPUS


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without the corpus, the tests that read it (marked ``corpus``, or using
    the ``corpus`` fixture) are left out as deselected, and one test of
    tests/test_corpus.py skips saying why: a clone without ../shared reports
    one skip with the reason, not dozens, and nothing vanishes unsaid."""
    if CORPUS.is_dir():
        return
    needs = [
        item
        for item in items
        if item.get_closest_marker("corpus") is not None
        or "corpus" in getattr(item, "fixturenames", ())
    ]
    if needs:
        config.hook.pytest_deselected(items=needs)
        left_out = set(needs)
        items[:] = [item for item in items if item not in left_out]


def write_google(path: Path, rows: list[tuple[str, ...]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(GOOGLE_HEADER)
        for first, last, org, title, notes, labels, e1, e2, phone in rows:
            w.writerow(
                [
                    first,
                    last,
                    org,
                    title,
                    notes,
                    labels,
                    "* Work" if e1 else "",
                    e1,
                    "Home" if e2 else "",
                    e2,
                    "Mobile" if phone else "",
                    phone,
                ]
            )
    return path


def sample_files(folder: Path) -> list[Path]:
    """The small address book every UI test walks through (15 records, 14 people)."""
    folder.mkdir(parents=True, exist_ok=True)
    connections = folder / "Connections.csv"
    connections.write_text(CONNECTIONS, encoding="utf-8")
    return [
        write_google(folder / "google.csv", PEOPLE),
        write_google(folder / "work.csv", WORK),
        connections,
    ]


def build_deck(data_dir: Path, files: list[Path], name: str = DECK) -> tuple[Store, Deck]:
    from triage.ingest.run import run_import

    store = Store.open(data_dir)
    run_import(store, name, files, region="US")
    deck = store.deck(name)
    assert deck is not None
    store.prepare_order(deck, "name")
    return store, deck


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def deck_files(tmp_path: Path) -> list[Path]:
    return sample_files(tmp_path / "files")


@pytest.fixture
def store_deck(data_dir: Path, deck_files: list[Path]) -> Iterator[tuple[Store, Deck]]:
    """A store with deck ``t`` built from :func:`sample_files`, name order ready."""
    store, deck = build_deck(data_dir, deck_files)
    yield store, deck
    store.close()


@pytest.fixture
def make_app(
    store_deck: tuple[Store, Deck],
) -> Callable[..., object]:
    """``make_app(order="name", config=Config(...))`` → a ReviewApp on deck ``t``
    with the cursor blink off (stable screenshots), walking every card;
    ``flt=None``: the default walk, which leaves out the three people an
    upload cannot invite (Ada is connected, Barbara and Ken have no usable
    email)."""
    from triage.model import ALL, WalkFilter
    from triage.ui.app import ReviewApp
    from triage.ui.start import StartLookup

    store, deck = store_deck

    def make(
        order: str = "name", config: Config | None = None, flt: WalkFilter | None = ALL
    ) -> ReviewApp:
        start = StartLookup(store, deck, order, thread=False, flt=flt)
        return ReviewApp(
            store, deck, order=order, config=config or Config(), cursor_blink=False, start=start
        )

    return make


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point ``TRIAGE_CONFIG`` at a temp file (absent until a test writes it),
    so nothing reads the developer's own config.toml."""
    path = tmp_path / "config.toml"
    monkeypatch.setenv("TRIAGE_CONFIG", str(path))
    return path
