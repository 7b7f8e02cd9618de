"""How wide a line of text prints, to lay out document headers without guessing.

Advance widths (thousandths of an em) of the printable ASCII characters, space to tilde, in Times
New Roman's metrics (taken from Liberation Serif, which is metric-compatible with it and is what
LibreOffice prints Times New Roman with). A Vietnamese letter is as wide as its base letter: the
marks stand above or below it.
"""

from __future__ import annotations

import unicodedata

MM_PER_PT = 25.4 / 72


def _widths(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in text.split())


_REGULAR = _widths(
    "250 333 408 500 500 833 778 180 333 333 500 564 250 333 250 278 500 500 500 500 500 500 "
    "500 500 500 500 278 278 564 564 564 444 921 722 667 667 722 611 556 722 722 333 389 722 "
    "611 889 722 722 556 722 667 556 611 722 722 944 722 722 611 333 278 333 469 500 333 444 "
    "500 444 500 444 333 500 500 278 278 500 278 778 500 500 500 500 333 389 278 500 500 722 "
    "500 500 444 480 200 480 541 "
)
_BOLD = _widths(
    "250 333 555 500 500 1000 833 278 333 333 500 570 250 333 250 278 500 500 500 500 500 "
    "500 500 500 500 500 333 333 570 570 570 500 930 722 667 722 722 667 611 778 778 389 500 "
    "778 667 944 722 778 611 778 722 556 667 722 722 1000 722 722 667 333 278 333 581 500 "
    "333 500 556 444 556 444 333 500 556 278 333 556 278 833 556 500 556 556 444 389 333 556 "
    "500 722 500 500 444 394 220 394 520 "
)
_ITALIC = _widths(
    "250 333 420 500 500 833 778 214 333 333 500 675 250 333 250 278 500 500 500 500 500 500 "
    "500 500 500 500 333 333 675 675 675 500 920 611 611 667 722 611 611 722 722 333 444 667 "
    "556 833 667 722 611 722 611 500 556 722 611 833 611 556 556 389 278 389 422 500 333 500 "
    "500 444 500 444 278 500 500 278 278 444 278 722 500 500 500 500 389 389 278 500 444 667 "
    "444 444 389 400 275 400 541 "
)
_TABLES = {"regular": _REGULAR, "bold": _BOLD, "italic": _ITALIC}


def _base(char: str) -> str:
    if char in "Đđ":
        return "D" if char == "Đ" else "d"
    if char == "\u00a0":
        return " "
    return unicodedata.normalize("NFD", char)[0]


def width_mm(text: str, size_pt: float, style: str = "regular") -> float:
    """The printed width of `text` in millimetres at `size_pt` points."""
    table = _TABLES[style]
    units = 0
    for char in text:
        code = ord(_base(char))
        units += table[code - 32] if 32 <= code < 127 else (1000 if char == "…" else 500)
    return units / 1000 * size_pt * MM_PER_PT


# Words that start the place part of an administrative body's name: a name broken over two lines
# breaks before them ("ỦY BAN NHÂN DÂN" / "XÃ TIÊN DU").
LEVEL_WORDS = (
    "TỈNH",
    "THÀNH PHỐ",
    "QUẬN",
    "HUYỆN",
    "THỊ XÃ",
    "XÃ",
    "PHƯỜNG",
    "THỊ TRẤN",
    "ĐẶC KHU",
)
COMMITTEES = ("ỦY BAN NHÂN DÂN", "HỘI ĐỒNG NHÂN DÂN")


def office_lines(name: str) -> list[str]:
    """An issuing body's name as headers set it: a people's committee or council on two lines,
    the body then its place (ỦY BAN NHÂN DÂN / XÃ TIÊN DU); any other name on one line."""
    for body in COMMITTEES:
        rest = name[len(body) :].strip()
        if name.startswith(body + " ") and rest.startswith(LEVEL_WORDS):
            return [body, rest]
    return [name]


def fit_lines(text: str, size_pt: float, style: str, room_mm: float) -> list[str]:
    """`text` on as few lines as fit in `room_mm`, the lines as even as possible (no word left
    alone on the last line), breaking before a level word where that is as good."""
    words = text.split()
    if not words or width_mm(text, size_pt, style) <= room_mm:
        return [text.strip()]
    for count in range(2, len(words) + 1):
        best: tuple[float, list[str]] | None = None
        for cut in _cuts(len(words), count):
            lines = [
                " ".join(words[a:b]) for a, b in zip((0, *cut), (*cut, len(words)), strict=True)
            ]
            widest = max(width_mm(line, size_pt, style) for line in lines)
            if widest > room_mm:
                continue
            bonus = sum(2.0 for line in lines[1:] if line.startswith(LEVEL_WORDS))
            # "Tuần lễ", "Trung tâm": a capitalised word goes with the word after it
            split_name = sum(3.0 for line in lines[:-1] if _capitalised(line.split()[-1]))
            score = widest - bonus + split_name
            if best is None or score < best[0]:
                best = (score, lines)
        if best is not None:
            return best[1]
    return words


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and not word.isupper()


def _cuts(n: int, count: int) -> list[tuple[int, ...]]:
    """Every way to cut n words into `count` non-empty lines (short texts only)."""
    from itertools import combinations

    if n > 24:  # a long text: even cuts, no search
        step = n / count
        return [tuple(round(step * i) for i in range(1, count))]
    return list(combinations(range(1, n), count - 1))
