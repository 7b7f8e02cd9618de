"""Reading every located cell as a careful clerk would, and the form's cross-field rules."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Final

from htsd_cli.base.findings import ERROR, WARNING, Code, Figure, ReadingKind
from htsd_cli.base.textnorm import could_be_legacy, fold, format_number, repair_legacy
from htsd_cli.base.values import (
    Parsed,
    ValueProblem,
    is_blank,
    is_date_like,
    is_error_text,
    is_yes_mark,
    numbers_in,
    parse_vn_number,
    read_yes_no,
    show,
    shown_as_date,
    split_amount_in_words,
    split_footnote,
    words_to_number,
)
from htsd_cli.campaign.form import Indicator, Kind
from htsd_cli.checks.applies import NOT_APPLICABLE_KEY
from htsd_cli.checks.context import Context, where
from htsd_cli.checks.plausible import DECIDE
from htsd_cli.reading.parts import DATE, PERCENT, TIME, CellLook
from htsd_cli.reading.view import CellValue


class _Held(Enum):
    """The kind of HELD: a mark no figure can be (the type checker tells it from a figure)."""

    HELD = "held"


# What a reading returns for a figure held for the clerk: it goes into no total (contract 1:
# FileReport.held keeps what would be counted if the clerk confirms it).
HELD: Final = _Held.HELD


def check_values(ctx: Context) -> None:
    """Read every figure by indicator and report what a unit must fix."""
    cells, view = ctx.report.cells, ctx.view
    figures = [i for i in ctx.form.indicators if i.kind != Kind.TEXT]
    empty = all(
        _blank(ctx.value(i.id))
        and view.formula_problem(cells.get(i.id, "")) is None
        and not _note_answer(ctx, i)
        for i in figures
    )
    if empty:  # one finding for the whole return, not one per cell
        ctx.add(
            Code.EMPTY_RETURN,
            ERROR,
            "Tệp chưa điền số liệu nào: mọi ô Kết quả đều bỏ trống. Hãy điền số liệu rồi gửi lại.",
        )
    for ind in ctx.form.indicators:
        cell = cells.get(ind.id, "")
        if not cell:  # not located: its problem is already reported, nothing is read
            ctx.values[ind.id] = None
            continue
        value = None if empty and ind.kind != Kind.TEXT else _read_value(ctx, ind, cell)
        if value is HELD:
            ctx.values.pop(ind.id, None)
        else:
            ctx.values[ind.id] = value
        note = cells.get(ind.note_id)
        if note:
            text = _read_text(ctx, note, ind)
            if text:
                ctx.report.texts[ind.note_id] = text
    for part in ctx.form.texts:
        ref = cells.get(part.id)
        if ref:
            text = _read_text(ctx, ref, None, part.heading)
            if text:
                ctx.report.texts[part.id] = text


def _blank(value: CellValue) -> bool:
    """Blank, or "Không áp dụng" (what an issued workbook says in a row the unit skips)."""
    return is_blank(value) or (isinstance(value, str) and fold(value) == NOT_APPLICABLE_KEY)


def _read_value(ctx: Context, ind: Indicator, cell: str) -> Figure | _Held | None:
    if ind.kind == Kind.TEXT:
        return _read_text(ctx, cell, ind) or None
    raw_value = ctx.view.value(cell) if cell else ""
    if (
        (type(raw_value) is float or type(raw_value) is int)
        and ind.kind != Kind.YESNO
        and ctx.view.plain_looks()
    ):
        # most figures: a number in a cell nothing in the workbook strikes or shows as a date,
        # read as the long way below reads it (no blank, no error, no look to weigh)
        return _judged(ctx, ind, cell, raw_value, float(raw_value))
    if (
        type(raw_value) is str
        and ind.kind == Kind.YESNO
        and raw_value in _LISTED
        and ctx.plain_answers()
    ):
        return _LISTED[raw_value]  # an answer picked from the list: read the long way, plain
    if _blank(raw_value) and not is_blank(raw_value):
        return None  # "Không áp dụng": a row the unit does not answer
    broken = ctx.view.formula_problem(cell) if is_blank(raw_value) else None
    if broken == "no-value":
        ctx.add(
            Code.FORMULA_NO_VALUE,
            ERROR,
            f"{where(cell, ind)}: có công thức nhưng chưa có kết quả. Hãy mở tệp bằng Excel hoặc "
            "LibreOffice, lưu lại rồi gửi lại (hoặc ghi thẳng con số).",
            cell,
            ind,
        )
        return None
    if broken or is_error_text(raw_value):
        ctx.add(
            Code.ERROR_VALUE,
            ERROR,
            f"{where(cell, ind)}: công thức báo lỗi {broken or raw_value}. Hãy sửa công thức hoặc ghi con số.",
            cell,
            ind,
            broken or raw_value,
        )
        return None
    if is_blank(raw_value) and _note_answer(ctx, ind):
        return _hold_note_answer(ctx, ind, cell)
    if is_blank(raw_value):
        what = "Có hoặc Không" if ind.kind == Kind.YESNO else "0 nếu không có"
        ctx.add(
            Code.BLANK_VALUE,
            ERROR if ctx.strict else WARNING,
            f"{where(cell, ind)}: bỏ trống nghĩa là chưa báo cáo. Hãy ghi số liệu ({what}).",
            cell,
            ind,
        )
        return None
    # "Có" or "Không" as the list in the cell writes it is never rich text: no runs to look at
    look = ctx.view.look(cell, runs=not (ind.kind == Kind.YESNO and raw_value in _LISTED))
    if look.struck or look.runs:
        left = _unstruck(ctx, ind, cell, raw_value, look)
        if left is HELD or left is None:
            return left
        raw_value = left
    if ind.kind == Kind.YESNO and ctx.report.kind == ReadingKind.SUMMARY:
        # a summary holds the number of units that answered "Có"
        return _read_number(ctx, ind, cell, raw_value, look)
    if ind.kind == Kind.YESNO:
        try:
            answer, plain = read_yes_no(raw_value)
        except ValueProblem:
            ctx.add(
                Code.NOT_YES_NO,
                ERROR,
                f"{where(cell, ind)}: ghi '{show(raw_value)}'; chỉ được chọn Có hoặc Không.",
                cell,
                ind,
                raw_value,
            )
            return None
        if not plain:
            code = Code.YES_NO_MARK if is_yes_mark(raw_value) else Code.YES_NO_IN_WORDS
            ctx.add(
                code,
                WARNING,
                f"{where(cell, ind)}: ghi '{show(raw_value)}', đã đọc là {'Có' if answer else 'Không'}. Lần "
                "sau hãy chọn Có hoặc Không trong ô.",
                cell,
                ind,
                raw_value,
            )
        return answer
    return _read_number(ctx, ind, cell, raw_value, look)


# The answers as the issued workbook's list writes them, each as read_yes_no reads it (plainly).
_LISTED = {a: read_yes_no(a)[0] for a in ("Có", "Không") if read_yes_no(a)[1]}


def _read_number(
    ctx: Context, ind: Indicator, cell: str, raw_value: CellValue, look: CellLook
) -> float | _Held | None:
    if isinstance(raw_value, bool):
        ctx.add(
            Code.WRONG_TYPE,
            ERROR,
            f"{where(cell, ind)}: ô chứa giá trị đúng/sai ({show(raw_value)}), cần một con số "
            f"({ind.unit}). Hãy xóa định dạng ngày và ghi lại con số.",
            cell,
            ind,
            raw_value,
        )
        return None
    if is_date_like(raw_value) or (
        look.shows_as
        and isinstance(raw_value, (int, float))
        and ctx.report.kind != ReadingKind.SUMMARY
    ):
        _shown_not_a_number(ctx, ind, cell, raw_value, look)
        return None
    if isinstance(raw_value, (int, float)):
        value = float(raw_value)
    else:
        read = _read_number_text(ctx, ind, cell, str(raw_value))
        if read is None or read is HELD:
            return read
        value = read
    return _judged(ctx, ind, cell, raw_value, value)


def _parsed(
    ctx: Context, ind: Indicator, cell: str, text: str, number: str
) -> tuple[Parsed, float] | None:
    """The number part `number` of what the unit wrote (`text`), read, and its value; or None,
    with an error quoting what was written."""
    try:
        parsed = parse_vn_number(number)
    except ValueProblem as problem:
        ctx.add(
            problem.code,
            ERROR,
            f"{where(cell, ind)}: '{show(text)}' {problem.message}. Hãy ghi một con số, ví dụ 1200.",
            cell,
            ind,
            text,
        )
        return None
    return parsed, parsed.value


def _read_number_text(ctx: Context, ind: Indicator, cell: str, text: str) -> float | _Held | None:
    """The number a text says, as a careful clerk reads it (None when it cannot be read, HELD
    when the clerk must decide), with a finding saying how it was read."""
    amount = split_amount_in_words(text)
    if amount is not None:
        return _read_amount_in_words(ctx, ind, cell, text, *amount)
    number_text, mark = split_footnote(text)
    read = _parsed(ctx, ind, cell, text, number_text)
    if read is None:
        return None
    parsed, value = read
    if mark:
        ctx.add(
            Code.FOOTNOTE_MARK,
            WARNING,
            f"{where(cell, ind)}: ghi '{show(text)}', đã đọc là {format_number(value, 2)} (bỏ dấu chú "
            f"thích '{mark}'). Kiểm tra lại; lời chú thích ghi ở cột Ghi chú.",
            cell,
            ind,
            text,
        )
    if parsed.multiplier > 1:
        ctx.add(
            Code.NUMBER_IN_WORDS,
            WARNING,
            f"{where(cell, ind)}: ghi '{show(text)}', đã đọc là {format_number(value, 2)}"
            f"{' ' + ind.unit if ind.unit else ''}. Kiểm tra lại; lần sau chỉ ghi con số "
            "đầy đủ, ví dụ 80000000.",
            cell,
            ind,
            text,
        )
    elif parsed.unit_text:
        ctx.add(
            Code.UNIT_TYPED,
            WARNING,
            f"{where(cell, ind)}: ghi '{show(text)}', đã đọc là {show(value)}. Chỉ ghi con số, không "
            "ghi đơn vị tính.",
            cell,
            ind,
            text,
        )
    return value


def _judged(
    ctx: Context, ind: Indicator, cell: str, raw_value: CellValue, value: float
) -> float | None:
    """The figure read, unless it is negative, or a fraction of what is counted whole."""
    if value < 0:
        ctx.add(
            Code.NEGATIVE_VALUE,
            ERROR,
            f"{where(cell, ind)}: số âm ({show(raw_value)}). Hãy ghi số không âm (0 nếu không có).",
            cell,
            ind,
            raw_value,
        )
        return None
    if ind.whole and not value.is_integer():
        ctx.add(
            Code.FRACTIONAL_COUNT,
            ERROR,
            f"{where(cell, ind)}: {show(raw_value)} không phải số nguyên; số {ind.unit} phải là số "
            f"nguyên.{_thousands_meant(raw_value)}",
            cell,
            ind,
            raw_value,
        )
        return None
    return value


def _thousands_meant(raw_value: CellValue) -> str:
    """' Có phải 1.200?' for the number 1,2: '1.200' typed on a computer set to English (where
    the dot is the decimal point) becomes 1,2 before anyone reads it."""
    if not isinstance(raw_value, float) or raw_value <= 0:
        return ""
    thousands = round(raw_value * 1000, 6)
    if not thousands.is_integer() or raw_value.is_integer():
        return ""
    meant = format_number(thousands)
    return (
        f" Có phải {meant}? (máy tính đặt kiểu số tiếng Anh đọc '{meant}' thành {show(raw_value)}; "
        "ghi số không có dấu chấm, ví dụ " + f"{int(thousands)}.)"
    )


def _hold(
    ctx: Context,
    code: Code,
    message: str,
    cell: str,
    ind: Indicator,
    typed: CellValue,
    candidate: Figure | None,
) -> _Held:
    """Hold a figure for the clerk: an error that names it, and what would be counted if the
    clerk confirms it as typed (contract 1); the figure goes into no total."""
    ctx.add(code, ERROR, message, cell, ind, typed)
    ctx.report.held[ind.id] = candidate
    return HELD


def _note_of(ctx: Context, ind: Indicator) -> tuple[str, CellValue]:
    """The row's "Ghi chú" cell and what it holds ('' when it has none)."""
    ref = ctx.report.cells.get(ind.note_id, "")
    return ref, ctx.view.value(ref) if ref else ""


