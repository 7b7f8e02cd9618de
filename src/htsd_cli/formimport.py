"""`htsd form import`: the year's form drafted from the appendix of the year's plan.

The plan (Kế hoạch) is a Word document; its appendix prints the report every unit fills: a title,
an outline of parts written in words (I. Công tác chỉ đạo, …), and a table whose numbered rows
are the sections and whose "Số …" lines are the figures. The draft takes:

- the sections from the numbered rows, one figure per line ("+"/"-" lines: a "-" under a "+" is
  its sub-row), a line holding two figures ("Số tờ báo tường, số bài viết …") split in two, a
  heading with no lines (or itself a "Số …" count) as a figure too;
- every row the previous form already had (same words, or the words it totals as) from the
  previous form, whole: its id, kind, unit, who answers it, its limits; a row reworded only a
  little keeps them too, marked; a row the plan no longer prints is dropped (and said so), unless
  a rule ties it to a row kept (an office's own detail, such as the plan's number and date);
- for a new row, its kind and unit guessed from its words (người, lượt người → số người; kinh
  phí → tiền; "Có …" → Có/Không; the measure word after "Số" → its unit), marked;
- the free-text parts and the table's headings from the outline; year, title, theme, week and
  deadline from the plan's words; the rest of the campaign (unit types, plausibility, rules whose
  rows are all kept) from the previous form.

Every guess is written in the "Cần xem" column of its row, for the clerk to check and clear.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from htsd_cli.base.dates import parse_date
from htsd_cli.base.errors import FormError
from htsd_cli.base.textnorm import fold, nfc
from htsd_cli.campaign.form import (
    Form,
    Indicator,
    Kind,
    Section,
    TextPart,
    default_aggregate,
    default_summary_line,
)
from htsd_cli.campaign.formbook import KIND_WORDS, Key, make_id
from htsd_cli.init import Campaign, carry, default_dates

if TYPE_CHECKING:
    from docx.document import Document
    from docx.table import Table, _Cell, _Row

WORD_SUFFIXES = (".docx", ".doc", ".odt", ".rtf")

# --- the plan's document -------------------------------------------------------------------------


@dataclass
class PlanSection:
    number: int
    heading: str
    lines: list[str] = field(default_factory=list)


@dataclass
class Plan:
    """What the plan's document says that a form needs."""

    paragraphs: list[str]  # every paragraph outside the appendix table, in order
    title: str  # the appendix's title ("BÁO CÁO …"), "" when not found
    before: list[str]  # the appendix's headings before its table
    after: list[str]  # and after it
    sections: list[PlanSection]


def _open_document(path: Path) -> Document:
    """A .docx as python-docx reads it; a .doc, .odt or .rtf converted by LibreOffice first."""
    import zipfile

    import docx

    suffix = path.suffix.lower()
    if suffix not in WORD_SUFFIXES:
        raise FormError(
            f"Không đọc được {path.name}: cần tệp Kế hoạch dạng Word (.docx, .doc) hoặc .odt."
        )
    data = path.read_bytes() if suffix == ".docx" else _converted(path)
    try:
        import io

        return docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise FormError(
            f"Không đọc được {path.name}: tệp hỏng hoặc không phải tệp Word. Hãy mở bằng Word "
            "hoặc LibreOffice và lưu lại dạng .docx."
        ) from exc


def _converted(path: Path) -> bytes:
    import subprocess

    from htsd_cli.render.pdf import convert, find_soffice

    soffice = find_soffice()
    if soffice is None:
        raise FormError(
            f"Cần LibreOffice để đọc {path.name} (.doc, .odt). Cài LibreOffice (miễn phí) từ "
            "https://vi.libreoffice.org, hoặc mở tệp bằng Word và lưu lại dạng .docx."
        )
    try:
        data = convert(path.read_bytes(), "ke-hoach" + path.suffix.lower(), "docx", soffice)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise FormError(f"LibreOffice không mở được {path.name} ({exc}).") from exc
    if data is None:
        raise FormError(
            f"LibreOffice không đọc được {path.name}. Hãy mở tệp bằng Word hoặc LibreOffice và "
            "lưu lại dạng .docx."
        )
    return data


def _cells(row: _Row) -> list[_Cell]:
    """A table row's cells, a merged cell once."""
    seen: set[int] = set()
    out = []
    for cell in row.cells:
        if id(cell._tc) not in seen:
            seen.add(id(cell._tc))
            out.append(cell)
    return out


