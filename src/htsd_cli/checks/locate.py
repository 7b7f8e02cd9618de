"""Finding each figure's cell with evidence, never by a shift.

Every way of finding the cells proposes a map: the defined names (which follow inserted and
deleted rows in every real client), the hidden sheet's map and the issued layout (fixed
positions). A map is used only when, for every single indicator, the label beside its cell is
the indicator's label, the rows keep the form's order, and the column is not headed as a plan,
a target or a unit of measure. Otherwise the table is aligned to the form by its labels: each
indicator gets the one row that fits the form's order, and its value is read from the column
the table's header names as the result. Labels may be written short as units write them ("SL
tờ rơi"), and a table without stamps may carry the labels of an earlier version of the form
(kept in its history), which then reads it. A figure that cannot be placed this way, or whose
place holds another row that could be its, is refused with a problem naming the cells; nothing
is read from a position that only looks likely.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from htsd_cli.base.findings import Code, LocatedBy
from htsd_cli.base.textnorm import label_key
from htsd_cli.base.values import is_blank
from htsd_cli.campaign.form import Form, Indicator
from htsd_cli.campaign.layout import compute_layout, label_text, per_form
from htsd_cli.reading.parts import NamedCell, address, position
from htsd_cli.reading.view import Grid

LABEL_COLUMNS = 8  # labels are looked for in the first columns only
HEADER_LOOKBACK = 8  # rows above the first figure searched for the table's header
MIN_LOCATED = 0.5  # below this share of indicators found by label, it is not this form
SECTION_WEIGHT, INDICATOR_WEIGHT, TEXT_WEIGHT = 1, 3, 1


@dataclass(frozen=True)
class Problem:
    """Why an indicator (or the whole table) could not be located with evidence."""

    code: Code
    message: str
    cell: str = ""
    indicator: str = ""
    fatal: bool = False  # the file cannot be read at all


@dataclass
class Location:
    """Where each indicator, note and text part was found, and how."""

    cells: dict[str, str]
    method: LocatedBy
    problems: list[Problem] = field(default_factory=list)
    form: Form | None = None  # by labels: the version of the form whose labels placed them


# --- labels -------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8192)
def _cell_key(text: str) -> str | None:
    """A text cell's label key; None for a cell too short to be a label (one character)."""
    return label_key(text) if len(text.strip()) > 1 else None


class LabelIndex:
    """The label keys of each row of a grid, computed once and on demand."""

    def __init__(self, grid: Grid) -> None:
        self.grid = grid
        self._rows: dict[int, list[tuple[int, str]]] = {}
        self._by_key: dict[str, list[tuple[int, int]]] | None = None

    def row(self, r: int) -> list[tuple[int, str]]:
        """(column, key) of each text cell in the first columns of row r."""
        keys = self._rows.get(r)
        if keys is None:
            cells = self.grid[r] if 0 <= r < len(self.grid) else ()
            keys = []
            for c, v in enumerate(cells[:LABEL_COLUMNS]):
                if isinstance(v, str):
                    key = _cell_key(v)
                    if key is not None:
                        keys.append((c, key))
            self._rows[r] = keys
        return keys

    def label_col(self, r: int, before: int, key: str) -> int | None:
        """The column left of `before` in row r that holds `key`, if any."""
        keys = self._rows.get(r)
        if keys is not None:
            return next((c for c, k in keys if k == key and c < before), None)
        # asked once per row on the usual path: the few cells left of `before`, not the row
        cells = self.grid[r] if 0 <= r < len(self.grid) else ()
        for c, v in enumerate(cells[: min(before, LABEL_COLUMNS)]):
            if isinstance(v, str) and _cell_key(v) == key:
                return c
        return None

    def find(self, key: str) -> list[tuple[int, int]]:
        """(row, column) of every cell holding `key`."""
        if self._by_key is None:
            self._by_key = {}
            for r in range(len(self.grid)):
                for c, k in self.row(r):
                    self._by_key.setdefault(k, []).append((r, c))
        return self._by_key.get(key, [])


# --- the table's header --------------------------------------------------------------------------------

VALUE, OTHER, NOTE = "value", "other", "note"
_NOT_RESULT = ("ke hoach", "chi tieu", "du kien", "nam truoc", "cung ky", "ty le", "so sanh")
_RESULT = ("ket qua", "so luong", "thuc hien", "so lieu", "gia tri", "tong so")
_LABELISH = ("noi dung", "hoat dong", "ten chi", "chi so", "tieu chi")


def header_role(text: object) -> str | None:
    """What a header cell says its column holds: the result, a note, something else, or None."""
    return _text_role(text) if isinstance(text, str) else None


