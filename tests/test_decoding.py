"""Encoding detection and line splitting (triage.ingest.decoding)."""

from __future__ import annotations

import codecs
import json
import subprocess
import sys
from pathlib import Path

import pytest

from triage.ingest.decoding import (
    CHUNK,
    Encoding,
    _garbage,
    codec_name,
    declared_charsets,
    detect_encoding,
    non_ascii_lines,
    open_lines,
    open_text,
    read_head,
    sniff_bom,
    sniff_utf16,
)
from triage.ingest.formats import FormatError, open_file
from triage.model import RawRecord

TEXT = "Name,Email,Notes\r\nJosé Núñez,jose@example.com,“quoted” €5\r\nZoë,zoe@example.com,ok\r\n"
LINES = [
    "Name,Email,Notes\r\n",
    "José Núñez,jose@example.com,“quoted” €5\r\n",
    "Zoë,zoe@example.com,ok\r\n",
]


def write(tmp_path: Path, data: bytes, name: str = "f.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read_all(path: Path) -> tuple[list[str], str]:
    stream, name = open_text(path)
    with stream:
        return list(stream), name


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16-be"),
        (codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"), "utf-32-le"),
        (codecs.BOM_UTF32_BE + TEXT.encode("utf-32-be"), "utf-32-be"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),
        (TEXT.encode("utf-16-be"), "utf-16-be"),
        (TEXT.encode("utf-8"), "utf-8"),
        (TEXT.encode("cp1252"), "cp1252"),
    ],
    ids=[
        "utf8-bom",
        "utf16le-bom",
        "utf16be-bom",
        "utf32le-bom",
        "utf32be-bom",
        "utf16le-nobom",
        "utf16be-nobom",
        "utf8",
        "cp1252",
    ],
)
def test_encodings_are_detected_and_decoded(tmp_path: Path, data: bytes, expected: str) -> None:
    path = write(tmp_path, data)
    assert detect_encoding(path).name == expected
    lines, name = read_all(path)
    assert name == expected
    assert lines == LINES  # no BOM left in the first line, endings kept

    opened = open_file(path)
    assert opened.encoding == expected
    records = list(opened.items)
    assert [r.full_name for r in records if isinstance(r, RawRecord)] == ["José Núñez", "Zoë"]
    assert isinstance(records[0], RawRecord)
    assert records[0].notes == "“quoted” €5"


def test_cp1252_smart_quotes_and_euro(tmp_path: Path) -> None:
    path = write(tmp_path, b"Name,Notes\r\nRen\xe9,\x93hi\x94 \x80 \x96 done\r\n")
    lines, name = read_all(path)
    assert name == "cp1252"
    assert lines[1] == "René,“hi” € – done\r\n"


def test_byte_undefined_in_cp1252_is_replaced_not_fatal(tmp_path: Path) -> None:
    # 0x81 is invalid UTF-8 here and undefined in Windows-1252.
    path = write(tmp_path, b"Name,Email\nA\x81B,ab@example.com\n")
    opened = open_file(path, encoding="windows-1252")
    assert opened.encoding == "cp1252"
    (record,) = list(opened.items)
    assert isinstance(record, RawRecord)
    assert record.full_name == "A\ufffdB"
    assert record.emails == ["ab@example.com"]