def _note_answer(ctx: Context, ind: Indicator) -> list[float] | list[bool]:
    """What a row's "Ghi chú" says its figure is, when the figure itself is left blank: the
    numbers it holds (a yes/no row: its answer). Summaries write counts of units there."""
    if ctx.report.kind == ReadingKind.SUMMARY or ind.kind == Kind.TEXT:
        return []
    _, note = _note_of(ctx, ind)
    if is_blank(note) or isinstance(note, bool):
        return []
    if ind.kind == Kind.YESNO:
        try:
            return [read_yes_no(note)[0]]
        except ValueProblem:
            return []
    if isinstance(note, (int, float)):
        return [float(note)]
    return numbers_in(str(note)) if isinstance(note, str) else []


def _hold_note_answer(ctx: Context, ind: Indicator, cell: str) -> _Held:
    found = _note_answer(ctx, ind)
    ref, note = _note_of(ctx, ind)
    candidate = found[0] if len(found) == 1 else None
    meant = ""
    if candidate is not None:
        shown = ("Có" if candidate else "Không") if ind.kind == Kind.YESNO else show(candidate)
        meant = f" (Đọc là {shown})"
    return _hold(
        ctx,
        Code.VALUE_IN_NOTE,
        f"{where(cell, ind)}: ô số liệu bỏ trống nhưng ô Ghi chú {ref} ghi '{show(note)}'. "
        f"Đơn vị đã ghi số liệu ở cột Ghi chú; cần xác nhận số liệu của dòng này{meant}. {DECIDE}",
        cell,
        ind,
        note,
        candidate,
    )


