"""Every message a clerk reads, word for word, against tests/golden/messages.txt.

What htsd says is part of what it does: a message that changes must be a decision. Each section
below builds broken input in memory (numbers typed every way, cells with every mistake, the
bundled sample returns, a form definition broken in every way) and the golden file holds what
htsd says about each. To accept a deliberate change, run
    HTSD_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_messages.py
and read the diff of the golden file before committing it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest

from htsd_cli.base.findings import FileReport, Report
from htsd_cli.base.values import ValueProblem, parse_vn_number, read_yes_no
from htsd_cli.campaign.form import FormError, parse_form
from htsd_cli.campaign.layout import FORM_SHEET, compute_layout
from htsd_cli.checks.cells import check_rules, check_values
from htsd_cli.checks.context import Context
from htsd_cli.reading.parts import DATE, NO_LOOK, PERCENT, TIME, CellLook
from htsd_cli.reading.view import SheetView

from .conftest import SAMPLE_CONFIG, SAMPLE_ROSTER, SAMPLES, check_sheet, full_values

GOLDEN = Path(__file__).resolve().parent / "golden" / "messages.txt"
FORMS = Path(__file__).resolve().parent / "forms"

NUMBERS = (
    "1200", "1.200", "1.200.000", "1,5", "1 200", "1 200 000", "12 00", "1.200,5", "1,200",
    "1,2,3", "1.5", "1.50", "1.2.3", "80 triệu", "2,5 triệu", "1,2 tỷ", "1.5 triệu", "500 nghìn",
    "500k", "3 tr", "5 tr trang", "2 nghìn người", "5 lớp", "5 lớp học.", "80.000.000 đ",
    "80.000 đồng", "-5", "+5", "'1200", "１２００", "1200.", "khoảng 5", "năm", "", "5 " + "x" * 30,
    "5 lớp 3", "1.200,5,5", "00012",
)  # fmt: skip
YES_NO = (
    "Có", "có", "CÓ", "x", "X", "Không", "k", "Đã có", "chưa có", "Chưa", "đã ban hành.",
    "đang xây dựng", "", "có, không", 1, 0, 0.5, True, False, None,
)  # fmt: skip
# (indicator, what the unit typed): every branch of reading one cell
CELLS = (
    ("s3_to_roi", -5), ("s3_to_roi", 2.5), ("s3_to_roi", dt.date(2022, 10, 1)),
    ("s3_to_roi", dt.datetime(2022, 10, 1, 8, 30)), ("s3_to_roi", True), ("s3_to_roi", "khoảng 5"),
    ("s3_to_roi", "1.5"), ("s3_to_roi", "1,200"), ("s3_to_roi", "5 tờ"), ("s3_to_roi", "#DIV/0!"),
    ("s3_to_roi", ""), ("s3_to_roi", "Không áp dụng"), ("s3_to_roi", "5 tr trang"),
    ("s8_kinh_phi", "80 triệu"), ("s8_kinh_phi", "80.000.000 đ"), ("s8_kinh_phi", "1 tỷ 200 triệu"),
    ("s8_kinh_phi", "2,5"), ("s8_kinh_phi", "1,234567 k"), ("s1_so_ke_hoach", "Tr\u00adêng"),
    ("s1_ke_hoach", "Đã có"), ("s1_ke_hoach", "chưa có"),
    ("s1_ke_hoach", "đang xây dựng"), ("s1_ke_hoach", ""), ("s1_ke_hoach", 2),
    ("chi_dao", "#NAME?"), ("chi_dao", "Tổ chức tốt"), ("chi_dao", "tr\u00adêng thcs"),
    ("chi_dao", "Trööôøng"), ("chi_dao", "x" * 40_000), ("chi_dao", ""), ("chi_dao", 2022.5),
    ("s1_so_ke_hoach", "#NAME?"), ("s1_so_ke_hoach", 12), ("s1_so_ke_hoach", ""),
    ("s1_so_ke_hoach", "x" * 40_000), ("s3_to_roi_gc", "#N/A"), ("s3_to_roi_gc", 7),
    ("s3_to_roi", "180*"), ("s3_to_roi", "180 (*)"), ("s3_to_roi", 1.2), ("s3_to_roi", 0.5),
    ("s3_to_roi", dt.time(8, 30)), ("s1_ke_hoach", "√"), ("s1_ke_hoach", "x"),
    ("s1_ke_hoach", "✓"), ("s1_ke_hoach", "Đạt"), ("s1_ke_hoach", "Chưa đạt"),
    ("s8_kinh_phi", "1.800.000đ (Một triệu tám trăm nghìn đồng chẵn)"),
    ("s8_kinh_phi", "1.800.000 đồng (Bằng chữ: Một triệu tám trăm nghìn đồng)"),
    ("s8_kinh_phi", "1.800.000đ (Một triệu tám trăm đồng)"),
    ("s8_kinh_phi", "1.800.000đ (Một triệu tám trăm nghìn đồng, đã nhận)"),
    ("s8_kinh_phi", "1,8.00 (một triệu)"),
)  # fmt: skip
# a formula that was never calculated, or that failed: what a reader shows as an empty cell
FORMULAS = (("s3_to_roi", ("no-value", "1+1")), ("s3_to_roi", ("#REF!", "A1+#REF!")),
            ("chi_dao", ("no-value", "Tổ chức tốt")), ("chi_dao", ("#NAME?", "Tổ chức tốt")),
            ("s3_to_roi_gc", ("#NAME?", "phát tại chợ")))  # fmt: skip


def _number_lines() -> list[str]:
    out = []
    for text in NUMBERS:
        try:
            parsed = parse_vn_number(text)
            out.append(
                f"số | {text!r} | {parsed.value!r} | {parsed.unit_text!r} | {parsed.multiplier}"
            )
        except ValueProblem as problem:
            out.append(f"số | {text!r} | {problem.code} | {problem.message}")
    for value in YES_NO:
        try:
            out.append(f"có/không | {value!r} | {read_yes_no(value)!r}")
        except ValueProblem as problem:
            out.append(f"có/không | {value!r} | {problem.code} | {problem.message}")
    return out


def _view(form, raw: dict[str, object], **parts: object) -> tuple[SheetView, dict[str, str]]:
    cells = dict(compute_layout(form).cells)
    return SheetView.from_cells(
        {cells[k]: v for k, v in raw.items()}, sheet=FORM_SHEET, **parts
    ), cells  # type: ignore[arg-type]


def _check(form, raw: dict[str, object], summary: bool = False, **parts: object) -> list[str]:
    view, cells = _view(form, raw, **parts)
    report = FileReport("don-vi.xlsx", cells=cells, kind="summary" if summary else "return")
    ctx = Context(view, form, False, report)
    check_values(ctx)
    check_rules(ctx)
    lines = [
        f"{f.code} | {f.severity} | {f.cell} | {f.indicator} | {f.value} | {f.message}"
        for f in report.findings
    ]
    values = {k: v for k, v in ctx.values.items() if v is not None}
    words = sorted(report.texts.items())
    return [*lines, f"đọc được: {sorted(values.items())!r}", f"lời đọc được: {words!r}"]


def _cell_lines(form) -> list[str]:
    out = []
    for ind, raw in CELLS:
        values = {**full_values(form), ind: raw}
        out += [f"ô | {ind} = {raw!r:.60} | {line}" for line in _check(form, values)]
    legacy = {**full_values(form), "chi_dao": "tr\u00adêng", "s2_bai_bao_gc": "Tr\u00adêng"}
    cells = compute_layout(form).cells
    fonts = {cells["chi_dao"]: ".VnTimeH", cells["s2_bai_bao_gc"]: ".VnTime"}
    out += [f"ô | phông cũ | {line}" for line in _check(form, legacy, _fonts=fonts)]
    for ind, formula in FORMULAS:
        values = {**full_values(form), ind: ""}
        parts = {"_formulas": {cells[ind]: formula}}
        out += [
            f"ô | {ind} = ={formula[1]} ({formula[0]}) | {line}"
            for line in _check(form, values, **parts)
        ]
    out += [f"ô | trống hết | {line}" for line in _check(form, {})]
    plan_only = {"s1_so_ke_hoach": "Số 5/KH"}  # words alone are no figures: still empty
    out += [f"ô | chỉ số kế hoạch | {line}" for line in _check(form, plan_only)]
    formula = {"_formulas": {cells["s3_to_roi"]: ("no-value", "1+1")}}  # a formula is something
    out += [f"ô | trống với công thức | {line}" for line in _check(form, {}, **formula)]
    summary = {**full_values(form), "s1_ke_hoach": 7, "s5_lop_cmnv": 4, "s5_nguoi_cmnv": 1}
    out += [f"ô | tổng hợp | {line}" for line in _check(form, summary, summary=True)]
    return out


# (indicator, what the unit typed, how the cell looks, its "Ghi chú"): formatting as evidence
LOOKS = (
    ("s3_to_roi", 140, CellLook(struck=True), "152"),
    ("s3_to_roi", 140, CellLook(struck=True), ""),
    ("s3_to_roi", "140 152", CellLook(runs=(("140", True), (" 152", None))), ""),
    ("s3_to_roi", "140 152", CellLook(struck=True, runs=(("140", None), (" 152", False))), ""),
    ("s3_to_roi", "140 152", CellLook(runs=(("140 ", True), ("152", True))), "152"),
    ("s3_to_roi", "140 khoảng", CellLook(runs=(("140", True), (" khoảng", None))), ""),
    ("s1_ke_hoach", "Có", CellLook(struck=True), "Không"),
    ("s1_ke_hoach", "Có Không", CellLook(runs=(("Có", True), (" Không", None))), ""),
    ("s2_bai_bao", 46086.0, CellLook(shows_as=DATE, format_code="mm/dd/yy"), ""),
    ("s2_bai_bao", dt.date(2026, 3, 5), CellLook(shows_as=DATE, shown="03/05/26"), ""),
    ("s2_bai_bao", dt.date(2026, 3, 5), NO_LOOK, ""),
    ("s2_bai_bao", dt.time(8, 30), CellLook(shows_as=TIME, format_code="hh:mm:ss\\ AM/PM"), ""),
    ("s2_bai_bao", 0.5, CellLook(shows_as=PERCENT, format_code="0.00%"), ""),
    ("s8_kinh_phi", 0.5, CellLook(shows_as=PERCENT, shown="50.00%"), ""),
    ("s3_to_roi", "", NO_LOOK, "152"),
    ("s3_to_roi", "", NO_LOOK, 152),
    ("s3_to_roi", "", NO_LOOK, "Đã phát 2 đợt, 300 tờ"),
    ("s3_to_roi", "", NO_LOOK, "Không tổ chức"),
    ("s1_ke_hoach", "", NO_LOOK, "Có"),
    ("s1_ke_hoach", "", NO_LOOK, "đang xây dựng"),
)  # fmt: skip


def _look_lines(form) -> list[str]:
    """What one cell says through its formatting, and a figure told in its "Ghi chú"."""
    out = []
    cells = compute_layout(form).cells
    for ind, raw, look, note in LOOKS:
        values = {**full_values(form), ind: raw, f"{ind}_gc": note}
        looks = {cells[ind]: look} if look else {}
        head = f"hình thức | {ind} = {raw!r:.30} | {look!r:.90} | ghi chú {note!r}"
        view, _ = _view(form, values, _looks=looks)
        report = FileReport("don-vi.xlsx", cells=dict(cells))
        ctx = Context(view, form, False, report)
        check_values(ctx)
        out += [
            f"{head} | {f.code} | {f.severity} | {f.cell} | {f.value} | {f.message}"
            for f in report.findings
        ]
        read = ctx.values.get(ind, "(không có)")
        out.append(f"{head} | đọc được: {read!r} | giữ lại: {report.held!r}")
    only_note = _check(form, {"s3_to_roi_gc": "152"})
    out += [f"hình thức | chỉ ghi chú | {line}" for line in only_note if "blank-value" not in line]
    return out


# (indicator, unit type, the unit's figure, its peers' figures): what can be real
PLAUSIBLE = (
    ("s8_kinh_phi", "thcs", 80.0, ()), ("s8_kinh_phi", "thcs", 1.8, ()),
    ("s8_kinh_phi", "thcs", 0.5, ()), ("s8_kinh_phi", "thcs", 0.0, ()),
    ("s2_bai_bao", "thcs", 46086.0, ()), ("s2_bai_bao", "thcs", 5000.0, ()),
    ("s2_bai_bao", "", 5000.0, ()), ("s3_to_roi", "thcs", 46086.0, (150, 170, 180, 200, 90, 120, 160, 175)),
    ("s3_to_roi", "thcs", 12000.0, (10, 11, 12, 10, 11, 13, 9, 10)),
    ("s3_to_roi", "thcs", 1234.0, (10, 11, 12, 10, 11, 13, 9, 10)),
    ("s4_nguoi_hoi_thao", "thcs", 3.0, (300, 280, 320, 310, 290, 305, 295, 300)),
    ("s4_nguoi_hoi_thao", "thcs", 200.0, (300, 280, 320, 310, 290, 305, 295, 300)),
    ("s3_to_roi", "thcs", 500.0, (0, 0, 0, 0, 0, 0, 0, 10)),
)  # fmt: skip


def _plausible_lines(form) -> list[str]:
    """Figures the form declares impossible for a unit of their type, and those extremely far
    from their peers: held, saying what was probably meant."""
    from htsd_cli.checks.plausible import check_plausible

    cells = compute_layout(form).cells
    saved = dt.datetime(2026, 3, 20, 9, 0).timestamp()  # '3/5' typed that year is 05/03/2026
    out = []
    for ind, unit_type, figure, peers in PLAUSIBLE:
        files = [
            FileReport(f"don-vi-{n}.xlsx", unit_type=unit_type, cells=cells, sheet=FORM_SHEET,
                       values={ind: float(v)}, mtime=saved)
            for n, v in enumerate((figure, *peers))
        ]  # fmt: skip
        check_plausible(files, form)
        head = f"hợp lý | {ind} = {figure!r} ({unit_type or 'không rõ loại'}, {len(peers)} đơn vị cùng loại)"
        found = [
            f"{f.code} | {f.severity} | {f.cell} | {f.value} | {f.message}"
            for f in files[0].findings
        ]
        out += [f"{head} | {line}" for line in found]
        out.append(f"{head} | giữ lại: {files[0].held!r} | cộng: {dict(files[0].values)!r}")
    return out


def _make(form, comparison, truth: bool, values: dict[str, object]) -> None:
    """Set the figures of `comparison` so that it holds (truth) or fails."""

    def figure(key: str, big: bool) -> object:
        if form.indicator(key).kind == "yesno":
            return "Có" if big else "Không"
        return 1000 if big else 0

    op = comparison.operator
    if op in ("==", "!=") and not comparison.right.ids:
        constant = sum(sign * const for sign, ref, const in comparison.right.terms if ref is None)
        equal = truth == (op == "==")
        for key in comparison.left.ids:
            if form.indicator(key).kind == "yesno":
                values[key] = "Có" if (constant == 1) == equal else "Không"
            else:
                values[key] = constant if equal else constant + 7
        return
    left_big = (op in (">", ">=", "!=")) == truth
    for key in comparison.left.ids:
        values[key] = figure(key, left_big)
    for key in comparison.right.ids:
        values[key] = figure(key, not left_big)


def _rule_lines(form) -> list[str]:
    """Each rule of the form broken alone, from a complete return."""
    out = []
    for rule in form.rules:
        values = dict(full_values(form))
        if rule.when is not None:
            _make(form, rule.when, True, values)
        if rule.presence:
            values[rule.target] = None if rule.presence == "require" else "Số 5/KH"
        if rule.check is not None:
            _make(form, rule.check, False, values)
        found = [line for line in _check(form, values) if line.startswith("rule-violated")]
        out += [f"quy tắc | {rule.id} | {line}" for line in found] or [
            f"quy tắc | {rule.id} | (không vi phạm)"
        ]
    return out


def _batch(folder: Path, form: Any, config: Any, roster: Any) -> tuple[Report, Any]:
    """What validate and aggregate do with a folder, in this process: each file, the batch, the
    status of every unit and the totals."""
    from htsd_cli.checks.batch import check_batch
    from htsd_cli.checks.checkfile import check_file
    from htsd_cli.reading.returns import find_returns as collect
    from htsd_cli.totals.aggregate import aggregate
    from htsd_cli.totals.status import build_status

    files, skipped = collect([folder])
    report = Report(
        files=[check_file(str(p), form, want_names=False) for p in files], skipped=skipped
    )
    for i, rep in enumerate(report.files):  # received a minute apart, not when checked out
        rep.mtime = dt.datetime(2022, 10, 5, 8, 0).timestamp() + 60 * i
    check_batch(report.files, form, roster)
    as_of = config.report_date or dt.date(2022, 10, 20)  # the CLI's default is today
    status = build_status(report, roster, config.effective_deadline(form), as_of, None, "", form)
    return report, aggregate(form, roster, status)


def _report_lines(what: str, agg: Any, config: Any, folder: Path) -> list[str]:
    from htsd_cli.render.report import render_markdown, report_context

    out = [f"{what} loại ra | {Path(e.path).name} | {e.unit} | {e.reason}" for e in agg.excluded]
    context = report_context(agg, config, {})
    markdown = render_markdown(context)
    plain = json.dumps(context.to_dict(), ensure_ascii=False, indent=1, default=str)  # Word's
    plain = plain.replace(str(folder), "<thư mục>")
    out += [f"{what} nội dung | {line}" for line in plain.splitlines()]
    out += [f"{what} báo cáo | {line}" for line in markdown.splitlines()]
    shown = json.dumps(agg.to_dict(), ensure_ascii=False, indent=1, default=str)
    shown = shown.replace(str(folder), "<thư mục>")
    for name in ("totals", "by_type", "by_group", "wide"):  # the tables behind the workbook
        table = getattr(agg, name).to_csv(sep="|", float_format="%g")
        out += [f"{what} bảng {name} | {line}" for line in table.splitlines()]
    unknown = ("reported", "total", "answering", "expected")  # a row the form does not have
    out += [f"{what} chỉ tiêu lạ | {name} = {getattr(agg, name)('khong-co')!r}" for name in unknown]
    return out + [f"{what} json | {line}" for line in shown.splitlines()]


def _sample_lines(form: Any, config: Any, roster: Any, tmp: Path) -> list[str]:
    """The bundled returns, checked one by one and as a batch, then the report of them; then
    the office's summary of them counted one level up, beside a unit that also sent directly."""
    from htsd_cli.campaign.config import load_config
    from htsd_cli.campaign.roster import load_roster
    from htsd_cli.render.summary import build_summary_workbook

    report, agg = _batch(SAMPLES / "returns", form, config, roster)
    out = []
    for rep in report.files:
        for f in rep.findings:
            out.append(
                f"mẫu | {Path(rep.path).name} | {f.code} | {f.severity} | {f.cell} | {f.message}"
            )
    out += _report_lines("mẫu", agg, config, SAMPLES / "returns")
    inbox = tmp / "so"
    inbox.mkdir()
    (inbox / "phong-gd-hai-an.xlsx").write_bytes(build_summary_workbook(agg, config, report, {}))
    direct = next(p for p in (SAMPLES / "returns").iterdir() if p.name.startswith("thcs03"))
    (inbox / direct.name).write_bytes(direct.read_bytes())
    (tmp / "ds.csv").write_text(
        "ma_don_vi,ten_don_vi,loai_don_vi,nhom\nPGDĐT,Phòng GD&ĐT quận Hải An,phong_gd,Hải An\n"
        "PGD-KHAC,Phòng GD&ĐT quận Khác,phong_gd,Khác\nTHCS03,Trường THCS Đằng Lâm,thcs,Hải An\n",
        encoding="utf-8",
    )
    upper = load_config(Path(__file__).resolve().parent / "configs" / "so-gd.toml")
    upper_form = upper.load_form()
    _, rolled = _batch(inbox, upper_form, upper, load_roster(tmp / "ds.csv", upper_form))
    return out + _report_lines("cấp trên", rolled, upper, inbox)