def test_invalid_utf8_after_the_first_chunk_is_found(tmp_path: Path) -> None:
    body = (
        b"Name,Email\n" + b"Ann,ann@example.com\n" * (CHUNK // 20 + 10) + b"Ren\xe9,r@example.com\n"
    )
    assert len(body) > CHUNK
    path = write(tmp_path, body)
    assert detect_encoding(path).name == "cp1252"


def test_utf8_character_across_chunk_boundary_is_still_utf8(tmp_path: Path) -> None:
    head = b"Name,Email\n"
    filler = b"x" * (CHUNK - len(head) - 1)
    body = head + filler + "é\n".encode()  # the two bytes of é straddle the boundary
    path = write(tmp_path, body)
    assert detect_encoding(path).name == "utf-8"


def test_lines_keep_every_kind_of_line_ending(tmp_path: Path) -> None:
    path = write(tmp_path, b"a\r\nb\rc\nd\r\r\ne")
    lines, _ = read_all(path)
    assert lines == ["a\r\n", "b\r", "c\n", "d\r", "\r\n", "e"]


def test_open_lines_skips_the_bom_for_utf16(tmp_path: Path) -> None:
    path = write(tmp_path, codecs.BOM_UTF16_LE + "x\ny\n".encode("utf-16-le"))
    encoding = detect_encoding(path)
    assert encoding == Encoding("utf-16-le", 2)
    with open_lines(path, encoding) as stream:
        assert list(stream) == ["x\n", "y\n"]


def test_truncated_utf16_does_not_crash(tmp_path: Path) -> None:
    data = codecs.BOM_UTF16_LE + "Name,Email\nAl,al@example.com\n".encode("utf-16-le") + b"\x41"
    path = write(tmp_path, data)
    lines, name = read_all(path)
    assert name == "utf-16-le"
    assert lines[-1].endswith("\ufffd")


def test_read_head_is_bounded_and_drops_a_cut_character(tmp_path: Path) -> None:
    path = write(tmp_path, ("é" * 100).encode())
    assert read_head(path, Encoding("utf-8"), limit=11) == "é" * 5
    assert read_head(path, Encoding("utf-8")) == "é" * 100


def test_read_head_skips_bom(tmp_path: Path) -> None:
    path = write(tmp_path, codecs.BOM_UTF16_BE + "Name\n".encode("utf-16-be"))
    assert read_head(path, detect_encoding(path)) == "Name\n"


def test_sniff_helpers() -> None:
    assert sniff_bom(b"\xff\xfe\x00\x00abc") == Encoding("utf-32-le", 4)
    assert sniff_bom(b"\xff\xfeA\x00") == Encoding("utf-16-le", 2)
    assert sniff_bom(b"\xef\xbb\xbfx") == Encoding("utf-8-sig", 0)
    assert sniff_bom(b"abc") is None
    assert sniff_utf16(b"") is None
    assert sniff_utf16(b"plain ascii text") is None
    assert sniff_utf16("Name,E-mail".encode("utf-16-le")) == "utf-16-le"
    assert sniff_utf16("Name,E-mail".encode("utf-16-be")) == "utf-16-be"


def test_empty_file_detects_without_error(tmp_path: Path) -> None:
    path = write(tmp_path, b"")
    assert detect_encoding(path).name == "utf-8"


def test_missing_file_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        detect_encoding(tmp_path / "nope.csv")


# --------------------------------------------------------------------------- legacy code pages


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("Name,Email\nВиталий Кличко,v@example.com\nОльга Петрова,o@example.com\n", "cp1251"),
        ("Name,Email\nŁukasz Wójcik,l@example.com\nZofia Łęcka,z@example.com\n", "cp1250"),
        ("Name,Email\n山田太郎,y@example.com\n名無しの権兵衛,n@example.com\n", "cp932"),
        ("Name,Email\n王小明,w@example.com\n李华,l@example.com\n", "gb18030"),
        ("Name,Email\nJosé Núñez,j@example.com\nFrançois Müller,f@example.com\n", "cp1252"),
    ],
    ids=["cyrillic", "polish", "japanese", "chinese", "western"],
)
def test_undeclared_code_pages_are_detected(tmp_path: Path, text: str, codec: str) -> None:
    path = write(tmp_path, text.encode(codec))
    assert detect_encoding(path).name == codec
    opened = open_file(path)
    assert opened.encoding == codec
    names = [r.full_name for r in opened.items if isinstance(r, RawRecord)]
    assert names == [line.split(",")[0] for line in text.splitlines()[1:]]