def _unstruck(
    ctx: Context, ind: Indicator, cell: str, raw_value: CellValue, look: CellLook
) -> CellValue | _Held:
    """What is left of a value once what the unit struck through is taken out: the rest of the
    text (with a warning quoting both), or HELD when the whole value is struck."""
    if look.runs:
        kept = look.kept.strip()
        struck = " ".join(p.strip() for p in look.struck_parts)
        if kept and struck:
            ctx.add(
                Code.STRUCK_PART,
                WARNING,
                f"{where(cell, ind)}: ghi '{show(raw_value)}', trong đó '{show(struck)}' bị gạch "
                f"ngang nên không tính; đã đọc phần còn lại: '{show(kept)}'. Kiểm tra lại; lần sau "
                "hãy xóa số cũ thay vì gạch.",
                cell,
                ind,
                raw_value,
            )
            return kept
        if not struck:
            return raw_value
    elif not look.struck:
        return raw_value
    candidate = _as_typed(ind, raw_value)
    ref, note = _note_of(ctx, ind)
    told = f"; ô Ghi chú {ref} ghi '{show(note)}'" if ref and not is_blank(note) else ""
    noted = numbers_in(note) if isinstance(note, str) and ind.numeric else []
    if len(noted) == 1:  # the new figure, most likely: the clerk's line to write is named
        told += f" (nếu đó là số đúng: Đọc là {show(noted[0])})"
    return _hold(
        ctx,
        Code.STRUCK_VALUE,
        f"{where(cell, ind)}: '{show(raw_value)}' bị gạch ngang{told}, nên chưa rõ đơn vị muốn báo "
        f"số liệu nào. {DECIDE}",
        cell,
        ind,
        raw_value,
        candidate,
    )