def _lines(cell: _Cell) -> list[str]:
    out = []
    for paragraph in cell.paragraphs:
        out += [" ".join(nfc(line).split()) for line in paragraph.text.split("\n")]
    return [line for line in out if line]


def _is_header(texts: list[str]) -> bool:
    folded = [fold(t) for t in texts]
    return any("noi dung" in t for t in folded) and any(
        "ket qua" in t or "so luong" in t for t in folded
    )


_HEADING_RE = re.compile(r"^\s*((?:[IVX]+)|(?:\d+))\s*[.)]\s*\S")


def read_plan(path: Path) -> Plan:
    """The appendix of a plan (its title, outline and table) and its paragraphs."""
    from docx.table import Table

    doc = _open_document(path)
    blocks = list(doc.iter_inner_content())
    found = next(
        (
            (i, b)
            for i, b in enumerate(blocks)
            if isinstance(b, Table)
            and any(_is_header([c.text for c in _cells(r)]) for r in b.rows[:2])
        ),
        None,
    )
    if found is None:
        raise FormError(
            f"Không thấy bảng phụ lục trong {path.name}: cần một bảng có cột 'Nội dung' và cột "
            "'Kết quả' hoặc 'Số lượng'. Hãy kiểm tra tệp Kế hoạch (phụ lục phải là bảng Word, "
            "không phải ảnh)."
        )
    start, first = found
    tables = [first]
    end = start + 1
    while end < len(blocks):  # a table broken across pages: the parts follow one another
        block = blocks[end]
        if isinstance(block, Table):
            tables.append(block)
        elif block.text.strip():
            break
        end += 1
    paragraphs = [" ".join(nfc(b.text).split()) for b in blocks if not isinstance(b, Table)]
    before_blocks = [
        " ".join(nfc(b.text).split()) for b in blocks[:start] if not isinstance(b, Table)
    ]
    after_blocks = [" ".join(nfc(b.text).split()) for b in blocks[end:] if not isinstance(b, Table)]
    title, before = _appendix_head(before_blocks)
    after = []
    for text in after_blocks:
        if fold(text).startswith(("noi nhan", "thu truong")):
            break
        if _HEADING_RE.match(text):
            after.append(text)
    return Plan(paragraphs, title, before, after, _sections(tables))


def _appendix_head(paragraphs: list[str]) -> tuple[str, list[str]]:
    """The appendix's title and the headings between it and the table."""
    at = next(
        (i for i in range(len(paragraphs) - 1, -1, -1) if paragraphs[i].startswith("BÁO CÁO")),
        None,
    )
    if at is None:
        return "", []
    title = [paragraphs[at]]
    i = at + 1
    while i < len(paragraphs) and paragraphs[i] and paragraphs[i] == paragraphs[i].upper():
        title.append(paragraphs[i])
        i += 1
    headings = [p for p in paragraphs[i:] if _HEADING_RE.match(p)]
    return " ".join(" ".join(title).split()), headings


def _sections(tables: list[Table]) -> list[PlanSection]:
    content = tt = -1
    out: list[PlanSection] = []
    for table in tables:
        for row in table.rows:
            cells = _cells(row)
            texts = [" ".join(c.text.split()) for c in cells]
            if _is_header(texts):
                folded = [fold(t) for t in texts]
                content = next(i for i, t in enumerate(folded) if "noi dung" in t)
                tt = next((i for i, t in enumerate(folded) if t in ("tt", "stt")), 0)
                continue
            if content < 0 or content >= len(cells) or not any(texts):
                continue
            lines = _lines(cells[content])
            if not lines:
                continue
            number = texts[tt].rstrip(".") if tt < len(texts) and tt != content else ""
            if number.isdigit():
                out.append(PlanSection(int(number), _clean(lines[0]), lines[1:]))
            elif out:
                out[-1].lines += lines
    return out


_DOTS_AFTER_COLON = re.compile(r"\s*:\s*[.…]+\s*$")


def _clean(text: str) -> str:
    """A line's words as a label: no leading dash or plus, no dots left for writing in."""
    text = re.sub(r"^[+\-–•*]\s*", "", text.strip())
    return _DOTS_AFTER_COLON.sub(":", text).strip()


# --- what the words say ----------------------------------------------------------------------------


