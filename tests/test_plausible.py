"""Whether a figure can be real (checks/plausible.py): the form's floor and maxima by unit type,
and figures extremely far from their peers of the same type. Such a figure is held: out of the
reading, in FileReport.held with what would be counted if confirmed, with an error at its cell."""

from __future__ import annotations

import datetime as dt

from htsd_cli.base.findings import HELD_CODES, FileReport
from htsd_cli.campaign.form import parse_form
from htsd_cli.campaign.layout import compute_layout
from htsd_cli.checks.batch import check_batch
from htsd_cli.checks.plausible import check_plausible

from .conftest import FORMS


def _files(form, figures: dict[str, float], unit_type: str = "thcs", kind: str = "return",
           peers: int = 0, peer_figures: dict[str, float] | None = None) -> list[FileReport]:  # fmt: skip
    cells = compute_layout(form).cells
    first = FileReport("a.xlsx", unit_type=unit_type, kind=kind, cells=cells, values=dict(figures))
    others = [
        FileReport(f"p{n}.xlsx", unit_type=unit_type, cells=cells, values=dict(peer_figures or {}))
        for n in range(peers)
    ]
    return [first, *others]


def test_money_below_the_floor_is_held_and_none_is_an_answer(form):
    files = _files(form, {"s8_kinh_phi": 80.0, "s3_to_roi": 0.0})
    check_plausible(files, form)
    rep = files[0]
    assert [(f.code, f.cell, f.severity) for f in rep.findings] == [
        ("implausible-low", compute_layout(form).cells["s8_kinh_phi"], "error")
    ]
    assert "s8_kinh_phi" not in rep.values and rep.held == {"s8_kinh_phi": 80.0}
    assert "Có phải 80.000?" in rep.findings[0].message
    assert rep.values == {"s3_to_roi": 0.0}
    zero = _files(form, {"s8_kinh_phi": 0.0})
    check_plausible(zero, form)
    assert zero[0].findings == [] and zero[0].values == {"s8_kinh_phi": 0.0}


def test_a_count_above_what_a_unit_holds_is_held_naming_the_date_it_may_be(form):
    files = _files(form, {"s2_bai_bao": 46086.0})
    files[0].mtime = dt.datetime(2026, 3, 20).timestamp()
    check_plausible(files, form)
    [finding] = files[0].findings
    assert finding.code == "implausible-high" and finding.code in HELD_CODES
    assert "trường trung học cơ sở" in finding.message and "05/03/2026" in finding.message
    assert files[0].held == {"s2_bai_bao": 46086.0} and not files[0].values


def test_an_office_summary_holds_totals_no_unit_maximum_applies(form):
    files = _files(form, {"s2_bai_bao": 4600.0, "s8_kinh_phi": 80.0}, "phong_gd", kind="summary")
    check_plausible(files, form)
    assert [f.code for f in files[0].findings] == ["implausible-low"]  # the floor still holds
    assert files[0].values == {"s2_bai_bao": 4600.0}


def _bundled(change: tuple[str, str]) -> object:
    text = (FORMS.parent.parent / "templates" / "forms" / "htsd-2022.yaml").read_text("utf-8")
    assert change[0] in text
    return parse_form(text.replace(*change), "nam-sau.yaml")


def test_a_maximum_may_differ_by_unit_type():
    form = _bundled(("count: {max: 1000}", "count: {max: {default: 1000, mam_non: 100}}"))
    kindergarten = _files(form, {"s2_bai_bao": 150.0}, "mam_non")
    school = _files(form, {"s2_bai_bao": 150.0}, "thcs")
    check_plausible([*kindergarten, *school], form)
    assert [f.code for f in kindergarten[0].findings] == ["implausible-high"]
    assert "tối đa 100" in kindergarten[0].findings[0].message
    assert school[0].findings == [] and school[0].values == {"s2_bai_bao": 150.0}


def test_a_row_maximum_replaces_its_kinds():
    form = _bundled(("unit: tờ, max: 50000}", "unit: tờ, max: 10}"))
    files = _files(form, {"s3_to_roi": 11.0, "s3_bang_zon": 11.0})
    check_plausible(files, form)
    assert [(f.code, f.indicator) for f in files[0].findings] == [("implausible-high", "s3_to_roi")]


def test_figures_far_from_their_peers_are_held_only_with_enough_peers(form):
    peers = {"s3_to_roi": 10.0}
    few = _files(form, {"s3_to_roi": 12_000.0}, peers=6, peer_figures=peers)
    check_plausible(few, form)
    assert few[0].findings == []  # seven figures say nothing about what is usual
    many = _files(form, {"s3_to_roi": 12_000.0}, peers=8, peer_figures=peers)
    check_plausible(many, form)
    [finding] = many[0].findings
    assert finding.code == "outlier-held" and "Có phải 12?" in finding.message
    assert many[0].held == {"s3_to_roi": 12_000.0}
    near = _files(form, {"s3_to_roi": 400.0})  # 40 times the usual: only a warning
    for n, figure in enumerate((8, 9, 10, 10, 11, 12, 9, 10)):
        near += _files(form, {"s3_to_roi": float(figure)})
        near[-1].path = f"p{n}.xlsx"
    check_batch(near, form, None)
    assert [f.code for f in near[0].findings] == ["outlier"] and near[0].values["s3_to_roi"] == 400


def test_a_form_without_plausibility_holds_nothing():
    text = (FORMS.parent.parent / "templates" / "forms" / "htsd-2022.yaml").read_text("utf-8")
    start, end = text.index("plausibility:\n"), text.index("hold_outliers: 50\n")
    form = parse_form(text[:start] + text[end + len("hold_outliers: 50\n") :], "nam-sau.yaml")
    assert not form.plausibility.by_kind
    files = _files(form, {"s8_kinh_phi": 80.0, "s2_bai_bao": 46086.0}, peers=9,
                   peer_figures={"s8_kinh_phi": 1_500_000.0, "s2_bai_bao": 2.0})  # fmt: skip
    check_plausible(files, form)
    assert files[0].findings == [] and files[0].held == {}


def test_a_figure_held_in_a_row_the_unit_does_not_answer_is_no_longer_held(form):
    """A kindergarten has no literacy classes: what it wrote there is only noted, held or not."""
    from htsd_cli.base.findings import ERROR, Finding
    from htsd_cli.checks.applies import apply_applicability

    cells = compute_layout(form).cells
    rep = FileReport("mn.xlsx", unit_type="mam_non", cells=cells, sheet="Báo cáo",
                     values={"s3_to_roi": 5.0}, held={"s5_lop_xmc": 140.0})  # fmt: skip
    rep.findings.append(
        Finding("struck-value", ERROR, "…", "mn.xlsx", cell=cells["s5_lop_xmc"],
                indicator="s5_lop_xmc", value="140")
    )  # fmt: skip
    apply_applicability([rep], form, None)
    assert rep.held == {} and rep.valid
    assert [(f.code, f.value) for f in rep.findings] == [("not-applicable", "140")]