@functools.lru_cache(maxsize=4096)  # the same few headers in every file
def _text_role(text: str) -> str | None:
    key = label_key(text)
    if not key or len(key) > 40:
        return None
    if "ghi chu" in key:
        return NOTE
    words = set(key.replace(",", " ").replace("/", " ").split())
    if (
        any(t in key for t in _NOT_RESULT)
        or words & {"dvt", "tt", "stt"}
        or "don vi tinh" in key
        or any(t in key for t in _LABELISH)
    ):
        return OTHER
    if any(t in key for t in _RESULT):
        return VALUE
    return None


@dataclass(frozen=True)
class Header:
    row: int  # zero-based; the lower row of a two-row header
    roles: dict[int, str]  # column → role
    texts: dict[int, str]  # column → the header's own words, for messages

    def value_columns(self) -> list[int]:
        return sorted(c for c, role in self.roles.items() if role == VALUE)

    def note_column(self) -> int | None:
        return next((c for c, role in sorted(self.roles.items()) if role == NOTE), None)


def _header_cells(grid: Grid, r: int) -> dict[int, tuple[str, str]]:
    cells = grid[r] if 0 <= r < len(grid) else ()
    out = {}
    for c, v in enumerate(cells[: LABEL_COLUMNS + 4]):
        if isinstance(v, str):  # a header is words (header_role of anything else is None)
            role = _text_role(v)
            if role:
                out[c] = (role, v.strip())
    return out


def is_header_row(grid: Grid, r: int) -> bool:
    """Whether row r names the columns of a table ("TT", "Nội dung", "Kết quả"…)."""
    return len(_header_cells(grid, r)) >= 2


def find_header(grid: Grid, first_row: int) -> Header | None:
    """The header row nearest above the table's first figure (two rows when it is split)."""
    for r in range(first_row - 1, max(-1, first_row - 1 - HEADER_LOOKBACK), -1):
        lower = _header_cells(grid, r)
        if len(lower) < 2:
            continue
        upper = _header_cells(grid, r - 1)
        merged = dict(upper) if len(upper) >= 2 else {}
        for c, (role, text) in lower.items():
            above = merged.get(c)
            if above and above[0] != VALUE:
                role = above[0]  # "Kế hoạch" above wins over "Số lượng" below
            merged[c] = (role, f"{above[1]} / {text}" if above else text)
        return Header(
            r, {c: role for c, (role, _) in merged.items()}, {c: t for c, (_, t) in merged.items()}
        )
    return None


# --- the form as a sequence of rows to find ---------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    id: str
    key: str
    weight: int
    indicator: Indicator | None = None
    text_id: str = ""


@per_form
def form_items(form: Form) -> tuple[Item, ...]:
    """Headings, indicators and text parts in the order the form prints them."""
    lay = compute_layout(form)
    items: list[Item] = []
    for row in lay.rows:
        if row.kind == "section" and row.section is not None:
            items.append(Item(f"section-{row.section.number}", label_key(row.section.heading), 1))
        elif row.kind == "indicator" and row.indicator is not None:
            ind = row.indicator
            items.append(Item(ind.id, label_key(ind.label), INDICATOR_WEIGHT, indicator=ind))
        elif row.kind == "text_heading" and row.text is not None:
            items.append(Item(f"heading-{row.text.id}", label_key(row.text.heading), TEXT_WEIGHT,
                              text_id=row.text.id))  # fmt: skip
        elif row.kind == "heading" and row.heading:
            items.append(Item(f"heading-{row.number}", label_key(row.heading), TEXT_WEIGHT))
    return tuple(i for i in items if i.key)


@per_form
def _indicator_keys(form: Form) -> tuple[tuple[str, str, str], ...]:
    """(id, id of its note, label key) of each indicator, in the form's order."""
    return tuple((i.id, i.note_id, label_key(i.label)) for i in form.indicators)


@per_form
def _indicator_ids(form: Form) -> frozenset[str]:
    return frozenset(i.id for i in form.indicators)


def _show_label(ind: Indicator) -> str:
    return label_text(ind).strip(" -")


# --- maps proposed by names, the hidden sheet and the layout ---------------------------------------------


def _coherent(
    index: LabelIndex, form: Form, cells: Mapping[str, str], skip: frozenset[str] = frozenset()
) -> bool:
    """Every indicator's cell has its label on its left, in the form's order, in a result column."""
    previous = -1
    first: int | None = None
    columns: set[int] = set()
    for ind_id, _, key in _indicator_keys(form):
        if ind_id in skip:
            continue
        r, c = position(cells.get(ind_id, ""))
        if r <= previous or c < 1 or index.label_col(r, c, key) is None:
            return False
        previous = r
        first = r if first is None else first
        columns.add(c)
    if first is None:
        return False
    header = find_header(index.grid, first)
    return header is None or all(header.roles.get(c, VALUE) == VALUE for c in columns)


