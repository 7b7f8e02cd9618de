"""Folding readings as they arrive in the parent process, so that a province's thousands of
readings hold each shared piece (a cell map, a number, a word) once."""

from __future__ import annotations

from typing import NoReturn, TypeVar

from htsd_cli.base.findings import Figure, Figures, FileReport
from htsd_cli.campaign.form import Form


class Folder:
    """Makes each reading small as it arrives, so that memory does not grow with the size of
    every reading: the cell map, the same for every file issued from one template, is kept once
    and shared (nothing changes a reading's map after it is read); the figures are held as
    `Figures` (one shared index of the form's indicators, a list of values, equal numbers held
    once); the keys of texts are the form's own strings."""

    def __init__(self, form: Form) -> None:
        self.layouts: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
        self.last: dict[str, str] = {}
        self.index = {ind.id: at for at, ind in enumerate(form.indicators)}
        self.numbers: dict[float, float] = {}  # floats only: True == 1.0 must stay a bool
        self.strings: dict[str, str] = {}  # words every reading repeats: format, form, sheet…
        self.sources: dict[tuple[str, ...], list[str]] = {}
        self.keys: dict[str, str] = {}
        for ind in form.indicators:
            self.keys[ind.id] = ind.id
            self.keys[ind.note_id] = ind.note_id
        for part in form.texts:
            self.keys[part.id] = part.id

    def __call__(self, report: FileReport) -> FileReport:
        if report.more_sheets:
            report.more_sheets = [self(rep) for rep in report.more_sheets]
        else:
            report.more_sheets = _NO_SHEETS
        if not report.claimants:
            report.claimants = _NO_COVERS
        keys = self.keys
        for name in _REPEATED:
            word = getattr(report, name)
            setattr(report, name, self.strings.setdefault(word, word))
        sources = report.identity_sources
        report.identity_sources = self.sources.setdefault(tuple(sources), sources)
        if not report.covers:  # a unit's return (an office's summary has them)
            report.covers = _NO_COVERS
        if not report.reported:
            report.reported = _NO_COUNTS
        if not report.expected:
            report.expected = _NO_COUNTS
        if not report.ignored:
            report.ignored = _NO_WORDS
        if not report.held:
            report.held = _NO_HELD
        if report.cells:
            if report.cells == self.last:  # most files: the map of the file before
                report.cells = self.last
            else:
                cells = {keys.get(k, k): v for k, v in report.cells.items()}
                report.cells = self.layouts.setdefault(tuple(cells.items()), cells)
                self.last = report.cells
        numbers = self.numbers
        values = report.values
        for key, value in values.items():
            if type(value) is float and value == value:
                values[key] = numbers.setdefault(value, value)
        report.values = Figures(self.index, values)
        report.texts = (
            {keys.get(k, k): v for k, v in report.texts.items()} if report.texts else _NO_WORDS
        )
        return report


# The fields of a reading that hold one of a few words (format, form, sheet…): held once each.
# (How the cells were found and the reading's kind are members of closed sets, each one object
# already: held here they could swap with a plain word, '' being both LocatedBy's and a word's.)
_REPEATED = ("fmt", "form_id", "unit_type", "unit_group", "sheet")


_K = TypeVar("_K")
_V = TypeVar("_V")
_T = TypeVar("_T")


def _refuse(self: object, *args: object, **kwargs: object) -> NoReturn:
    raise TypeError("a folded reading's shared empty container cannot be changed")


class _EmptyDict(dict[_K, _V]):
    """An empty mapping every folded reading without texts, counts or held figures shares:
    changing it would change them all, so it refuses to be changed."""

    __setitem__ = __delitem__ = update = setdefault = pop = popitem = clear = _refuse


class _EmptyList(list[_T]):
    """An empty list every folded reading without covered units (a unit's return) or further
    sheets shares; it cannot be changed."""

    __setitem__ = __delitem__ = append = extend = insert = remove = pop = clear = _refuse
    __iadd__ = sort = reverse = _refuse


_NO_COVERS: list[str] = _EmptyList()
_NO_SHEETS: list[FileReport] = _EmptyList()
_NO_COUNTS: dict[str, int] = _EmptyDict()
_NO_WORDS: dict[str, str] = _EmptyDict()
_NO_HELD: dict[str, Figure | None] = _EmptyDict()


def each_reading(readings: list[FileReport]) -> list[FileReport]:
    """Every reading of a batch: each file's main reading, then those of its further sheets."""
    out: list[FileReport] = []
    for rep in readings:
        out.append(rep)
        if rep.more_sheets:
            out += rep.more_sheets
            rep.more_sheets = _NO_SHEETS
    return out