def _annex_lines(form: Any, config: Any, roster: Any) -> list[str]:
    """What units wrote, grouped for the report's annex: answers of 60 characters or fewer on one
    line, the same words from several units once (a unit's own name counts as the same words);
    and how a total is written, for a yes/no row without a unit and a row nobody answered."""
    import dataclasses

    from htsd_cli.render.report import _value_text, annex_texts
    from htsd_cli.totals.aggregate import aggregate
    from htsd_cli.totals.status import build_status

    units = [u for u in roster.units if u.unit_type == "thcs"][:4]
    long = "{} đã phối hợp với hội khuyến học tổ chức nhiều buổi sinh hoạt chuyên đề."
    texts = [
        {"chi_dao": "x" * 60, "thuan_loi_kho_khan": long.format(units[0].name)},
        {"chi_dao": "Số 5/KH", "thuan_loi_kho_khan": long.format(units[1].name)},
        {"ke_hoach_tiep_theo": "z" * 61, "thuan_loi_kho_khan": "Khó khăn về kinh phí ở xã."},
        {"chi_dao": "Ngắn.", "ke_hoach_tiep_theo": "w" * 60},
    ]
    files = [
        FileReport(
            f"{u.code}.xlsx", form_id=form.id, unit_code=u.code, unit_name=u.name,
            unit_type=u.unit_type, sheet=FORM_SHEET, values={"s3_to_roi": 5.0, "s1_ke_hoach": True},
            texts=t,
        )
        for u, t in zip(units, texts, strict=True)
    ]  # fmt: skip
    status = build_status(Report(files=files), roster, config.effective_deadline(form),
                          config.report_date, None, "", form)  # fmt: skip
    agg = aggregate(form, roster, status)
    out = []
    for group in annex_texts(agg):
        for item in group.items:
            out.append(f"phụ lục | {group.heading} | {item.text} | {list(item.units)}")
    plan = form.indicator("s1_ke_hoach")
    for ind in (plan, dataclasses.replace(plan, unit=""), form.indicator("s3_to_roi"),
                dataclasses.replace(form.indicator("s3_to_roi"), unit=""), form.indicator("s2_bai_bao")):  # fmt: skip
        out.append(f"tổng | {ind.id} ({ind.kind}, '{ind.unit}') | {_value_text(agg, ind)}")
    return out


def _unchanged_lines() -> list[str]:
    """A re-run of aggregate that found its inputs and outputs as they were."""
    import io

    from rich.console import Console

    from htsd_cli.pipeline import Outputs
    from htsd_cli.views import print_unchanged

    out = Path("tong-hop")
    console = Console(file=io.StringIO(), width=400, color_system=None)
    print_unchanged(
        console, Outputs(out / "bao-cao.md", out / "tong-hop.xlsx", out / "bao-cao.docx")
    )
    return [f"không đổi | {line}" for line in console.file.getvalue().splitlines()]


def _left_out_lines(form: Any, config: Any, roster: Any) -> list[str]:
    """Files that are not counted, and why: a unit not in the roster, a file naming no unit, a
    unit whose file has four errors, one whose file is invalid without a message; and the
    report with the clerk's own text."""
    from htsd_cli.base.findings import ERROR, Finding
    from htsd_cli.render.report import render_markdown, report_context
    from htsd_cli.totals.aggregate import aggregate
    from htsd_cli.totals.status import build_status

    units = [u for u in roster.units if u.unit_type == "mam_non"][:3]

    def made(name: str, code: str, errors: int = 0, message: str = "lỗi") -> FileReport:
        unit = roster.find(code)
        found = [Finding("not-a-number", ERROR, f"{message} {i + 1}", name) for i in range(errors)]
        return FileReport(
            name, form_id=form.id, unit_code=code, unit_name=unit.name if unit else "",
            unit_type=unit.unit_type if unit else "", sheet=FORM_SHEET, findings=found,
            values={"s3_to_roi": 5.0},
        )  # fmt: skip

    files = [
        made("a.xlsx", units[0].code),
        made("b.xlsx", units[1].code, errors=4),
        made("c.xlsx", units[2].code),
        made("la.xlsx", "KHONG-CO"),
        made("trong.xlsx", ""),
        made("loi.xlsx", "KHONG-CO-2", errors=1, message="Tệp hỏng"),
        made("b-lan-dau.xlsx", units[1].code),  # sent before b.xlsx, which replaces it
    ]
    files[2].findings.append(Finding("unknown-unit", ERROR, "", "c.xlsx"))  # an error, no words
    files[0].texts = {"thuan_loi_kho_khan": "Dòng một;\n  dòng *hai* | [x](y)  ", "chi_dao": "",
                      "khong_co": "bỏ qua"}  # fmt: skip
    files[0].values["s1_so_ke_hoach"] = "Số 7/KH"
    book = {"a.xlsx": dt.datetime(2022, 10, 20, 9, 5), "b.xlsx": dt.datetime(2022, 10, 3, 8, 0),
            "b-lan-dau.xlsx": dt.datetime(2022, 10, 2, 8, 0)}  # fmt: skip
    status = build_status(Report(files=files), roster, config.effective_deadline(form),
                          config.report_date, book, "so-nhan.csv", form)  # fmt: skip
    agg = aggregate(form, roster, status)
    out = [f"không tính | {Path(e.path).name} | {e.unit} | {e.reason}" for e in agg.excluded]
    own = {"chi_dao": "Phòng đã ban hành kế hoạch.", "ke_hoach_tiep_theo": "Tiếp tục."}
    markdown = render_markdown(report_context(agg, config, own))
    return out + [f"không tính báo cáo | {line}" for line in markdown.splitlines()]


def _applies_lines(form: Any, roster: Any, issued: Any, tmp: Path) -> list[str]:
    """A kindergarten's workbook with figures typed in rows that are not for it: set aside with
    a note each (a mistake in such a row is not an error of the unit), never counted."""
    from htsd_cli.checks.applies import apply_applicability
    from htsd_cli.checks.checkfile import check_file
    from htsd_cli.fill import fill_workbook

    unit = next(u for u in roster.units if u.unit_type == "mam_non")
    outside = [i.id for i in form.indicators if not i.applies("mam_non")]
    yes_no = next(i for i in outside if form.indicator(i).kind == "yesno")
    answered = [i.id for i in form.indicators if i.applies("mam_non") and i.kind != "text"]
    cases = {
        "số ở dòng khác": {**full_values(form), outside[0]: -5, outside[1]: "Không áp dụng",
                           outside[2]: None, yes_no: "Không", "s8_kinh_phi": "khoảng"},
        "chỉ điền dòng khác": {**{k: None for k in answered}, outside[0]: 4},
        "dòng khác và số kế hoạch": {**{k: None for k in answered}, outside[0]: 4,
                                     "s1_so_ke_hoach": "Số 5/KH"},
    }  # fmt: skip
    out = []
    for what, values in cases.items():
        path = tmp / f"{what}.xlsx"
        fill_workbook(issued[unit.code], {k: v for k, v in values.items() if v is not None}, path)
        rep = check_file(str(path), form, want_names=False)
        apply_applicability([rep], form, roster)
        for f in rep.findings:
            out.append(f"không dành cho | {what} | {f.code} | {f.severity} | "
                       f"{Path(f.file).name}!{f.sheet}!{f.cell} | {f.indicator} | {f.label} | "
                       f"{f.value} | {f.message}")  # fmt: skip
        out.append(f"không dành cho | {what} | bỏ riêng | {sorted(rep.ignored.items())!r}")
        out.append(f"không dành cho | {what} | còn tính | {sorted(rep.values)!r}")
    return out


NARRATIVES = {
    "đủ kiểu tiêu đề": "\ufeff# I. Công tác chỉ đạo\nDòng một.\n\nDòng hai.\n## Những thuận lợi và "
    "khó khăn.\n  Thuận lợi.  \n#  kế hoạch tiếp theo :\n\n  \n\n",
    "tiêu đề mã": "# ke_hoach_tiep_theo\nTheo mã.\n# Công tác chỉ đạo.\nKhông số La Mã.\n",
    "hai lần một phần": "# III. Kế hoạch tiếp theo\nLần một.\n# ke_hoach_tiep_theo\n\n",
    "tiêu đề lạ": "# I. Công tác chỉ đạo\nMột dòng.\n#Xin chào\nx\n",
    "chữ trước tiêu đề": "\n  \nLời không có tiêu đề.\n# chi_dao\nx\n",
    "không phải UTF-8": "# chi_dao\nTr\xead\xean, \xff",  # bytes that UTF-8 cannot hold
}


def _narrative_lines(form, tmp: Path) -> list[str]:
    """The clerk's own text for the report, read from a file with headings."""
    from htsd_cli.campaign.config import ConfigError
    from htsd_cli.render.report import read_narrative

    parts = [(t.id, t.heading) for t in form.texts]
    out = []
    for what, text in NARRATIVES.items():
        path = tmp / "loi-van.md"
        path.write_bytes(text.encode("latin-1") if what == "không phải UTF-8" else text.encode())
        try:
            read = read_narrative(path, parts)
            out += [f"lời văn | {what} | {key} = {value!r}" for key, value in read.items()]
        except ConfigError as exc:
            out.append(f"lời văn | {what} | {str(exc).replace(str(tmp), '<tạm>')}")
    return out