def _key(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", fold(text)))


# measure words after "Số" (lower-case, with their accents: "động" is no "đồng")
_MEASURES = (
    ("lượt người", "people", "lượt người"), ("người", "people", "người"),
    ("học viên", "people", "người"), ("học sinh", "people", "người"),
    ("giáo viên", "people", "người"), ("cán bộ", "people", "người"),
    ("cá nhân", "people", "người"), ("lớp", "count", "lớp"), ("bài", "count", "bài"),
    ("tin", "count", "tin"), ("tờ", "count", "tờ"), ("lần", "count", "lần"),
    ("cuốn", "count", "cuốn"), ("sách", "count", "cuốn"), ("buổi", "count", "buổi"),
    ("cuộc", "count", "cuộc"), ("đơn vị", "count", "đơn vị"), ("trường", "count", "trường"),
    ("cơ sở", "count", "cơ sở"), ("trung tâm", "count", "trung tâm"),
    ("hoạt động", "count", "hoạt động"), ("tài liệu", "count", "tài liệu"),
    ("băng zôn", "count", "cái"), ("băng rôn", "count", "cái"), ("panô", "count", "cái"),
    ("khẩu hiệu", "count", "cái"), ("video", "count", "video"),
    ("chương trình", "count", "chương trình"), ("câu lạc bộ", "count", "câu lạc bộ"),
    ("mô hình", "count", "mô hình"), ("hội thảo", "count", "lần"), ("triển lãm", "count", "cuộc"),
    ("hội diễn", "count", "buổi"), ("tham gia", "people", "lượt người"),
    ("tham dự", "people", "lượt người"),
)  # fmt: skip
_MONEY_RE = re.compile(r"(?<!\w)(kinh phí|tiền|ngân sách|đồng)(?!\w)")
_TEXT_RE = re.compile(r"(?<!\w)(ngày ban hành|số hiệu|ghi rõ|tên chương trình)(?!\w)")
_YESNO_RE = re.compile(r"^(có|đã có)\s|có hay không|có/không|\(có, không\)")
_COUNT_LEAD = re.compile(r"^(tổng số lượng|tổng số|số lượng|số|các|những)\s+")


@dataclass(frozen=True)
class Guess:
    kind: str
    unit: str
    why: str  # the words that decided, for the clerk


def _measure(words: str) -> tuple[str, str, str] | None:
    words = " ".join(re.sub(r"[,.:;()]", " ", words).split())
    for word, kind, unit in _MEASURES:
        if words.startswith(word + " ") or words == word:
            return word, kind, unit
    return None


def guess(label: str, heading_measure: tuple[str, str] | None = None, alone: bool = False) -> Guess:
    """The kind and unit of a new row, from its words: `heading_measure` is what its section's
    heading counts ("Số Trung tâm …": trung tâm), `alone` a heading that is its own figure."""
    text = " ".join(nfc(label).lower().split())
    money = _MONEY_RE.search(text)
    if money:
        return Guess("money", "đồng", f"'{money.group(1)}'")
    found = _TEXT_RE.search(text)
    if found:
        return Guess("text", "", f"'{found.group(1)}'")
    lead = _COUNT_LEAD.match(text)
    rest = text[lead.end() :] if lead else text
    if lead and lead.group(1) in ("tổng số lượng", "tổng số", "số lượng", "số"):
        if "lượt người" in rest.split(" tham")[0] or rest.startswith("lượt"):
            return Guess("people", "lượt người", "'lượt người'")
        measure = _measure(rest)
        if measure is not None:
            return Guess(measure[1], measure[2], f"'{lead.group(1)} {measure[0]}'")
        if "người" in rest.split()[:3]:
            return Guess("people", "người", "'người'")
        first = label.split()[len(lead.group(1).split()) :][:1]
        unit = first[0].strip(",:;.").lower() if first else "lần"
        return Guess("count", unit, f"'{lead.group(1)} {unit}'")
    if _YESNO_RE.search(text) and heading_measure is None:
        return Guess("yesno", "đơn vị", "'có'")
    if heading_measure is not None:
        return Guess("count", heading_measure[1], f"mục đếm '{heading_measure[0]}'")
    measure = _measure(rest)
    if measure is not None:
        return Guess(measure[1], measure[2], f"'{measure[0]}'")
    if alone:
        return Guess("yesno", "đơn vị", "dòng không có số liệu con: hỏi có hay không")
    return Guess("count", "lần", "không rõ: tạm để số đếm")


def _heading_measure(heading: str) -> tuple[str, str] | None:
    text = " ".join(nfc(heading).lower().split())
    lead = _COUNT_LEAD.match(text)
    if not lead or lead.group(1) not in ("tổng số", "số lượng", "số"):
        return None
    measure = _measure(text[lead.end() :])
    return (measure[0], measure[2]) if measure is not None else None


_TWO_FIGURES = re.compile(r",\s+(?=[Ss]ố\s)")


@dataclass
class Figure:
    label: str
    level: int
    parent: Figure | None = None
    split_from: str = ""  # the line it was split from, when it held two figures
    alone: bool = False  # the heading of a section with no lines
    heading_measure: tuple[str, str] | None = None


def figures(section: PlanSection) -> list[Figure]:
    """A section's figures, in order, with their levels and parents."""
    heading_measure = _heading_measure(section.heading)
    out: list[Figure] = []
    if not section.lines or heading_measure is not None:
        out.append(Figure(section.heading, 1, alone=not section.lines))
    plus = any(line.startswith("+") for line in section.lines)
    parent: Figure | None = None
    for raw in section.lines:
        level = 2 if plus and raw.startswith(("-", "–")) else 1
        label = _clean(raw)
        if not label:
            continue
        parts = _TWO_FIGURES.split(label, maxsplit=1)
        for part in parts:
            fig = Figure(
                part.strip().rstrip(","),
                level,
                parent if level == 2 else None,
                split_from=label if len(parts) > 1 else "",
                heading_measure=heading_measure,
            )
            out.append(fig)
            if level == 1 and part is parts[0]:
                parent = fig
    return out


# --- the draft ----------------------------------------------------------------------------------


@dataclass
class Draft:
    """The drafted form, what htsd guessed (row key → what to check), the notes kept, and what
    of the previous form was left out."""

    form: Form
    marks: dict[Key, str]
    notes: dict[Key, str]
    kept: int  # rows taken whole from the previous form
    dropped_rows: list[Indicator]
    dropped_rules: list[str]


def _parents(form: Form) -> dict[str, str]:
    """Each sub-row's parent row (its section's last level-1 row above it)."""
    out: dict[str, str] = {}
    for section in form.sections:
        last = ""
        for ind in section.indicators:
            if ind.level == 2 and last:
                out[ind.id] = last
            else:
                last = ind.id
    return out


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, _key(a), _key(b)).ratio()


