"""The form's checks inside the issued workbook: formulas any spreadsheet program evaluates.

Generated from the same definitions `htsd validate` uses, for the rows the unit's type answers.
On the form sheet, outside the print area:
- column E, beside each row: the messages of the checks the row breaks, in validate's words;
- hidden columns F (the row's own error: a formula error, a true/false, a negative number, a
  count that is not whole), G (error rules on the row), H (blank), I (words in a number cell, or
  a yes/no cell other than Có/Không, which a formula cannot read: "cần kiểm tra", never zero;
  validate reads them and says what it read), J (something typed that validate reads);
- E1: the status line; F1 the number of errors, also the workbook-level name `so_loi`; F2 blank
  rows, F3 cells to check, F4 1 when nothing at all is typed.

`so_loi` counts the errors `htsd validate` (without --strict) finds in the file itself, as far as
a formula can see them (ERRORS_COUNTED): each figure's own error, each error rule broken (judged,
as validate judges it, only when every figure it uses is readable and free of its own error: a
negative figure is one error, not one more for each rule it would break), and a return with
nothing typed. The two counts are equal for an issued workbook in which no cell "cần kiểm tra"
and nothing a formula cannot see (below) is at fault. Conditional formatting turns a breaking
cell red. `htsd validate` stays the authority: it reads the figures, never these verdicts.

Only functions Excel 2010, LibreOffice and Google Sheets all have are used (FUNCTIONS).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from htsd_cli.base.findings import Code, Severity
from htsd_cli.campaign.form import Comparison, Expr, Form, Indicator, Kind, Rule
from htsd_cli.campaign.layout import FORM_SHEET, NOT_APPLICABLE, VALUE_COL, Layout

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

FUNCTIONS = frozenset(
    {"IF", "AND", "OR", "NOT", "ISBLANK", "ISNUMBER", "ISTEXT", "ISERROR", "ISLOGICAL", "INT",
     "SUM", "TRIM"}
)  # fmt: skip
MESSAGE_COL, OWN_COL, RULES_COL, BLANK_COL, TEXT_COL, READ_COL = "E", "F", "G", "H", "I", "J"
HIDDEN_COLS = (OWN_COL, RULES_COL, BLANK_COL, TEXT_COL, READ_COL)
ERRORS_CELL, BLANKS_CELL, TEXTS_CELL, EMPTY_CELL = "F1", "F2", "F3", "F4"
ERRORS_NAME = "so_loi"
STATUS_CELL = "E1"
CHECK_FILL = "FFC7CE"

# The findings of `htsd validate` that `so_loi` counts ("wrong-type": a true/false typed in a
# number cell; a date is a number to a formula).
# It cannot see words in a number cell (it says "cần kiểm tra"), a cell's format (a date, a
# percent, struck-through text), figures held as implausible, and what needs the roster or the
# batch.
ERRORS_COUNTED = frozenset(
    {Code.ERROR_VALUE, Code.WRONG_TYPE, Code.NEGATIVE_VALUE, Code.FRACTIONAL_COUNT,
     Code.RULE_VIOLATED, Code.EMPTY_RETURN}
)  # fmt: skip
CHECK_GUIDE = (
    f"Ô E1 ở trang '{FORM_SHEET}' tự đếm lỗi như htsd đếm khi kiểm tra tệp: ô báo lỗi công "
    "thức, ô ghi đúng/sai thay cho con số, số âm, số lẻ ở ô số lượng, quy tắc đối chiếu bị vi "
    "phạm (ô tô đỏ, lời nhắc ở cột E), và tệp chưa điền số liệu nào. Chữ trong ô số, hoặc ô "
    'Có/Không ghi khác Có, Không, được báo "cần kiểm tra": htsd đọc rồi báo khi kiểm tra tệp. '
    "Ngày tháng gõ vào ô số, chữ gạch ngang và số liệu khó có thật thì bảng tính không thấy: "
    "chỉ htsd báo.",
)


def _quiet(ref: str, test: str, otherwise: str = "FALSE") -> str:
    """`test` of a cell that may hold a formula error (#DIV/0!...): `otherwise` for an error,
    never the error itself, which would spread to every sum over it."""
    return f"IF(ISERROR({ref}),{otherwise},{test})"


def _readable(ind: Indicator, ref: str, row: int) -> str:
    """The cell holds a figure a formula can use: a number free of its own error, or Có/Không.
    A rule using a figure that is not readable is not judged (validate reads it as missing)."""
    if ind.kind == Kind.YESNO:
        return _quiet(ref, f'OR({ref}="Có",{ref}="Không")')
    if ind.kind == Kind.TEXT:
        return _quiet(ref, f'TRIM({ref})<>""', "TRUE")
    return f"AND(ISNUMBER({ref}),{OWN_COL}{row}=0)"


def _term(ind: Indicator, ref: str) -> str:
    return f'IF({ref}="Có",1,0)' if ind.kind == Kind.YESNO else ref


def _expr(expr: Expr, form: Form, cells: dict[str, str]) -> str:
    parts = []
    for sign, ref, const in expr.terms:
        text = _term(form.indicator(ref), cells[ref]) if ref else _number(const)
        parts.append(("-" if sign < 0 else "+") + text)
    joined = "".join(parts)
    return joined[1:] if joined.startswith("+") else joined


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


OWN_MESSAGES = {
    "count": "Số âm hoặc số lẻ: hãy ghi số nguyên không âm (0 nếu không có). ",
    "people": "Số âm hoặc số lẻ: hãy ghi số nguyên không âm (0 nếu không có). ",
    "money": "Số âm: hãy ghi số tiền không âm (0 nếu không có). ",
}
FORMULA_ERROR_MESSAGE = "Công thức báo lỗi: hãy sửa công thức hoặc ghi con số. "
TRUE_FALSE_MESSAGE = "Ô chứa giá trị đúng/sai: hãy ghi một con số. "
OPERATORS = {">=": ">=", "<=": "<=", ">": ">", "<": "<", "==": "=", "!=": "<>"}


def _comparison(check: Comparison, form: Form, cells: dict[str, str]) -> str:
    left, right = _expr(check.left, form, cells), _expr(check.right, form, cells)
    return f"({left}){OPERATORS[check.operator]}({right})"


def rule_formula(rule: Rule, form: Form, cells: dict[str, str]) -> str:
    """1 when the rule applies and is broken, else 0. As in validate, a rule on a figure that is
    blank or unreadable, or has its own error (a negative number), is not judged: it waits for
    the figure to be fixed. The comparisons are reached only when every figure is readable."""
    used = rule.when.left.ids + rule.when.right.ids if rule.when else ()
    if rule.check is not None:
        used += rule.check.left.ids + rule.check.right.ids
    ready = [_readable(form.indicator(i), cells[i], int(cells[i][1:])) for i in dict.fromkeys(used)]
    parts = []
    if rule.when is not None:
        parts.append(_comparison(rule.when, form, cells))
    if rule.check is not None:
        parts.append(f"NOT({_comparison(rule.check, form, cells)})")
    else:
        target = form.indicator(rule.target)
        filled = _readable(target, cells[rule.target], int(cells[rule.target][1:]))
        parts.append(filled if rule.presence == "forbid" else f"NOT({filled})")
    broken = f"IF(AND({','.join(parts)}),1,0)"
    return f"IF(AND({','.join(ready)}),{broken},0)" if ready else broken


def own_formula(ind: Indicator, ref: str) -> str | None:
    """1 when the figure typed is an error for validate that a formula can see: a formula's
    error, a true/false in a number cell, a number below zero or, for a count, not whole."""
    if ind.kind in (Kind.COUNT, Kind.PEOPLE):
        bad = f"OR({ref}<0,{ref}<>INT({ref}))"
    elif ind.kind == Kind.MONEY:
        bad = f"{ref}<0"
    elif ind.kind == Kind.YESNO:
        return f"IF(ISERROR({ref}),1,0)"
    else:
        return None
    return f"IF(ISERROR({ref}),1,IF(ISLOGICAL({ref}),1,IF(ISNUMBER({ref}),IF({bad},1,0),0)))"


def _own_message(ind: Indicator, ref: str) -> str:
    if ind.kind == Kind.YESNO:
        return _quoted(FORMULA_ERROR_MESSAGE)
    return (
        f"IF(ISERROR({ref}),{_quoted(FORMULA_ERROR_MESSAGE)},IF(ISLOGICAL({ref}),"
        f"{_quoted(TRUE_FALSE_MESSAGE)},{_quoted(OWN_MESSAGES[ind.kind])}))"
    )


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _message(rule: Rule, form: Form, cells: dict[str, str]) -> str:
    """The rule's message with the figures of the moment, as a formula string expression."""
    values = {}
    if rule.check is not None:
        values["left_value"] = _expr(rule.check.left, form, cells)
        values["right_value"] = _expr(rule.check.right, form, cells)
    if rule.when is not None:
        values["when_value"] = _expr(rule.when.left, form, cells)
    parts = re.split(r"\{(left_value|right_value|when_value)\}", rule.message)
    out = []
    for n, part in enumerate(parts):
        if n % 2 == 0:
            if part:
                out.append(_quoted(part))
        else:
            out.append(f"({values.get(part, '0')})")
    return "&".join(out) or '""'


def add_checks(ws: Worksheet, form: Form, lay: Layout, unit_type: str = "") -> None:
    """Write the checks of the rows a unit of `unit_type` answers (every row when unknown)."""
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.workbook.defined_name import DefinedName

    from htsd_cli.writing.package import FONT_NAME
    from htsd_cli.writing.xlstyle import formula_rule

    cells = {i.id: lay.cells[i.id] for i in form.indicators}
    answered = {i.id for i in form.applicable(unit_type)}
    guarded = Protection(locked=True, hidden=True)
    red = Font(name=FONT_NAME, size=11, color="C00000")
    rows: dict[int, list[str]] = {}  # row → message expressions
    own_rows: list[int] = []
    rule_rows: dict[int, list[str]] = {}
    for ind in form.indicators:
        if ind.id not in answered:
            continue
        ref = cells[ind.id]
        r = int(ref[1:])
        own = own_formula(ind, ref)
        if own:
            ws[f"{OWN_COL}{r}"] = "=" + own
            own_rows.append(r)
            rows.setdefault(r, []).append(f'IF({OWN_COL}{r}=1,{_own_message(ind, ref)},"")')
        if ind.kind == Kind.TEXT:
            continue
        ws[f"{BLANK_COL}{r}"] = f"=IF(ISBLANK({ref}),1,0)"
        # validate reads a figure (or an error) from anything but blanks and "Không áp dụng"
        blank = f'OR(TRIM({ref})="",{ref}={_quoted(NOT_APPLICABLE)})'
        ws[f"{READ_COL}{r}"] = "=" + _quiet(ref, f"IF({blank},0,1)", "1")
        if ind.numeric:
            ws[f"{TEXT_COL}{r}"] = f'=IF(ISTEXT({ref}),IF(TRIM({ref})="",0,1),0)'
        else:  # "Đã có", "x": validate reads them, a formula cannot
            known = f'OR(TRIM({ref})="",{ref}="Có",{ref}="Không")'
            ws[f"{TEXT_COL}{r}"] = "=" + _quiet(ref, f"IF({known},0,1)", "0")

    for rule in form.rules:
        if not set(rule.ids) <= answered:
            continue  # a rule on a row the unit does not answer is not judged
        flag = rule_formula(rule, form, cells)
        r = int(cells[rule.first][1:])
        if rule.severity == Severity.ERROR:
            rule_rows.setdefault(r, []).append(flag)
        rows.setdefault(r, []).append(f'IF({flag}=1,{_message(rule, form, cells)}&" ","")')
    for r, flags in rule_rows.items():
        ws[f"{RULES_COL}{r}"] = "=" + "+".join(flags)
    for r, messages in rows.items():
        cell = ws[f"{MESSAGE_COL}{r}"]
        cell.value = "=" + "&".join(messages)
        cell.font = red
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    first, last = lay.header_row + 1, max(int(c[1:]) for c in cells.values())

    def total(col: str) -> str:
        return f"SUM({col}{first}:{col}{last})"

    # a return with nothing typed is one error, as in validate (it is not a report)
    ws[EMPTY_CELL] = f"=IF({total(READ_COL)}=0,1,0)"
    ws[ERRORS_CELL] = f"={total(OWN_COL)}+{total(RULES_COL)}+{EMPTY_CELL}"
    ws[BLANKS_CELL] = f"={total(BLANK_COL)}"
    ws[TEXTS_CELL] = f"={total(TEXT_COL)}"
    status = ws[STATUS_CELL]
    status.value = (
        f'=IF({EMPTY_CELL}=1,"Chưa điền số liệu nào",IF({ERRORS_CELL}=0,"Chưa có lỗi",'
        f'"Biểu mẫu còn "&{ERRORS_CELL}&" lỗi — xem các ô tô đỏ"))'
        f'&IF({BLANKS_CELL}>0," · còn "&{BLANKS_CELL}&" dòng chưa điền","")'
        f'&IF({TEXTS_CELL}>0," · "&{TEXTS_CELL}&" ô cần kiểm tra (chữ trong ô số, hoặc không chọn Có/Không)","")'
    )
    status.font = Font(name=FONT_NAME, size=12, bold=True, color="C00000")
    status.alignment = Alignment(wrap_text=True, vertical="top")
    for row in ws.iter_rows(min_col=5, max_col=5 + len(HIDDEN_COLS)):
        for c in row:
            if c.value is not None:
                c.protection = guarded
    ws.column_dimensions[MESSAGE_COL].width = 50
    for col in HIDDEN_COLS:
        ws.column_dimensions[col].hidden = True
    fill = PatternFill("solid", fgColor=CHECK_FILL, bgColor=CHECK_FILL)
    for r in sorted(set(own_rows) | set(rule_rows)):
        ws.conditional_formatting.add(
            f"{VALUE_COL}{r}",
            formula_rule(f"OR(${OWN_COL}${r}=1,${RULES_COL}${r}>0)", fill),
        )
    quoted = "'" + ws.title.replace("'", "''") + "'"
    book = ws.parent
    assert book is not None  # a sheet made in a workbook
    book.defined_names[ERRORS_NAME] = DefinedName(
        ERRORS_NAME, attr_text=f"{quoted}!${ERRORS_CELL[0]}${ERRORS_CELL[1:]}"
    )


def functions_used(formula: str) -> set[str]:
    """The spreadsheet functions a formula calls (for the portability check)."""
    return set(re.findall(r"([A-Z][A-Z0-9.]*)\(", re.sub(r'"[^"]*"', "", formula)))