def _roster_lines(form: Any, config: Any, issued: Any, tmp: Path) -> list[str]:
    """Files against a roster: a code it lacks, a name it spells otherwise, one unit's workbook
    under another's issued name, a unit that sent twice the same day, figures changed, and
    blank workbooks with a name the roster lacks or none."""
    import openpyxl

    from htsd_cli.campaign.layout import FORM_SHEET
    from htsd_cli.campaign.roster import load_roster
    from htsd_cli.checks.batch import check_batch
    from htsd_cli.checks.checkfile import check_file
    from htsd_cli.fill import fill_workbook
    from htsd_cli.reading.returns import find_returns as collect
    from htsd_cli.template import issue_workbooks
    from htsd_cli.totals.status import build_status

    (tmp / "ds.csv").write_text(
        "ma_don_vi,ten_don_vi,loai_don_vi,nhom\nTHCS03,Trường THCS Đằng Lâm Mới,thcs,Đằng Lâm\n"
        "MN01,Trường Mầm non Cát Bi,mam_non,Cát Bi\nTHCS05,Trường THCS Cát Bi,thcs,Cát Bi\n",
        encoding="utf-8",
    )
    roster = load_roster(tmp / "ds.csv", form)
    folder = tmp / "nhan"
    folder.mkdir()
    sent = {  # file name → (the workbook it is, its figure of leaflets)
        "a-thcs03.xlsx": ("THCS03", 11),
        "b-th01.xlsx": ("TH01", 12),
        roster.find("MN01").file_stem + ".xlsx": ("THCS05", 13),
        "thcs05-sang.xlsx": ("THCS05", 14),
    }
    for name, (unit, leaflets) in sent.items():
        values = {**full_values(form, unit_type="thcs"), "s3_to_roi": leaflets}
        fill_workbook(issued[unit], values, folder / name)
    [blank] = issue_workbooks(form, config, None, tmp / "trang")  # a name the roster lacks
    for typed, name in (("Trường THCS Hải Thành", "c-mau-trang.xlsx"), ("", "d-mau-trang.xlsx")):
        book = openpyxl.load_workbook(blank.path)
        book[FORM_SHEET]["A1"] = typed or None
        book.save(folder / name)
        fill_workbook(folder / name, full_values(form), folder / name)
    files, skipped = collect([folder])
    report = Report(files=[check_file(str(p), form) for p in files], skipped=skipped)
    for i, rep in enumerate(report.files):  # received an hour apart, the same day
        rep.mtime = dt.datetime(2022, 10, 5, 8, 0).timestamp() + 3600 * i
    check_batch(report.files, form, roster)
    status = build_status(
        report, roster, form.deadline, dt.date(2022, 10, 20), None, "", form, True
    )
    out = [
        f"danh sách | {Path(rep.path).name} | {f.code} | {f.severity} | {f.message}"
        for rep in report.files
        for f in rep.findings
        if f.code != "rule-violated"
    ]
    for unit in status.units:
        shown = Path(unit.file).name if unit.file else "-"
        out.append(f"danh sách | {unit.code} | {unit.state} | {shown} | {' / '.join(unit.reasons)}")
    return out


def _layout_lines(form: Any, issued: Any, tmp: Path) -> list[str]:
    """A filled form sheet changed the ways units change it (rows copied, swapped, deleted,
    labels moved, the table retyped with or without its header): which cell each figure is read
    from, and what the unit is told about the figures that could not be placed with evidence."""
    import copy

    from htsd_cli.fill import fill_workbook
    from htsd_cli.reading import open_workbook
    from htsd_cli.reading.parts import NamedCell, address, position

    values = full_values(form)
    for n, ind in enumerate(form.indicators):  # every figure its own number
        if ind.numeric and ind.kind != "yesno":
            values[ind.id] = (1000 if ind.kind == "people" else 500) - n
    for part in form.texts:  # and every text part, and one note, written
        values[part.id] = f"Lời của phần {part.heading}"
    values["s3_to_roi_gc"] = "phát tại chợ"
    path = tmp / "th04.xlsx"
    fill_workbook(issued["TH04"], values, path)
    view = open_workbook(path)
    try:
        base, base_names = [list(r) for r in view.grid], dict(view.names())
    finally:
        view.close()
    layout = compute_layout(form)
    header = layout.header_row - 1
    row = {k: position(v)[0] for k, v in layout.cells.items()}

    def variant(what: str, change: Any, names: bool = True) -> list[str]:
        grid = copy.deepcopy(base)
        kept = dict(base_names) if names else {}
        change(grid, kept)
        report = check_sheet(form, grid, kept, "t.xls")
        lines = [f"{f.code} | {f.severity} | {f.cell} | {f.indicator} | {f.message}"
                 for f in report.findings if f.code != "rule-violated"]  # fmt: skip
        read = [
            f"{k}@{report.cells.get(k, '')}={v!r}"
            for k, v in report.values.items()
            if v is not None
        ]
        words = [f"{k}@{report.cells.get(k, '')}={v!r}" for k, v in sorted(report.texts.items())]
        lines += [f"đọc theo: {report.located_by}", f"đọc được: {' '.join(read)}"]
        lines += [f"lời: {' '.join(words)}"]
        return [f"bố cục | {what} | {line}" for line in lines]

    def swap(grid: list[list[Any]], _: Any) -> None:
        a, b = row["s3_to_roi"], row["s3_sach_tai_lieu"]
        grid[a], grid[b] = grid[b], grid[a]

    def copied(grid: list[list[Any]], _: Any) -> None:
        at = row["s4_hoi_thao"]
        grid.insert(at + 1, list(grid[at]))

    def name_elsewhere(grid: list[list[Any]], names: dict[str, Any]) -> None:
        names["s3_to_roi"] = NamedCell(FORM_SHEET, layout.cells["s3_bang_zon"])

    def cut_and_pasted(grid: list[list[Any]], names: dict[str, Any]) -> None:
        """A figure cut and pasted onto the row of another with the same label: its defined
        name moves with it, the issued layout stays where it was."""
        source, target = row["s5_nguoi_ksn"], row["s5_nguoi_day_nghe"]
        grid[target][2], grid[source][2] = grid[source][2], ""
        names["s5_nguoi_ksn"] = NamedCell(FORM_SHEET, layout.cells["s5_nguoi_day_nghe"])

    def name_removed(grid: list[list[Any]], names: dict[str, Any]) -> None:
        del grid[row["s2_bao_tuong"]]
        names["s2_bao_tuong"] = NamedCell("", "")

    def deleted_in_a_spreadsheet(grid: list[list[Any]], names: dict[str, Any]) -> None:
        """As Excel and LibreOffice delete a row: its name broken, the names below moved up."""
        at = row["s2_bao_tuong"]
        del grid[at]
        for key, named in list(names.items()):
            r, c = position(named.cell)
            if r > at:
                names[key] = NamedCell(named.sheet, address(r - 1, c))
        names["s2_bao_tuong"] = NamedCell("", "")

    def moved_far(grid: list[list[Any]], _: Any) -> None:
        moved = grid.pop(row["s3_to_roi"])
        grid.insert(row["s4_trien_lam"], moved)

    def heading_twice(grid: list[list[Any]], _: Any) -> None:
        at = row["ke_hoach_tiep_theo"] - 1  # its heading, written again with other words
        grid[at:at] = [["ghi thêm"], [grid[at][0]], ["Bản khác"]]

    def delete(ind: str) -> Any:
        def change(grid: list[list[Any]], _: Any) -> None:
            del grid[row[ind]]

        return change

    def label_in_value_column(grid: list[list[Any]], _: Any) -> None:
        at = row["s3_to_roi"]
        grid[at] = ["", "", grid[at][1], grid[at][2]]

    def retyped(unit_column: str, header_row: list[str] | None) -> Any:
        def change(grid: list[list[Any]], _: Any) -> None:
            grid[header] = header_row or [""] * len(grid[header])
            for ind in form.indicators:
                cells = grid[row[ind.id]]
                cells[3] = "" if unit_column == "none" else cells[3]
                if unit_column == "units":
                    cells[3] = ind.unit
                elif unit_column == "numbers" and ind.numeric and ind.kind != "yesno":
                    cells[3] = cells[2]
                elif unit_column == "moved":
                    cells[3], cells[2] = cells[2], ""
                elif unit_column == "blank":
                    cells[2] = ""
            grid.insert(header, [""])  # retyped one row lower: the issued layout does not fit

        return change

    out = variant("nguyên vẹn", lambda g, n: None)
    out += variant("hai dòng đổi chỗ", swap, names=False)
    out += variant("một dòng chép thêm", copied, names=False)
    out += variant("tên ô chỉ sang dòng khác", name_elsewhere)
    out += variant("số liệu cắt dán sang dòng cùng nhãn", cut_and_pasted)
    out += variant("dòng xóa, tên ô hỏng", name_removed)
    out += variant("dòng xóa trong bảng tính", deleted_in_a_spreadsheet)
    out += variant("tiêu đề lời văn ghi hai lần", heading_twice, names=False)
    out += variant("một dòng chuyển sang mục khác", moved_far, names=False)
    out += variant("dòng giữa bị xóa", delete("s3_sach_tai_lieu"), names=False)
    out += variant("dòng cuối bị xóa", delete(form.indicators[-1].id), names=False)

    def both_rows(grid: list[list[Any]], _: Any) -> None:  # "Các lớp khác" and its people
        del grid[row["s5_lop_khac"] : row["s5_lop_khac"] + 2]

    out += variant("hai dòng 'Các lớp khác' bị xóa", both_rows, names=False)
    out += variant("nhãn nằm ở cột số liệu", label_in_value_column, names=False)
    out += variant("gõ lại, không tiêu đề, cột đơn vị tính", retyped("units", None), False)
    out += variant("gõ lại, không tiêu đề, hai cột số", retyped("numbers", None), False)
    out += variant("gõ lại, không tiêu đề, số ở cột D", retyped("moved", None), False)
    out += variant("gõ lại, không tiêu đề, chưa điền", retyped("blank", None), False)
    two = ["TT", "Nội dung", "Kết quả", "Thực hiện", "Ghi chú"]
    out += variant("tiêu đề có hai cột kết quả", retyped("none", two), False)
    none = ["TT", "Nội dung", "Kế hoạch", "Chỉ tiêu", "Ghi chú"]
    out += variant("tiêu đề không có cột kết quả", retyped("none", none), False)

    def relabelled(labels: dict[str, str], twice: str = "", counts: Any = ()) -> Any:
        """The table without its stamp, some labels typed as the unit wrote them, a row of its
        own inserted with a figure, (`twice`) one row written in full and short, and `counts`
        answered with a number."""

        def change(grid: list[list[Any]], _: Any) -> None:
            grid[position(layout.stamp_cell)[0]] = [""]
            for ind_id, label in labels.items():
                grid[row[ind_id]][1] = label
            for ind_id in counts:
                grid[row[ind_id]][2] = 1
            at = row["s3_to_roi"] + 1
            grid.insert(at, ["", "Trong đó: tờ rơi điện tử", 40])
            if twice:
                full = list(grid[row[twice]])
                full[1] = form.indicator(twice).label
                grid.insert(row[twice], full)

        return change

    short = {
        "s3_to_roi": "SL tờ rơi",
        "s5_lop_cmnv": "Số lớp BD CMNV",
        "s5_nguoi_xmc": "SL người TG",
    }
    out += variant("nhãn ghi tắt, chèn dòng", relabelled(short), False)
    out += variant("nhãn ghi quá tắt", relabelled({**short, "s5_lop_ksn": "Số lớp"}), False)
    out += variant("nhãn ghi tắt và đầy đủ", relabelled(short, twice="s3_to_roi"), False)

    def look_alike(grid: list[list[Any]], _: Any) -> None:  # the unit's own row, a like label
        grid[position(layout.stamp_cell)[0]] = [""]
        grid.insert(row["s5_nguoi_cmnv"] + 1, ["", "Số người tham gia", 12])

    out += variant("một dòng giống nhãn chèn thêm", look_alike, False)
    old = form.earlier(1)
    assert old is not None
    previous = {i.id: i.label for i in old.indicators if i.label != form.indicator(i.id).label}
    counted = [i.id for i in old.indicators if i.kind != form.indicator(i.id).kind]
    out += variant("nhãn phiên bản trước", relabelled(previous, counts=counted), False)
    return out