RENAMED = 0.75  # how alike two labels must be to be taken for one row reworded


class _Drafter:
    def __init__(self, plan: Plan, previous: Form) -> None:
        self.plan, self.previous = plan, previous
        self.marks: dict[Key, str] = {}
        self.used: set[str] = set()  # ids of previous rows taken
        self.ids: set[str] = {i.id for i in previous.indicators} | {t.id for t in previous.texts}
        self.parents = _parents(previous)
        self.kept = 0

    def new_id(self, label: str, number: int, parent: str = "") -> str:
        base = f"s{number}_{make_id(label, parent)}"[:60]
        name, n = base, 2
        while name in self.ids or name + "_gc" in self.ids:
            name, n = f"{base}_{n}", n + 1
        self.ids.add(name)
        return name

    def match_section(self, section: PlanSection, taken: set[int]) -> Section | None:
        candidates = [s for s in self.previous.sections if s.number not in taken]
        for old in candidates:
            if _key(old.heading) == _key(section.heading):
                return old
        keys = {_key(f.label) for f in figures(section)}
        best, hits = None, 0
        for old in candidates:
            words = {_key(i.label) for i in old.indicators} | {
                _key(i.total_label) for i in old.indicators if i.total_label
            }
            found = len(keys & words)
            if found > hits:
                best, hits = old, found
        return best if best is not None and hits * 2 >= max(len(keys), 1) else None

    def match_row(
        self, fig: Figure, old: Section, matched: dict[int, str]
    ) -> tuple[Indicator, str] | None:
        """The previous row a figure is (how: "label", "total", "renamed", "renamed-total")."""
        parent = matched.get(id(fig.parent)) if fig.parent is not None else None
        pool = [
            i
            for i in old.indicators
            if i.id not in self.used
            and (fig.level == 1 or self.parents.get(i.id) == parent)
            and (fig.level == 1) == (i.level == 1)
        ]
        if fig.level == 2 and parent is None:
            return None
        key = _key(fig.label)
        for ind in pool:
            if _key(ind.label) == key:
                return ind, "label"
            if ind.total_label and _key(ind.total_label) == key:
                return ind, "total"
        scored = [
            (max(_ratio(ind.label, fig.label), _ratio(ind.total_label or "", fig.label)), ind)
            for ind in pool
        ]
        scored = [(r, ind) for r, ind in scored if r >= RENAMED]
        if not scored:
            return None
        _r, ind = max(scored, key=lambda item: item[0])
        by_total = bool(ind.total_label) and _ratio(ind.total_label, fig.label) > _ratio(
            ind.label, fig.label
        )
        return ind, "renamed-total" if by_total else "renamed"

    def section(self, section: PlanSection, old: Section | None) -> Section:
        number = section.number
        rows: list[Indicator] = []
        matched: dict[int, str] = {}  # id(figure) → row id
        applies = old.applies_to if old is not None else ()
        if old is None:
            self.marks[("section", str(number))] = (
                "Mục mới (biểu mẫu trước không có): xem ai điền (cột Đơn vị điền), các dòng, quy tắc."
            )
        elif _key(old.heading) != _key(section.heading):
            self.marks[("section", str(number))] = f"Tên mục đổi từ '{old.heading}'."
        for fig in figures(section):
            found = self.match_row(fig, old, matched) if old is not None else None
            parent_id = matched.get(id(fig.parent)) if fig.parent is not None else ""
            if found is not None:
                ind, how = found
                self.used.add(ind.id)
                if how == "renamed":
                    ind = dataclasses.replace(ind, label=fig.label)
                    self.marks[("indicator", ind.id)] = (
                        f"Đổi tên từ '{found[0].label}': htsd coi là cùng một dòng (giữ mã, loại, đơn vị tính); kiểm tra lại."
                    )
                elif how == "renamed-total":
                    ind = dataclasses.replace(ind, total_label=fig.label)
                    self.marks[("indicator", ind.id)] = (
                        f"Kế hoạch đổi '{found[0].total_label}' thành '{fig.label}': htsd coi là cùng một dòng; kiểm tra câu hỏi ở cột Nội dung."
                    )
                else:
                    self.kept += 1
                ind = dataclasses.replace(ind, section=number, level=fig.level)
            else:
                g = guess(fig.label, fig.heading_measure, fig.alone)
                ind = Indicator(
                    id=self.new_id(fig.label, number, fig.parent.label if fig.parent else ""),
                    label=fig.label,
                    kind=Kind(g.kind),
                    unit=g.unit,
                    aggregate=default_aggregate(g.kind),
                    section=number,
                    level=fig.level,
                    applies_to=applies,
                )
                what = f"Dòng mới: htsd đoán loại '{KIND_WORDS[g.kind]}'"
                what += f", đơn vị tính '{g.unit}'" if g.unit else ""
                what += f" (theo chữ {g.why})"
                if fig.split_from:
                    what += f"; tách từ dòng có hai số liệu '{fig.split_from}'"
                if parent_id:
                    what += "; dòng con của dòng ngay trên"
                self.marks[("indicator", ind.id)] = what + "."
            matched[id(fig)] = ind.id
            rows.append(ind)
        if old is not None:
            rows = self.keep_tied(old, rows)
        return Section(number, section.heading, tuple(rows), applies)

    def keep_tied(self, old: Section, rows: list[Indicator]) -> list[Indicator]:
        """Previous rows the plan does not print but a rule ties to a row kept (the office's own
        details of it), each after the row it followed."""
        kept_ids = {r.id for r in rows}
        out = list(rows)
        for i, ind in enumerate(old.indicators):
            if ind.id in self.used:
                continue
            tie = next(
                (
                    rule
                    for rule in self.previous.rules
                    if ind.id in rule.ids
                    and len(rule.ids) > 1
                    and all(other in kept_ids for other in rule.ids if other != ind.id)
                ),
                None,
            )
            if tie is None:
                continue
            before = next(
                (o.id for o in reversed(old.indicators[:i]) if o.id in {r.id for r in out}), None
            )
            at = next((k + 1 for k, r in enumerate(out) if r.id == before), 0)
            out.insert(at, ind)
            self.used.add(ind.id)
            others = ", ".join(o for o in tie.ids if o != ind.id)
            self.marks[("indicator", ind.id)] = (
                f"Kế hoạch không in dòng này; htsd giữ từ biểu mẫu trước vì quy tắc '{tie.id}' "
                f"gắn nó với {others}. Không cần thì xóa dòng và quy tắc đó."
            )
        return out