def _as_typed(ind: Indicator, raw_value: CellValue) -> Figure | None:
    """What a value would count as if the clerk confirms it as typed (None when unreadable)."""
    try:
        if ind.kind == Kind.YESNO:
            return read_yes_no(raw_value)[0]
        if isinstance(raw_value, (int, float)) and not isinstance(raw_value, bool):
            return float(raw_value)
        parsed = parse_vn_number(split_footnote(str(raw_value))[0])
    except ValueProblem:
        return None
    return parsed.value


def _shown_not_a_number(
    ctx: Context, ind: Indicator, cell: str, raw_value: CellValue, look: CellLook
) -> None:
    """A number (or a date) the cell shows as a date, a time or a percentage: the unit typed
    something else than a count ('3/5' becomes a date). Never read as its serial number."""
    own = TIME if isinstance(raw_value, (dt.time, dt.timedelta)) else DATE
    kind = look.shows_as or own
    if kind == PERCENT and not isinstance(raw_value, (int, float)):
        kind = own  # a format such as 'dd/mm/yyyy%' both dates the cell and shows a percent
    if kind == PERCENT:
        assert isinstance(raw_value, (int, float))
        seen = look.shown or f"{show(round(float(raw_value) * 100, 6))}%"
        what, how, example = "một tỉ lệ phần trăm", "phần trăm", "gõ '50%' thì ô giữ 0,5"
    elif kind == DATE:
        seen = look.shown or shown_as_date(raw_value, look.format_code)
        what, how, example = "một ngày", "ngày", "gõ '3/5' thì bảng tính hiểu là ngày"
    else:
        seen = look.shown or shown_as_date(raw_value, look.format_code)
        what, how, example = "một giờ", "giờ", "gõ '8:30' thì bảng tính hiểu là giờ"
    ctx.add(
        Code.DATE_TYPED if kind != PERCENT else Code.PERCENT_TYPED,
        ERROR,
        f"{where(cell, ind)}: ô hiện '{seen}': đơn vị đã gõ {what}, không phải con số ({ind.unit}) "
        f"({example}). Hãy bỏ định dạng {how} (Định dạng ô › Số) rồi gõ lại con số.",
        cell,
        ind,
        seen,
    )


