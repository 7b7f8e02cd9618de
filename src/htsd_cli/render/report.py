"""The summary report (BÁO CÁO): one context, rendered as Markdown (Jinja2) and as Word.

Both renderers take the same context, so the Markdown and the Word document say the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from htsd_cli.base.errors import ConfigError, read_reason
from htsd_cli.base.textnorm import fold, format_number, label_key
from htsd_cli.base.textwidth import office_lines
from htsd_cli.campaign.config import Config
from htsd_cli.campaign.form import Aggregation, Form, Indicator, Kind, bundled_templates
from htsd_cli.checks.yearover import report_fields
from htsd_cli.render.document import (
    AnnexGroup,
    AnnexItem,
    LateUnit,
    ReportContext,
    Row,
    Section,
    TextPart,
    UnitLine,
    UnitName,
    date_line,
)
from htsd_cli.render.narrative import UNFINISHED, UNFINISHED_HINT, written
from htsd_cli.render.plain import plain_words
from htsd_cli.render.signature import signature_block
from htsd_cli.totals.aggregate import Aggregate, note_for
from htsd_cli.totals.status import HELD, INVALID, MISSING


def read_narrative(path: Path, config_form_texts: list[tuple[str, str]]) -> dict[str, str]:
    """The clerk's own text: lines '# <heading>' (a heading of the form's free-text parts, or its
    id) each followed by the text of that part."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Không đọc được tệp lời văn {path}: {read_reason(exc)}.") from exc
    keys: dict[str, str] = {}
    for part_id, heading in config_form_texts:
        keys[fold(heading).rstrip(" .:")] = part_id
        keys[fold(part_id)] = part_id
        keys[fold(re.sub(r"^[IVX\d]+\.\s*", "", heading)).rstrip(" .:")] = part_id
    out: dict[str, list[str]] = {}
    started: dict[str, int] = {}  # the line each part's heading is on
    current: str | None = None
    for number, line in enumerate(lines, start=1):
        if line.startswith("#"):
            title = fold(line.lstrip("#").strip()).rstrip(" .:")
            if title not in keys:
                known = "; ".join(h for _, h in config_form_texts)
                raise ConfigError(
                    f"{path}, dòng {number}: tiêu đề '{line.lstrip('#').strip()}' không khớp phần "
                    f"lời nào của biểu mẫu ({known})."
                )
            current = keys[title]
            if current in started:  # a second heading would silently replace the first text
                raise ConfigError(
                    f"{path}, dòng {number}: phần '{line.lstrip('#').strip()}' đã có tiêu đề ở "
                    f"dòng {started[current]}; mỗi phần chỉ viết một lần, dưới một tiêu đề."
                )
            started[current] = number
            out[current] = []
        elif current is not None:
            out[current].append(line)
        elif line.strip():
            raise ConfigError(
                f"{path}, dòng {number}: chữ đứng trước mọi tiêu đề; hãy bắt đầu bằng '# <tiêu đề phần>'."
            )
    texts = {k: written("\n".join(v)) for k, v in out.items()}
    return {k: v for k, v in texts.items() if v}  # init's draft alone is no text


# Anywhere in a line: code, emphasis, links and images, HTML, table cells, struck text, entities,
# and '#' (a heading's closing marks at the end of its line).
_MD_ANYWHERE = re.compile(r"[\\`*_\[\]<>|~&#]")
# What '&' must start to be read as a character: '&amp;', '&#35;', '&#x23;'.
_MD_ENTITY = re.compile(r"&(?:#[xX]?)?[A-Za-z0-9]+;")
# At a line's start: a list item, a rule or a heading's underline.
_MD_LINE_START = re.compile(r"^(?:[+=-]|\d+(?=[.)]))")


def md_escape(text: str) -> str:
    """Text from units, made inert in Markdown: it renders as the words written, line by line
    (no headings, lists, links, tables, HTML or entities), with only the characters that would
    make markup escaped ('GD&ĐT' and 'bao_cao' stay as they are), so that the file still reads
    plainly in Notepad. Blank lines are left out: one would end the report's list the text sits
    in."""
    lines = []
    for raw in text.splitlines():
        line = _MD_ANYWHERE.sub(_escape_mark, raw.strip())
        if line:
            lines.append(_MD_LINE_START.sub(_escape_start, line, count=1))
    return "  \n".join(lines)


def md_heading(text: str) -> str:
    """A heading's words made inert as `md_escape` makes a unit's, on one line: a heading holds
    no list, so '2. Những thuận lợi…' keeps its number as written."""
    return " ".join(_MD_ANYWHERE.sub(_escape_mark, text).split())


def _escape_mark(found: re.Match[str]) -> str:
    """A character that could make markup, escaped unless where it stands it cannot: '_'
    inside a word (never emphasis there), '&' that starts no character reference."""
    mark, at, line = found.group(0), found.start(), found.string
    if mark == "_" and 0 < at < len(line) - 1 and line[at - 1].isalnum() and line[at + 1].isalnum():
        return mark
    if mark == "&" and not _MD_ENTITY.match(line, at):
        return mark
    return "\\" + mark


