"""How the cells of a legacy Excel workbook (.xls, BIFF8) look, which python-calamine does not tell:
struck through (the cell's font, or runs of its text) and numbers shown as a percentage, a date or
a time (calamine gives dates, but not the format that showed them).

Read from the records of the file's Workbook stream (the compound file is opened with olefile):
first the fonts, formats and cell styles only; the shared strings and the form sheet's cells only
when a font strikes through or a style shows a percentage, a date or a time. Anything odd gives
no look at all: calamine has read the values already, and they stand.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator

from htsd_cli.reading.parts import (
    BUILTIN_FORMATS,
    MAX_ROWS_READ,
    NO_LOOK,
    CellLook,
    address,
    format_kind,
)

_BOF, _EOF, _CONTINUE = 0x0809, 0x000A, 0x003C
_FONT, _FORMAT, _XF, _BOUNDSHEET, _SST = 0x0031, 0x041E, 0x00E0, 0x0085, 0x00FC
_LABELSST, _MULRK = 0x00FD, 0x00BD
_VALUE_CELLS = {0x0203, 0x027E, 0x0006, 0x0204, 0x00D6, 0x0205}  # number, RK, formula, text, bool
_STRIKE_OUT = 0x0008
_COLUMNS = 64  # the form's columns: more are never looked at


def _records(stream: bytes, start: int = 0) -> Iterator[tuple[int, int, bytes]]:
    """(offset, record type, body) from `start` to the end of the stream."""
    pos, end = start, len(stream)
    while pos + 4 <= end:
        kind, size = struct.unpack_from("<HH", stream, pos)
        yield pos, kind, stream[pos + 4 : pos + 4 + size]
        pos += 4 + size


def _unicode(body: bytes, at: int, count_size: int) -> str:
    """An XLUnicodeString (count_size 2) or ShortXLUnicodeString (1) at `at` in a body."""
    count = body[at] if count_size == 1 else struct.unpack_from("<H", body, at)[0]
    flags = body[at + count_size]
    start = at + count_size + 1
    if flags & 1:
        return body[start : start + 2 * count].decode("utf-16-le", "replace")
    return body[start : start + count].decode("latin-1")


class _Chunks:
    """The shared strings, spread over an SST record and its CONTINUE records: a string's
    characters continue in the next record after one byte that says how wide they are."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks, self.at, self.pos = chunks, 0, 0

    def take(self, size: int) -> bytes:
        out = b""
        while size > 0:
            chunk = self.chunks[self.at]  # IndexError past the end: the caller stops
            if self.pos >= len(chunk):
                self.at, self.pos = self.at + 1, 0
                continue
            part = chunk[self.pos : self.pos + size]
            self.pos += len(part)
            size -= len(part)
            out += part
        return out

    def chars(self, count: int, wide: bool) -> str:
        out = []
        while count > 0:
            chunk = self.chunks[self.at]
            if self.pos >= len(chunk):
                self.at += 1
                wide, self.pos = bool(self.chunks[self.at][0] & 1), 1
                continue
            width = 2 if wide else 1
            n = min(count, (len(chunk) - self.pos) // width)
            if n <= 0:
                raise IndexError("a character split across records")
            raw = chunk[self.pos : self.pos + n * width]
            self.pos += n * width
            count -= n
            out.append(raw.decode("utf-16-le" if wide else "latin-1", "replace"))
        return "".join(out)


def _struck_strings(chunks: list[bytes], struck: list[bool]) -> dict[int, tuple[tuple[str, bool | None], ...]]:  # fmt: skip
    """Shared string index → its runs, for the rich strings with a struck run."""
    reader = _Chunks(chunks)
    total = struct.unpack_from("<I", reader.take(8), 4)[0]
    out: dict[int, tuple[tuple[str, bool | None], ...]] = {}
    try:
        for index in range(total):
            count, flags = struct.unpack("<HB", reader.take(3))
            runs = struct.unpack("<H", reader.take(2))[0] if flags & 0x08 else 0
            extra = struct.unpack("<I", reader.take(4))[0] if flags & 0x04 else 0
            text = reader.chars(count, bool(flags & 1))
            marks = [struct.unpack_from("<HH", reader.take(4)) for _ in range(runs)]
            reader.take(extra)
            if any(_font_struck(struck, font) for _, font in marks):
                out[index] = _runs(text, marks, struck)
    except (IndexError, struct.error):
        pass  # a string cut short: the ones read stand
    return out


def _runs(text: str, marks: list[tuple[int, int]], struck: list[bool]) -> tuple[tuple[str, bool | None], ...]:  # fmt: skip
    """The text cut where its font changes: before the first mark, the cell's own font (None)."""
    runs: list[tuple[str, bool | None]] = []
    edges = [(0, None)] + [(at, _font_struck(struck, font)) for at, font in marks]
    for (at, strikes), (end, _) in zip(edges, [*edges[1:], (len(text), None)], strict=True):
        if end > at:
            runs.append((text[at:end], strikes))
    return tuple(runs)


def _font_struck(struck: list[bool], font: int) -> bool:
    """Font index 4 does not exist in BIFF: the fifth FONT record is font 5."""
    at = font if font < 4 else font - 1
    return 0 <= at < len(struck) and struck[at]


def xls_looks(data: bytes, sheet: str) -> dict[str, CellLook]:
    """A1 → how the cell looks, for the cells of sheet `sheet` that are struck through (whole or in
    part) or shown as a percentage, a date or a time ({} when the workbook has no such font or
    style, after reading only its fonts, formats and styles)."""
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            stream = ole.openstream("Workbook").read()
        return _looks(stream, sheet)
    except Exception:  # whatever is odd in the file: the values calamine read stand
        return {}


def _looks(stream: bytes, sheet: str) -> dict[str, CellLook]:
    struck: list[bool] = []
    codes: dict[int, str] = {}
    styles: list[CellLook] = []
    special = False  # a style of cells (not a named style) that strikes or shows a percentage
    sheets: dict[str, int] = {}
    sst: list[bytes] = []
    for _, kind, body in _records(stream):
        if kind == _FONT:
            struck.append(bool(struct.unpack_from("<H", body, 2)[0] & _STRIKE_OUT))
        elif kind == _FORMAT:
            codes[struct.unpack_from("<H", body)[0]] = _unicode(body, 2, 2)
        elif kind == _XF:
            font, fmt = struct.unpack_from("<HH", body)
            kind_code = (
                (format_kind(codes[fmt]), codes[fmt])
                if fmt in codes
                else BUILTIN_FORMATS.get(fmt, ("", ""))
            )
            styles.append(CellLook(_font_struck(struck, font), shows_as=kind_code[0],
                                   format_code=kind_code[1] if kind_code[0] else ""))  # fmt: skip
            named = struct.unpack_from("<H", body, 4)[0] & 0x0004
            special = special or (not named and bool(styles[-1]))
        elif kind == _BOUNDSHEET:
            sheets[_unicode(body, 6, 1)] = struct.unpack_from("<I", body)[0]
        elif kind == _SST:
            if not any(struck):
                break  # strings matter only when some font strikes through
            sst.append(body)
        elif kind == _CONTINUE and sst:
            sst.append(body)
        elif sst or kind == _EOF:
            break
    if (not special and not any(struck)) or sheet not in sheets:
        return {}
    strings = _struck_strings(sst, struck) if sst else {}
    out: dict[str, CellLook] = {}
    for pos, kind, body in _records(stream, sheets[sheet]):
        if kind == _EOF and pos > sheets[sheet]:
            break
        if (kind not in _VALUE_CELLS and kind not in (_LABELSST, _MULRK)) or len(body) < 6:
            continue
        row, col = struct.unpack_from("<HH", body)
        if row >= MAX_ROWS_READ:
            continue
        if kind == _MULRK:  # several numbers in a row: a style each
            for n in range((len(body) - 6) // 6):
                xf = struct.unpack_from("<H", body, 4 + 6 * n)[0]
                _put(out, row, col + n, styles, xf, ())
            continue
        xf = struct.unpack_from("<H", body, 4)[0]
        runs = strings.get(struct.unpack_from("<I", body, 6)[0], ()) if kind == _LABELSST else ()
        _put(out, row, col, styles, xf, runs)
    return out


def _put(out: dict[str, CellLook], row: int, col: int, styles: list[CellLook], xf: int,
         runs: tuple[tuple[str, bool | None], ...]) -> None:  # fmt: skip
    if col >= _COLUMNS:
        return
    look = styles[xf] if xf < len(styles) else NO_LOOK
    if runs:
        look = CellLook(look.struck, runs, look.shows_as, look.format_code)
    if look:
        out[address(row, col)] = look