def test_declared_charset_is_the_hint(tmp_path: Path) -> None:
    # Two short Cyrillic words could be several code pages; the card says which.
    body = "FN:Іван\nN;CHARSET=WINDOWS-1251:".encode("cp1251") + "Іван".encode("cp1251")
    data = b"BEGIN:VCARD\nVERSION:2.1\n" + body + b"\nEND:VCARD\n"
    path = write(tmp_path, data, "c.vcf")
    assert declared_charsets(data) == ["cp1251"]
    assert detect_encoding(path).name == "cp1251"
    (rec,) = list(open_file(path).items)
    assert isinstance(rec, RawRecord)
    assert (rec.full_name, rec.family) == ("Іван", "Іван")


def test_declared_charset_that_does_not_fit_is_not_used(tmp_path: Path) -> None:
    # A declared code page that cannot read the bytes is passed over.
    name = "安藤ロイド".encode("shift_jis")
    data = b"BEGIN:VCARD\nN;CHARSET=ISO-8859-5:A\nFN:" + name + b"\nEND:VCARD\n"
    assert declared_charsets(data) == ["iso8859-5"]
    path = write(tmp_path, data, "c.vcf")
    # ISO-8859-5 reads any byte, so it is taken: a declaration outranks a guess.
    assert detect_encoding(path).name == "iso8859-5"
    bad = b"BEGIN:VCARD\nN;CHARSET=EUC-JP:A\nFN:" + name + b"\nEND:VCARD\n"
    assert detect_encoding(write(tmp_path, bad, "d.vcf")).name in ("shift_jis", "cp932")