def _extras(index: LabelIndex, form: Form, cells: Mapping[str, str], out: dict[str, str]) -> None:
    """Notes in the same row as their figure, and text parts right below their heading."""
    for ind_id, note_id, _ in _indicator_keys(form):
        value, note = out.get(ind_id), cells.get(note_id)
        if value and note and position(value)[0] == position(note)[0]:
            out[note_id] = note
    for text in form.texts:
        ref = cells.get(text.id)
        r = position(ref or "")[0]
        if ref and r > 0 and any(k == label_key(text.heading) for _, k in index.row(r - 1)):
            out[text.id] = ref


def _from_map(
    index: LabelIndex,
    form: Form,
    method: LocatedBy,
    cells: Mapping[str, str],
    removed: frozenset[str],
) -> Location:
    out = {i: cells[i] for i, _, _ in _indicator_keys(form) if i not in removed}
    _extras(index, form, cells, out)
    location = Location(out, method)
    _texts_by_heading(index, form, location)
    for ind in form.indicators:
        if ind.id in removed:
            where = _gap(out, form, ind, position(next(iter(out.values()), "C1"))[1])
            location.problems.append(
                Problem(
                    Code.ROW_REMOVED,
                    f"Dòng '{_show_label(ind)}' đã bị xóa khỏi biểu mẫu (chỗ của dòng này nay là "
                    f"ô {where}); số liệu này coi như chưa báo cáo. Hãy dùng lại biểu mẫu gốc, "
                    "không xóa dòng.",
                    where,
                    ind.id,
                )
            )
    return location


def _texts_by_heading(index: LabelIndex, form: Form, location: Location) -> None:
    """Text parts not placed by a map: the cell under their heading, when the heading is unique.
    A heading written more than once places neither copy's words, and says so."""
    for text in form.texts:
        if text.id in location.cells:
            continue
        hits = index.find(label_key(text.heading))
        if len(hits) == 1:
            r, c = hits[0]
            location.cells[text.id] = address(r + 1, c)
        elif hits:
            location.problems.append(_ambiguous_text(text.heading, hits))


def _ambiguous_text(heading: str, hits: Sequence[tuple[int, int]]) -> Problem:
    """A text part's heading found in several cells (row, column), or in one cell another part
    of the form could own as well: its words are not read."""
    cells = ", ".join(address(r, c) for r, c in hits)
    why = (
        f"có ở nhiều ô ({cells}): không biết lời văn dưới tiêu đề nào là của phần này"
        if len(hits) > 1
        else f"ở ô {cells} có thể là của phần này hoặc của một phần khác cùng tên"
    )
    return Problem(
        Code.AMBIGUOUS_TEXT,
        f"Tiêu đề '{heading.strip()}' {why}, nên phần này chưa được đọc. Hãy để lại một tiêu đề "
        "và ghi lời văn ngay ô dưới nó.",
        address(*hits[0]),
    )


# --- labels written short -------------------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+")
_PHRASE = re.compile(r"[,;:()/.]")
# A label written short explains at least this many words of the form's label, and this share.
SHORT_MIN_WORDS, SHORT_MIN_SHARE = 3, 0.25
SHORT_MAX_LABELS = 3  # written so short that it fits more labels than this, it only casts doubt


@functools.lru_cache(maxsize=8192)
def _words(key: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(key))


@functools.lru_cache(maxsize=2048)
def _phrases(key: str) -> tuple[int, ...]:
    """The phrase each word of a key belongs to (phrases end at commas, colons, brackets)."""
    return tuple(n for n, part in enumerate(_PHRASE.split(key)) for _ in _WORD.findall(part))


def _runs(token: str, words: Sequence[str], phrases: Sequence[int], start: int) -> list[int]:
    """Where a run of words from `start` that `token` stands for ends: the words of one phrase
    run together, each whole or by its first letter ("tthtcd": "trung tam htcd"; "bd": "boi
    duong"). A single word stands only for itself: one letter is no evidence."""
    ends: list[int] = []
    seen: set[tuple[int, int]] = set()  # each (letter, word) once: never more paths than that

    def walk(at: int, k: int) -> None:
        if (at, k) in seen:
            return
        seen.add((at, k))
        if at == len(token):
            if k - start >= 2 or token == words[start]:
                ends.append(k)
            return
        if k == len(words) or phrases[k] != phrases[start]:
            return
        word = words[k]
        if token.startswith(word, at):
            walk(at + len(word), k + 1)
        if len(word) > 1 and word[0] == token[at]:
            walk(at + 1, k + 1)

    walk(0, start)
    return sorted(set(ends))


