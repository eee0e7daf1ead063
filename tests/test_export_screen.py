"""The export dialog under Pilot: what it shows, that nothing is written
before "Write", and the file it writes."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_export import ADA, GRACE, LINKED, NO_MAIL, ROLE, SKIPPED, make_deck
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Button, Checkbox, Input, Select, SelectionList, Static

from triage.config import Config
from triage.model import Deck
from triage.store import Store
from triage.ui.export_screen import ConfirmExport, ExportScreen

UNSET = "unset"


class Host(App[None]):
    """The smallest app that opens the dialog and keeps what it returns."""

    def __init__(self, screen: ExportScreen) -> None:
        super().__init__()
        self.dialog = screen
        self.cursor_blink = False
        self.result: str | None = UNSET
        self.notes: list[str] = []

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self._done)

    def _done(self, result: str | None) -> None:
        self.result = result

    def notify(self, message: str, **kwargs: object) -> None:  # type: ignore[override]
        self.notes.append(message)


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The default file goes to ~: make ~ a temporary folder."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    return folder


@pytest.fixture
def deck(tmp_path: Path) -> tuple[Path, Deck]:
    data = tmp_path / "data"
    store, deck, _ = make_deck(data, [ADA, GRACE, SKIPPED, NO_MAIL, LINKED, ROLE])
    store.close()
    return data, deck


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def host(deck: tuple[Path, Deck], config: Config | None = None) -> Host:
    data, d = deck
    return Host(ExportScreen(data, d, config or Config()))


async def ready(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def text(app: Host, selector: str) -> str:
    return str(app.dialog.query_one(selector, Static).content)


async def set_input(pilot: Pilot[None], app: Host, selector: str, value: str) -> None:
    app.dialog.query_one(selector, Input).value = value
    await pilot.pause()


def exported(data: Path, deck: Deck) -> int:
    store = Store.open(data)
    try:
        return store.status(deck).exported
    finally:
        store.close()


async def test_shows_count_names_and_exclusions_and_escape_writes_nothing(
    deck: tuple[Path, Deck], home: Path
) -> None:
    app = host(deck)
    async with app.run_test() as pilot:
        await ready(pilot)
        assert text(app, "#export-summary") == (
            "3 people will be written: Ada Lovelace, Grace Hopper, Acme Info."
        )
        warnings = text(app, "#export-warnings")
        assert "1 invited person has no usable email" in warnings
        assert "already connected on LinkedIn" in warnings
        assert "the format 'Everything'" in warnings
        assert "role address" in warnings
        path = app.dialog.query_one("#export-path", Input).value
        assert Path(path).parent == home
        assert Path(path).name.startswith("triage-t-") and path.endswith(".csv")
        await pilot.press("escape")
        await pilot.pause()
        assert app.result is None
    assert list(home.iterdir()) == []
    assert exported(*deck) == 0


async def test_writes_only_after_confirmation(deck: tuple[Path, Deck], out_dir: Path) -> None:
    out = out_dir / "invites.csv"
    app = host(deck)
    async with app.run_test() as pilot:
        await ready(pilot)
        await set_input(pilot, app, "#export-path", str(out))
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmExport)
        assert not out.exists()
        await pilot.press("n")  # back, nothing written
        await pilot.pause()
        assert app.screen is app.dialog
        assert not out.exists()
        await pilot.click("#export-go")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmExport)
        assert "Write 3 people (linkedin format) to" in str(
            app.screen.query_one("#confirm-question", Static).content
        )
        await pilot.click("#confirm-yes")
        await ready(pilot)
        assert app.result == str(out)
    with out.open(encoding="utf-8", newline="") as fh:
        assert list(csv.reader(fh)) == [
            ["First Name", "Last Name", "Email Address"],
            ["Ada", "Lovelace", "ada@example.com"],
            ["Grace", "Hopper", "grace@example.com"],
            ["Acme Info", "", "info@acme.example"],
        ]
    assert out.stat().st_mode & 0o777 == 0o600
    assert any(str(out) in note for note in app.notes)
    assert exported(*deck) == 3


async def test_existing_file_needs_the_overwrite_box(
    deck: tuple[Path, Deck], out_dir: Path
) -> None:
    out = out_dir / "o.csv"
    out.write_text("keep me")
    app = host(deck)
    async with app.run_test() as pilot:
        await ready(pilot)
        await set_input(pilot, app, "#export-path", str(out))
        assert "exists; tick 'Overwrite existing files'" in text(app, "#export-warnings")
        assert app.dialog.query_one("#export-go", Button).disabled
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is app.dialog  # no confirmation offered
        assert out.read_text() == "keep me"
        app.dialog.query_one("#export-overwrite", Checkbox).value = True
        await pilot.pause()
        assert not app.dialog.query_one("#export-go", Button).disabled
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await ready(pilot)
        assert app.result == str(out)
    assert out.read_text(encoding="utf-8").startswith("First Name,Last Name,Email Address")


async def test_vcard_format_changes_the_suffix_and_keeps_everyone(
    deck: tuple[Path, Deck], out_dir: Path
) -> None:
    app = host(deck)
    async with app.run_test() as pilot:
        await ready(pilot)
        app.dialog.query_one("#export-format", Select).value = "vcard"
        await pilot.pause()
        assert app.dialog.query_one("#export-path", Input).value.endswith(".vcf")
        assert text(app, "#export-summary").startswith("5 people will be written")
        assert text(app, "#export-warnings") == ""
        out = out_dir / "cards.vcf"
        await set_input(pilot, app, "#export-path", str(out))
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await ready(pilot)
    assert out.read_bytes().count(b"BEGIN:VCARD\r\n") == 5


async def test_budget_warning_and_batches(deck: tuple[Path, Deck], out_dir: Path) -> None:
    app = host(deck, Config(weekly_budget=2))
    async with app.run_test() as pilot:
        await ready(pilot)
        assert (
            "3 people in one file is more than your weekly invitation budget of 2;"
            " pace the invitations with a batch size of 2" in text(app, "#export-warnings")
        )
        await set_input(pilot, app, "#export-batch", "2")
        assert "weekly invitation budget" not in text(app, "#export-warnings")
        assert "2 files of at most 2" in text(app, "#export-summary")
        await set_input(pilot, app, "#export-path", str(out_dir / "week.csv"))
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await ready(pilot)
        assert app.result == str(out_dir / "week-01.csv")
    assert sorted(p.name for p in out_dir.iterdir()) == ["week-01.csv", "week-02.csv"]


async def test_tag_filter(deck: tuple[Path, Deck]) -> None:
    app = host(deck)
    async with app.run_test() as pilot:
        await ready(pilot)
        tags = app.dialog.query_one("#export-tags", SelectionList)
        assert tags.display
        assert [str(tags.get_option_at_index(i).prompt) for i in range(tags.option_count)] == [
            "work (2)",
            "friends (1)",
        ]
        tags.select("friends")
        await pilot.pause()
        assert text(app, "#export-summary") == "1 person will be written: Grace Hopper."
        tags.deselect("friends")
        tags.select("work")
        await pilot.pause()
        assert text(app, "#export-summary").startswith("2 people will be written")


async def test_nothing_to_export(tmp_path: Path) -> None:
    data = tmp_path / "empty"
    store, d, _ = make_deck(data, [SKIPPED])
    store.close()
    app = Host(ExportScreen(data, d, Config()))
    async with app.run_test() as pilot:
        await ready(pilot)
        assert text(app, "#export-summary") == "No invited people to export."
        assert app.dialog.query_one("#export-go", Button).disabled
        assert app.dialog.query_one("#export-no-tags").display
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is app.dialog


async def test_from_the_review_app(
    make_app: Callable[..., Any], store_deck: tuple[Store, Deck], out_dir: Path
) -> None:
    """The real app: "e" opens the dialog, the file is written, the walk resumes."""
    from triage.ui.review_screen import ReviewScreen

    store, deck = store_deck
    invited = [
        c for c in store.iter_contacts(deck.id) if c.primary_email and not c.has("connected")
    ][:2]
    for c in invited:
        store.decide(c.id, "invite")
    out = out_dir / "from-app.csv"
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ExportScreen)
        await ready(pilot)
        dialog.query_one("#export-path", Input).value = str(out)
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await ready(pilot)
        assert isinstance(app.screen, ReviewScreen)
    with out.open(encoding="utf-8", newline="") as fh:
        emails = [row[2] for row in list(csv.reader(fh))[1:]]
    assert emails == [c.primary_email for c in invited]
    assert store.status(deck).exported == 2


async def test_a_failed_write_says_so_and_keeps_the_dialog(
    deck: tuple[Path, Deck], out_dir: Path
) -> None:
    out = out_dir / "missing" / "o.csv"
    app = host(deck)
    async with app.run_test() as pilot:
        await ready(pilot)
        await set_input(pilot, app, "#export-path", str(out))
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await ready(pilot)
        assert app.screen is app.dialog
        assert app.result == UNSET
        assert any("Nothing was written" in n and "no such folder" in n for n in app.notes)
        assert not app.dialog.query_one("#export-go", Button).disabled  # can try again
    assert list(out_dir.iterdir()) == []
    assert exported(*deck) == 0


async def test_the_summary_under_the_dialog_counts_the_export(
    make_app: Callable[..., Any], store_deck: tuple[Store, Deck], out_dir: Path
) -> None:
    """Exporting from the summary: back on it, the headline no longer says
    the exported people are waiting."""
    from triage.ui.summary import SummaryScreen

    store, deck = store_deck
    invited = [
        c for c in store.iter_contacts(deck.id) if c.primary_email and not c.has("connected")
    ][:2]
    for c in invited:
        store.decide(c.id, "invite")
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.pause()
        app.push_screen(SummaryScreen(store.status(deck)))
        await pilot.pause()

        def headline() -> str:
            return str(app.screen.query_one("#summary-headline", Static).content)

        assert "2 invited people are ready to upload to LinkedIn (e)." in headline()
        await pilot.press("e")
        await ready(pilot)
        app.screen.query_one("#export-path", Input).value = str(out_dir / "s.csv")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await ready(pilot)
        assert isinstance(app.screen, SummaryScreen)
        assert "ready to upload" not in headline()
    assert store.status(deck).to_export == 0


async def test_a_damaged_database_is_named_and_nothing_can_be_written(
    deck: tuple[Path, Deck], out_dir: Path
) -> None:
    """Damage only quick_check sees (pages no b-tree reaches): the dialog
    says the database is damaged and offers nothing to write."""
    import sqlite3

    data, _ = deck
    db = data / "triage.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE scratch (x)")
    conn.executemany("INSERT INTO scratch VALUES (?)", [("x" * 3000,)] * 50)
    conn.commit()
    conn.execute("DROP TABLE scratch")
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    raw = bytearray(db.read_bytes())
    raw[32:40] = bytes(8)  # the freelist cut off: its pages are never used
    db.write_bytes(bytes(raw))
    app = host(deck)
    async with app.run_test() as pilot:
        await ready(pilot)
        summary = text(app, "#export-summary")
        assert summary.startswith("The deck cannot be read:") and "damaged" in summary
        assert app.dialog.query_one("#export-go", Button).disabled
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is app.dialog
    assert list(out_dir.iterdir()) == []
    assert db.read_bytes() == bytes(raw)