def test_pure_ascii_and_utf8_never_run_the_detector(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import triage.ingest.decoding as decoding

    def boom(path: Path) -> str:
        raise AssertionError("the detector ran on a UTF-8 file")

    monkeypatch.setattr(decoding, "guess_legacy", boom)
    assert detect_encoding(write(tmp_path, TEXT.encode())).name == "utf-8"
    assert detect_encoding(write(tmp_path, b"Name\nAnn\n")).name == "utf-8"


def test_forced_encoding(tmp_path: Path) -> None:
    data = "Name,Email\nВиталий,v@example.com\n".encode("koi8_r")
    path = write(tmp_path, data)
    assert detect_encoding(path, "KOI8-R") == Encoding("koi8-r")
    opened = open_file(path, encoding="koi8-r")
    (rec,) = list(opened.items)
    assert isinstance(rec, RawRecord)
    assert (opened.encoding, rec.full_name) == ("koi8-r", "Виталий")
    # a BOM is skipped, not read as a character
    bom = write(tmp_path, codecs.BOM_UTF8 + b"Name\nAnn\n", "b.csv")
    assert detect_encoding(bom, "utf-8") == Encoding("utf-8-sig")
    assert read_all(bom)[0][0] == "Name\n"


@pytest.mark.parametrize("parallel", [False, True])
def test_forced_code_page_reads_a_vcard_value_that_is_also_utf8(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parallel: bool
) -> None:
    """郑 英 in GB18030 (D6 A3 20 D3 A2) is also valid UTF-8 (֣ Ӣ): with
    --encoding gb18030 the user's code page reads it, in one process or in
    the parallel pipeline."""
    import triage.ingest.run as importing
    from triage.ingest.run import run_import
    from triage.store import Store

    cards = b"".join(
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:"
        + name.encode("gb18030")
        + f"\r\nEMAIL:p{i}@example.com\r\nEND:VCARD\r\n".encode()
        for i, name in enumerate(["郑 英", "王 伟"] * 150)
    )
    path = write(tmp_path, cards, "cards.vcf")
    if parallel:
        monkeypatch.setattr(importing, "_PARALLEL_BYTES", 0)
        monkeypatch.setattr(importing, "_MIN_CHUNK", 500)
        monkeypatch.setattr(importing, "_MAX_CHUNK", 500)
        monkeypatch.setattr(importing, "_worker_count", lambda: 2)
    else:
        monkeypatch.setattr(importing, "_PARALLEL_BYTES", 1 << 62)
    store = Store.open(tmp_path / "data")
    try:
        report = run_import(store, "d", [path], region="US", encoding="gb18030")
        deck = store.deck("d")
        assert deck is not None
        names = {c.name for c in store.iter_contacts(deck.id)}
    finally:
        store.close()
    assert report.files[0].encoding == "gb18030"
    assert names == {"郑 英", "王 伟"}


@pytest.mark.parametrize("name", ["klingon", "rot13", "hex", "idna", ""])
def test_unknown_or_unusable_codec_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(LookupError):
        codec_name(name)
    with pytest.raises(FormatError, match="unknown encoding"):
        open_file(write(tmp_path, b"Name\nAnn\n"), encoding=name)


def test_garbage_score_prefers_real_names() -> None:
    assert _garbage("Виталий Кличко") == 0
    assert _garbage("Âèòàëèé Êëè÷êî") >= 5
    assert _garbage("山田太郎") == 0
    assert _garbage("ŽR“c‘¾˜Y") >= 5
    assert _garbage("José Núñez") == 0


def test_non_ascii_lines_sample() -> None:
    data = b"a\nb\xe9\nc\nd\xe8\ne\xff"
    assert non_ascii_lines(data) == b"b\xe9\nd\xe8"  # the cut last line is left out
    assert non_ascii_lines(b"plain\n") == b""


@pytest.mark.parametrize("codec", ["cp1251", "shift_jis"])
def test_legacy_vcard_chunked_same_as_sequential(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, codec: str
) -> None:
    """The parallel pipeline reopens the file raw and decodes in the workers."""
    import triage.ingest.run as importing
    from triage.ingest.run import run_import
    from triage.store import Store

    name = "Кличко" if codec == "cp1251" else "伊能"
    cards = b"".join(
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET="
        + codec.encode()
        + b":"
        + f"{name}{i};X".encode(codec)
        + f"\r\nTEL:+1 415 555 {i:04d}\r\nEND:VCARD\r\n".encode()
        for i in range(300)
    )
    path = write(tmp_path, cards, "big.vcf")
    results = []
    for parallel in (False, True):
        with monkeypatch.context() as m:
            if parallel:
                m.setattr(importing, "_PARALLEL_BYTES", 0)
                m.setattr(importing, "_MIN_CHUNK", 500)
                m.setattr(importing, "_MAX_CHUNK", 500)
                m.setattr(importing, "_worker_count", lambda: 2)
            else:
                m.setattr(importing, "_PARALLEL_BYTES", 1 << 62)
            store = Store.open(tmp_path / str(parallel))
            report = run_import(store, "d", [path], region="US")
            deck = store.deck("d")
            assert deck is not None
            results.append(
                (report.files[0].encoding, sorted(c.name for c in store.iter_contacts(deck.id)))
            )
            store.close()
    assert results[0] == results[1]
    encoding, names = results[0]
    assert encoding in (codec, "cp932")
    assert f"X {name}7" in names and len(names) == 300


# --------------------------------------------------------------------------- the command line


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "triage", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_encoding_option(tmp_path: Path) -> None:
    data = "Name,Email\nВиталий,v@example.com\n".encode("koi8_r")
    path = write(tmp_path, data)
    data_dir = str(tmp_path / "data")
    done = run_cli("--data-dir", data_dir, "import", str(path), "--encoding", "koi8-r", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["files"][0]["encoding"] == "koi8-r"
    status = run_cli("--data-dir", data_dir, "status", "--json")
    assert json.loads(status.stdout)["contacts"] == 1

    bad = run_cli("--data-dir", data_dir, "import", str(path), "--encoding", "klingon")
    assert bad.returncode == 2
    assert bad.stdout == ""
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown encoding 'klingon'" in lines[0], bad.stderr
    assert "Traceback" not in bad.stderr