# (what, text to find in the test form, what to put there): one mistake at a time
FORM_BREAKS = (
    ("cú pháp", "indicators:", "indicators: ["),
    ("mục lạ", "title:", "thme: x\ntitle:"),
    ("id có dấu", "id: htsd-2023-thu", "id: biểu-mẫu"),
    ("id là số", "id: htsd-2023-thu", "id: 2023"),
    ("version là chữ", "version: 2", "version: hai"),
    ("version là đúng/sai", "version: 2", "version: true"),
    ("thiếu year", "year: 2023\n", ""),
    ("title trống", "title: BÁO", "title: ' '\nx: BÁO"),
    ("deadline không phải ngày", "deadline: 2023-10-12", "deadline: 12/10/2023"),
    ("period ngược", "{start: 2023-10-02, end: 2023-10-08}", "{start: 2023-10-08, end: 2023-10-02}"),
    ("period mục lạ", "{start: 2023-10-02, end: 2023-10-08}", "{start: 2023-10-02, end: 2023-10-08, x: 1}"),
    ("period là chữ", "{start: 2023-10-02, end: 2023-10-08}", "tuần thứ hai"),
    ("period thiếu end", ", end: 2023-10-08}", "}"),
    ("loại đơn vị là chữ", "unit_types:\n", "unit_types:\n  - truong\n"),
    ("loại đơn vị trùng", "  - {code: xa,", "  - {code: truong, label: Trường}\n  - {code: xa,"),
    ("loại đơn vị aliases sai", "label: Ủy ban nhân dân xã}", "label: Ủy ban nhân dân xã, aliases: xã}"),
    ("loại đơn vị thiếu label", "{code: xa, label: Ủy ban nhân dân xã}", "{code: xa}"),
    ("loại đơn vị mục lạ", "{code: xa, label:", "{code: xa, ten: 1, label:"),
    ("unit_types không phải danh sách", "unit_types:\n", "unit_types: truong\nx:\n"),
    ("phần lời là chữ", "texts:\n", "texts:\n  - tom_tat\n"),
    ("phần lời sai chỗ", "part: before_table", "part: giua_bang"),
    ("phần lời mục lạ", "{id: tom_tat,", "{id: tom_tat, x: 1,"),
    ("phần lời trùng mã chỉ tiêu", "{id: tom_tat,", "{id: lop_hoc,"),
    ("phần lời mã như ô", "{id: tom_tat,", "{id: AB12,"),
    ("bảng 4 cột", "[STT, Hoạt động, Kết quả, Số lượng, Ghi chú]", "[STT, Hoạt động, Kết quả, Ghi chú]"),
    ("bảng cột không phải chữ", "[STT, Hoạt động, Kết quả, Số lượng, Ghi chú]", "[STT, 2, Kết quả, Số lượng, Ghi chú]"),
    ("bảng mục lạ", "  part_heading:", "  x: 1\n  part_heading:"),
    ("bảng thiếu heading", "  heading: 1. Kết quả\n", ""),
    ("bảng là chữ", "table:\n", "table: x\ny:\n"),
    ("mục là chữ", "sections:\n", "sections:\n  - Lớp học\n"),
    ("mục trùng số", "number: 2", "number: 1"),
    ("mục số là chữ", "number: 2", "number: hai"),
    ("mục chưa có chỉ tiêu", "    heading: Lớp học\n", "    heading: Lớp học\n    indicators: []\n  - number: 9\n    heading: X\n"),
    ("mục mục lạ", "    heading: Lớp học\n", "    heading: Lớp học\n    ghi: 1\n"),
    ("mục áp dụng không phải danh sách", "applies_to: [xa]", "applies_to: xa"),
    ("mục áp dụng loại lạ", "applies_to: [xa]", "applies_to: [phuong]"),
    ("mục áp dụng rỗng", "applies_to: [xa]", "applies_to: []"),
    ("chỉ tiêu là chữ", "    indicators:\n      - {id: lop_hoc", "    indicators:\n      - lop\n      - {id: lop_hoc"),
    ("chỉ tiêu loại lạ", "kind: count, unit: lớp", "kind: dem, unit: lớp"),
    ("chỉ tiêu cách cộng lạ", "kind: count, unit: lớp", "kind: count, aggregate: max, unit: lớp"),
    ("số cộng kiểu có/không", "kind: count, unit: lớp", "kind: count, aggregate: count_yes, unit: lớp"),
    ("có/không cộng kiểu số", "kind: yesno,", "kind: yesno, aggregate: sum,"),
    ("chữ cộng kiểu số", "kind: text}", "kind: text, aggregate: sum}"),
    ("số thiếu đơn vị tính", "kind: count, unit: lớp", "kind: count"),
    ("đơn vị tính là số", "unit: lớp", "unit: 5"),
    ("cấp 3", "unit: lớp}", "unit: lớp, level: 3}"),
    ("cấp là đúng/sai", "unit: lớp}", "unit: lớp, level: true}"),
    ("tên tổng là số", "unit: lớp}", "unit: lớp, total_label: 5}"),
    ("chỉ tiêu mục lạ", "unit: lớp}", "unit: lớp, mau: do}"),
    ("chỉ tiêu trùng mã", "{id: hoc_vien,", "{id: lop_hoc,"),
    ("chỉ tiêu mã như ô", "{id: hoc_vien,", "{id: C14,"),
    ("chỉ tiêu mã R1C1", "{id: hoc_vien,", "{id: R1C1,"),
    ("chỉ tiêu mã true", "{id: hoc_vien,", "{id: 'TRUE',"),
    ("chỉ tiêu mã quá dài", "{id: hoc_vien,", "{id: " + "a" * 256 + ","),
    ("chỉ tiêu thiếu nhãn", 'label: "Số học viên:", ', ""),
    ("chỉ tiêu áp dụng loại lạ", "applies_to: [truong, xa]", "applies_to: [truong, thon]"),
    ("quy tắc là chữ", "rules:\n", "rules:\n  - hoc_vien\n"),
    ("quy tắc trùng", "id: ten_khi_co_hoi_nghi", "id: hoc_vien_it_nhat_bang_lop"),
    ("quy tắc mức lạ", "severity: error", "severity: fatal"),
    ("quy tắc vừa so sánh vừa require", "    require: ten_chuong_trinh", "    require: ten_chuong_trinh\n    left: lop_hoc"),
    ("quy tắc require và forbid", "    require: ten_chuong_trinh", "    require: ten_chuong_trinh\n    forbid: kinh_phi"),
    ("quy tắc require chỉ tiêu lạ", "require: ten_chuong_trinh", "require: ten_khac"),
    ("quy tắc require ô ghi chú", "require: ten_chuong_trinh", "require: kinh_phi_gc"),
    ("quy tắc phép so sánh lạ", 'operator: ">="', 'operator: "=>"'),
    ("quy tắc thiếu vế phải", "    right: lop_hoc\n", ""),
    ("quy tắc biểu thức cụt", "right: lop_hoc", "right: lop_hoc +"),
    ("quy tắc biểu thức có so sánh", "right: lop_hoc", "right: lop_hoc > 1"),
    ("quy tắc thiếu dấu", "right: lop_hoc", "right: lop_hoc kinh_phi"),
    ("quy tắc ký tự lạ", "right: lop_hoc", "right: lop_hoc * 2"),
    ("quy tắc biểu thức trống", "right: lop_hoc", "right: ''"),
    ("quy tắc when hai phép so sánh", "when: lop_hoc > 0", "when: lop_hoc > 0 > 1"),
    ("quy tắc when cụt", "when: lop_hoc > 0", "when: '> 0'"),
    ("quy tắc when cụt bên phải", "when: lop_hoc > 0", "when: lop_hoc >"),
    ("quy tắc chỉ tiêu lạ", "left: hoc_vien", "left: hoc_sinh"),
    ("quy tắc dùng ô ghi chú", "left: hoc_vien", "left: hoc_vien_gc"),
    ("quy tắc so sánh chữ", "left: hoc_vien", "left: ten_chuong_trinh"),
    ("quy tắc when chỉ tiêu lạ", "when: lop_hoc > 0", "when: lop > 0"),
    ("quy tắc lời nhắn chỗ lạ", "ít hơn số lớp ({right_value})", "ít hơn {so_lop}"),
    ("quy tắc lời nhắn ngoặc hở", "ít hơn số lớp ({right_value})", "ít hơn {"),
    ("quy tắc thiếu lời nhắn", "    message: Có tổ chức hội nghị nhưng chưa ghi tên chương trình.", ""),
    ("quy tắc mục lạ", "    severity: warning", "    severity: warning\n    muc: 1"),
    ("thay đổi khóa là chữ", "rules:\n", "changes: {hai: đổi tên}\nrules:\n"),
    ("thay đổi phiên bản sau", "rules:\n", "changes: {3: thêm mục}\nrules:\n"),
    ("thay đổi lời là số", "rules:\n", "changes: {1: 5}\nrules:\n"),
    ("thay đổi là chữ", "rules:\n", "changes: đổi\nrules:\n"),
    ("trống", None, ""),
    ("không phải bảng", None, "- a\n- b\n"),
    ("mã năm trước là số", "{id: lop_hoc,", "{id: lop_hoc, last_year: 5,"),
    ("mã năm trước trống", "{id: lop_hoc,", "{id: lop_hoc, last_year: [a, ''],"),
    ("so với năm trước là số", "unit_types:", "plausibility: {against_last_year: 3}\nunit_types:"),
    ("so với năm trước 1 lần", "unit_types:",
     "plausibility: {against_last_year: {count: 1, people: -2, yesno: 3}}\nunit_types:"),
)  # fmt: skip
# (what, text to find, what to put there): a form that loads, and what htsd makes of it
FORM_READINGS = (
    ("như mẫu", "", ""),
    ("không ghi dòng tổng hợp, mã báo cáo, tên ngắn", "report_code: BC\n", ""),
    ("dòng tổng hợp riêng", "report_code: BC", "report_code: KQ\nsummary_line: Kết quả Tuần lễ\nshort_title: Tuần lễ 2023"),
    ("cấp 2 và tên tổng", "kind: people, unit: người}", "kind: people, unit: người, level: 2, total_label: Tổng số học viên}"),
    ("áp dụng lặp lại", "applies_to: [truong, xa]", "applies_to: [xa, xa, truong]"),
    ("thay đổi", "rules:\n", "changes: {2: ' đổi mục 2 ', 1: thêm kinh phí}\nrules:\n"),
    ("dấu trong biểu thức", "right: lop_hoc", "right: '- - lop_hoc + 2 - 0.5 + - kinh_phi'"),
)  # fmt: skip


def _set(path: str, value: object) -> Any:
    """A change to a form's data: the key at `path` ("sections.1.indicators.0.kind") set to
    `value`, or removed when `value` is _DROP."""

    def change(data: Any) -> None:
        *parents, last = path.split(".")
        for key in parents:
            data = data[int(key)] if isinstance(data, list) else data[key]
        key: Any = int(last) if isinstance(data, list) else last
        if value is _DROP:
            del data[key]
        else:
            data[key] = value

    return change


_DROP = object()
# (what, change): one mistake at a time in a form written one key a line (YAML block style),
# so that each message names the line of the key at fault, not of the mapping that holds it
FORM_BLOCK_BREAKS = (
    ("id có dấu", _set("id", "biểu-mẫu")),
    ("short_title là số", _set("short_title", 5)),
    ("theme là danh sách", _set("theme", ["a"])),
    ("report_code là số", _set("report_code", 5)),
    ("summary_line là số", _set("summary_line", 5)),
    ("period start là chữ", _set("period.start", "đầu tuần")),
    ("bảng part_heading là số", _set("table.part_heading", 2)),
    ("bảng columns là chữ", _set("table.columns", "STT")),
    ("sections là chữ", _set("sections", "Lớp học")),
    ("mục heading là số", _set("sections.0.heading", 1)),
    ("mục indicators là chữ", _set("sections.0.indicators", "lop_hoc")),
    ("mục trùng số", _set("sections.1.number", 1)),
    ("chỉ tiêu id là số", _set("sections.0.indicators.0.id", 5)),
    ("chỉ tiêu kind là số", _set("sections.0.indicators.0.kind", 5)),
    ("chỉ tiêu kind lạ", _set("sections.0.indicators.0.kind", "dem")),
    ("chỉ tiêu aggregate là số", _set("sections.0.indicators.0.aggregate", 5)),
    ("chỉ tiêu aggregate lạ", _set("sections.0.indicators.0.aggregate", "max")),
    ("có/không cộng kiểu số", _set("sections.1.indicators.0.aggregate", "sum")),
    ("loại đơn vị code là số", _set("unit_types.0.code", 5)),
    ("loại đơn vị aliases là chữ", _set("unit_types.0.aliases", "trường")),
    ("phần lời là số", _set("texts", 5)),
    ("phần lời id là số", _set("texts.0.id", 5)),
    ("phần lời part là số", _set("texts.0.part", 5)),
    ("phần lời part lạ", _set("texts.0.part", "giua_bang")),
    ("phần lời heading là số", _set("texts.0.heading", 5)),
    ("phần lời chữ rồi sai", _set("texts", ["tom_tat", {"id": "A1", "part": "x", "heading": "y"}])),
    ("quy tắc dùng phần lời", _set("rules.0.left", "tom_tat")),
    ("thay đổi khóa là chữ", _set("changes", {1: "a", "hai": "b"})),
    ("thay đổi phiên bản sau", _set("changes", {1: "a", 3: "b"})),
    ("thiếu period", _set("period", _DROP)),
)  # fmt: skip
# (what, change): forms that load, and what htsd reads in them
FORM_BLOCK_READINGS = (
    ("id chữ hoa", _set("id", "HTSD-2023")),
    ("tiêu đề chỉ có BÁO CÁO", _set("title", "BÁO CÁO")),
    ("kỳ một ngày", _set("period.end", dt.date(2023, 10, 2))),
    ("không có theme, texts", lambda data: [data.pop("theme"), data.pop("texts")]),
    ("loại đơn vị có cách viết khác", _set("unit_types.0.aliases", ["Trường học", "trường"])),
)  # fmt: skip


def _form_block_lines() -> list[str]:
    import yaml

    base = yaml.safe_load((FORMS / "htsd-2023-test.yaml").read_text(encoding="utf-8"))
    base["changes"] = {1: "bản đầu", 2: "thêm mục Hỗ trợ"}
    out = []
    for what, change in (*FORM_BLOCK_BREAKS, *FORM_BLOCK_READINGS):
        data = yaml.safe_load(yaml.safe_dump(base, allow_unicode=True))
        change(data)
        text = yaml.safe_dump(data, allow_unicode=True, default_flow_style=False, sort_keys=False)
        try:
            form = parse_form(text, "khoi.yaml")
        except FormError as exc:
            out += [f"biểu mẫu khối | {what} | {line}" for line in str(exc).splitlines()]
            continue
        head = (form.id, form.title, form.summary_line, form.short_title, form.theme,
                form.period_start, form.period_end, form.report_code, form.unit_types,
                form.texts, form.changes)  # fmt: skip
        out.append(f"biểu mẫu khối | {what} | {head!r}")
    return out


def _identity_lines() -> list[str]:
    """Which form and unit a workbook says it is, from each of its marks alone and together:
    the stamp line (found among other text, or malformed), the hidden sheet, the document
    properties; the first source of each key wins."""
    from htsd_cli.campaign.layout import STAMP_PREFIX, SUMMARY_MARK
    from htsd_cli.checks.identity import identify
    from htsd_cli.reading.parts import IdSheet

    stamp = f"{STAMP_PREFIX} htsd-2022 · phiên bản 3 · Mã đơn vị: MN01"
    summary = f"{STAMP_PREFIX} htsd-2022 · phiên bản 3 · Mã đơn vị: PGDĐT {SUMMARY_MARK}"
    hidden = IdSheet({"form_id": "htsd-2022", "unit_code": "MN09", "unit_name": "Trường MN Chín",
                      "form_version": "2"}, {"s3_to_roi": "C22"}, ("MN01", "MN02"),
                     {"s3_to_roi": 2}, {"s3_to_roi": 3})  # fmt: skip
    props = {"form_id": "htsd-2022", "unit_code": "MN07", "unit_name": "Trường MN Bảy"}
    grids = {
        "dấu": [["Trường MN"], [12, STAMP_PREFIX + " hỏng", stamp]],
        "dấu không mã": [[f"{STAMP_PREFIX} htsd-2022 · phiên bản 3 · Mã đơn vị: (chưa ghi)"]],
        "dấu tổng hợp": [[summary]],
        "không dấu": [["Trường MN"]],
    }
    cases = [
        ("dấu", None, None, False), ("dấu", None, None, True), ("dấu", hidden, props, True),
        ("dấu không mã", hidden, None, False), ("dấu tổng hợp", hidden, None, False),
        ("không dấu", hidden, props, False), ("không dấu", None, props, False),
        ("không dấu", IdSheet(), props, False), ("không dấu", None, None, False),
    ]  # fmt: skip
    out = []
    for grid, sheet, properties, names in cases:
        view = SheetView("t.xlsx", "xlsx", FORM_SHEET, grids[grid], (FORM_SHEET,),
                         _id_sheet=sheet, _properties=properties)  # fmt: skip
        ident = identify(view, names)
        what = f"{grid}, {'trang ẩn' if sheet else '-'}, {'thuộc tính' if properties else '-'}"
        out.append(
            f"nhận diện | {what}, tên={names} | {sorted(ident.values.items())!r} | "
            f"{ident.sources!r} | {ident.cells!r} | {ident.covers!r} | {ident.reported!r} | "
            f"{ident.expected!r} | {ident.get('unit_name')!r} | tổng hợp={ident.is_summary}"
        )
    return out