def _found(pattern: str, paragraphs: list[str]) -> re.Match[str] | None:
    for text in paragraphs:
        m = re.search(pattern, text)
        if m:
            return m
    return None


def _plan_dates(plan: Plan) -> tuple[dt.date | None, dt.date | None, dt.date | None]:
    period = _found(
        r"từ ngày\s*(\d{1,2}/\d{1,2}/\d{4})\s*đến (?:hết )?ngày\s*(\d{1,2}/\d{1,2}/\d{4})",
        plan.paragraphs,
    )
    start = parse_date(period.group(1)) if period else None
    end = parse_date(period.group(2)) if period else None
    due = _found(
        r"(?:[Tt]hời hạn|[Hh]ạn) (?:gửi|nộp) báo cáo[^0-9]{0,40}?(?:ngày\s*(\d{1,2})\s*tháng\s*"
        r"(\d{1,2})\s*năm\s*(\d{4})|(\d{1,2}/\d{1,2}/\d{4}))",
        plan.paragraphs,
    )
    deadline = None
    if due and due.group(4):
        deadline = parse_date(due.group(4))
    elif due:
        deadline = parse_date(f"{due.group(1)}/{due.group(2)}/{due.group(3)}")
    return start, end, deadline


def _plan_year(plan: Plan) -> int | None:
    for text in (plan.title, *plan.paragraphs[:12]):
        m = re.search(r"(?i)năm\s+(\d{4})", text)
        if m:
            return int(m.group(1))
    return None


