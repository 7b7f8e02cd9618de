"""The form's checks inside the issued workbook: formulas any spreadsheet program evaluates.

Generated from the same definitions `htsd validate` uses: each figure's own check (a count is a
whole number not below zero, money is not below zero) and every cross-field rule, for the rows the
unit's type answers. On the form sheet, outside the print area:
- column E, beside each row: the messages of the checks the row breaks, in validate's words;
- hidden columns F (the row's own check), G (error rules on the row), H (blank), I (text in a
  number cell, or a yes/no cell other than Có/Không, which a formula cannot read: "cần kiểm tra",
  never zero; validate reads them and says what it read);
- E1: the status line; F1 the number of errors, also the workbook-level name `so_loi`.
Conditional formatting turns a breaking cell red. `htsd validate` stays the authority: it reads
the figures, never these verdicts.

Only functions Excel 2010, LibreOffice and Google Sheets all have are used (FUNCTIONS).
"""

from __future__ import annotations

import re
from typing import Any

from htsd_cli.form import Expr, Form, Indicator, Rule
from htsd_cli.layout import VALUE_COL, Layout

FUNCTIONS = frozenset({"IF", "AND", "OR", "NOT", "ISBLANK", "ISNUMBER", "ISTEXT", "INT", "SUM"})
MESSAGE_COL, OWN_COL, RULES_COL, BLANK_COL, TEXT_COL = "E", "F", "G", "H", "I"
ERRORS_CELL, BLANKS_CELL, TEXTS_CELL = "F1", "F2", "F3"
ERRORS_NAME = "so_loi"
STATUS_CELL = "E1"
CHECK_FILL = "FFC7CE"


def _known(ind: Indicator, ref: str) -> str:
    """The cell holds a figure a formula can use (a rule with a blank one is not judged)."""
    if ind.kind == "yesno":
        return f'OR({ref}="Có",{ref}="Không")'
    return f"ISNUMBER({ref})"


def _term(ind: Indicator, ref: str) -> str:
    return f'IF({ref}="Có",1,0)' if ind.kind == "yesno" else ref


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
OPERATORS = {">=": ">=", "<=": "<=", ">": ">", "<": "<", "==": "=", "!=": "<>"}


def _comparison(check: Any, form: Form, cells: dict[str, str]) -> str:
    left, right = _expr(check.left, form, cells), _expr(check.right, form, cells)
    return f"({left}){OPERATORS[check.operator]}({right})"


def rule_formula(rule: Rule, form: Form, cells: dict[str, str]) -> str:
    """1 when the rule applies and is broken, else 0; a rule on a blank figure is not judged."""
    used = rule.when.left.ids + rule.when.right.ids if rule.when else ()
    if rule.check is not None:
        used += rule.check.left.ids + rule.check.right.ids
    known = [_known(form.indicator(i), cells[i]) for i in dict.fromkeys(used)]
    parts = list(known)
    if rule.when is not None:
        parts.append(_comparison(rule.when, form, cells))
    if rule.check is not None:
        parts.append(f"NOT({_comparison(rule.check, form, cells)})")
    else:
        target = cells[rule.target]
        empty = f'OR(ISBLANK({target}),{target}="")'
        parts.append(empty if rule.presence == "require" else f"NOT({empty})")
    return f"IF(AND({','.join(parts)}),1,0)"


def own_formula(ind: Indicator, ref: str) -> str | None:
    """1 when a figure typed is below zero (or, for a count, not whole)."""
    if ind.kind in ("count", "people"):
        return f"IF(ISNUMBER({ref}),IF(OR({ref}<0,{ref}<>INT({ref})),1,0),0)"
    if ind.kind == "money":
        return f"IF(ISNUMBER({ref}),IF({ref}<0,1,0),0)"
    return None


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


def add_checks(ws: Any, form: Form, lay: Layout, unit_type: str = "") -> None:
    """Write the checks of the rows a unit of `unit_type` answers (every row when unknown)."""
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.workbook.defined_name import DefinedName

    cells = {i.id: lay.cells[i.id] for i in form.indicators}
    answered = {i.id for i in form.applicable(unit_type)}
    guarded = Protection(locked=True, hidden=True)
    red = Font(name="Times New Roman", size=11, color="C00000")
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
            rows.setdefault(r, []).append(
                f'IF({OWN_COL}{r}=1,{_quoted(OWN_MESSAGES[ind.kind])},"")'
            )
        if ind.kind != "text":
            ws[f"{BLANK_COL}{r}"] = f"=IF(ISBLANK({ref}),1,0)"
        if ind.numeric:
            ws[f"{TEXT_COL}{r}"] = f"=IF(ISTEXT({ref}),1,0)"
        elif ind.kind == "yesno":  # "Đã có", "x": validate reads them, a formula cannot
            ws[f"{TEXT_COL}{r}"] = f'=IF(AND(NOT(ISBLANK({ref})),{ref}<>"Có",{ref}<>"Không"),1,0)'

    for rule in form.rules:
        if not set(rule.ids) <= answered:
            continue  # a rule on a row the unit does not answer is not judged
        flag = rule_formula(rule, form, cells)
        r = int(cells[rule.first][1:])
        if rule.severity == "error":
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
    ws[ERRORS_CELL] = (
        f"=SUM({OWN_COL}{first}:{OWN_COL}{last})+SUM({RULES_COL}{first}:{RULES_COL}{last})"
    )
    ws[BLANKS_CELL] = f"=SUM({BLANK_COL}{first}:{BLANK_COL}{last})"
    ws[TEXTS_CELL] = f"=SUM({TEXT_COL}{first}:{TEXT_COL}{last})"
    status = ws[STATUS_CELL]
    status.value = (
        f'=IF({ERRORS_CELL}=0,"Chưa có lỗi","Biểu mẫu còn "&{ERRORS_CELL}&" lỗi — xem các ô tô đỏ")'
        f'&IF({BLANKS_CELL}>0," · còn "&{BLANKS_CELL}&" dòng chưa điền","")'
        f'&IF({TEXTS_CELL}>0," · "&{TEXTS_CELL}&" ô cần kiểm tra (chữ trong ô số, hoặc không chọn Có/Không)","")'
    )
    status.font = Font(name="Times New Roman", size=12, bold=True, color="C00000")
    status.alignment = Alignment(wrap_text=True, vertical="top")
    for row in ws.iter_rows(min_col=5, max_col=9):
        for c in row:
            if c.value is not None:
                c.protection = guarded
    ws.column_dimensions[MESSAGE_COL].width = 50
    for col in (OWN_COL, RULES_COL, BLANK_COL, TEXT_COL):
        ws.column_dimensions[col].hidden = True
    fill = PatternFill("solid", fgColor=CHECK_FILL, bgColor=CHECK_FILL)
    for r in sorted(set(own_rows) | set(rule_rows)):
        ws.conditional_formatting.add(
            f"{VALUE_COL}{r}",
            FormulaRule(formula=[f"OR(${OWN_COL}${r}=1,${RULES_COL}${r}>0)"], fill=fill),
        )
    quoted = "'" + ws.title.replace("'", "''") + "'"
    ws.parent.defined_names[ERRORS_NAME] = DefinedName(
        ERRORS_NAME, attr_text=f"{quoted}!${ERRORS_CELL[0]}${ERRORS_CELL[1:]}"
    )


def functions_used(formula: str) -> set[str]:
    """The spreadsheet functions a formula calls (for the portability check)."""
    return set(re.findall(r"([A-Z][A-Z0-9.]*)\(", re.sub(r'"[^"]*"', "", formula)))