def _read_amount_in_words(
    ctx: Context, ind: Indicator, cell: str, text: str, amount: str, words: str
) -> float | _Held | None:
    """'1.800.000đ (Một triệu tám trăm nghìn đồng chẵn)': the amount, when the words say the same;
    held, quoting both, when they say another amount or cannot be read."""
    read = _parsed(ctx, ind, cell, text, amount)
    if read is None:
        return None
    value, said = read[1], words_to_number(words)
    if said is not None and said == value:
        ctx.add(
            Code.AMOUNT_IN_WORDS,
            WARNING,
            f"{where(cell, ind)}: ghi '{show(text)}', đã đọc là {format_number(value, 2)} (số và chữ "
            "khớp nhau). Lần sau chỉ ghi con số.",
            cell,
            ind,
            text,
        )
        return value
    says = (
        f"phần chữ '{show(words)}' là {format_number(said)}"
        if said is not None
        else f"phần chữ '{show(words)}' không đọc được thành số"
    )
    return _hold(
        ctx,
        Code.AMOUNT_WORDS_DIFFER,
        f"{where(cell, ind)}: ghi '{show(text)}': phần số là {format_number(value, 2)} nhưng {says}. "
        f"Chưa rõ số nào đúng. {DECIDE}",
        cell,
        ind,
        text,
        value,
    )


MAX_CELL_TEXT = 32_767  # the most characters a spreadsheet cell holds (Excel, LibreOffice)


def _here(cell: str, ind: Indicator | None, heading: str) -> str:
    return where(cell, ind) if ind else f"Ô {cell} ({heading})"


