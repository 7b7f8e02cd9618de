"""Reading every located cell as a careful clerk would, and the form's cross-field rules."""

from __future__ import annotations

from typing import Any

from htsd_cli.checks.applies import NOT_APPLICABLE_KEY
from htsd_cli.checks.context import Context, where
from htsd_cli.findings import ERROR, WARNING
from htsd_cli.form import Indicator
from htsd_cli.textnorm import could_be_legacy, fold, format_number, repair_legacy
from htsd_cli.values import (
    ValueProblem,
    is_blank,
    is_date_like,
    is_error_text,
    parse_vn_number,
    read_yes_no,
    show,
)


def check_values(ctx: Context) -> None:
    """Read every figure by indicator and report what a unit must fix."""
    cells, view = ctx.report.cells, ctx.view
    figures = [i for i in ctx.form.indicators if i.kind != "text"]
    empty = all(
        _blank(ctx.value(i.id)) and view.formula_problem(cells.get(i.id, "")) is None
        for i in figures
    )
    if empty:  # one finding for the whole return, not one per cell
        ctx.add(
            "empty-return",
            ERROR,
            "Tệp chưa điền số liệu nào: mọi ô Kết quả đều bỏ trống. Hãy điền số liệu rồi gửi lại.",
        )
    for ind in ctx.form.indicators:
        cell = cells.get(ind.id, "")
        if not cell:  # not located: its problem is already reported, nothing is read
            ctx.values[ind.id] = None
            continue
        ctx.values[ind.id] = None if empty and ind.kind != "text" else _read_value(ctx, ind, cell)
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


def _blank(value: Any) -> bool:
    """Blank, or "Không áp dụng" (what an issued workbook says in a row the unit skips)."""
    return is_blank(value) or (isinstance(value, str) and fold(value) == NOT_APPLICABLE_KEY)


def _read_value(ctx: Context, ind: Indicator, cell: str) -> Any:
    if ind.kind == "text":
        return _read_text(ctx, cell, ind) or None
    raw_value = ctx.view.value(cell) if cell else ""
    if _blank(raw_value) and not is_blank(raw_value):
        return None  # "Không áp dụng": a row the unit does not answer
    broken = ctx.view.formula_problem(cell) if is_blank(raw_value) else None
    if broken == "no-value":
        ctx.add(
            "formula-no-value",
            ERROR,
            f"{where(cell, ind)}: có công thức nhưng chưa có kết quả. Hãy mở tệp bằng Excel hoặc "
            "LibreOffice, lưu lại rồi gửi lại (hoặc ghi thẳng con số).",
            cell,
            ind,
        )
        return None
    if broken or is_error_text(raw_value):
        ctx.add(
            "error-value",
            ERROR,
            f"{where(cell, ind)}: công thức báo lỗi {broken or raw_value}. Hãy sửa công thức hoặc ghi con số.",
            cell,
            ind,
            broken or raw_value,
        )
        return None
    if is_blank(raw_value):
        what = "Có hoặc Không" if ind.kind == "yesno" else "0 nếu không có"
        ctx.add(
            "blank-value",
            ERROR if ctx.strict else WARNING,
            f"{where(cell, ind)}: bỏ trống nghĩa là chưa báo cáo. Hãy ghi số liệu ({what}).",
            cell,
            ind,
        )
        return None
    if ind.kind == "yesno" and ctx.report.kind == "summary":
        # a summary holds the number of units that answered "Có"
        return _read_number(ctx, ind, cell, raw_value)
    if ind.kind == "yesno":
        try:
            answer, plain = read_yes_no(raw_value)
        except ValueProblem:
            ctx.add(
                "not-yes-no",
                ERROR,
                f"{where(cell, ind)}: ghi '{show(raw_value)}'; chỉ được chọn Có hoặc Không.",
                cell,
                ind,
                raw_value,
            )
            return None
        if not plain:
            ctx.add(
                "yes-no-in-words",
                WARNING,
                f"{where(cell, ind)}: ghi '{show(raw_value)}', đã đọc là {'Có' if answer else 'Không'}. Lần "
                "sau hãy chọn Có hoặc Không trong ô.",
                cell,
                ind,
                raw_value,
            )
        return answer
    return _read_number(ctx, ind, cell, raw_value)


def _read_number(ctx: Context, ind: Indicator, cell: str, raw_value: Any) -> float | None:
    if isinstance(raw_value, bool) or is_date_like(raw_value):
        kind = "giá trị đúng/sai" if isinstance(raw_value, bool) else "ngày giờ"
        ctx.add(
            "wrong-type",
            ERROR,
            f"{where(cell, ind)}: ô chứa {kind} ({show(raw_value)}), cần một con số "
            f"({ind.unit}). Hãy xóa định dạng ngày và ghi lại con số.",
            cell,
            ind,
            raw_value,
        )
        return None
    if isinstance(raw_value, (int, float)):
        value = float(raw_value)
    else:
        text = str(raw_value)
        try:
            parsed = parse_vn_number(text)
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
        assert isinstance(parsed.value, float)
        value = parsed.value
        if parsed.multiplier > 1:
            ctx.add(
                "number-in-words",
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
                "unit-typed",
                WARNING,
                f"{where(cell, ind)}: ghi '{show(text)}', đã đọc là {show(value)}. Chỉ ghi con số, không "
                "ghi đơn vị tính.",
                cell,
                ind,
                text,
            )
    if value < 0:
        ctx.add(
            "negative-value",
            ERROR,
            f"{where(cell, ind)}: số âm ({show(raw_value)}). Hãy ghi số không âm (0 nếu không có).",
            cell,
            ind,
            raw_value,
        )
        return None
    if ind.whole and not value.is_integer():
        ctx.add(
            "fractional-count",
            ERROR,
            f"{where(cell, ind)}: {show(raw_value)} không phải số nguyên; số {ind.unit} phải là số nguyên.",
            cell,
            ind,
            raw_value,
        )
        return None
    return value


MAX_CELL_TEXT = 32_767  # the most characters a spreadsheet cell holds (Excel, LibreOffice)


def _here(cell: str, ind: Indicator | None, heading: str) -> str:
    return where(cell, ind) if ind else f"Ô {cell} ({heading})"


def _read_text(ctx: Context, cell: str, ind: Indicator | None, heading: str = "") -> str:
    if not cell:
        return ""
    value = ctx.view.value(cell)
    if is_blank(value) or is_error_text(value):
        formula = ctx.view.formula_of(cell)
        if not formula and is_error_text(value):
            ctx.add(
                "error-value",
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
            "formula-in-text",
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
            "text-cut",
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
            "legacy-encoding",
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
        severity = WARNING if ctx.report.kind == "summary" else rule.severity
        ctx.add(
            "rule-violated",
            severity,
            f"{where(cell, ind)}: {message}",
            cell,
            ind,
            show(left) if left not in (None, "") else "",
            rule=rule.id,
        )
