"""Big files are parsed and cleaned in worker processes: same result as in
one process, and failures anywhere stay clean.

The chunked path is forced here on small files, with chunks of a few
characters, so that every record boundary is a cut (the hardest case for the
boundary check and its sequential fallback).
"""

from __future__ import annotations

import difflib
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import triage.ingest.chunks as chunks
import triage.ingest.pool as import_pool
import triage.ingest.run as importing
import triage.store.database as store_module
from triage.ingest.run import ImportFailed, run_import
from triage.store import Store

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import generate  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "public"
FIXTURES = ROOT / "tests" / "fixtures" / "csv"


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in (".csv", ".vcf"))


def fixture_files() -> list[Path]:
    return sorted(p for p in FIXTURES.iterdir() if p.is_file())


class _FixedRandom(random.Random):
    def __init__(self) -> None:
        super().__init__(42)


@pytest.fixture(autouse=True)
def fixed_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Decks get the same walk seed, so two imports can be compared row by row."""
    monkeypatch.setattr(store_module.random, "SystemRandom", _FixedRandom)


def chunked(monkeypatch: pytest.MonkeyPatch, chars: int = 1) -> None:
    monkeypatch.setattr(importing, "_PARALLEL_BYTES", 0)
    monkeypatch.setattr(importing, "_MIN_CHUNK", chars)
    monkeypatch.setattr(importing, "_MAX_CHUNK", chars)
    monkeypatch.setattr(importing, "_worker_count", lambda: 2)


_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")
_SECONDS = re.compile(r'"seconds": [0-9.e-]+')


def dump(store: Store) -> list[str]:
    """The whole database, times masked (two imports may straddle a second)."""
    return [
        _SECONDS.sub('"seconds": 0', _TIME.sub("<time>", line)) for line in store.conn.iterdump()
    ]


def report_of(report: importing.ImportReport) -> dict[str, object]:
    out = report.as_dict()
    del out["seconds"]
    return out


def import_both(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    files: list[Path],
    chars: int = 1,
    **kwargs: object,
) -> tuple[tuple[object, list[str]], tuple[object, list[str]]]:
    """(report, dump) of importing ``files`` in one process, then chunked."""
    results = []
    for name, parallel in (("one", False), ("chunked", True)):
        with monkeypatch.context() as m:
            if parallel:
                chunked(m, chars)
            else:
                m.setattr(importing, "_PARALLEL_BYTES", 1 << 62)
            store = Store.open(tmp_path / name)
            try:
                try:
                    report: object = report_of(
                        run_import(store, "d", files, region="US", **kwargs)  # type: ignore[arg-type]
                    )
                except ImportFailed as exc:
                    report = f"ImportFailed: {exc}"
                results.append((report, dump(store)))
            finally:
                store.close()
    return results[0], results[1]


def assert_same(many: tuple[object, list[str]], one: tuple[object, list[str]]) -> None:
    assert many[0] == one[0]
    diff = list(difflib.unified_diff(one[1], many[1], "one process", "chunked", lineterm=""))
    assert not diff, "\n".join(line[:300] for line in diff[:40])


def no_children() -> None:
    """Every worker was reaped: this process has no child left, zombie or not."""
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


# -- the same deck, problems and line numbers ------------------------------------


@pytest.mark.parametrize("path", corpus_files() + fixture_files(), ids=lambda p: p.name)
@pytest.mark.parametrize("chars", [1, 300])
def test_each_file_same_as_sequential(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: Path, chars: int
) -> None:
    one, many = import_both(tmp_path, monkeypatch, [path], chars)
    assert_same(many, one)
    no_children()


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus/public not present")
def test_whole_corpus_in_one_deck_same_as_sequential(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, many = import_both(tmp_path, monkeypatch, corpus_files(), 200)
    assert_same(many, one)


def test_demo_files_same_as_sequential(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from triage.demo import demo_files

    with demo_files() as paths:
        one, many = import_both(tmp_path, monkeypatch, list(paths))
    assert_same(many, one)


@pytest.mark.parametrize("layout", ["2024", "old"])
def test_generated_google_same_as_sequential(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: str
) -> None:
    path = generate.google_csv(tmp_path / "google.csv", 1500, layout=layout)
    one, many = import_both(tmp_path, monkeypatch, [path], 2000)
    assert_same(many, one)
    assert one[0]["files"][0]["merged"] > 0  # type: ignore[index]


def test_generated_vcards_same_as_sequential(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = generate.vcards(tmp_path / "contacts.vcf", 600)
    one, many = import_both(tmp_path, monkeypatch, [path], 1500)
    assert_same(many, one)


def test_reimport_into_a_deck_same_as_sequential(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = generate.google_csv(tmp_path / "google.csv", 400)
    cards = generate.vcards(tmp_path / "contacts.vcf", 200)
    results = []
    for name, parallel in (("one", False), ("chunked", True)):
        with monkeypatch.context() as m:
            if parallel:
                chunked(m, 700)
            store = Store.open(tmp_path / name)
            reports = [report_of(run_import(store, "d", [path], region="US"))]
            reports.append(report_of(run_import(store, "d", [cards, path], region="US")))
            results.append((reports, dump(store)))
            store.close()
    assert results[1] == results[0]


# -- the merge indexes in SQLite: the same deck -----------------------------------


def importable(path: Path) -> bool:
    from triage.ingest.formats import open_file

    try:
        open_file(path)
    except importing.FormatError:
        return False  # a layout that needs --map
    return True


def import_spilled_and_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, imports: list[list[Path]], spill: int
) -> list[tuple[list[object], list[str]]]:
    """(reports, dump) of the same imports with the merge indexes in Python
    dicts, then moved to SQLite after ``spill`` keys."""
    from triage.ingest.matching import Merger

    results = []
    for name, limit in (("dicts", 1 << 62), ("spilled", spill)):
        with monkeypatch.context() as m:
            m.setattr(Merger, "SPILL", limit)
            store = Store.open(tmp_path / name)
            reports = [report_of(run_import(store, "d", files, region="US")) for files in imports]
            leftover = store.conn.execute(
                "SELECT name FROM sqlite_temp_master WHERE name LIKE 'merge%'"
            ).fetchall()
            assert leftover == []  # the import's temporary tables are gone
            results.append((reports, dump(store)))
            store.close()
    return results


@pytest.mark.parametrize("spill", [0, 40, 700])
def test_merge_indexes_moved_to_sqlite_make_the_same_deck(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spill: int
) -> None:
    """From nothing, half-way through a file, or on re-import into a deck
    already past the limit: identical decks, reports and walk order."""
    from triage.demo import demo_files

    path = generate.google_csv(tmp_path / "google.csv", 1200)
    cards = generate.vcards(tmp_path / "contacts.vcf", 300)
    with demo_files() as demo:
        imports = [[path], [cards, path, *demo], [p for p in fixture_files() if importable(p)]]
        dicts, spilled = import_spilled_and_not(tmp_path, monkeypatch, imports, spill)
    assert spilled == dicts
    assert dicts[0][0]["files"][0]["merged"] > 0  # type: ignore[index]


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus/public not present")
def test_whole_corpus_spilled_makes_the_same_deck(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dicts, spilled = import_spilled_and_not(tmp_path, monkeypatch, [corpus_files()], 0)
    assert spilled == dicts


def test_an_import_about_to_end_keeps_its_merge_indexes_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past SPILL keys, the indexes move to SQLite unless the share of the
    input read so far says the import ends within KEEP times SPILL; either
    way the deck is the same."""
    from triage.ingest.matching import Merger
    from triage.store.merge_index import MergeIndex

    path = generate.google_csv(tmp_path / "google.csv", 1200)
    keys: list[int] = []
    real_close = Merger.close

    def close(self: Merger) -> None:
        keys.append(len(self._one) + len(self._holders))
        real_close(self)

    spills: list[int] = []
    real_spill = MergeIndex.spill

    def spill(self: MergeIndex, *args: object, **kwargs: object) -> None:
        spills.append(1)
        real_spill(self, *args, **kwargs)  # type: ignore[arg-type]

    def deck(name: str, limit: int, parallel: bool) -> list[str]:
        spills.clear()
        with monkeypatch.context() as m:
            m.setattr(Merger, "close", close)
            m.setattr(MergeIndex, "spill", spill)
            m.setattr(Merger, "SPILL", limit)
            if parallel:
                chunked(m, 2000)
            store = Store.open(tmp_path / name)
            run_import(store, "d", [path], region="US")
            out = dump(store)
            store.close()
        return out

    everything = deck("dicts", 1 << 62, True)
    (total,) = keys
    assert total > 2000 and not spills
    # Past the limit at ~80 % of the file: ends within 1.6 times it.
    assert deck("late", total * 4 // 5, True) == everything
    assert not spills
    # Past it half-way: the file holds more than 1.6 times as many.
    assert deck("early", total // 2, True) == everything
    assert spills
    # In one process the share read is not known until the file ends.
    assert deck("one", total * 4 // 5, False) == everything
    assert spills


GOOGLE_HEADER = (
    "First Name,Last Name,Notes,E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value\n"
)


def test_quotes_that_balance_inside_a_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stray quote in an unquoted cell is literal: the quotes seen so far
    balance inside the next quoted field, where a chunk must not end."""
    path = tmp_path / "stray.csv"
    path.write_text(
        GOOGLE_HEADER
        + 'Bob,Smith,5" tall,,bob@example.com,,\n'
        + 'Carl,Jones,"a note\n'
        + 'that goes on " and on,,carl@example.com,,\n'
        + 'with ""quotes"" inside",,carl2@example.com,,\n'
        + "Dana,Lee,,,dana@example.com,,\n"
        + 'Eve,Ray,"\r\nsecond line\rthird",,eve@example.com,,\n'
        + 'Fay,Roe,""",x,fay@example.com,,\n'
        + "Gus,Poe,,,gus@example.com,Mobile,(202) 555-0142\n",
        encoding="utf-8",
        newline="",
    )
    one, many = import_both(tmp_path, monkeypatch, [path])
    assert_same(many, one)
    assert "Dana Lee" in "".join(one[1])


def test_a_late_cut_inside_a_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bad cut comes after many good chunks, with more chunks queued in
    the workers: everything from it on is read again, in order."""
    source = generate.google_csv(tmp_path / "g.csv", 800)
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    at = len(lines) * 2 // 3
    lines[at:at] = ['Stray,Quote,,,,,,,,,,,,,5" tall,\n', 'Open,Field,,,,,,,,,,,,,"one\n']
    lines[at + 10 : at + 10] = ['two" and "three\n', 'four",\n']
    path = tmp_path / "late.csv"
    path.write_text("".join(lines), encoding="utf-8")
    calls = []
    real = import_pool.read_rest

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(args[2])
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(import_pool, "read_rest", counting)
    one, many = import_both(tmp_path, monkeypatch, [path], 1000)
    assert_same(many, one)
    assert calls and calls[0] > 100  # the chunks before the cut were used


def test_rows_the_csv_module_rejects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from triage.ingest.formats.tabular import FIELD_LIMIT

    huge = "x" * (FIELD_LIMIT // 2 + 1)  # two of them: over the csv field limit
    path = tmp_path / "bad.csv"
    path.write_text(
        GOOGLE_HEADER
        + "Ann,A,,,ann@example.com,,\n"
        + f'Bob,B,"{huge}\n{huge}",,bob@example.com,,\n'
        + "Cy,C,,,cy@example.com,,\n"
        + ",,,,,,\n"
        + "Dee,D,,,not-an-email,,\n",
        encoding="utf-8",
    )
    one, many = import_both(tmp_path, monkeypatch, [path], 50)
    assert_same(many, one)
    assert one[0]["files"][0]["rejected"]  # type: ignore[index]


def test_no_boundary_for_a_long_stretch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unclosed quote: no chunk boundary ever comes, the rest is read in order."""
    rows = [f"P{i},X,,,p{i}@example.com,," for i in range(40)]
    rows[5] = 'Open,Quote,"never closed,,open@example.com,,'
    path = tmp_path / "open.csv"
    path.write_text(GOOGLE_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    monkeypatch.setattr(chunks, "GIVE_UP_MIN", 100)
    one, many = import_both(tmp_path, monkeypatch, [path], 20)
    assert_same(many, one)


def test_vcard_lines_that_look_like_the_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "tricky.vcf"
    path.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann\r\nNOTE:folded\r\n END:VCARD\r\n"
        "EMAIL:ann@example.com\r\nEND:VCARD\r\n"
        "junk between cards\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Bob\r\n"
        "NOTE;ENCODING=QUOTED-PRINTABLE:soft=\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nFN:Cy\r\nEMAIL:cy@example.com\r\n"
        "BEGIN:VCARD\r\nFN:Dee\r\nTEL:+44 20 7946 0958\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nFN:Eve\r\nEMAIL:eve@example.com\r\n",
        encoding="utf-8",
        newline="",
    )
    one, many = import_both(tmp_path, monkeypatch, [path])
    assert_same(many, one)
    assert len(one[0]["files"][0]["rejected"]) == 2  # type: ignore[index]


def test_vcard_cut_where_the_reader_is_inside_a_card(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker's check for vCard: with cuts guessed after indented
    END:VCARD lines too (a fold, inside the card), the wrong ones are read
    again in order."""
    loose = re.compile(r"(?:(?<=[\r\n])|\A)[ \t]*END[ \t]*:[ \t]*VCARD[ \t]*(?:\r\n|\r|\n)", re.I)
    monkeypatch.setattr(chunks, "_END_LINE", loose)
    calls = []
    real = import_pool.read_rest

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(args[2])
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(import_pool, "read_rest", counting)
    path = tmp_path / "folded.vcf"
    cards = [
        f"BEGIN:VCARD\r\nFN:P{i}\r\nEMAIL:p{i}@example.com\r\nEND:VCARD\r\n" for i in range(30)
    ]
    cards[20] = "BEGIN:VCARD\r\nFN:Fold\r\nNOTE:a longer note here\r\n END:VCARD\r\nEND:VCARD\r\n"
    path.write_text("".join(cards), encoding="utf-8", newline="")
    one, many = import_both(tmp_path, monkeypatch, [path], 40)
    assert_same(many, one)
    assert calls == [81]  # the first line of the card cut inside


def test_forced_vcard_format_without_cards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "plain.txt"
    path.write_text("END:VCARD\nnot a card\n" * 50, encoding="utf-8")
    one, many = import_both(tmp_path, monkeypatch, [path], 30, format="vcard")
    assert_same(many, one)
    assert str(one[0]).startswith(f"ImportFailed: {path}: no BEGIN:VCARD found")


def test_utf16_and_mapping(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "people.csv"
    text = "Nom;Courriel;Tel\r\n" + "".join(
        f"Pérson {i};p{i}@exemple-example.fr;01 23 45 67 {i % 90 + 10}\r\n" for i in range(60)
    )
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    mapping = {"name": "Nom", "email": "Courriel", "phone": "Tel"}
    one, many = import_both(tmp_path, monkeypatch, [path], 100, mapping=mapping)
    assert_same(many, one)
    assert one[0]["files"][0]["encoding"] == "utf-16-le"  # type: ignore[index]


# -- failures --------------------------------------------------------------------


@pytest.fixture
def big(tmp_path: Path) -> Path:
    return generate.google_csv(tmp_path / "big.csv", 1200)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store.open(tmp_path / "data")
    run_import(s, "d", [generate.vcards(tmp_path / "first.vcf", 20)], region="US")
    yield s
    s.close()


def fail_in_worker(monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    """Make the workers fail on their 3rd chunk (they are forked: the patch
    reaches them; the main process never prepares records here)."""
    real = import_pool.Preparer.__call__
    parent = os.getpid()
    calls = {"n": 0}

    def failing(self: import_pool.Preparer, items: object) -> object:
        if os.getpid() != parent:
            calls["n"] += 1
            if calls["n"] == 3:
                if how == "raise":
                    raise ValueError("boom\nsecond line")
                if how == "format":
                    raise importing.FormatError("the worker found no header")
                if how == "die":
                    os.kill(os.getpid(), signal.SIGKILL)
                if how == "exit":
                    os._exit(3)
        return real(self, items)  # type: ignore[arg-type]

    monkeypatch.setattr(import_pool.Preparer, "__call__", failing)


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("raise", "ValueError: boom second line"),
        ("format", "the worker found no header"),
        ("die", "killed by signal 9"),
        ("exit", "exit code 3"),
    ],
)
def test_worker_failure_fails_the_import_and_writes_nothing(
    store: Store, big: Path, monkeypatch: pytest.MonkeyPatch, how: str, message: str
) -> None:
    before = dump(store)
    chunked(monkeypatch, 4000)
    fail_in_worker(monkeypatch, how)
    started = time.monotonic()
    with pytest.raises(ImportFailed) as failed:
        run_import(store, "d", [big], region="US")
    assert time.monotonic() - started < 30
    text = str(failed.value)
    assert text.startswith(f"{big}: ")
    assert message in text
    assert "\n" not in text
    assert dump(store) == before
    no_children()


def test_failure_in_the_main_process_stops_the_workers(
    store: Store, big: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = dump(store)
    chunked(monkeypatch, 4000)
    real = store_module.ContactWriter.add
    calls = {"n": 0}

    def failing(self: store_module.ContactWriter, *args: object) -> int:
        calls["n"] += 1
        if calls["n"] == 300:
            raise OSError(28, "No space left on device")
        return real(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(store_module.ContactWriter, "add", failing)
    with pytest.raises(ImportFailed, match="No space left"):
        run_import(store, "d", [big], region="US")
    assert dump(store) == before
    no_children()


def test_interrupt_stops_cleanly(store: Store, big: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = dump(store)
    chunked(monkeypatch, 4000)
    from triage.ingest.matching import Merger

    real = Merger.absorb
    calls = {"n": 0}

    def interrupted(self: Merger, *args: object) -> int:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Merger, "absorb", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_import(store, "d", [big], region="US")
    assert dump(store) == before
    no_children()


def test_chunks_in_flight_are_bounded(
    big: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chunked(monkeypatch, 2000)
    live = {"now": 0, "most": 0}
    real_submit, real_result = import_pool._Pool.submit, import_pool._Pool.result

    def submit(self: import_pool._Pool, *args: object) -> None:
        live["now"] += 1
        live["most"] = max(live["most"], live["now"])
        real_submit(self, *args)  # type: ignore[arg-type]

    def result(self: import_pool._Pool, index: int) -> object:
        live["now"] -= 1
        return real_result(self, index)

    monkeypatch.setattr(import_pool._Pool, "submit", submit)
    monkeypatch.setattr(import_pool._Pool, "result", result)
    store = Store.open(tmp_path / "bounded")
    report = run_import(store, "d", [big], region="US")
    store.close()
    assert report.files[0].records == 1200
    assert 1 < live["most"] <= 2 * (import_pool._AHEAD + 1)
    no_children()


def test_first_chunks_are_smaller(big: Path) -> None:
    """The workers' first results come soon: an eighth of the size, then
    doubling up to it; every line is in exactly one chunk."""
    from triage.ingest.formats import open_file

    f = open_file(big)
    assert f.codec is not None
    chunker = chunks.Chunker(f.path, f.codec, f.format, f.mapping, 16_000)
    f.close()
    sizes, lines = [], 0
    try:
        while (chunk := chunker.next_chunk()) is not None:
            sizes.append(len(chunk.text))
            assert chunk.first == lines + 2  # after the header
            lines += chunk.count
    finally:
        chunker.close()
    assert lines == len(big.read_text(encoding="utf-8").splitlines()) - 1
    assert 2_000 <= sizes[0] < 4_000 <= sizes[1] < 8_000 <= sizes[2] < 16_000 <= sizes[3]
    assert all(16_000 <= size < 20_000 for size in sizes[3:-1])


def test_ctrl_c_on_the_command_line(tmp_path: Path) -> None:
    """SIGINT to the whole process group mid-import: exit 130, one line, no
    traceback, nothing imported, no worker left running."""
    path = generate.google_csv(tmp_path / "ctrl-c-unique-name.csv", 50_000)
    data = tmp_path / "data"
    env = {**os.environ, "TRIAGE_CONFIG": str(tmp_path / "none.toml")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "triage", "--data-dir", str(data), "import", str(path)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    # Interrupt once the workers are up: the middle of the import.
    deadline = time.monotonic() + 60
    while len(_processes_reading(path)) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, out + err
    assert "interrupted" in err
    assert "Traceback" not in out + err
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _processes_reading(path):
        time.sleep(0.1)
    assert not _processes_reading(path)
    check = Store.open(data)
    assert check.deck("default") is None and check.decks() == []
    check.close()


def _processes_reading(path: Path) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if str(path).encode() in cmdline:
                found.append(int(entry.name))
    return found


def test_ctrl_c_while_committing_waits_for_the_commit(
    tmp_path: Path, big: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl+C during the last step (indexes, COMMIT) strikes once the import
    is whole: never a transaction left open (and rolled back at exit with a
    traceback)."""
    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    real = store_module.Store.restore_indexes

    def interrupted(self: Store) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        real(self)

    monkeypatch.setattr(store_module.Store, "restore_indexes", interrupted)
    monkeypatch.setattr(importing, "_BULK_BYTES", 0)
    store = Store.open(tmp_path / "data")
    with pytest.raises(KeyboardInterrupt):
        run_import(store, "d", [big], region="US")
    assert not store.conn.in_transaction
    assert store.counts(store.deck("d").id).contacts > 1000  # type: ignore[union-attr]
    store.close()
    import gc

    gc.collect()
    assert unraisable == []
    no_children()


def test_prepared_rows_are_what_the_store_keeps(tmp_path: Path) -> None:
    """The worker's Entry: the stable key of DESIGN §4, the keys
    :meth:`Merger.absorb` looks up, and a Row that the store writes as it is
    and reads back (and :func:`decode_row` decodes) as the cleaned record."""
    from triage.ingest.formats import open_file
    from triage.ingest.merge import email_key, name_org_hash, name_org_key, prepare
    from triage.ingest.normalize import Normalizer
    from triage.ingest.profiles import profile_key
    from triage.model import FLAG_BITS, Problem, Source
    from triage.store.codec import decode_row, encode_source_parts

    normalize = Normalizer("US")
    files = [
        generate.google_csv(tmp_path / "g.csv", 300),
        generate.vcards(tmp_path / "c.vcf", 150),
        *fixture_files(),
    ]
    store = Store.open(tmp_path / "data")
    seen = 0
    with store.transaction():
        deck = store.create_deck("d", "US")
        import_id = store.start_import(deck.id, [])
        writer = store.writer(deck.id)
        written: list[tuple[int, tuple[object, ...]]] = []
        keys: set[str] = set()
        for path in files:
            try:
                opened = open_file(path)
            except importing.FormatError:
                continue  # a layout that needs --map
            before, after = encode_source_parts(path.name, import_id, str(path))
            for item in opened.items:
                if isinstance(item, Problem) or item.kind != "contact":
                    continue
                person = normalize(item)
                entry = prepare(person, f"{before}{person.line}{after}")
                line, email_keys, phones, url, who, row = entry
                valid_emails = [e.address for e in person.emails if e.valid]
                valid_phones = [p.number for p in person.phones if p.valid]
                name = "" if person.flags & FLAG_BITS["name_guessed"] else person.name
                assert url == profile_key(person.profile_url)
                if valid_emails:
                    key = email_key(valid_emails[0])
                elif url:
                    key = "u:" + url
                elif valid_phones:
                    key = valid_phones[0]
                else:
                    key = "h:" + name_org_hash(name, person.org)
                assert row[0] == key
                assert line == person.line
                assert email_keys == tuple(email_key(e.address) for e in person.emails)
                assert phones == tuple(valid_phones)
                assert who == name_org_key(name, person.org)
                record = decode_row(row)
                for field in (
                    "name", "given", "family", "org", "title", "emails", "phones", "notes",
                    "labels", "flags", "connected_on", "invited_on", "profile_url",
                ):  # fmt: skip
                    assert getattr(record, field) == getattr(person, field), field
                assert record.sources == [Source(path.name, person.line, import_id, str(path))]
                if key not in keys:  # one person a key (UNIQUE(deck_id, key))
                    keys.add(key)
                    written.append((writer.add(row, len(written)), row))
                seen += 1
        writer.flush()
    for contact_id, row in written:
        stored = store.contact(contact_id)
        assert stored == decode_row(row, contact_id, deck.id)
        assert (stored.key, stored.decision, stored.tags) == (row[0], "undecided", [])
    assert seen > 400 and len(written) > 300
    store.close()


def test_a_bulk_import_stores_what_a_small_one_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bulk import builds the walk's indexes while another thread works out
    the mixing (or, past MIX_BESIDE new people, after it), then moves the
    ranks: the same database, ranks included, as an import that keeps its
    indexes; a second import on top (mixed after the first one's cards) too."""
    files = [generate.google_csv(tmp_path / "g.csv", 1500)]
    again = [generate.vcards(tmp_path / "c.vcf", 400)]
    dumps = []
    for name, limit, beside in (("small", 1 << 62, 1), ("bulk", 0, 1 << 62), ("big", 0, 0)):
        with monkeypatch.context() as m:
            m.setattr(importing, "_BULK_BYTES", limit)
            m.setattr(importing._Ranks, "MIX_BESIDE", beside)
            store = Store.open(tmp_path / name)
            try:
                reports = [
                    report_of(run_import(store, "d", f, region="US")) for f in (files, again)
                ]
                dumps.append((reports, dump(store)))
            finally:
                store.close()
    (small_reports, small), *bulk = dumps
    people = [line for line in small if line.startswith('INSERT INTO "contacts"')]
    assert len(people) > 1500  # every person's row, rank included
    for reports, lines in bulk:
        assert reports == small_reports
        # The indexes are listed in the order they were created, nothing else differs.
        assert sorted(lines) == sorted(small)


def test_work_beside_sqlite_reports_either_failure_once_both_are_done() -> None:
    done: list[str] = []

    def work() -> int:
        time.sleep(0.05)
        done.append("work")
        return 7

    assert importing._beside(work, lambda: done.append("meanwhile")) == 7
    assert sorted(done) == ["meanwhile", "work"]

    def failing() -> int:
        time.sleep(0.05)
        raise MemoryError("no room for the mixing")

    with pytest.raises(MemoryError, match="no room"):
        importing._beside(failing, lambda: None)

    finished: list[bool] = []

    def slow() -> int:
        time.sleep(0.2)
        finished.append(True)
        return 1

    def broken() -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        importing._beside(slow, broken)
    assert finished == [True]  # the thread was waited for before the error left