@functools.lru_cache(maxsize=65536)
def explained(typed: str, label: str) -> int:
    """How many words of `label` a label typed short explains; -1 when a word typed is not
    explained. Both are label keys.

    Every word typed must be a word of the label, or the initials of a run of its words (whole
    words may stand in the run: "TTHTCĐ" for "Trung tâm HTCĐ"), in the label's order; words of
    the label may be left out ("SL tờ rơi" for "Số lượng tờ rơi đã phát hành")."""
    typed_words, words, phrases = _words(typed), _words(label), _phrases(label)
    if not typed_words or len(typed_words) > len(words):
        return -1
    known, initials = set(words), {w[0] for w in words}
    # a word typed is a word of the label, or initials: a few letters, the first an initial
    if any(t not in known and (t[0] not in initials or len(t) > 12) for t in typed_words):
        return -1

    n, m = len(typed_words), len(words)
    # after[i][j]: the most words explained by typed_words[i:] among words[j:] (-1: none)
    after = [[-1] * (m + 1) for _ in range(n)] + [[0] * (m + 1)]
    for i in range(n - 1, -1, -1):
        token, most = typed_words[i], -1
        for start in range(m - 1, -1, -1):
            if token[0] == words[start][0]:
                for end in _runs(token, words, phrases, start):
                    rest = after[i + 1][end]
                    if rest >= 0 and rest + end - start > most:
                        most = rest + end - start
            after[i][start] = most
    return after[0][0]


def short_for(typed: str, label: str) -> bool:
    """Whether a label typed short is evidence for `label`: it explains enough of its words
    (not "Số lớp" for every label that starts so). Both are label keys."""
    return explained(typed, label) >= max(SHORT_MIN_WORDS, SHORT_MIN_SHARE * len(_words(label)))


# How strongly a cell's label stands for a label of the form: in full, written short, or only
# weakly (every word typed is a word of the label, but too few of them to tell which row it is:
# "Số lớp", "Số người tham gia" where "Số lượng người tham gia" belongs). Rows are aligned by
# labels in full or written short; a weak label is never read, but a row holding a figure
# beside one casts doubt on the row of the form whose place it is in (_doubts).
FULL, SHORT, WEAK = 3, 2, 1
WEAK_MIN_WORDS = 2  # not "Tổng" or "Cộng" beside "Tổng kinh phí…"