def _escape_start(found: re.Match[str]) -> str:
    """'\\-', or '12\\' before the '.' of '12. …': the mark made plain."""
    mark = found.group(0)
    return mark + "\\" if mark[0].isdigit() else "\\" + mark


def _value_text(agg: Aggregate, ind: Indicator) -> str:
    """The total and its unit, joined by a no-break space: a figure never wraps from its unit."""
    total = agg.total(ind.id)
    if total is None:
        return "chưa có số liệu"
    unit = (ind.unit or "đơn vị") if ind.kind == Kind.YESNO else ind.unit
    return f"{format_number(total)} {unit}".strip()


def _excluded(agg: Aggregate, invalid: set[str]) -> list[dict[str, str]]:
    """Files not counted, in plain words: by unit, each once (an invalid or held return already
    listed among those units is not listed again), without file names."""
    names = {u.code: u.name for u in agg.status.units}
    resent = {other for u in agg.status.units for other in u.other_files}
    out: list[dict[str, str]] = []
    for e in agg.excluded:
        if e.unit in invalid and e.reason.startswith(("Không hợp lệ", "Cần xác nhận")):
            continue
        who = (
            f"{e.unit} – {names[e.unit]}" if e.unit in names else "Một tệp không rõ của đơn vị nào"
        )
        reason = (
            "gửi nhiều lần, chỉ tính lần gửi sau cùng"
            if e.path in resent
            else plain_words(e.reason).rstrip(".")
        )
        entry = {"who": who, "reason": reason}
        if entry not in out:
            out.append(entry)
    return out


def _received_words(source: str) -> str:
    """How the dates of receipt were known, without the receipts book's file name."""
    if source.startswith("sổ nhận"):
        return "ngày nhận theo sổ nhận của cơ quan"
    if source.startswith("chưa có sổ nhận"):
        return "chưa có sổ nhận, chưa xét nộp muộn"
    return "ngày nhận theo thời điểm lưu tệp"


def _ignored(agg: Aggregate) -> list[dict[str, str]]:
    """Figures written in rows not for the unit; a 0 there says nothing and is left out."""
    return [i for i in agg.ignored if str(i["value"]).strip() not in ("", "0")]


def annex_reference(config: Config, form: Form, number: str) -> str:
    """'(Kèm theo Báo cáo số …/BC-… ngày … của …)', as Nghị định 30 heads an annex."""
    date = config.report_date
    when = f"ngày {date.day:02d}/{date.month:02d}/{date.year}" if date else "ngày …/…/…"
    return (
        f"(Kèm theo Báo cáo số {number.strip() or '…'}/{form.report_code}-"
        f"{config.office.short_name} {when} của {config.office.name})"
    )


def annex_texts(agg: Aggregate) -> list[AnnexGroup]:
    """What the units wrote, by part of the form, each part a list: the same words from several
    units once, with their codes (a unit's own name in its text counts as the same words); a
    short answer (a plan's number…) one line per unit."""
    groups: list[AnnexGroup] = []
    for heading, entries in agg.texts_by_part():
        if all(len(text) <= 60 for _, _, text in entries):  # e.g. the plan's number and date
            groups.append(
                AnnexGroup(heading, tuple(AnnexItem(f"{c}: {t}", ()) for c, _, t in entries))
            )
            continue
        same: dict[str, list[tuple[str, str, str]]] = {}
        for code, name, text in entries:
            key = " ".join(fold(text.replace(name, "")).split())
            same.setdefault(key, []).append((code, name, text))
        items = []
        for found in same.values():
            code, name, text = found[0]
            if len(found) == 1:
                items.append(AnnexItem(text, (f"{code} – {name}",)))
            else:
                shared = text.replace(name, "Đơn vị").strip()
                items.append(AnnexItem(shared, tuple(c for c, _, _ in found)))
        groups.append(AnnexGroup(heading, tuple(items)))
    return groups


def decision_lines(agg: Aggregate) -> list[dict[str, object]]:
    """Every decision of the clerk's decisions workbook, applied or not, as one sentence each
    (the report's annex and the summary workbook list them all)."""
    from htsd_cli.checks.decisions import AS_TYPED, ASIDE, OWNER, READ_AS

    labels = {ind.id: ind.label.rstrip(" :") for ind in agg.form.indicators}
    units = {u.code: u.name for u in agg.status.units}
    by_file = {Path(u.file).name: u.code for u in agg.status.units if u.file}
    out = []
    for outcome in agg.status.decisions:
        d = outcome.decision  # said by unit and row: a file name or a cell means nothing on paper
        code = d.unit if d.unit in units else by_file.get(Path(d.file).name, "")
        where = [f"{code} – {units[code]}" if code else "một tệp không rõ của đơn vị nào"]
        if d.indicator in labels:
            where.append(labels[d.indicator])
        what = {
            OWNER: f"tệp của đơn vị {d.unit}",
            AS_TYPED: f"giữ như đã gõ ({d.typed})" if d.typed else "giữ như đã gõ",
            READ_AS: f"đọc là {d.read_as}" + (f" (đã gõ {d.typed})" if d.typed else ""),
            ASIDE: "để riêng, không tính",
        }.get(d.kind, d.kind)
        reason = f"; lý do: {d.reason}" if d.reason else ""
        state = "đã áp dụng" if outcome.applied else plain_words(outcome.note).rstrip(".")
        out.append(
            {
                **outcome.to_dict(),
                "text": f"{', '.join(where)}: {what}{reason} — {state} (sổ quyết định, dòng "
                f"{d.row}).",
            }
        )
    return out


