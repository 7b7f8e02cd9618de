"""Who answers what: rows a unit's type does not answer are neither asked for nor counted.

A file is read whole, whatever rows apply (a worker does not know the roster). Once the batch knows
each unit's type (the roster's, else the type stamped in the workbook), the rows its type does not
answer are taken out: a blank there is no finding, a figure typed there is a warning and is not
counted (it is kept in `FileReport.ignored` for the report's annex), and a rule that uses such a
row is not judged. A summary of an office below answers every row: it carries totals of its units.
"""

from __future__ import annotations

from htsd_cli.base.findings import ERROR, WARNING, Code, FileReport, Finding, ReadingKind
from htsd_cli.base.textnorm import fold
from htsd_cli.base.values import show
from htsd_cli.campaign.form import Form, Kind
from htsd_cli.campaign.layout import NOT_APPLICABLE
from htsd_cli.campaign.roster import Roster
from htsd_cli.checks.context import where

NOT_APPLICABLE_KEY = fold(NOT_APPLICABLE)


def unit_type_of(rep: FileReport, roster: Roster | None, form: Form) -> str:
    """The unit-type code of a return: the roster's, else the one stamped in the workbook."""
    unit = roster.find(rep.unit_code) if roster is not None and rep.unit_code else None
    stated = unit.unit_type if unit is not None else rep.unit_type
    found = form.unit_type(stated) if stated else None
    return found.code if found else ""


def apply_applicability(files: list[FileReport], form: Form, roster: Roster | None) -> None:
    by_type: dict[str, tuple[set[str], set[str], str, list[str]]] = {}
    for rep in files:
        if rep.kind == ReadingKind.SUMMARY or not rep.sheet:
            continue
        code = unit_type_of(rep, roster, form)
        if not code:
            continue
        rep.unit_type = code
        if code not in by_type:  # what a unit of this type does not answer, worked out once
            outside = {i.id for i in form.indicators if not i.applies(code)}
            by_type[code] = (
                outside,
                {r.id for r in form.rules if outside & set(r.ids)},
                next((t.label for t in form.unit_types if t.code == code), code),
                [i.id for i in form.indicators if i.kind != Kind.TEXT and i.id not in outside],
            )
        _take_out(rep, form, *by_type[code])


def _take_out(
    rep: FileReport, form: Form, outside: set[str], rules: set[str], label: str, answered: list[str]
) -> None:
    """Figures and findings of the rows a unit of a type labelled `label` does not answer
    (`outside`), and the findings of the `rules` that use them; a return with none of the rows
    it does answer (`answered`) filled is empty."""
    if not outside:
        return
    typed: dict[str, str] = {}
    kept: list[Finding] = []
    for f in rep.findings:
        if f.indicator in outside and f.code != Code.RULE_VIOLATED:
            if f.value and fold(str(f.value)) != NOT_APPLICABLE_KEY and f.code != Code.BLANK_VALUE:
                typed.setdefault(f.indicator, str(f.value))
            continue
        if f.rule in rules:
            continue
        kept.append(f)
    if len(kept) < len(rep.findings):  # else the list it has stays (one list less per unit)
        rep.findings = kept
    if rep.held and not outside.isdisjoint(rep.held):  # held in a row not answered: not asked
        rep.held = {k: v for k, v in rep.held.items() if k not in outside}
    for ind in form.indicators:
        if ind.id not in outside:
            continue
        value = rep.values.pop(ind.id, None)
        if value is not None and value != "":
            # a yes/no as the unit sees it in its cell, not as TRUE/FALSE
            shown = ("Có" if value else "Không") if isinstance(value, bool) else show(value)
            typed.setdefault(ind.id, shown)
    if typed and not rep.ignored:
        rep.ignored = {}  # a folded reading shares one empty mapping that cannot be changed
    for ind in form.indicators:
        if ind.id not in typed:
            continue
        rep.ignored[ind.id] = typed[ind.id]
        cell = rep.cells.get(ind.id, "")
        rep.findings.append(
            Finding(
                Code.NOT_APPLICABLE,
                WARNING,
                f"{where(cell, ind)}: dòng này không dành cho {label.lower()} nên số liệu "
                f"'{typed[ind.id]}' không được tính. Nếu đây là số liệu của đơn vị khác, hãy báo "
                "đơn vị đó tự báo cáo.",
                rep.path,
                rep.sheet,
                cell,
                ind.id,
                ind.label,
                typed[ind.id],
            )
        )
    empty = answered and all(rep.values.get(key) is None for key in answered)
    if empty and rep.valid:  # (a return already found empty is not valid)
        rep.findings.append(
            Finding(
                Code.EMPTY_RETURN,
                ERROR,
                f"Tệp chưa điền số liệu nào ở các dòng dành cho {label.lower()}. Hãy điền số "
                "liệu rồi gửi lại.",
                rep.path,
                rep.sheet,
            )
        )