def _plan_theme(plan: Plan) -> str:
    m = _found(r"[Cc]hủ đề[^:“\"]{0,60}:\s*[“\"]\s*(.+?)\s*[”\"]", plan.paragraphs)
    return m.group(1).strip().rstrip(".") if m else ""


def draft_form(plan: Plan, previous: Form, notes: dict[Key, str] | None = None) -> Draft:
    """The year's form from the plan, with the previous form's rows where they are the same."""
    if not plan.sections:
        raise FormError(
            "Bảng phụ lục không có dòng nào đánh số (1, 2, 3…) ở cột thứ tự: không lập được "
            "biểu mẫu. Hãy kiểm tra bảng trong tệp Kế hoạch."
        )
    d = _Drafter(plan, previous)
    taken: set[int] = set()
    sections: list[Section] = []
    seen_numbers: set[int] = set()
    for ps in plan.sections:
        if ps.number in seen_numbers:
            ps = dataclasses.replace(ps, number=max(seen_numbers) + 1)
        seen_numbers.add(ps.number)
        old = d.match_section(ps, taken)
        if old is not None:
            taken.add(old.number)
        sections.append(d.section(ps, old))
    rows = {i.id for s in sections for i in s.indicators}
    dropped_rows = [i for i in previous.indicators if i.id not in rows]
    rules = tuple(r for r in previous.rules if all(i in rows for i in r.ids))
    dropped_rules = [r.id for r in previous.rules if r not in rules]
    texts, table_part, table_heading = _texts(plan, previous, d)
    form = _campaign(plan, previous, d.marks)
    form = dataclasses.replace(
        form,
        sections=tuple(sections),
        rules=rules,
        texts=texts,
        table_part_heading=table_part,
        table_heading=table_heading,
    )
    kept_notes = {
        k: v
        for k, v in (notes or {}).items()
        if (k[0] == "indicator" and k[1] in rows)
        or (k[0] == "rule" and any(r.id == k[1] for r in rules))
        or k[0] == "unit_type"
    }
    return Draft(form, d.marks, kept_notes, d.kept, dropped_rows, dropped_rules)