def report_context(
    agg: Aggregate, config: Config, narrative: dict[str, str] | None = None
) -> ReportContext:
    """Everything the report says, as plain data."""
    form, status = agg.form, agg.status
    narrative = narrative or {}
    counts = status.counts()
    sections = []
    firsts: dict[int, str] = {}  # sections whose heading carries their first figure
    for section in form.sections:
        rows = [
            Row(
                id=ind.id,
                label=ind.report_label,
                level=ind.level,
                value=_value_text(agg, ind),
                number=agg.total(ind.id),
                reported=agg.reported(ind.id),
                expected=agg.expected(ind.id),
                note=note_for(agg, ind.id),
            )
            for ind in section.indicators
            if ind.aggregate != Aggregation.NONE
        ]
        # a first figure that only repeats the section's heading goes on the heading's line
        first = bool(rows) and label_key(rows[0].label) == label_key(section.heading)
        if first:
            firsts[section.number] = rows[0].id
        sections.append(
            Section(
                number=section.number,
                heading=section.heading,
                rows=tuple(rows[1:] if first else rows),
                value=rows[0].value if first else "",
                note=rows[0].note if first else "",
            )
        )
    texts: dict[str, list[TextPart]] = {"before_table": [], "after_table": []}
    for t in form.texts:
        texts[t.part].append(
            TextPart(
                id=t.id,
                heading=t.heading,
                # "I. …" is a part of the report, "2. …" an item under the part before it
                level="##" if re.match(r"^[IVXLC]+\.", t.heading) else "###",
                text=narrative.get(t.id),
                unfinished=UNFINISHED,
                placeholder=UNFINISHED_HINT,
            )
        )
    number = config.report_number or "      "
    missing = [u for u in status.units if u.state == MISSING]
    invalid = [u for u in status.units if u.state == INVALID]
    held = [u for u in status.units if u.state == HELD]
    late = [u for u in status.units if u.late]
    return ReportContext(
        governing_body=config.office.governing_body.upper(),
        office_lines=tuple(office_lines(config.office.name.upper())),
        office=config.office.name.upper(),
        number_line=f"Số: {number}/{form.report_code}-{config.office.short_name}",
        date_line=date_line(config.office.place, form.year, config.report_date),
        title=form.title,
        summary_line=form.summary_line,
        theme=form.theme,
        texts_before=tuple(texts["before_table"]),
        texts_after=tuple(texts["after_table"]),
        table_part_heading=form.table_part_heading,
        table_heading=form.table_heading,
        columns=(
            form.columns[0],
            form.columns[1],
            f"{form.columns[2]}, {form.columns[3]}",
            form.columns[4],
        ),
        sections=tuple(sections),
        counts=counts,
        missing=tuple(UnitName(u.code, u.name) for u in missing),
        invalid=tuple(_unit_line(u.code, u.name, u.reasons) for u in invalid),
        held=tuple(_unit_line(u.code, u.name, u.reasons) for u in held),
        late=tuple(
            LateUnit(u.code, u.name, u.received.strftime("%d/%m/%Y"))
            for u in late
            if u.received is not None  # late is known only from when a file came
        ),
        excluded=tuple(_excluded(agg, {u.code for u in invalid + held})),
        decisions=tuple(decision_lines(agg)),
        ignored=_ignored(agg),
        received_source=_received_words(status.received_source),
        deadline=status.deadline.strftime("%d/%m/%Y"),
        recipients=tuple(config.recipients),
        signer=signature_block(config.signer),
        annex=tuple(annex_texts(agg)),
        annex_ref=annex_reference(config, form, number),
        last_year=report_fields(agg.last_year, firsts),
    )


def _unit_line(code: str, name: str, reasons: Sequence[str]) -> UnitLine:
    """A unit not counted, with its first two reasons in plain words."""
    return UnitLine(code, name, tuple(plain_words(r) for r in reasons[:2]))


def render_markdown(context: ReportContext) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(bundled_templates() / "reports")),
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["md"] = md_escape
    env.filters["md_heading"] = md_heading
    return env.get_template("bao-cao.md.j2").render(**context.fields())