def _read_text(ctx: Context, cell: str, ind: Indicator | None, heading: str = "") -> str:
    if not cell:
        return ""
    value = ctx.view.value(cell)
    if value == "" and cell not in ctx.view.formula_cells():
        return ""  # most notes: empty, and no formula that could show as empty
    if is_blank(value) or is_error_text(value):
        formula = ctx.view.formula_of(cell)
        if not formula and is_error_text(value):
            ctx.add(
                Code.ERROR_VALUE,
                WARNING,
                f"{_here(cell, ind, heading)}: ô báo lỗi {value} thay vì lời văn, nên không đọc được. Hãy ghi lại lời "
                "văn (không bắt đầu bằng dấu '=').",
                cell,
                ind,
                value,
            )
            return ""
        if not formula:
            return ""
        # "=Tổ chức tốt" typed as a note becomes a formula that fails: the words are kept
        value = "=" + formula
        ctx.add(
            Code.FORMULA_IN_TEXT,
            WARNING,
            f"{_here(cell, ind, heading)}: lời văn được ghi như một công thức ('{show(value)}'), nên bảng tính không "
            "hiện được; đã giữ nguyên dạng chữ. Lần sau đừng bắt đầu lời văn bằng dấu '='.",
            cell,
            ind,
            value,
        )
    raw_text = show(value) if not isinstance(value, str) else value.strip()
    if len(raw_text) >= MAX_CELL_TEXT:
        # spreadsheet readers stop at a cell's limit: what the unit wrote past it is not seen
        ctx.add(
            Code.TEXT_CUT,
            WARNING,
            f"{_here(cell, ind, heading)}: lời văn dài tới sức chứa tối đa của một ô ({format_number(MAX_CELL_TEXT)} "
            "ký tự); phần viết vượt quá (nếu có) đã bị cắt. Hãy rút gọn, hoặc gửi phần còn lại "
            "trong văn bản kèm theo.",
            cell,
            ind,
            raw_text[:40],
        )
        raw_text = raw_text[:MAX_CELL_TEXT]
    # the cell's font decides when it names a legacy font; it is looked up only for text that
    # could be legacy-encoded (never plain ASCII, never text with Unicode-only letters)
    font = ctx.view.font_of(cell) if could_be_legacy(raw_text) else None
    text, legacy = repair_legacy(raw_text, font)
    if legacy:
        name = "TCVN3 (.VnTime)" if legacy == "tcvn3" else "VNI"
        ctx.add(
            Code.LEGACY_ENCODING,
            WARNING,
            f"{_here(cell, ind, heading)}: chữ gõ bằng bảng mã {name}, đã chuyển sang Unicode: '{show(text)}'. "
            "Lần sau hãy gõ bằng bảng mã Unicode (phông Times New Roman).",
            cell,
            ind,
            value,
        )
    return text


def check_rules(ctx: Context) -> None:
    """Every cross-field rule of the form."""
    for rule in ctx.form.rules:
        if not rule.broken(ctx.values):
            continue
        ind = ctx.form.indicator(rule.first)
        cell = ctx.report.cells.get(rule.first, "")
        when_value = rule.when.left.evaluate(ctx.values) if rule.when else None
        left = rule.check.left.evaluate(ctx.values) if rule.check else ctx.values.get(rule.target)
        right = rule.check.right.evaluate(ctx.values) if rule.check else None
        message = rule.message.format(
            left_value=show(left) if left is not None else "",
            right_value=show(right) if right is not None else "",
            when_value=show(when_value) if when_value is not None else "",
        )
        # In a summary, blanks left by some units can make a sum break a rule: warn only.
        severity = WARNING if ctx.report.kind == ReadingKind.SUMMARY else rule.severity
        ctx.add(
            Code.RULE_VIOLATED,
            severity,
            f"{where(cell, ind)}: {message}",
            cell,
            ind,
            show(left) if left not in (None, "") else "",
            rule=rule.id,
        )