def _form_lines(tmp: Path) -> list[str]:
    """A valid test form broken one way at a time: what the person editing it is told; then
    forms that load, and what htsd reads in them (defaults, levels, signs, changes)."""
    text = (FORMS / "htsd-2023-test.yaml").read_text(encoding="utf-8")
    out = []
    for what, find, put in FORM_BREAKS:
        assert find is None or find in text, what
        broken = put if find is None else text.replace(find, put, 1)
        try:
            parse_form(broken, "nam-sau.yaml")
            out.append(f"biểu mẫu | {what} | (đọc được)")
        except FormError as exc:
            out += [f"biểu mẫu | {what} | {line}" for line in str(exc).splitlines()]
    from htsd_cli.campaign.form import bundled_form_ids, resolve_form_path

    out.append(f"biểu mẫu có sẵn | {bundled_form_ids()!r}")
    (tmp / "khac.yml").write_text(text, encoding="utf-8")
    (tmp / "HOA.YAML").write_text(text, encoding="utf-8")
    (tmp / "htsd-2022").write_text(text, encoding="utf-8")  # no .yaml: not a form file
    refs = ("htsd-2099", "khong-co.yaml", "khong-co.yml", "htsd-2023-test.yaml", "htsd-2022",
            f"{tmp}/khac.yml", "khac.yml", "HOA.YAML")  # fmt: skip
    for base in (FORMS, tmp):
        for ref in refs:
            try:
                found = resolve_form_path(ref, base)
                shown = found.relative_to(found.parents[1]).as_posix()
                out.append(f"biểu mẫu tìm | {base.name} | {ref} | {shown}")
            except FormError as exc:
                out.append(f"biểu mẫu tìm | {base.name} | {ref} | {exc}")
    out = [line.replace(str(tmp), "<tạm>").replace(tmp.name, "<tạm>") for line in out]
    for what, find, put in FORM_READINGS:
        assert find in text, what
        form = parse_form(text.replace(find, put, 1), "nam-sau.yaml")
        head = (form.id, form.version, form.year, form.title, form.short_title, form.theme,
                form.period_start, form.period_end, form.deadline, form.report_code,
                form.summary_line, form.table_part_heading, form.table_heading, form.columns,
                form.unit_types, form.texts, form.changes)  # fmt: skip
        out.append(f"đọc biểu mẫu | {what} | {head!r}")
        for section in form.sections:
            out.append(f"đọc biểu mẫu | {what} | mục {section!r}")
        out += [f"đọc biểu mẫu | {what} | quy tắc {rule!r}" for rule in form.rules]
    return out


def _safety_lines(tmp: Path) -> list[str]:
    """What the clerk is told when the cache, the lock or the disk is not as htsd left them: a
    cache name that leads elsewhere, a lock left empty, a full disk, an error of the system."""
    import errno
    import sqlite3
    from unittest import mock

    from htsd_cli.base import outputs
    from htsd_cli.base.errors import HtsdError, os_error_message, os_reason
    from htsd_cli.base.outputs import LOCK, Inputs, OutputSet, _Lock
    from htsd_cli.checks.cache import CACHE_NAME, ReadCache
    from htsd_cli.render.pdf import docx_to_pdf

    out: list[str] = []
    elsewhere = tmp / "noi-khac.sqlite"
    sqlite3.connect(elsewhere).close()
    cases = {
        "lối tắt": lambda f: (f / CACHE_NAME).symlink_to(elsewhere),
        "liên kết cứng": lambda f: os.link(elsewhere, f / CACHE_NAME),
        "thư mục": lambda f: (f / CACHE_NAME).mkdir(),
        "nhật ký là lối tắt": lambda f: (f / (CACHE_NAME + "-journal")).symlink_to(elsewhere),
    }
    for what, make in cases.items():
        folder = tmp / what
        folder.mkdir()
        make(folder)
        out.append(f"bộ nhớ đệm | {what} | {ReadCache(folder / CACHE_NAME, 'muoi').refused}")
    held = tmp / "khoa"
    held.mkdir()
    (held / LOCK).write_bytes(b"")
    fd = os.open(held / LOCK, os.O_RDWR)
    try:  # a live run made its lock and could not write its number yet
        assert outputs._os_lock(fd, wait=False)
        out.append(f"khóa | trống, có người giữ | {_Lock(held)._held_message()}")
    finally:
        outputs._os_unlock(fd)
        os.close(fd)
    with mock.patch.object(outputs, "_os_lock", return_value=None):
        out.append(f"khóa | trống, không biết ai giữ | {_Lock(held)._held_message()}")
    (held / LOCK).unlink()
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    with mock.patch.object(outputs.os, "write", side_effect=full):
        try:
            _Lock(held).acquire()
        except HtsdError as exc:
            out.append(f"khóa | đĩa đầy | {exc}")
    assert not (held / LOCK).exists()
    with (
        OutputSet(tmp / "tam", Inputs(), "báo cáo tổng hợp") as outs,
        mock.patch.object(outs, "_staging", side_effect=full),
    ):
        try:
            outs.workspace()
        except HtsdError as exc:
            out.append(f"thư mục tạm | đĩa đầy | {exc}")
    try:
        docx_to_pdf(b"", "soffice", tmp / "khong-co")
    except HtsdError as exc:
        out.append(f"pdf | tệp tạm | {exc}")
    for args in ((errno.ENOSPC, "x", str(tmp / "a.xlsx")), (errno.EXDEV, "x", str(tmp / "a"), None, str(tmp / "b")), (errno.EIO, "x")):  # fmt: skip
        out.append(f"lỗi hệ thống | {os_error_message(OSError(*args))}")
    for name in ("EDQUOT", "EFBIG", "EIO", "EBUSY"):
        out.append(f"lỗi hệ thống | {name} | {os_reason(OSError(getattr(errno, name), 'x'))}")
    return [line.replace(str(tmp), "<tạm>") for line in out]


def _mail_lines(tmp: Path) -> list[str]:
    """What `collect` says about archives, bounces, dates, certificates and a full disk, and what
    validate and status say about archives among the returns and mail that did not arrive."""
    import io
    import zipfile

    from rich.console import Console

    from htsd_cli import collect as collecting
    from htsd_cli import views
    from htsd_cli.base.errors import HtsdError
    from htsd_cli.campaign.roster import Roster, Unit
    from htsd_cli.intake import imap, receipts
    from htsd_cli.intake.mail import parse_mime
    from htsd_cli.reading.archives import unpack
    from htsd_cli.reading.returns import find_returns as listing

    from .tools.tnef import winmail

    def zipped(entries: list[tuple[str, bytes]], password_flag: bool = False) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, data in entries:
                archive.writestr(name, data)
        data = buffer.getvalue()
        if password_flag:  # the "encrypted" bit in the local header and the directory
            data = data[:6] + b"\x01" + data[7:]
            at = data.index(b"PK\x01\x02") + 8
            data = data[:at] + b"\x01" + data[at + 1 :]
        return data

    out: list[str] = []
    archives = {
        "rar": ("x.rar", b"Rar!\x1a\x07\x00"),
        "7z": ("x.7z", b"7z\xbc\xaf\x27\x1c"),
        "gz": ("x.tar.gz", b"\x1f\x8b"),
        "zip hỏng": ("x.zip", b"PK\x03\x04 broken"),
        "zip có mật khẩu": ("x.zip", zipped([("a.xlsx", b"PK")], password_flag=True)),
        "zip quá nhiều tệp": ("x.zip", zipped([(f"{n}.txt", b"") for n in range(501)])),
        "zip bom": ("x.zip", zipped([("a.xlsx", b"\0" * (60 * 1024 * 1024))])),
        "zip lồng 4 tầng": (
            "x.zip",
            zipped([("b.zip", zipped([("c.zip", zipped([("d.zip", b"PK")]))]))]),
        ),
        "xlsx đặt tên .zip": ("x.zip", zipped([("[Content_Types].xml", b"<x/>"), ("xl/a", b"")])),
        "winmail hỏng": ("winmail.dat", b"\x78\x9f\x3e\x22" + b"\xff" * 40),
        "winmail": ("winmail.dat", winmail([("Báo cáo.xlsx", b"PK"), ("ảnh.jpg", b"")])),
        "winmail rỗng": ("winmail.dat", winmail([])),
        "winmail trong zip": ("x.zip", zipped([("winmail.dat", winmail([("a.ods", b"PK")]))])),
    }
    for what, (name, data) in archives.items():
        found = unpack(name, data, isolated=True)
        out.append(f"tệp nén | {what} | lấy: {[n for n, _ in found.found]}")
        out += [f"tệp nén | {what} | không lấy: {n} | {why}" for n, why in found.refused]
        out += [f"tệp nén | {what} | khác: {n} | {why}" for n, why in found.others]
    folder = tmp / "bao-cao-ve"
    folder.mkdir()
    for what, (name, data) in archives.items():
        if what not in ("zip bom", "zip quá nhiều tệp"):
            (folder / f"{what.replace(' ', '-')}-{name}").write_bytes(data)
    files, skipped = listing([folder])
    out += [f"liệt kê | {Path(f).name}" for f in files]
    out += [f"liệt kê | bỏ qua | {Path(s.path).name} | {s.reason} | {s.foreign}" for s in skipped]

    original = (
        b"From: phonggd@haian.edu.vn\r\nTo: mn.thanhto@haian.edu.vn, b@x.vn\r\n"
        b"Subject: Bieu mau\r\n\r\nx\r\n"
    )
    dsn = (
        b"From: MAILER-DAEMON@mail.haian.edu.vn\r\nSubject: Undelivered\r\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=d\r\n\r\n"
        b"--d\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x\r\n\r\n"
        b"Final-Recipient: rfc822; MN.ThanhTo@haian.edu.vn\r\nAction: failed\r\n\r\n"
        b"Final-Recipient: rfc822; cham@haian.edu.vn\r\nAction: delayed\r\n\r\n--d--\r\n"
    )
    messages = {
        "báo lỗi gửi (DSN)": dsn,
        "postmaster, X-Failed-Recipients": b"From: postmaster@x.vn\r\n"
        b"X-Failed-Recipients: a@haian.edu.vn, b@haian.edu.vn\r\n\r\nx\r\n",
        "mailer-daemon, chỉ có thư gốc": b"From: Mailer-Daemon <MAILER-DAEMON@x.vn>\r\n"
        b"Content-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\n"
        b"Content-Type: text/rfc822-headers\r\n\r\n" + original + b"--m--\r\n",
        "mailer-daemon, không rõ địa chỉ": b"From: MAILER-DAEMON@x.vn\r\n\r\nx\r\n",
        "thư thường": b"From: a@b.vn\r\nDate: Mon, 3 Oct 2022 08:00:00 +0700\r\n\r\nx\r\n",
        "năm 10000": b"From: a@b.vn\r\nDate: Mon, 3 Oct 10000 08:00:00 +0700\r\n\r\nx\r\n",
        "lệch giờ lớn": b"From: a@b.vn\r\nDate: Mon, 3 Oct 2022 08:00:00 +9999\r\n\r\nx\r\n",
        "năm 100": b"From: a@b.vn\r\nDate: Tue, 5 Oct 0100 08:00:00 +0700\r\n\r\nx\r\n",
    }
    for what, raw in messages.items():
        mail = parse_mime(raw, what, None, "")
        out.append(
            f"thư | {what} | báo lỗi gửi: {mail.undelivered!r} | ngày gửi hỏng: "
            f"{mail.date_unreadable} | giờ đến: {'có' if mail.arrived else 'không rõ'} "
            f"({mail.arrived_how})"
        )
    for reason in ("self-signed certificate", "certificate has expired", "Hostname mismatch, x",
                   "unable to get local issuer certificate", "lạ"):  # fmt: skip
        out.append(f"chứng chỉ | {reason} | {imap.certificate_refused('mail.x.vn', reason, None)}")
    out.append(
        f"chứng chỉ | có tệp | {imap.certificate_refused('mail.x.vn', 'lạ', Path('cc.pem'))}"
    )
    (tmp / "khong-phai.pem").write_text("x", encoding="utf-8")
    for name in ("khong-co.pem", "khong-phai.pem"):
        try:
            imap._context(tmp / name)
            out.append(f"chứng chỉ | {name} | (đọc được)")
        except HtsdError as exc:
            out.append(f"chứng chỉ | {name} | {exc}".replace(str(tmp), "<tạm>"))
    try:
        collecting._place(tmp / "khong-co", "a.xlsx", b"x")
    except HtsdError as exc:
        out.append(f"đĩa | {exc}".replace(str(tmp), "<tạm>"))

    unit = Unit(
        "MN08",
        "Trường Mầm non Thành Tô",
        "mam_non",
        "",
        "",
        email="MN.ThanhTo@haian.edu.vn; khac@x.vn",
    )
    roster = Roster((unit,), tmp / "ds.csv")
    bounces = [receipts.Bounce("mn.thanhto@haian.edu.vn", "03/10/2022 08:01:00"),
               receipts.Bounce("khac@x.vn", ""), receipts.Bounce("la@x.vn", "")]  # fmt: skip
    for code, said in receipts.undelivered_by_unit(roster, bounces).items():
        out += [f"không đến được | {code} | {line}" for line in said]

    mail = parse_mime(dsn, "UID 7", None, "")
    outcome = collecting.Outcome(messages=3, book=Path("so-nhan.csv"))
    outcome.bounces.append(
        collecting.Bounced(mail, list(mail.undelivered or []), ["MN08 · Trường Mầm non Thành Tô"])
    )
    other = parse_mime(messages["năm 10000"], "UID 8", None, "")
    outcome.refused.append(
        collecting.Refused(
            "x.rar",
            unpack("x.rar", b"Rar!\x1a\x07").refused[0][1],
            other,
            "TTHTCD07 · Trung tâm",
            "a__x.rar",
        )
    )
    outcome.listed.append(
        collecting.Refused("winmail.dat › logo.png", "không phải bảng tính", other, "")
    )
    outcome.undated.append(other)
    console = Console(file=io.StringIO(), width=200, color_system=None)
    views.print_collect(console, outcome, Path("bao-cao-ve"))
    out += [f"collect | {line.rstrip()}" for line in console.file.getvalue().splitlines()]
    return out