def _texts(plan: Plan, previous: Form, d: _Drafter) -> tuple[tuple[TextPart, ...], str, str]:
    """The free-text parts and the table's headings, from the appendix's outline."""
    roman = re.compile(r"^\s*[IVX]+\s*[.)]")
    before = list(plan.before)
    if not before and not plan.after:
        for t in previous.texts:
            d.marks[("text", t.id)] = "Không thấy dàn ý trong phụ lục: giữ từ biểu mẫu trước."
        return previous.texts, previous.table_part_heading, previous.table_heading
    table_heading = previous.table_heading
    part_heading = previous.table_part_heading
    if before and not roman.match(before[-1]):
        table_heading = before.pop()
    if before and roman.match(before[-1]):
        part_heading = before.pop()
    old = {_key(t.heading): t for t in previous.texts}
    out: list[TextPart] = []
    for part, headings in (("before_table", before), ("after_table", plan.after)):
        for heading in headings:
            same = old.get(_key(heading))
            if same is not None:
                out.append(TextPart(same.id, part, heading))
                continue
            tid = make_id(heading)
            while tid in d.ids:
                tid += "_2"
            d.ids.add(tid)
            out.append(TextPart(tid, part, heading))
            d.marks[("text", tid)] = "Phần lời mới (biểu mẫu trước không có)."
    return tuple(out), part_heading, table_heading


def _campaign(plan: Plan, previous: Form, marks: dict[Key, str]) -> Form:
    """The previous form carried to the plan's year, with the plan's title, theme and dates;
    what the plan does not say is marked (a plan of the same year drafts the form in use anew,
    at its number: htsd numbers it after the issued one when it takes that one's place)."""
    year = _plan_year(plan)
    if year is None:
        year = previous.year
        marks[("campaign", "year")] = "Không thấy năm trong Kế hoạch: giữ năm của biểu mẫu trước."
    first, last, due = default_dates(previous, year)
    start, end, deadline = _plan_dates(plan)
    if start is None or end is None:
        start, end = first, last
        marks[("campaign", "period.start")] = (
            "Không thấy ngày của Tuần lễ trong Kế hoạch: tạm lấy theo năm trước."
        )
    if deadline is None:
        deadline = due
        marks[("campaign", "deadline")] = (
            "Không thấy hạn gửi báo cáo trong Kế hoạch: tạm lấy theo năm trước."
        )
    theme = _plan_theme(plan)
    if not theme:
        marks[("campaign", "theme")] = "Không thấy chủ đề trong Kế hoạch: hãy ghi chủ đề năm nay."
    form = carry(previous, Campaign(year, start, end, deadline, theme=theme))
    if not plan.title:
        marks[("campaign", "title")] = (
            "Không thấy tên báo cáo trong phụ lục: lấy từ biểu mẫu trước."
        )
    elif _key(plan.title) != _key(form.title):
        marks[("campaign", "summary_line")] = "Tên báo cáo khác năm trước: htsd viết lại trích yếu."
        form = dataclasses.replace(
            form, title=plan.title, summary_line=default_summary_line(plan.title)
        )
    elif plan.title != form.title:
        form = dataclasses.replace(form, title=plan.title)
    return form


def import_plan(path: Path, previous: Form) -> Draft:
    """The draft form of the plan at `path`, after `previous` (last year's form, or the one in
    use)."""
    from htsd_cli.campaign.formbook import form_notes

    return draft_form(read_plan(path), previous, form_notes(previous))


def summary_line(draft: Draft, previous: Form, written: str) -> str:
    """One line on what the draft holds and what the clerk has to check."""
    rows = len(draft.form.indicators)
    new = sum(1 for i in draft.form.indicators if i.id not in {p.id for p in previous.indicators})
    line = (
        f"Đã lập biểu mẫu năm {draft.form.year} vào {written}: {rows} dòng số liệu ({draft.kept} "
        f"dòng như biểu mẫu {previous.id}, {new} dòng mới), {len(draft.form.texts)} phần lời, "
        f"{len(draft.form.rules)} quy tắc"
    )
    if draft.marks:
        line += (
            f"; còn {len(draft.marks)} chỗ htsd đoán cần xem (cột 'Cần xem'): mở tệp, xem từng "
            "chỗ, sửa nếu cần rồi xóa chữ ở cột đó"
        )
    return line + "."


def left_out_lines(draft: Draft) -> list[str]:
    """What of the previous form the draft left out, said rather than dropped silently."""
    out = []
    if draft.dropped_rows:
        rows = "; ".join(f"{i.id} ({i.label})" for i in draft.dropped_rows)
        out.append(f"Kế hoạch không còn các dòng sau của biểu mẫu trước, đã bỏ: {rows}.")
    if draft.dropped_rules:
        out.append("Bỏ các quy tắc dùng những dòng đó: " + ", ".join(draft.dropped_rules) + ".")
    return out
