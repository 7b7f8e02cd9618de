"""The checks that need the whole batch: whose each file is (against the roster and the other
evidence), the rows each unit type answers, a unit sending several files, implausible figures
and outliers, and the clerk's decisions."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from htsd_cli.base.findings import ERROR, WARNING, Code, FileReport, Finding, Severity
from htsd_cli.campaign.form import Form
from htsd_cli.campaign.roster import Roster, Unit, name_key
from htsd_cli.checks.applies import apply_applicability
from htsd_cli.checks.decisions import Decisions, is_set_aside
from htsd_cli.checks.identity import Evidence, code_and_name, disagree
from htsd_cli.checks.outliers import check_outliers
from htsd_cli.checks.plausible import check_plausible

if TYPE_CHECKING:
    from htsd_cli.checks.yearover import Past


def check_batch(
    files: list[FileReport],
    form: Form,
    roster: Roster | None,
    decisions: Decisions | None = None,
    senders: Mapping[str, str] | None = None,
    past: Past | None = None,
) -> None:
    """The checks that need every file: identity against the roster, the rows each unit type
    answers, a unit sending several files, figures far from their peers; the clerk's decisions
    on whose a file is and which to set aside first, on figures last."""
    if decisions is not None:
        decisions.bind(files)
        decisions.set_aside(files)
    if roster is not None:
        check_roster(files, roster, decisions, senders)
    apply_applicability(files, form, roster)
    check_duplicates(files)
    check_plausible(files, form)  # held figures leave the readings before outliers are weighed
    check_outliers(files, form)
    if past is not None:  # last year's summary given: each unit against its own past
        past.check(files, form, roster)
    if decisions is not None:
        decisions.settle_figures(files, form)


def _batch_finding(
    rep: FileReport, code: Code, severity: Severity, message: str, **kw: str
) -> None:
    rep.findings.append(Finding(code, severity, message, rep.path, **kw))


def check_roster(
    files: list[FileReport],
    roster: Roster,
    decisions: Decisions | None = None,
    senders: Mapping[str, str] | None = None,
) -> None:
    """Identity against the roster: unknown code, mismatching name; a file whose evidence
    (its name, stamp, header, sender) names two units is held, counted for neither until a
    decision says whose it is; blank workbooks are found by the name typed in them. A file of
    another form, or none, is attributed by its name or sender (`named_for`), never by a name
    typed in it."""
    evidence = Evidence(roster, senders)
    main: dict[str, FileReport] = {}  # each file's main reading (the first of its readings)
    for rep in files:
        main.setdefault(rep.path, rep)
        sender = evidence.sent_by(rep) if not rep.other_unit else None
        rep.named_for = sender.code if sender else ""
        if is_set_aside(rep):  # counted for nobody, whatever it says
            continue
        decided = decisions.owner_unit(rep, roster) if decisions is not None else None
        if not rep.form_id:  # not this form: the decision says who sent it
            if decided is not None:
                rep.named_for = rep.unit_code = decided.code
            continue
        if decided is not None:
            _attribute(rep, decided)
            continue
        pieces = evidence.of(rep)
        claimed = disagree(pieces)
        if claimed:
            whose = f"trang '{rep.sheet}'" if rep.other_unit else "tệp này"
            _batch_finding(
                rep,
                Code.IDENTITY_CONFLICT,
                ERROR,
                f"Chưa rõ {whose} là báo cáo của đơn vị nào: "
                + "; ".join(what for what, _ in pieces)
                + ". Chưa tính cho đơn vị nào. Hãy hỏi đơn vị, rồi ghi vào sổ quyết định một dòng "
                "'Tệp của đơn vị' với mã đơn vị đúng (hoặc 'Để riêng').",
                sheet=rep.sheet,
                value=", ".join(u.code for u in claimed),
            )
            rep.claimants = [u.code for u in claimed]
            rep.unit_code = ""
            continue
        if rep.unit_code:
            unit = roster.find(rep.unit_code)
            if unit is None:
                _batch_finding(
                    rep,
                    Code.UNKNOWN_UNIT,
                    ERROR,
                    f"Mã đơn vị '{rep.unit_code}' không có trong danh sách đơn vị "
                    f"({roster.source.name}). Hãy dùng đúng tệp đã phát cho đơn vị mình.",
                    value=rep.unit_code,
                )
                continue
            typed = rep.unit_name
            if typed not in ("", unit.name) and name_key(typed) != name_key(unit.name):
                _batch_finding(
                    rep,
                    Code.NAME_MISMATCH,
                    WARNING,
                    f"Tên đơn vị trong tệp là '{rep.unit_name}', nhưng mã {unit.code} trong danh "
                    f"sách là '{unit.name}'. Kiểm tra xem đơn vị có dùng nhầm tệp không.",
                    value=rep.unit_name,
                )
        else:
            alike = evidence.units_named(rep.unit_name) if rep.unit_name else []
            found = alike[0] if len(alike) == 1 else None
            if found is None:
                named_as = (
                    f"tên '{rep.unit_name}' không có trong danh sách"
                    if rep.unit_name
                    else "chưa ghi tên đơn vị"
                )
                _batch_finding(
                    rep,
                    Code.UNKNOWN_UNIT,
                    ERROR,
                    f"Không xác định được đơn vị: tệp không có mã đơn vị và {named_as}. Hãy ghi "
                    "đúng tên đơn vị ở ô A1 hoặc dùng tệp đã phát.",
                    sheet=rep.sheet,
                    cell="A1",
                    value=rep.unit_name,
                )
                continue
            unit = found
        host = main[rep.path]
        if rep.other_unit and host.unit_code == unit.code and not is_set_aside(host):
            _copies_named_alike(host, rep)
        elif rep.other_unit:
            _batch_finding(
                rep,
                Code.SHEET_OTHER_UNIT,
                WARNING,
                f"Trang '{rep.sheet}' của tệp {os.path.basename(rep.path)} là báo cáo của "
                f"{code_and_name(unit)}, theo dấu nhận diện và tên đơn vị ghi trong chính trang đó; đã "
                f"tính cho {unit.code}. Nếu không đúng, hãy ghi quyết định vào sổ quyết định.",
                sheet=rep.sheet,
                value=unit.code,
            )
        _attribute(rep, unit)
    for rep in files:
        rep.header = ""  # weighed: not kept for the rest of the run


def _attribute(rep: FileReport, unit: Unit) -> None:
    # the roster's own strings from here on (not one more copy per reading)
    rep.unit_code, rep.unit_name = unit.code, unit.name
    rep.unit_type, rep.unit_group = unit.unit_type, unit.group


def _copies_named_alike(host: FileReport, rep: FileReport) -> None:
    """A further sheet whose marks are written otherwise than the main sheet's (not the same
    words) but name the same unit is a second copy of that unit's form: both are held."""
    names = f"'{host.sheet}', '{rep.sheet}'"
    for held in (host, rep):
        _batch_finding(
            held,
            Code.SHEET_COPIES_DISAGREE,
            ERROR,
            f"Tệp có hai trang biểu mẫu cùng của đơn vị {host.unit_code}: trang {names}. Chưa "
            "tính trang nào. Hãy hỏi đơn vị trang nào đúng, rồi ghi vào sổ quyết định một dòng "
            "'Để riêng' cho trang sai (ghi tên trang ở cột Trang).",
            sheet=held.sheet,
            value=names,
        )


def check_duplicates(files: list[FileReport]) -> None:
    """A unit that sent several files (each is said; the sheets of one file are not files)."""
    by_code: dict[str, list[FileReport]] = {}
    for rep in files:
        if rep.unit_code and not is_set_aside(rep):
            by_code.setdefault(rep.unit_code, []).append(rep)
    for code, reps in by_code.items():
        paths = list(dict.fromkeys(r.path for r in reps))
        if len(paths) < 2:
            continue
        for rep in reps:
            others = ", ".join(Path(o).name for o in paths if o != rep.path)
            _batch_finding(
                rep,
                Code.DUPLICATE_UNIT,
                WARNING,
                f"Đơn vị {code} gửi nhiều tệp: tệp này và {others}. Khi tổng hợp chỉ dùng tệp "
                "nhận sau cùng (theo sổ nhận, không có thì theo thời điểm sửa tệp).",
                value=code,
            )