def _sheets_and_decisions_lines(form: Any, config: Any, issued: Any, tmp: Path) -> list[str]:
    """Workbooks with several sheets of the form (a half-done copy, copies that disagree, a
    sheet of another unit whose marks agree or not, a copy retitled), files whose name, stamp,
    header and sender disagree, and the clerk's decisions on them, applied or not: what every
    file is told, what becomes of each decision, the rows printed to paste, each unit's state,
    and the report's annex."""
    import csv
    import io
    import zipfile

    import openpyxl

    from htsd_cli.campaign.roster import load_roster
    from htsd_cli.checks.batch import check_batch
    from htsd_cli.checks.checkfile import check_file
    from htsd_cli.checks.decisions import COLUMNS, file_code, load_decisions, parse_decisions
    from htsd_cli.checks.folding import each_reading
    from htsd_cli.fill import fill_workbook
    from htsd_cli.render.formsheet import stamp_line
    from htsd_cli.render.report import render_markdown, report_context
    from htsd_cli.totals.aggregate import aggregate
    from htsd_cli.totals.status import build_status
    from htsd_cli.views import print_decisions

    rows = list(csv.reader(io.StringIO(SAMPLE_ROSTER.read_text(encoding="utf-8-sig"))))
    rows[0].append("email")
    for row in rows[1:]:
        row.append(f"{row[0].lower()}@haian.edu.vn" if row[0] in ("MN07", "MN08") else "")
    with (tmp / "ds.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    roster = load_roster(tmp / "ds.csv", form)
    cells = compute_layout(form).cells
    folder = tmp / "ve"
    folder.mkdir()

    def workbook(code: str, name: str = "", **changed: object) -> Path:
        unit = roster.find(code)
        values = {**full_values(form, unit_type=unit.unit_type), **changed}
        target = folder / (name or issued[code].name)
        fill_workbook(issued[code], values, target)
        return target

    def with_copy(path: Path, title: str, changes: dict[str, object], blank: tuple = ()) -> None:
        book = openpyxl.load_workbook(path)
        copy = book.copy_worksheet(book[FORM_SHEET])
        copy.title = title
        for ref, value in changes.items():
            copy[ref] = value
        for ref in blank:
            book[FORM_SHEET][ref] = None
        saved(book, path)

    def saved(book: Any, path: Path) -> None:  # the same bytes each run: the codes are golden
        from htsd_cli.writing.package import normalise_package

        buffer = io.BytesIO()
        book.save(buffer)
        path.write_bytes(normalise_package(buffer.getvalue()))

    half = [cells[i.id] for i in form.indicators if i.applies("mam_non")][:10]
    with_copy(workbook("MN01"), "Bản 2", {}, blank=tuple(half))
    with_copy(workbook("MN02"), "Bản 2", {cells["s3_to_roi"]: 99, cells["s3_sach_tai_lieu"]: 98})
    th02 = roster.find("TH02")
    stamp_at = next(
        f"A{r}" for r in range(1, 12)
        if str(openpyxl.load_workbook(issued["TH02"])[FORM_SHEET][f"A{r}"].value).startswith("Mã biểu mẫu")
    )  # fmt: skip
    with_copy(
        workbook("TH01"), "TH02", {"A1": th02.name.upper(), stamp_at: stamp_line(form, "TH02")}
    )
    with_copy(workbook("TH03"), "TH04", {"A1": roster.find("TH04").name.upper()})
    with_copy(workbook("TH05"), "Bản sửa", {"A1": "TRƯỜNG TH ĐÔNG HẢI MỘT (BẢN SỬA)"})
    workbook("MN04", issued["MN03"].name)
    workbook("MN07")
    workbook("TH06", s3_to_roi="mười hai")
    book = openpyxl.load_workbook(workbook("TH08"))
    book[FORM_SHEET]["A1"] = roster.find("THCS01").name.upper()
    saved(book, folder / issued["TH08"].name)
    # a second sheet the reader cannot read: its part cut short
    broken = workbook("UBP01")
    with_copy(broken, "Bản 2", {})
    with zipfile.ZipFile(broken) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    last = max((n for n in parts if n.startswith("xl/worksheets/sheet")), key=len)  # the copy
    last = max(n for n in parts if n.startswith("xl/worksheets/sheet") and len(n) == len(last))
    parts[last] = parts[last][:900]
    with zipfile.ZipFile(broken, "w") as z:
        for name, data in parts.items():
            z.writestr(zipfile.ZipInfo(name, (2022, 10, 5, 8, 0, 0)), data)
    senders = {issued["MN07"].name.lower(): "mn08@haian.edu.vn"}
    book = openpyxl.load_workbook(workbook("MN05", "bao-cao-sai-mau.xlsx"))
    sheet = book[FORM_SHEET]
    sheet[stamp_at] = str(sheet[stamp_at].value).replace(form.id, "htsd-2021")
    saved(book, folder / "bao-cao-sai-mau.xlsx")
    saved(book, folder / "bao-cao-sai-mau-2.xlsx")

    def run(decisions: Any) -> tuple[Report, Any]:
        files = [check_file(str(p), form, want_names=False) for p in sorted(folder.iterdir())]
        for rep in files:  # as a plausibility check holds figures (contract 1)
            if Path(rep.path).name == issued["UBP01"].name:
                rep.held = {"s3_to_roi": rep.values.pop("s3_to_roi"), "s3_sach_tai_lieu": None}
        report = Report(files=each_reading(files))
        check_batch(report.files, form, roster, decisions, senders)
        if decisions is not None:
            report.decisions = decisions.results()
        from htsd_cli.checks.decisions import rows_to_decide

        report.to_decide = rows_to_decide(report.files, decisions)
        return report, build_status(report, roster, form.deadline, dt.date(2022, 10, 8),
                                    None, "", form)  # fmt: skip

    def told(what: str, report: Report, status: Any) -> list[str]:
        out = [
            f"{what} | {Path(rep.path).name} | {rep.sheet} | {rep.unit_code} | {f.code} | "
            f"{f.severity} | {f.sheet}!{f.cell} | {f.value} | {f.message}"
            for rep in report.files
            for f in rep.findings
            if f.code not in ("blank-value", "duplicate-unit")
        ]
        out += [f"{what} quyết định | {o.decision.row} | {o.applied} | {o.note}"
                for o in report.decisions]  # fmt: skip
        out += [f"{what} dòng dán | {r.tsv()!r} | {r.why}" for r in report.to_decide]
        out += [f"{what} đơn vị | {u.code} | {u.state} | {' / '.join(u.reasons)}"
                for u in status.units if u.file]  # fmt: skip
        return [line.replace(str(tmp), "<tạm>") for line in out]

    report, status = run(None)
    out = told("trang, danh tính", report, status)
    held = {r.file: r for r in report.to_decide}

    def code(name: str) -> str:
        return file_code(str(folder / name)) or ""

    c22 = cells["s3_to_roi"]
    mn02, th03, mn03 = issued["MN02"].name, issued["TH03"].name, issued["MN03"].name
    lines = [
        list(COLUMNS),
        [mn02, code(mn02), "Tệp của đơn vị", "MN02", "Bản 2", "", "", "", "", "đơn vị xác nhận"],
        [th03, code(th03), "Tệp của đơn vị", "TH04", "TH04"],
        [mn03, code(mn03), "Tệp của đơn vị", "MN04", "", "", "", "", "", "gửi nhầm tên tệp"],
        [issued["MN07"].name, code(issued["MN07"].name), "Để riêng", "", "", "", "", "", "",
         "thư thử"],
        [issued["TH06"].name, code(issued["TH06"].name), "Đọc là", "", "", c22, "s3_to_roi",
         "mười hai", 12, "hỏi lại qua điện thoại"],
        [issued["TH05"].name, code(issued["TH05"].name), "Để riêng", "", "Bản sửa"],
        [issued["TH08"].name, "0" * 12, "Tệp của đơn vị", "TH08"],
        [issued["TH01"].name, code(issued["TH01"].name), "Đọc là", "", "", c22, "", "7", 8],
        [issued["TH01"].name, code(issued["TH01"].name), "Đọc là", "", "", "Z99", "", "", 8],
        [issued["TH01"].name, code(issued["TH01"].name), "Đọc là", "", "", "", "s3_bang_zon",
         "", 8],
        [issued["TH01"].name, code(issued["TH01"].name), "Đọc là", "", "", "", "s1_ke_hoach",
         "", "có lẽ"],
        [issued["TH01"].name, code(issued["TH01"].name), "Đọc là", "", "", c22, "", "", -3],
        [issued["TH01"].name, code(issued["TH01"].name), "Đọc là", "", "", c22, "", "", 2.5],
        [issued["TH01"].name, code(issued["TH01"].name), "Giữ như đã gõ", "", "", c22],
        [issued["TH01"].name, code(issued["TH01"].name), "Tệp của đơn vị", "KHONG-CO"],
        [issued["TH01"].name, code(issued["TH01"].name), "Đọc là", "", "", "C23", "s3_to_roi",
         "", 8],
        [issued["TH01"].name, code(issued["TH01"].name), "Đọc là", "", "", "", "s7_tai_chinh",
         "", 8],
        [issued["UBP01"].name, code(issued["UBP01"].name), "Giữ như đã gõ", "", "", c22, "",
         "3", "", "đã hỏi"],
        [issued["UBP01"].name, code(issued["UBP01"].name), "Giữ như đã gõ", "", "", "",
         "s3_sach_tai_lieu"],
        ["bao-cao-sai-mau.xlsx", code("bao-cao-sai-mau.xlsx"), "Tệp của đơn vị", "MN06"],
        ["bao-cao-sai-mau-2.xlsx", code("bao-cao-sai-mau-2.xlsx"), "Tệp của đơn vị", "MN06"],
        ["bao-cao-sai-mau-2.xlsx", code("bao-cao-sai-mau-2.xlsx"), "Tệp của đơn vị", "KHONG-CO"],
        ["khong-co.xlsx", "1" * 12, "Để riêng"],
        [issued["TH01"].name, code(issued["TH01"].name), "Để riêng", "", "Trang lạ"],
        [issued["TH01"].name, "", "Để riêng"],
        [issued["TH01"].name, code(issued["TH01"].name), "", ""],
        [issued["TH01"].name, code(issued["TH01"].name), "Bỏ qua"],
        [issued["TH01"].name, code(issued["TH01"].name), "Tệp của đơn vị"],
        [issued["TH01"].name, code(issued["TH01"].name), "Giữ như đã gõ"],
        [issued["TH01"].name, code(issued["TH01"].name), "Đọc là", "", "", c22],
        ["", code(issued["TH01"].name), "Để riêng"],
    ]  # fmt: skip
    assert held  # the rows printed are what these lines complete
    report, status = run(parse_decisions(lines))
    out += told("quyết định", report, status)
    agg = aggregate(form, roster, status)
    markdown = render_markdown(report_context(agg, config, {}))
    start = markdown.index("## Phụ lục I.")
    out += [f"quyết định báo cáo | {line}" for line in markdown[start:].splitlines()[:90]]
    from rich.console import Console

    shown = io.StringIO()
    print_decisions(Console(file=shown, width=100), report.decisions, report.to_decide, "qd.xlsx")
    out += [f"quyết định in | {line}" for line in shown.getvalue().splitlines()]
    for what, content in (("không có tiêu đề", b""), ("không phải bảng tính", b"abc")):
        path = tmp / "qd.xlsx"
        if content:
            path.write_bytes(content)
        else:
            book = openpyxl.Workbook()
            book.active["A1"] = "ghi chú"
            book.save(path)
        try:
            load_decisions(path)
        except Exception as exc:
            out.append(f"sổ quyết định | {what} | {str(exc).replace(str(tmp), '<tạm>')}")
    # a file's code changes with every change to the issued template: said, not compared
    for path in folder.iterdir():
        out = [line.replace(file_code(str(path)) or "?", "<mã tệp>") for line in out]
    return [line.replace(str(tmp), "<tạm>") for line in out]


# (what, [(sheet, cell, value typed)]): one mistake at a time in the workbook of the test form
BOOK_BREAKS = (
    ("loại lạ", [("Các dòng", "C4", "phần trăm")]),
    ("loại để trống", [("Các dòng", "C4", None)]),
    ("nội dung để trống", [("Các dòng", "B5", None)]),
    ("mã trùng", [("Các dòng", "L5", "lop_hoc")]),
    ("mã như ô", [("Các dòng", "L5", "AB12")]),
    ("mã có dấu", [("Các dòng", "L5", "học_viên")]),
    ("số thiếu đơn vị tính", [("Các dòng", "D4", None)]),
    ("cấp 3", [("Các dòng", "E4", 3)]),
    ("cách cộng lạ", [("Các dòng", "G4", "nhân")]),
    ("có/không cộng kiểu số", [("Các dòng", "G7", "cộng")]),
    ("nhỏ nhất là chữ", [("Các dòng", "I4", "nhiều")]),
    ("lớn nhất nhỏ hơn nhỏ nhất", [("Các dòng", "I4", 10), ("Các dòng", "J4", 5)]),
    ("giới hạn cho dòng chữ", [("Các dòng", "J9", 5)]),
    ("lớn nhất theo loại sai dạng", [("Các dòng", "K4", "truong 50")]),
    ("lớn nhất theo loại lạ", [("Các dòng", "K4", "thon: 5")]),
    ("đơn vị điền lạ", [("Các dòng", "F4", "truong, thon")]),
    ("mục trùng số", [("Các dòng", "A6", 1)]),
    ("mục số là chữ", [("Các dòng", "A6", "hai")]),
    ("mục không có dòng", [("Các dòng", "C7", "mục"), ("Các dòng", "C8", "mục")]),
    ("dòng trước mục đầu", [("Các dòng", "C3", "số đếm"), ("Các dòng", "D3", "lớp")]),
    ("phần lời giữa bảng", [("Các dòng", "C5", "phần lời")]),
    ("thiếu cột Loại", [("Các dòng", "C1", "Kiểu")]),
    ("quy tắc dùng dòng không có", [("Quy tắc", "C2", "hoc_sinh")]),
    ("quy tắc so sánh lạ", [("Quy tắc", "D2", "gấp đôi")]),
    ("quy tắc thiếu vế phải", [("Quy tắc", "E2", None)]),
    ("quy tắc phải điền có vế phải", [("Quy tắc", "E3", "lop_hoc")]),
    ("quy tắc so sánh ô chữ", [("Quy tắc", "C2", "ten_chuong_trinh")]),
    ("quy tắc điều kiện hỏng", [("Quy tắc", "B2", "lop_hoc lớn")]),
    ("quy tắc mức lạ", [("Quy tắc", "F3", "Nặng")]),
    ("quy tắc lời nhắn trống", [("Quy tắc", "G3", None)]),
    ("quy tắc trùng mã", [("Quy tắc", "A3", "hoc_vien_it_nhat_bang_lop")]),
    ("loại đơn vị trùng", [("Loại đơn vị", "A3", "truong")]),
    ("loại đơn vị không tên", [("Loại đơn vị", "B3", None)]),
    ("năm là chữ", [("Đợt báo cáo", "B4", "hai nghìn")]),
    ("phiên bản trống", [("Đợt báo cáo", "B3", None)]),
    ("mã biểu mẫu có dấu", [("Đợt báo cáo", "B2", "biểu mẫu")]),
    ("ngày không có", [("Đợt báo cáo", "B10", "31/02/2023")]),
    ("tuần lễ ngược", [("Đợt báo cáo", "B8", "10/10/2023")]),
    ("tên cột trống", [("Đợt báo cáo", "B16", None)]),
    ("giữ số 1 lần", [("Đợt báo cáo", "B29", 1)]),
    ("tiền nhỏ nhất âm", [("Đợt báo cáo", "B26", -5)]),
    ("tiền lớn nhất theo loại lạ", [("Đợt báo cáo", "B28", "thon: 5")]),
    ("thiếu dòng năm", [("Đợt báo cáo", "A4", "Năm học")]),
    ("phiên bản là chữ", [("Phiên bản", "A2", "đầu"), ("Phiên bản", "B2", "bản đầu")]),
    ("phiên bản sau", [("Phiên bản", "A2", 7), ("Phiên bản", "B2", "sau này")]),
    ("thiếu trang quy tắc", [("Quy tắc", None, None)]),
)  # fmt: skip
# forms read from the clerk's words: what htsd makes of them
BOOK_READINGS = (
    ("như mẫu", []),
    ("chữ thường, dấu, ký hiệu", [("Các dòng", "C4", "SO DEM"), ("Quy tắc", "D2", "≥"),
                                 ("Quy tắc", "B2", "lop_hoc lớn hơn 0"), ("Quy tắc", "F2", "lỗi"),
                                 ("Các dòng", "F9", "Trường học; Ủy ban nhân dân xã")]),
    ("mã để trống", [("Các dòng", "L4", None), ("Các dòng", "E5", 2),
                     ("Các dòng", "A6", None), ("Các dòng", "L2", None)]),
    ("số gõ kiểu Việt", [("Các dòng", "J4", "1.000"), ("Các dòng", "K4", "truong: 2.500"),
                         ("Đợt báo cáo", "B27", "10.000.000"),
                         ("Đợt báo cáo", "B28", "Trường học: 2.000.000"), ("Đợt báo cáo", "B29", 40)]),
    ("ngày gõ bằng chữ", [("Đợt báo cáo", "B8", "2-10-2023"), ("Đợt báo cáo", "B10", "12.10.2023")]),
)  # fmt: skip


def _edited_book(tmp: Path, edits: list[tuple[str, str | None, object]]) -> Path:
    import openpyxl

    from htsd_cli.campaign.form import load_form
    from htsd_cli.campaign.formbook import write_book

    path = tmp / "bieu-mau.xlsx"
    path.write_bytes(write_book(load_form(FORMS / "htsd-2023-test.yaml")))
    wb = openpyxl.load_workbook(path)
    for sheet, cell, value in edits:
        if cell is None:
            del wb[sheet]
        else:
            wb[sheet][cell] = value
    wb.save(path)
    return path


def _formbook_lines(tmp: Path) -> list[str]:
    """The form workbook broken one way at a time: what the clerk is told, by sheet, row and
    column; then workbooks typed the clerk's way, and what htsd reads in them."""
    from htsd_cli.campaign.formbook import read_book

    out = []
    for what, edits in BOOK_BREAKS:
        path = _edited_book(tmp, edits)
        try:
            read_book(path)
            out.append(f"bảng biểu mẫu | {what} | (đọc được)")
        except FormError as exc:
            lines = str(exc).replace(str(path), "bieu-mau.xlsx").splitlines()
            out += [f"bảng biểu mẫu | {what} | {line}" for line in lines]
    for what, edits in BOOK_READINGS:
        book = read_book(_edited_book(tmp, edits))
        form = book.form
        out.append(
            f"đọc bảng biểu mẫu | {what} | {form.period_start} {form.deadline} {form.plausibility!r}"
        )
        out += [f"đọc bảng biểu mẫu | {what} | mục {section!r}" for section in form.sections]
        out += [f"đọc bảng biểu mẫu | {what} | phần lời {text!r}" for text in form.texts]
        out += [f"đọc bảng biểu mẫu | {what} | quy tắc {rule!r}" for rule in form.rules]
        out += [
            f"đọc bảng biểu mẫu | {what} | mã tự đặt {cell} {made}" for cell, made in book.made_ids
        ]
    return out


def _campaign_lines(tmp: Path) -> list[str]:
    """A new year's campaign: what init says of its form; what template says of a form of another
    year or past its deadline, or with guesses nobody checked; the version told after issuing."""
    import dataclasses

    from htsd_cli.campaign.config import load_config
    from htsd_cli.campaign.form import load_form
    from htsd_cli.campaign.formbook import describe_change, write_book
    from htsd_cli.init import Campaign, carry, form_line
    from htsd_cli.template import may_issue

    base = load_form("htsd-2022")
    campaign = Campaign(2025, dt.date(2025, 9, 29), dt.date(2025, 10, 5), dt.date(2025, 10, 10))
    out = [f"đợt mới | {form_line(base, campaign, own)}" for own in (False, True)]
    themed = dataclasses.replace(campaign, theme="Học tập suốt đời")
    out.append(f"đợt mới | {form_line(base, themed, True)}")
    carried = carry(base, themed)
    out.append(
        f"đợt mới | chép | {(carried.id, carried.version, carried.title, carried.short_title, carried.summary_line, carried.theme, carried.changes)!r}"
    )
    config = load_config(SAMPLE_CONFIG)
    real = dataclasses.replace(config, example=False)
    in_2025 = dataclasses.replace(real, year=2025, deadline=None)
    cases = (
        ("mẫu, hạn đã qua", config, base, False),
        ("hạn đã qua", real, base, False),
        ("hạn đã qua, vẫn phát", real, base, True),
        ("năm khác", in_2025, base, False),
        ("năm khác, vẫn phát", in_2025, base, True),
        ("đúng năm, còn hạn", in_2025, carried, False),
    )
    for what, cfg, form, anyway in cases:
        try:
            said = may_issue(form, cfg, dt.date(2025, 10, 1), anyway) or "(phát, không nói gì)"
        except FormError as exc:
            said = str(exc)
        out.append(f"phát | {what} | {said}")
    book = tmp / "bieu-mau-2025.xlsx"
    marks = {("indicator", "s2_bai_bao"): "htsd đoán: số đếm", ("campaign", "theme"): "Ghi chủ đề."}
    book.write_bytes(write_book(carried, {}, marks))
    try:
        may_issue(load_form(book), in_2025, dt.date(2025, 10, 1))
    except FormError as exc:
        out.append(f"phát | còn chỗ cần xem | {exc}")
    changed = dataclasses.replace(
        carried,
        version=2,
        sections=(*carried.sections[:2], dataclasses.replace(carried.sections[2], heading="Mục 3"),
                  *carried.sections[3:-1]),
        theme="Khác",
    )  # fmt: skip
    out.append(f"phiên bản | {describe_change(carried, changed)}")
    bad = tmp / "htsd.toml"
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    for typo in (
        [("year = 2022", 'year = "2022"'), ("example = true", "example = 1")],
        [("deadline = 2022-10-10", "deadline = 10/10/2022")],
        [("date = 2022-10-12", "date = 2022-02-30")],
        [('place = "Hải An"', 'plase = "Hải An"')],
        [('roster = "roster.csv"', 'roster = "roster.csv')],
        [('roster = "roster.csv"', "roster = roster.csv")],
        [('roster = "roster.csv"', 'roster = "D:\\HTSD\\roster.csv"')],
        [('roster = "roster.csv"', 'roster = "roster.csv" "x.csv"')],
        [("[signer]", "[signer")],
        [("receipts = ", "receipts = 1\nreceipts = ")],
        [('roster = "roster.csv"', 'mailbox = "imaps://vanthu@"')],
    ):
        changed = text
        for before, after in typo:
            changed = changed.replace(before, after)
        bad.write_text(changed, encoding="utf-8")
        try:
            load_config(bad)
        except Exception as exc:
            said = str(exc).replace(str(bad), "htsd.toml").splitlines()
            out += [f"cấu hình | {line}" for line in said]
    out += _missing_settings(tmp)
    return [line.replace(str(tmp), "<tạm>") for line in out]


def _missing_settings(tmp: Path) -> list[str]:
    """What a command says when an input is neither on its command line nor in htsd.toml,
    without a configuration and with one that lacks the line."""
    from htsd_cli.base.errors import UsageError
    from htsd_cli.settings import for_aggregate, for_validate

    out: list[str] = []
    work = tmp / "thieu"
    work.mkdir()
    lacking = work / "htsd.toml"
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    lacking.write_text(text.replace('roster = "roster.csv"\n', ""), encoding="utf-8")
    cases = [
        ("không có htsd.toml", lambda: for_validate(config=None, form=None, roster=None, returns=None)),
        ("thiếu roster", lambda: for_aggregate(
            config=lacking, form=None, roster=None, returns=None, output=None, narrative=None,
            receipts=None,
        )),
    ]  # fmt: skip
    empty = tmp / "rong"
    empty.mkdir()
    here = Path.cwd()
    try:
        for what, resolve in cases:
            os.chdir(empty if what == "không có htsd.toml" else work)
            try:
                resolve()
            except UsageError as exc:
                said = str(exc).replace(str(work), "<thư mục>").replace(str(empty), "<thư mục>")
                out += [f"thiếu | {what} | {line}" for line in said.splitlines()]
    finally:
        os.chdir(here)
    return out


def _import_lines(tmp: Path) -> list[str]:
    """The seed's plan drafted after the bundled form and after an unrelated one, a changed
    plan, and guesses from words: every mark, every line of what was left out."""
    from htsd_cli.campaign.form import load_form
    from htsd_cli.formimport import guess, import_plan, left_out_lines, summary_line

    from .tools.plan_docx import make_plan, seed_rows

    plan = make_plan(tmp / "ke-hoach.docx")
    rows = seed_rows()
    rows[1][1][1] = "- Số bài viết trên các báo, tạp chí:"
    rows[2][1].pop()
    rows.append(
        (
            "9",
            [
                "Chuyển đổi số trong nhà trường:",
                "- Số giáo viên được tập huấn, số học sinh tham gia:",
            ],
        )
    )
    changed = make_plan(tmp / "ke-hoach-2025.docx", rows, year=2025, week=("29/09/2025", "05/10/2025"),
                        deadline="ngày 10 tháng 10 năm 2025")  # fmt: skip
    out = []
    for what, path, previous in (
        ("như năm trước", plan, load_form("htsd-2022")),
        ("chỉ theo chữ", plan, load_form(FORMS / "htsd-2023-test.yaml")),
        ("kế hoạch đổi", changed, load_form("htsd-2022")),
    ):
        draft = import_plan(path, previous)
        out.append(f"lập biểu mẫu | {what} | {summary_line(draft, previous, 'bieu-mau.xlsx')}")
        out += [f"lập biểu mẫu | {what} | {line}" for line in left_out_lines(draft)]
        out += [
            f"lập biểu mẫu | {what} | cần xem {key} | {text}"
            for key, text in sorted(draft.marks.items())
        ]
        out += [f"lập biểu mẫu | {what} | dòng {i.id} | {i.label} | {i.kind} | {i.unit} | {i.level}"
                for i in draft.form.indicators]  # fmt: skip
    for label in ("Số lớp dạy nghề cho lao động nông thôn:", "Số lượt người tham gia:",
                  "Tổng kinh phí khen thưởng:", "Có đủ cơ sở vật chất:", "Hội diễn văn nghệ:",
                  "Số, ngày ban hành kế hoạch", "Triển lãm", "Số sân chơi:", "Ý kiến khác"):  # fmt: skip
        g = guess(label)
        out.append(f"đoán | {label} | {g.kind} | {g.unit} | {g.why}")
    import docx

    empty = docx.Document()
    empty.add_paragraph("KẾ HOẠCH")
    empty.save(tmp / "khong-bang.docx")
    for name in ("khong-bang.docx", "ke-hoach.pdf"):
        (tmp / name).touch(exist_ok=True)
        try:
            import_plan(tmp / name, load_form("htsd-2022"))
        except FormError as exc:
            out.append(f"lập biểu mẫu | {name} | {exc}")
    return out


def _last_year_lines(form: Any, config: Any, tmp: Path) -> list[str]:
    """This year beside last year: a unit's figure far from its own of last year, a zero where
    it had much, two wards merged; rows renamed, split, merged, new, dropped or not matchable;
    last year's summary missing, of a unit, or from before units' figures were kept."""
    import dataclasses

    from htsd_cli.base.errors import ConfigError
    from htsd_cli.campaign.form import Form
    from htsd_cli.campaign.roster import Roster, Unit
    from htsd_cli.checks.decisions import parse_decisions
    from htsd_cli.checks.yearover import (
        LastYear,
        Past,
        compare,
        read_summary,
        report_fields,
        summary_path,
    )

    def changed(ind_id: str, last_year: tuple[str, ...] | None) -> Any:
        return dataclasses.replace(form.indicator(ind_id), last_year=last_year)

    def with_rows(rows: dict[str, Any]) -> Form:
        sections = tuple(
            dataclasses.replace(sec, indicators=tuple(rows.get(i.id, i) for i in sec.indicators))
            for sec in form.sections
        )
        return dataclasses.replace(form, sections=sections)

    ids = [i.id for i in form.indicators if i.aggregate != "none"]
    last = LastYear(
        Path("dot-2022/tong-hop/tong-hop.xlsx"), "htsd-2022", "2", "2022", [*ids, "s2_cu"],
        {**{i: form.indicator(i).label.rstrip(" :") for i in ids}, "s2_cu": "Số bản tin cũ"},
        {**{i: 100.0 for i in ids}, "s2_cu": 7.0},
        {"MN01": {"s6_doc_online": 200.0, "s6_tai_lieu_so": 120.0, "s8_kinh_phi": 5_000_000},
         "UBP05": {"s3_bang_zon": 4.0}, "UBP06": {"s3_bang_zon": 6.0}, "TH09": {}},
        {"MN01": "MN01 – Trường Mầm non Cát Bi", "UBP05": "UBP05 – Phường Đông Hải 1",
         "UBP06": "UBP06 – Phường Đông Hải 2", "TH09": "TH09 – Trường Tiểu học cũ"},
    )  # fmt: skip
    roster = Roster((
        Unit("MN01", "Trường Mầm non Cát Bi", "mam_non", "Trường mầm non", "Cát Bi"),
        Unit("UBP09", "Ủy ban nhân dân phường Đông Hải", "ubnd_phuong", "", "Đông Hải",
             previous="UBP05, UBP06"),
        Unit("TH10", "Trường Tiểu học mới", "tieu_hoc", "", "Cát Bi"),
    ), Path("danh-sach.csv"))  # fmt: skip
    cells = compute_layout(form).cells
    files = [
        FileReport("mn01.xlsx", unit_code="MN01", cells=cells, sheet=FORM_SHEET,
                   values={"s6_doc_online": 4000.0, "s6_tai_lieu_so": 10.0, "s8_kinh_phi": 0.0}),
        FileReport("ubp09.xlsx", unit_code="UBP09", cells=cells, sheet=FORM_SHEET,
                   values={"s3_bang_zon": 250.0}),
    ]  # fmt: skip
    Past.of(form, last).check(files, form, roster)
    out = [
        f"năm trước | {rep.unit_code} | {f.code} | {f.severity} | {f.cell} | {f.value} | {f.message}"
        for rep in files
        for f in rep.findings
    ]
    book = parse_decisions([
        ["Tệp", "Mã tệp", "Quyết định", "Mã đơn vị", "Trang", "Ô", "Chỉ tiêu", "Đã gõ"],
        ["mn01.xlsx", "abc", "Giữ như đã gõ", "MN01", "", "", "s8_kinh_phi", "0"],
        ["mn01.xlsx", "abc", "Giữ như đã gõ", "MN01", "", "", "s6_doc_online", "4000"],
    ])  # fmt: skip
    book.code_of = lambda path: "abc"  # type: ignore[method-assign]
    book.bind([files[0]])
    book._bound = {2: [files[0]], 3: [files[0]]}
    book.settle_figures([files[0]], form)
    out += [f"năm trước | quyết định | {o.applied} | {o.note}" for o in book.results()]
    out += [
        f"năm trước | sau quyết định | {f.code} | {f.message}"
        for f in files[0].findings
        if f.indicator == "s8_kinh_phi"
    ]
    rows = {
        "s2_bai_bao": changed("s2_bai_bao", ("s2_bao",)),
        "s3_to_roi": changed("s3_to_roi", ("s3_bang_zon",)),
        "s3_sach_tai_lieu": changed("s3_sach_tai_lieu", ()),
        "s4_hoi_thao": changed("s4_hoi_thao", ("s2_cu", "s4_trien_lam")),
    }
    totals = {i: 150.0 for i in ids}
    units = [("MN01", "Trường Mầm non Cát Bi", {"s6_doc_online": 4000.0}),
             ("UBP09", "Ủy ban nhân dân phường Đông Hải", {"s3_bang_zon": 250.0}),
             ("TH10", "Trường Tiểu học mới", {"s3_bang_zon": 2.0})]  # fmt: skip
    comparison = compare(with_rows(rows), last, totals, units, roster)
    fields = report_fields(comparison)
    assert fields is not None
    out += [f"năm trước | báo cáo | {note}" for note in fields.notes]
    out += [
        f"năm trước | dòng | {key} | {row.how} | {row.last_text} | {row.change_text}"
        for key, row in comparison.rows.items()
        if key in rows or key in ("s2_tin_truyen_hinh", "s6_doc_online")
    ]
    from htsd_cli.checks.yearover import change_text

    for now, before in ((150, 100), (50, 100), (100, 100), (7, 0), (1, 3), (None, 4)):
        out.append(f"năm trước | tăng giảm | {now} | {before} | {change_text(now, before)}")
    old = LastYear(Path("cu.xlsx"))
    for what, sheets in (
        ("không có trang nhận diện", {"Báo cáo": [["x"]]}),
        ("biểu mẫu của đơn vị", {"_htsd": [["form_id", "htsd-2022"], ["kind", "return"]]}),
        ("bản cũ", {"_htsd": [["kind", "summary"], ["cell", "s2_bai_bao", "C16"],
                              ["cell", "s2_bai_bao_gc", "D16"], ["cell", "chi_dao", "A8"]],
                    "Báo cáo": [[None] * 4] * 15 + [["", "- Số bài viết trên các báo:", 28.0, 3]],
                    "Đơn vị x chỉ tiêu": [["Mã đơn vị", "Tên đơn vị", "Loại", "Nhóm",
                                           "Số bài viết"]]}),
    ):  # fmt: skip
        try:
            old = read_summary(Path("dot-2022/tong-hop.xlsx"), sheets)
            shown = (old.gaps, old.ids, old.labels, old.totals, old.units)
            out.append(f"năm trước | tệp | {what} | {shown!r}")
        except ConfigError as exc:
            out.append(f"năm trước | tệp | {what} | {exc}")
    try:
        summary_path(tmp)
    except ConfigError as exc:
        out.append(f"năm trước | thư mục | {str(exc).replace(str(tmp), '<tạm>')}")
    from htsd_cli.checks.yearover import load_last_year

    (tmp / "tong-hop.xlsx").write_bytes(b"khong phai bang tinh")
    for path in (tmp, tmp / "khong-co.xlsx"):
        try:
            load_last_year(path)
        except ConfigError as exc:
            out.append(f"năm trước | mở tệp | {str(exc).replace(str(tmp), '<tạm>')}")
    return out


def _signature_lines(tmp: Path) -> list[str]:
    """Who signs and who receives for each kind of office; the reminder letter's words for a
    deadline not yet passed, passed, given, and a letter without a date; the parts left to
    write; a way of signing init does not know; findings said in plain words."""
    from types import SimpleNamespace

    from typer.testing import CliRunner

    from htsd_cli.campaign.config import load_config
    from htsd_cli.cli import app
    from htsd_cli.render import signature as sig
    from htsd_cli.render.plain import plain_words
    from htsd_cli.render.remind import LetterDates, Reminder, letter_context
    from htsd_cli.totals.status import INVALID, MISSING, UnitStatus
    from htsd_cli.views import unfinished_line

    out = []
    for office, governing in (
        ("Ủy ban nhân dân phường Hòa Bình", ""), ("Ủy ban nhân dân tỉnh Bắc Ninh", ""),
        ("Phòng Giáo dục và Đào tạo", "UBND quận Hải An"), ("Sở Giáo dục và Đào tạo", ""),
        ("Trường Tiểu học Hòa Bình", "UBND phường Hòa Bình"), ("Trung tâm Văn hóa", ""),
    ):  # fmt: skip
        kind = sig.office_kind(office, governing)
        for how in (sig.HEAD, sig.DEPUTY):
            title = sig.default_title(kind, how)
            lines = [*sig.authority_lines(kind, how, title, kind.collective), title]
            out.append(f"ký | {office} | {how} | {' / '.join(lines)}")
        out.append(f"nơi nhận | {office} | {' '.join(sig.default_recipients(kind, 'VHXH'))}")
    config = load_config(SAMPLE_CONFIG)
    form = config.load_form()
    units = [
        UnitStatus("MN08", "Trường Mầm non Thành Tô", "mam_non", "Mầm non", "", MISSING),
        UnitStatus(
            "UBP04", "Ủy ban nhân dân phường Đằng Lâm", "ubnd_phuong", "UBND phường", "",
            INVALID, file="ubp04-x.xlsx",
            reasons=("Ô C22 (Số lượng tờ rơi đã phát hành): số âm (-50). Hãy ghi số không âm.",
                     "Ô C23 (Số sách): trống."),
        ),
    ]  # fmt: skip
    items = [Reminder(u, "", "", "", "") for u in units]
    status = SimpleNamespace(deadline=dt.date(2022, 10, 10))
    for what, dates in (
        ("chưa qua hạn", LetterDates.settle(dt.date(2022, 10, 8), dt.date(2022, 10, 10))),
        ("đã qua hạn", LetterDates.settle(dt.date(2022, 10, 16), dt.date(2022, 10, 10))),
        ("hạn cho sẵn", LetterDates.settle(dt.date(2022, 10, 16), dt.date(2022, 10, 10),
                                           dt.date(2022, 10, 20))),
        ("không ngày", LetterDates.settle(None, dt.date(2022, 10, 10))),
    ):  # fmt: skip
        ctx = letter_context(items, status, config, form, dates).to_dict()  # type: ignore[arg-type]
        for key in ("date_line", "body", "units", "closing", "recipients", "signer"):
            out.append(f"công văn | {what} | {key} | {ctx[key]}")
    outputs = SimpleNamespace(unfinished=["I. Công tác chỉ đạo", "III. Kế hoạch tiếp theo"],
                              narrative=Path("loi-van.md"))  # fmt: skip
    out.append(f"lời văn chưa viết | {unfinished_line(outputs)}")
    outputs = SimpleNamespace(unfinished=["I. Công tác chỉ đạo"], narrative=None)
    out.append(f"lời văn chưa viết | {unfinished_line(outputs)}")
    given = ["init", str(tmp / "w"), "--cach-ky", "chu-tich", "--nam", "2025"]
    result = CliRunner().invoke(app, given)
    out.append(f"init | --cach-ky | {result.exit_code} | {' '.join(result.output.split())}")
    for text in (
        "Ô C22 (Số lượng tờ rơi đã phát hành): số âm (-50).",
        "Tệp th02-truong.xlsx chưa dùng được: trang 'Báo cáo', ô C39 trống.",
        "Đơn vị THCS05 gửi nhiều tệp: tệp này và thcs05-b.xlsx.",
    ):
        out.append(f"lời thường | {text} | {plain_words(text)}")
    return out


def _dead_end_lines(tmp: Path) -> list[str]:
    """What the clerk reads instead of a dead end: an impossible date (typed as an option, in
    htsd.toml, in the receipts book), a receipts book with bad lines, a path with spaces typed
    without quotes, init run again (another year, a broken htsd.toml, the form kept)."""
    import dataclasses

    from htsd_cli.base.dates import impossible, why_not
    from htsd_cli.base.errors import ConfigError
    from htsd_cli.base.paths import unquoted
    from htsd_cli.campaign.config import load_config
    from htsd_cli.campaign.form import load_form
    from htsd_cli.cli_vi import translate
    from htsd_cli.init import Campaign, current_answers, keep_form_line, same_year
    from htsd_cli.intake.receipts import load_receipts

    out = []
    for text in ("31/9/2025", "31/09/2025", "29/02/2025", "0/10/2025", "2025-13-01",
                 "2025-04-31", "hôm qua"):  # fmt: skip
        out.append(f"ngày | {text} | {impossible(text) or '-'} | {why_not(text)}")
    assert not impossible("29/02/2024") and not impossible("12/10/2025")  # real dates
    for message in (
        "Invalid value for '--as-of': '31/9/2025' does not match the formats '%d/%m/%Y', '%Y-%m-%d'.",
        "Invalid value for '--han-nop': '29/02/2025' does not match the format '%d/%m/%Y'.",
        "Invalid value for '--as-of': '31-9' does not match the formats '%d/%m/%Y', '%Y-%m-%d'.",
        "Got unexpected extra argument (2025)",
    ):
        out.append(f"gõ lệnh | {translate(message)}")
    config = tmp / "htsd.toml"
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    for bad in ("deadline = 2022-09-31", "deadline = 2023-02-29"):
        config.write_text(text.replace("deadline = 2022-10-10", bad), encoding="utf-8")
        try:
            load_config(config)
        except ConfigError as exc:
            said = str(exc).replace(str(tmp), "<tạm>").splitlines()
            out += [f"cấu hình | {line}" for line in said]
    book = tmp / "so-nhan.csv"
    book.write_text(
        "tep,ngay_nhan\na.xlsx,31/09/2025 08:00\nb.xlsx\n,01/10/2025\nc.xlsx,hôm qua\n"
        "d.xlsx,01/10/2025 08:00\n",
        encoding="utf-8",
    )
    receipts = load_receipts(book)
    out += [f"sổ nhận | {said}" for said in receipts.problems]
    out.append(f"sổ nhận | đọc được | {sorted(receipts)}")
    for folder in ("Báo cáo về", "bao cao"):
        (tmp / folder).mkdir()
    old = Path.cwd()
    os.chdir(tmp)
    try:
        for args in (["Báo", "cáo", "về"], ["Báo", "cáo", "về", "bao", "cao"], ["bao", "x"]):
            found = unquoted(args)
            out.append(f"đường dẫn | {args} | {found.message('htsd validate') if found else '-'}")
    finally:
        os.chdir(old)
    config.write_text(text, encoding="utf-8")
    answers = current_answers(tmp)
    try:
        same_year(tmp / "dot", answers, 2025)
    except ConfigError as exc:
        out.append(f"khởi tạo lại | {str(exc).replace(str(tmp), '<tạm>')}")
    for broken in (text + "x = [\n", text.replace("[office]", 'office = "x"\n[officex]', 1)):
        config.write_text(broken, encoding="utf-8")
        try:
            current_answers(tmp)
        except ConfigError as exc:
            out.append(f"khởi tạo lại | {str(exc).replace(str(tmp), '<tạm>')}")
    base = load_form("htsd-2022")
    kept = tmp / "bieu-mau-2022.xlsx"
    kept.touch()
    week = Campaign(2022, base.period_start, base.period_end, base.deadline, theme=base.theme)
    for campaign in (week, dataclasses.replace(week, start=base.period_start.replace(day=2))):
        out.append(f"khởi tạo lại | {keep_form_line(str(kept), base, campaign)}")
    return out


@pytest.fixture(scope="module")
def lines(form, config, roster, issued, tmp_path_factory) -> list[str]:
    return [
        *_narrative_lines(form, tmp_path_factory.mktemp("loi-van")),
        *_number_lines(),
        *_cell_lines(form),
        *_look_lines(form),
        *_plausible_lines(form),
        *_rule_lines(form),
        *_sample_lines(form, config, roster, tmp_path_factory.mktemp("cap-tren")),
        *_form_lines(tmp_path_factory.mktemp("bieu-mau")),
        *_form_block_lines(),
        *_identity_lines(),
        *_annex_lines(form, config, roster),
        *_unchanged_lines(),
        *_left_out_lines(form, config, roster),
        *_applies_lines(form, roster, issued, tmp_path_factory.mktemp("mam-non")),
        *_layout_lines(form, issued, tmp_path_factory.mktemp("bo-cuc")),
        *_roster_lines(form, config, issued, tmp_path_factory.mktemp("danh-sach")),
        *_safety_lines(tmp_path_factory.mktemp("an-toan")),
        *_mail_lines(tmp_path_factory.mktemp("thu")),
        *_sheets_and_decisions_lines(form, config, issued, tmp_path_factory.mktemp("trang")),
        *_formbook_lines(tmp_path_factory.mktemp("bang-bieu-mau")),
        *_campaign_lines(tmp_path_factory.mktemp("dot-moi")),
        *_import_lines(tmp_path_factory.mktemp("ke-hoach")),
        *_last_year_lines(form, config, tmp_path_factory.mktemp("nam-truoc")),
        *_signature_lines(tmp_path_factory.mktemp("nguoi-ky")),
        *_dead_end_lines(tmp_path_factory.mktemp("ngo-cut")),
    ]


def test_every_message_is_the_one_agreed(lines):
    text = "\n".join(lines) + "\n"
    if os.environ.get("HTSD_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    expected = GOLDEN.read_text(encoding="utf-8").splitlines()
    assert lines == expected
    assert SAMPLE_CONFIG.exists() and SAMPLE_ROSTER.exists()
