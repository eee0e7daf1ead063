"""Encoding detection and line splitting (triage.importers.decoding)."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from triage.ingest.decoding import (
    CHUNK,
    Encoding,
    detect_encoding,
    open_lines,
    open_text,
    read_head,
    sniff_bom,
    sniff_utf16,
)
from triage.ingest.formats import open_file
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
    opened = open_file(path)
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
