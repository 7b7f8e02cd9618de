"""What an official document says (Nghị định 30/2020/NĐ-CP), as frozen, typed data: the summary
report's context (rendered as Markdown by Jinja2 and as Word), a reminder letter's, and the date
line every document and the issued form carry. Jinja reads these attributes as it reads keys."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from htsd_cli.checks.yearover import ReportYear


def date_line(place: str, year: int, date: dt.date | None = None) -> str:
    """'<place>, ngày dd tháng mm năm yyyy' (blanks to fill when no date is given)."""
    if date is None:
        return f"{place}, ngày …… tháng …… năm {year}"
    month = f"{date.month:02d}" if date.month < 3 else str(date.month)
    return f"{place}, ngày {date.day:02d} tháng {month} năm {date.year}"


@dataclasses.dataclass(frozen=True)
class Signer:
    """The signature block: the bold lines above the signature (TM., KT., the title), the name."""

    lines: tuple[str, ...]
    name: str


@dataclasses.dataclass(frozen=True)
class Row:
    """A figure of the report's table."""

    id: str
    label: str
    level: int
    value: str  # the total and its unit as printed, or "chưa có số liệu"
    number: float | None
    reported: int
    expected: int
    note: str  # "n/m đơn vị có số liệu" when some units counted left the row blank


@dataclasses.dataclass(frozen=True)
class Section:
    number: int
    heading: str
    rows: tuple[Row, ...]
    value: str  # a first figure that only repeats the heading goes on the heading's line
    note: str


@dataclasses.dataclass(frozen=True)
class TextPart:
    """A part of the report the clerk writes (narrative), or a placeholder saying so."""

    id: str
    heading: str
    level: str  # "##" for a part ("I. …"), "###" for an item under it ("2. …")
    text: str | None
    unfinished: str  # the mark of a part not yet written (narrative.UNFINISHED)
    placeholder: str


@dataclasses.dataclass(frozen=True)
class UnitName:
    code: str
    name: str


@dataclasses.dataclass(frozen=True)
class UnitLine:
    """A unit whose return is not counted (invalid or held), with the first reasons why."""

    code: str
    name: str
    reasons: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class LateUnit:
    code: str
    name: str
    received: str  # dd/mm/yyyy


@dataclasses.dataclass(frozen=True)
class AnnexItem:
    text: str
    units: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class AnnexGroup:
    """What the units wrote in one part of the form."""

    heading: str
    items: tuple[AnnexItem, ...]


@dataclasses.dataclass(frozen=True, kw_only=True)
class ReportContext:
    """Everything the summary report says (report.report_context builds it)."""

    # the letterhead: the bodies' names and the number on the left, the date on the right
    governing_body: str
    office_lines: tuple[str, ...]
    office: str
    number_line: str
    date_line: str
    # the title, and the parts the clerk writes before and after the table
    title: str
    summary_line: str
    theme: str
    texts_before: tuple[TextPart, ...]
    texts_after: tuple[TextPart, ...]
    # the table of figures
    table_part_heading: str
    table_heading: str
    columns: tuple[str, str, str, str]
    sections: tuple[Section, ...]
    # the annex: who sent what, and what was not counted
    counts: Mapping[str, int]  # status.StatusReport.counts()
    missing: tuple[UnitName, ...]
    invalid: tuple[UnitLine, ...]
    held: tuple[UnitLine, ...]
    late: tuple[LateUnit, ...]
    excluded: tuple[Mapping[str, str], ...]  # who (the unit) and why, in plain words
    decisions: tuple[Mapping[str, object], ...]  # report.decision_lines
    ignored: Sequence[Mapping[str, object]]  # aggregate.Aggregate.ignored
    received_source: str
    deadline: str  # dd/mm/yyyy
    recipients: tuple[str, ...]
    signer: Signer
    # what the units wrote (annex II); the line heading each annex
    annex: tuple[AnnexGroup, ...]
    annex_ref: str
    # beside last year (yearover.ReportYear), when last year's summary is given
    last_year: ReportYear | None = None

    def fields(self) -> dict[str, object]:
        """Each field by name, not copied: what the Jinja template is rendered with."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def to_dict(self) -> dict[str, object]:
        """As plain data, in the order of the fields (what --json and the tests print)."""
        return _plain(self)


@dataclasses.dataclass(frozen=True, kw_only=True)
class LetterContext:
    """A reminder letter (công văn đôn đốc) to the units that have not sent a usable return."""

    governing_body: str
    office_lines: tuple[str, ...]
    number_line: str
    subject_under_number: str  # "V/v …", under the letter's number
    date_line: str
    # the letter: its subject, to whom, the units that must act and by when
    subject: str
    addressee: str
    body: tuple[str, ...]
    units: tuple[str, ...]
    closing: str
    # who receives it, who signs
    recipients: tuple[str, ...]
    signer: Signer

    def to_dict(self) -> dict[str, object]:
        """As plain data, in the order of the fields (what the tests print)."""
        return _plain(self)


def _plain(record: ReportContext | LetterContext) -> dict[str, object]:
    """A record as dicts and lists all the way down, as JSON would hold it."""
    out: dict[str, object] = json.loads(json.dumps(dataclasses.asdict(record)))
    return out