@functools.lru_cache(maxsize=16384)
def _fits(typed: str, keys: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    """(label, strength) of each label among `keys` the label key `typed` could stand for."""
    out: list[tuple[str, int]] = []
    short: list[str] = []
    for key in keys:
        if key == typed:
            out.append((key, FULL))
            continue
        if short_for(typed, key):
            short.append(key)
        elif explained(typed, key) >= WEAK_MIN_WORDS:
            out.append((key, WEAK))
    # a label of the form in full is no other label written short; a label written so short
    # that it fits too many labels tells none of them
    firm = len(short) <= SHORT_MAX_LABELS and typed not in keys
    return (*out, *((key, SHORT if firm else WEAK) for key in short))


class Evidence:
    """Where each label of one version of the form is written in a grid: the cells (row,
    column) that stand for it, in reading order, and how strongly (FULL, SHORT, WEAK)."""

    def __init__(self, index: LabelIndex, items: Sequence[Item]) -> None:
        keys = tuple(sorted({item.key for item in items}))
        self.at: dict[str, list[tuple[int, int]]] = {}
        self.strength: dict[tuple[int, int, str], int] = {}
        for r in range(len(index.grid)):
            header: bool | None = None  # "TT | Nội dung hoạt động | Kết quả": no row's label
            for c, typed in index.row(r):
                for key, strength in _fits(typed, keys):
                    if strength != FULL:
                        if header is None:
                            header = is_header_row(index.grid, r)
                        if header:
                            continue
                    self.at.setdefault(key, []).append((r, c))
                    self.strength[(r, c, key)] = strength

    def cells(self, key: str, least: int = WEAK) -> list[tuple[int, int]]:
        """The cells standing for `key` at least as strongly as `least`."""
        found = self.at.get(key, [])
        if least == WEAK:
            return found
        return [(r, c) for r, c in found if self.strength[(r, c, key)] >= least]

    def label_col(self, r: int, key: str) -> int:
        """The column of row r that stands for `key` most strongly (the first of those)."""
        return min(
            ((-self.strength[(row, c, key)], c) for row, c in self.at.get(key, []) if row == r)
        )[1]

    def how(self, r: int, key: str) -> int:
        """How strongly row r stands for `key`."""
        return self.strength[(r, self.label_col(r, key), key)]


# --- alignment by labels --------------------------------------------------------------------------------


class _MaxTree:
    """The largest value recorded at positions 1..n up to a given position, with values
    recorded one position at a time (a Fenwick tree of maxima): log(n) steps each."""

    def __init__(self, n: int) -> None:
        self.tree = [0] * (n + 1)

    def record(self, at: int, value: int) -> None:
        tree = self.tree
        while at < len(tree):
            if tree[at] < value:
                tree[at] = value
            at += at & -at

    def best(self, upto: int) -> int:
        tree, best = self.tree, 0
        while upto > 0:
            if tree[upto] > best:
                best = tree[upto]
            upto -= upto & -upto
        return best


def _chains(pairs: Sequence[tuple[int, int]], weight: Sequence[int]) -> tuple[list[int], list[int]]:
    """For (item, row) pairs sorted by item then row: the weight of the heaviest chain of pairs
    rising in both item and row that ends at each pair (forward) and that starts at it
    (backward). The best chain ending above a row is kept in a tree over rows, so each pair
    costs log(rows) steps, not a pass over every pair before it."""
    size = max(r for _, r in pairs) + 2
    runs: list[range] = []  # the pairs of one item, which never chain with each other
    begin = 0
    for p in range(1, len(pairs) + 1):
        if p == len(pairs) or pairs[p][0] != pairs[begin][0]:
            runs.append(range(begin, p))
            begin = p
    forward, backward = [0] * len(pairs), [0] * len(pairs)
    above, below = _MaxTree(size), _MaxTree(size)  # row r at position r + 1, or size - r
    for run in runs:
        for p in run:
            forward[p] = above.best(pairs[p][1]) + weight[p]
        for p in run:
            above.record(pairs[p][1] + 1, forward[p])
    for run in reversed(runs):
        for p in run:
            backward[p] = below.best(size - pairs[p][1] - 1) + weight[p]
        for p in run:
            below.record(size - pairs[p][1], backward[p])
    return forward, backward


def _align(evidence: Evidence, items: Sequence[Item]) -> dict[str, list[int]]:
    """For each item, the rows it takes in some best order-keeping alignment of items to rows.

    The alignment maximises the weight of matched items (indicators weigh most) with rows and
    items both in order. One row per item means the evidence is unique; several mean it is not.
    A label written short weighs as much as one written in full: a row the form's label is
    written on and another row it is written short on are two rows for it, never a choice.
    """
    pairs = [(i, r) for i, item in enumerate(items) for r, _ in evidence.cells(item.key, SHORT)]
    pairs = sorted(set(pairs))
    if not pairs:
        return {}
    weight = [items[i].weight for i, _ in pairs]
    forward, backward = _chains(pairs, weight)
    top = max(forward)
    rows: dict[str, list[int]] = {}
    for p, (i, r) in enumerate(pairs):
        if forward[p] + backward[p] - weight[p] == top:
            rows.setdefault(items[i].id, []).append(r)
    # a row that two items could take is evidence for neither
    owners: dict[int, set[str]] = {}
    for item_id, item_rows in rows.items():
        for r in item_rows:
            owners.setdefault(r, set()).add(item_id)
    return {
        item_id: item_rows if all(len(owners[r]) == 1 for r in item_rows) else [*item_rows, -1]
        for item_id, item_rows in rows.items()
    }


def _value_column(
    index: LabelIndex,
    header: Header | None,
    rows: Mapping[str, tuple[int, int]],
    units: Mapping[str, str],
) -> tuple[int | None, str]:
    """The column of results: named by the header, else the only column holding anything
    but each row's own unit of measure (a "ĐVT" column typed without its header)."""
    if header is not None:
        values = header.value_columns()
        if len(values) == 1:
            return values[0], ""
        found = ", ".join(f"{address(header.row, c)[:-len(str(header.row + 1))]} “{t}”"
                          for c, t in sorted(header.texts.items()))  # fmt: skip
        why = (
            "không có cột nào ghi là kết quả" if not values else "có nhiều cột cùng ghi là kết quả"
        )
        return None, (
            f"Không xác định được cột số liệu ở dòng tiêu đề {header.row + 1} ({why}; các cột: "
            f"{found}). Hãy ghi số liệu vào cột “Kết quả, Số lượng” của biểu mẫu đã phát."
        )
    used: set[int] = set()
    not_units: set[int] = set()
    for ind_id, (r, label_col) in rows.items():
        cells = index.grid[r]
        for c in range(label_col + 1, len(cells)):
            text = str(cells[c]).strip()
            if text:
                used.add(c)
                if not units.get(ind_id) or label_key(text) != units[ind_id]:
                    not_units.add(c)
    if len(used) > 1 and len(not_units) == 1:
        used = not_units
    if len(used) <= 1:
        first = min((lc for _, lc in rows.values()), default=0)
        return (used.pop() if used else first + 1), ""
    names = ", ".join(address(0, c)[:-1] for c in sorted(used))
    return None, (
        f"Bảng không có dòng tiêu đề cột và có số liệu ở nhiều cột ({names}): không biết cột nào là "
        "kết quả. Hãy thêm dòng tiêu đề “Kết quả, Số lượng” hoặc điền vào biểu mẫu đã phát."
    )


def locate_by_labels(
    index: LabelIndex,
    form: Form,
    names: Mapping[str, NamedCell],
    sheet: str,
    older: Sequence[Form] = (),
) -> Location | None:
    """Place each indicator by aligning the table's labels to the form, or to the `older`
    version of it whose labels place the most indicators (the current one when they tie).
    None: not this form."""
    best: tuple[int, Form, tuple[Item, ...], Evidence, dict[str, list[int]]] | None = None
    for version in (form, *older):
        items = form_items(version)
        evidence = Evidence(index, items)
        rows = _align(evidence, items)
        located = sum(1 for i in version.indicators if len(rows.get(i.id, [])) == 1)
        if best is None or located > best[0]:
            best = (located, version, items, evidence, rows)
        if located == len(version.indicators) and all(len(o.indicators) <= located for o in older):
            break  # every row placed: no older version can place more
    assert best is not None
    located, form, items, evidence, rows = best
    if located < MIN_LOCATED * len(form.indicators):
        return None
    placed: dict[str, tuple[int, int]] = {}  # indicator → (row, label column)
    for ind in form.indicators:
        found = rows.get(ind.id, [])
        if len(found) == 1:
            r = found[0]
            placed[ind.id] = (r, evidence.label_col(r, label_key(ind.label)))
    first = min(r for r, _ in placed.values())
    header = find_header(index.grid, first)
    units = {i.id: label_key(i.unit) for i in form.indicators if i.unit}
    value_col, why = _value_column(index, header, placed, units)
    location = Location({}, LocatedBy.LABELS, form=form)
    if value_col is None:
        location.problems.append(Problem(Code.VALUE_COLUMN_UNKNOWN, why, fatal=True))
        return location
    doubts = _doubts(index, evidence, items, rows, value_col)
    note_col = header.note_column() if header else None
    trusted: dict[str, str] = {}  # indicator → the cell its defined name points at, label beside
    for ind in form.indicators:
        named = names.get(ind.id)
        if (
            named is not None
            and not named.removed
            and named.sheet in ("", sheet)
            and index.label_col(*position(named.cell), label_key(ind.label)) is not None
        ):
            trusted[ind.id] = named.cell
    named_at = {cell: ind_id for ind_id, cell in trusted.items()}
    absent: list[Indicator] = []
    for ind in form.indicators:
        found = rows.get(ind.id, [])
        spot = placed.get(ind.id)
        named_cell = trusted.get(ind.id, "")
        if spot is not None and spot[1] >= value_col:
            location.problems.append(_misplaced(ind, address(*spot), value_col))
            continue
        key = label_key(ind.label)
        if ind.id in doubts and not named_cell:
            location.problems.append(_doubtful(index, evidence, ind, doubts[ind.id], value_col))
            continue
        if spot is not None:
            ref = address(spot[0], value_col)
            other = named_at.get(ref, ind.id)
            if other != ind.id:  # a figure cut from its own row and pasted here
                home = placed.get(other)
                source = f"ô {address(home[0], value_col)}" if home else "dòng khác"
                location.problems.append(
                    Problem(
                        Code.LOCATORS_DISAGREE,
                        f"Ô {ref} (dòng '{_show_label(ind)}') mang tên ô của chỉ tiêu ở {source} "
                        f"('{_show_label(form.indicator(other))}'): có lẽ số liệu đã được cắt từ "
                        f"{source} dán sang, nên không biết số ở ô {ref} là của dòng nào. Hãy "
                        "dùng biểu mẫu gốc đã phát, không chèn, xóa, chép hay cắt dán ô.",
                        ref,
                        ind.id,
                    )
                )
                continue
            if named_cell and named_cell != ref:
                location.problems.append(
                    Problem(
                        Code.LOCATORS_DISAGREE,
                        f"Không chắc ô nào là '{_show_label(ind)}': tên ô trong tệp chỉ tới "
                        f"{named_cell}, còn nhãn dòng chỉ tới {ref}. Hãy dùng biểu mẫu gốc đã "
                        "phát, không chèn, xóa hay chép dòng.",
                        ref,
                        ind.id,
                    )
                )
                continue
            location.cells[ind.id] = ref
            if note_col is not None:
                location.cells[ind.note_id] = address(spot[0], note_col)
            if evidence.how(spot[0], key) == SHORT:
                typed = str(index.grid[spot[0]][spot[1]]).strip()
                location.problems.append(_read_short(ind, typed, address(*spot), ref))
            continue
        real = [r for r in found if r >= 0]
        if len(real) > 1 or (real and -1 in found):
            if (
                named_cell
                and position(named_cell)[0] in real
                and position(named_cell)[1] == value_col
            ):  # the defined name tells which of the rows it is
                location.cells[ind.id] = named_cell
                if note_col is not None:
                    location.cells[ind.note_id] = address(position(named_cell)[0], note_col)
                continue
            cells = ", ".join(address(r, value_col) for r in real)
            alike = "cùng là" if all(evidence.how(r, key) == FULL for r in real) else "có thể là"
            why = (
                f"Có nhiều dòng {alike} '{_show_label(ind)}' ({cells}); không biết dòng nào là "
                "số liệu của chỉ tiêu này. Hãy xóa dòng thừa hoặc dùng biểu mẫu gốc."
                if len(real) > 1
                else f"Dòng {cells} '{_show_label(ind)}' có thể thuộc chỉ tiêu này hoặc một chỉ "
                "tiêu khác cùng tên (có dòng đã bị xóa?), nên không đọc. Hãy dùng lại biểu mẫu "
                "gốc, giữ đủ các dòng."
            )
            location.problems.append(
                Problem(
                    Code.AMBIGUOUS_ROW,
                    why,
                    address(real[0], value_col),
                    ind.id,
                )
            )
            continue
        seen = sorted(evidence.cells(key, SHORT), key=lambda rc: evidence.how(rc[0], key) != FULL)
        if seen:  # (a row with its label in full named first)
            r, c = seen[0]
            location.problems.append(
                Problem(
                    Code.ROW_OUT_OF_ORDER,
                    f"Dòng '{_show_label(ind)}' (ô {address(r, c)}) nằm sai vị trí so với biểu mẫu "
                    "nên không đọc số liệu của dòng này. Hãy để các dòng đúng thứ tự như biểu mẫu "
                    "đã phát.",
                    address(r, c),
                    ind.id,
                )
            )
            continue
        absent.append(ind)
    for ind in absent:  # placed once every other row is known
        if ind.id in doubts:
            location.problems.append(_doubtful(index, evidence, ind, doubts[ind.id], value_col))
            continue
        where = _gap(location.cells, form, ind, value_col)
        named = names.get(ind.id)
        removed = named is not None and named.removed
        location.problems.append(
            Problem(
                Code.ROW_REMOVED,
                f"Không có dòng '{_show_label(ind)}'"
                + (" (dòng đã bị xóa)" if removed else "")
                + f", chỗ của dòng này nay là ô {where}; số liệu này coi như chưa báo cáo. "
                "Hãy dùng lại biểu mẫu gốc, giữ đủ các dòng.",
                where,
                ind.id,
            )
        )
    headings = {t.id: t.heading for t in form.texts}
    for item in items:
        if not item.text_id or item.id not in rows:
            continue
        # (-1 among the rows: a row another item could take as well)
        hits = [(r, evidence.label_col(r, item.key)) for r in rows[item.id] if r >= 0]
        if len(rows[item.id]) == 1:
            r, c = hits[0]
            location.cells[item.text_id] = address(r + 1, c)
        else:
            location.problems.append(_ambiguous_text(headings[item.text_id], hits))
    return location


def _holds(grid: Grid, r: int, col: int) -> bool:
    """Whether row r has something in column col."""
    cells = grid[r]
    return col < len(cells) and not is_blank(cells[col])


def _doubts(
    index: LabelIndex,
    evidence: Evidence,
    items: Sequence[Item],
    rows: Mapping[str, list[int]],
    value_col: int,
) -> dict[str, list[int]]:
    """The indicators found on one row (or on none) whose place (between the rows of the form
    around them) holds another row that could be theirs: a row their label stands for only
    weakly, holding a figure ("Số lớp" where "Số lớp dạy nghề…" belongs; "Số người tham gia",
    another row's label, where "Số lượng người tham gia" does), or a row of an indicator itself
    in doubt (the rows around a doubtful one are no firmer than it). Indicator → every row
    that could be its, in order."""
    grid = index.grid
    unique = {item.id: found[0] for item in items if len(found := rows.get(item.id, [])) == 1}
    doubts: dict[str, list[int]] = {}
    changed = True
    while changed:  # until no doubt spreads further
        changed = False
        # the row of the nearest firmly placed item before each item, and after it
        above, below = [-1] * len(items), [len(grid)] * len(items)
        for n in range(1, len(items)):
            last = items[n - 1].id
            above[n] = unique[last] if last in unique and last not in doubts else above[n - 1]
        for n in range(len(items) - 2, -1, -1):
            after = items[n + 1].id
            below[n] = unique[after] if after in unique and after not in doubts else below[n + 1]
        for n, item in enumerate(items):
            if item.indicator is None or item.id in doubts or len(rows.get(item.id, [])) > 1:
                continue
            own = unique.get(item.id)
            others = {
                r
                for r, c in evidence.cells(item.key)
                if above[n] < r < below[n]
                and r != own
                and (evidence.strength[(r, c, item.key)] > WEAK or _holds(grid, r, value_col))
            }
            if others:
                doubts[item.id] = sorted(others | ({own} if own is not None else set()))
                changed = True
    return doubts


def _doubtful(
    index: LabelIndex, evidence: Evidence, ind: Indicator, found: Sequence[int], value_col: int
) -> Problem:
    """A figure whose row cannot be told among the rows that could be its, named."""
    key = label_key(ind.label)
    if len(found) == 1 and evidence.how(found[0], key) == WEAK:  # a label written too short
        r = found[0]
        c = evidence.label_col(r, key)
        ref = address(r, value_col)
        return Problem(
            Code.AMBIGUOUS_ROW,
            f"Dòng '{str(index.grid[r][c]).strip()}' (ô {address(r, c)}) có thể là "
            f"'{_show_label(ind)}' ghi thiếu chữ, hoặc một dòng khác của biểu mẫu, nên không "
            f"đọc số liệu ở ô {ref}. Hãy ghi nhãn dòng đầy đủ như biểu mẫu.",
            ref,
            ind.id,
        )
    cells = ", ".join(address(r, value_col) for r in found)
    return Problem(
        Code.AMBIGUOUS_ROW,
        f"Có nhiều dòng có thể là '{_show_label(ind)}' ({cells}); không biết dòng nào là số liệu "
        "của chỉ tiêu này. Hãy ghi nhãn các dòng đầy đủ như biểu mẫu, bỏ dòng thừa.",
        address(found[0], value_col),
        ind.id,
    )


def _read_short(ind: Indicator, typed: str, label_cell: str, ref: str) -> Problem:
    return Problem(
        Code.SHORT_LABEL,
        f"Dòng ghi tắt '{typed}' (ô {label_cell}) được đọc là '{_show_label(ind)}' (số liệu ở "
        f"ô {ref}). Kiểm tra lại; lần sau hãy dùng biểu mẫu đã phát, giữ nguyên nhãn các dòng.",
        ref,
        ind.id,
    )


def _misplaced(ind: Indicator, label_cell: str, value_col: int) -> Problem:
    return Problem(
        Code.ROW_OUT_OF_ORDER,
        f"Nhãn '{_show_label(ind)}' ở ô {label_cell} nằm trong hoặc sau cột số liệu "
        f"({address(0, value_col)[:-1]}); không đọc được số liệu của dòng này.",
        label_cell,
        ind.id,
    )


def _gap(cells: Mapping[str, str], form: Form, ind: Indicator, value_col: int) -> str:
    """Where a missing indicator's row was: the row of the next indicator found, which moved
    into its place (after the last indicator found, when none follows)."""
    previous = -1
    after = False
    for other in form.indicators:
        if other.id == ind.id:
            after = True
        elif other.id in cells:
            r = position(cells[other.id])[0]
            if after:
                return address(r, value_col)
            previous = r
    return address(previous + 1, value_col)


# --- the whole search -------------------------------------------------------------------------------------


def locate(
    grid: Grid,
    form: Form,
    sheet: str,
    names: Mapping[str, NamedCell],
    id_cells: Mapping[str, str],
    trust_layout: bool,
    older: Sequence[Form] = (),
) -> Location | None:
    """Every indicator's cell, with the evidence that it is the right one. None: not this form.

    `trust_layout`: the file carries this form's stamp, so the issued layout may be proposed.
    `older`: earlier versions of the form whose labels a table without stamps may carry.
    """
    index = LabelIndex(grid)
    ids = _indicator_ids(form)
    on_sheet: dict[str, NamedCell] = {}
    cells: dict[str, str] = {}  # the names that point at a cell of this sheet
    for k, v in names.items():
        if not v.cell:  # removed (#REF!)
            on_sheet[k] = v
        elif v.sheet in ("", sheet):
            on_sheet[k] = v
            cells[k] = v.cell
    if ids <= on_sheet.keys():
        removed = frozenset(k for k in ids if k not in cells)
        if len(removed) < len(ids) and _coherent(index, form, cells, removed):
            return _from_map(index, form, LocatedBy.NAMES, cells, removed)
    proposals: list[tuple[LocatedBy, Mapping[str, str]]] = []
    if id_cells:
        proposals.append((LocatedBy.ID_SHEET, id_cells))
    if trust_layout:
        proposals.append((LocatedBy.LAYOUT, compute_layout(form).cells))
    for method, proposed in proposals:
        if ids <= set(proposed) and _coherent(index, form, proposed):
            location = _from_map(index, form, method, proposed, frozenset())
            if not _names_disagree(index, form, on_sheet, location):
                return location
    return locate_by_labels(index, form, on_sheet, sheet, older)


def _names_disagree(
    index: LabelIndex, form: Form, names: Mapping[str, NamedCell], location: Location
) -> bool:
    """Whether a defined name, with its label beside it, points somewhere else than the map."""
    for ind in form.indicators:
        named = names.get(ind.id)
        if named is None or named.removed or named.cell == location.cells.get(ind.id):
            continue
        r, c = position(named.cell)
        if index.label_col(r, c, label_key(ind.label)) is not None:
            return True
    return False
