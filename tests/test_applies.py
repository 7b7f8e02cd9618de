"""Who answers what: rows per unit type, totals without double counting, conditional rules.

Returns of every unit type of the sample roster are built from the issued workbooks; some units
also type figures into rows their type does not answer (as a unit that unlocks its sheet would).
Totals are checked against sums computed here from the form's applicability table alone.
"""

from __future__ import annotations

import openpyxl
import pytest
from typer.testing import CliRunner

from htsd_cli.base.errors import FormError
from htsd_cli.campaign.form import parse_form
from htsd_cli.campaign.layout import FORM_SHEET, compute_layout
from htsd_cli.checks.checkfile import check_file
from htsd_cli.checks.validate import validate_paths
from htsd_cli.cli import app

from .conftest import FORMS, SAMPLE_ROSTER

runner = CliRunner()
INTRUDERS = {"UBP01": {"s7_tthtcd": "Có", "s6_co_thu_vien": "Có"}, "MN02": {"s5_lop_xmc": 2}}


def _value_of(ind, base: int):
    if ind.kind == "yesno":
        return "Có" if base % 2 else "Không"
    if ind.kind == "text":
        return f"Số {base}/KH"
    if ind.kind == "money":  # the form holds amounts under 1.000 đồng as not real
        return (base + ind.section) * 1000
    return base + ind.section


@pytest.fixture(scope="module")
def batch(tmp_path_factory, issued, form, roster):
    """A return from every unit: the rows its type answers, each figure from the unit's row number;
    INTRUDERS type figures into rows their type does not answer."""
    from htsd_cli.fill import fill_workbook

    folder = tmp_path_factory.mktemp("every-type")
    typed: dict[str, dict[str, object]] = {}
    for n, unit in enumerate(roster.units, start=1):
        values = {i.id: _value_of(i, n) for i in form.indicators if i.applies(unit.unit_type)}
        if values.get("s1_ke_hoach") == "Không":
            values.pop("s1_so_ke_hoach", None)
        for crit in ("s7_co_so_vat_chat", "s7_bo_may", "s7_ho_so", "s7_tai_chinh"):
            if crit in values:
                values[crit] = values["s7_tthtcd"]
        for kind in ("hoi_thao", "trien_lam"):
            values[f"s4_nguoi_{kind}"] = 40 * int(values[f"s4_{kind}"])  # type: ignore[call-overload]
        for key in [k for k in values if k.startswith("s5_lop_")]:
            values[key.replace("lop", "nguoi")] = 20 * int(values[key])  # type: ignore[call-overload]
        typed[unit.code] = dict(values)
        fill_workbook(
            issued[unit.code],
            {**values, **INTRUDERS.get(unit.code, {})},
            folder / f"{unit.code}.xlsx",
        )
    return folder, typed


def test_totals_count_only_the_units_each_row_applies_to(batch, form, roster, config, tmp_path):
    from htsd_cli.pipeline import run_aggregate
    from htsd_cli.settings import of_aggregate

    folder, typed = batch
    agg, outputs = run_aggregate(of_aggregate(config, form, roster, [folder], tmp_path / "out"))
    assert len(agg.used) == len(roster.units)
    types = {u.code: u.unit_type for u in roster.units}
    for ind in form.indicators:
        if ind.aggregate == "none":
            continue
        answering = [c for c in typed if ind.applies(types[c])]  # from the table alone
        want = 0.0
        for code in answering:
            value = typed[code][ind.id]
            want += (value == "Có") if ind.kind == "yesno" else float(value)  # type: ignore[arg-type]
        assert agg.total(ind.id) == (want if answering else None), ind.id
        assert agg.expected(ind.id) == len(answering), ind.id
        assert agg.reported(ind.id) == len(answering), ind.id
        assert agg.answering(ind.id) == len(answering), ind.id
    schools = sum(types[c] in ("mam_non", "tieu_hoc", "thcs", "thpt") for c in typed)
    centres = sum(types[c] == "tthtcd" for c in typed)
    assert agg.total("s6_co_thu_vien") <= schools  # a school has a library or not
    assert agg.total("s7_tthtcd") <= centres  # each centre is counted once, by itself
    ignored = {(i["code"], i["indicator"]) for i in agg.ignored}
    assert ignored == {(c, k) for c, rows in INTRUDERS.items() for k in rows}
    md = outputs.markdown.read_text(encoding="utf-8")
    assert "không tính vào tổng (3)" in md and "UBP01" in md
    assert "đơn vị có số liệu" not in md  # every unit filled every row it answers: no notes


def test_a_school_hears_only_of_its_own_rows(batch, form, roster):
    folder, _ = batch
    report = validate_paths([folder], form, roster)
    by_code = {r.unit_code: r for r in report.files}
    for rep in report.files:
        kind = roster.find(rep.unit_code).unit_type
        for f in rep.findings:
            if f.indicator and f.code != "not-applicable":
                assert form.indicator(f.indicator).applies(kind), (
                    rep.unit_code,
                    f.code,
                    f.indicator,
                )
    intruder = by_code["UBP01"]
    assert intruder.valid and "s7_tthtcd" not in intruder.values
    [finding] = [f for f in intruder.findings if f.indicator == "s7_tthtcd"]
    assert finding.code == "not-applicable" and "ủy ban nhân dân phường" in finding.message
    # a kindergarten that typed nothing in its own rows has sent an empty return
    path = folder.parent / "mn-rong.xlsx"
    from htsd_cli.fill import fill_workbook

    fill_workbook(folder / "MN02.xlsx", {i.id: None for i in form.applicable("mam_non")}, path)
    fill_workbook(path, {"s5_lop_xmc": 2}, path)
    rep = check_file(str(path), form)
    assert "empty-return" in [f.code for f in rep.findings] and not rep.valid


def test_a_plan_number_follows_the_plan_answer(filled, form):
    cells = compute_layout(form).cells
    report = check_file(str(filled({"s1_ke_hoach": "Có", "s1_so_ke_hoach": None})), form)
    [finding] = report.findings
    assert finding.is_error and finding.rule == "s1_so_ke_hoach_khi_co"
    assert finding.cell == cells["s1_so_ke_hoach"]  # the cell to fill
    report = check_file(str(filled({"s1_ke_hoach": "Không"})), form)
    [finding] = report.findings
    assert not finding.is_error and finding.rule == "s1_so_ke_hoach_khi_khong_co"
    report = check_file(str(filled({"s1_ke_hoach": "Không", "s1_so_ke_hoach": None})), form)
    assert report.findings == []


def test_applicability_is_checked_when_the_form_is_read():
    text = (FORMS / "htsd-2023-test.yaml").read_text(encoding="utf-8")
    with pytest.raises(FormError) as caught:
        parse_form(text.replace("applies_to: [xa]", "applies_to: [thon]"), "f.yaml")
    assert "loại đơn vị 'thon' không có" in str(caught.value)
    with pytest.raises(FormError) as caught:
        parse_form(text.replace("require: ten_chuong_trinh", "require: khong_co"), "f.yaml")
    assert "'khong_co' không có trong biểu mẫu" in str(caught.value)
    bad = text.replace("    left: hoc_vien", "    left: ten_chuong_trinh")
    with pytest.raises(FormError) as caught:
        parse_form(bad, "f.yaml")
    assert "chỉ tiêu chữ" in str(caught.value)
    form = parse_form(text, "f.yaml")
    assert form.indicator("kinh_phi").applies_to == ("xa",)
    assert form.indicator("co_hoi_nghi").applies_to == ("truong", "xa")
    assert form.indicator("lop_hoc").applies("truong") and form.indicator("lop_hoc").applies("")


def test_form_show_says_who_answers_and_what_changed():
    result = runner.invoke(app, ["form", "show", "--form", "htsd-2022"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "Đơn vị điền" in text and "tthtcd" in text and "mọi đơn vị" in text
    assert "Phiên bản 2:" in text and "khi cộng:" in text


def test_second_form_with_its_own_applicability_goes_through_every_command(tmp_path, bare_config):
    from htsd_cli.fill import fill_workbook

    roster = tmp_path / "ds.csv"
    roster.write_text(
        "ma_don_vi,ten_don_vi,loai_don_vi,nhom\nT1,Trường A,truong,X\nX1,UBND xã A,xa,X\n",
        encoding="utf-8",
    )
    form_args = ("--form", str(FORMS / "htsd-2023-test.yaml"), "-c", str(bare_config))
    result = runner.invoke(
        app, ["template", *form_args, "-r", str(roster), "-o", str(tmp_path / "bm")]
    )
    assert result.exit_code == 0, result.output
    school, commune = sorted((tmp_path / "bm").glob("*.xlsx"))
    ws = openpyxl.load_workbook(school)[FORM_SHEET]
    assert "Không áp dụng" in [c.value for row in ws.iter_rows() for c in row]
    returns = tmp_path / "ve"
    returns.mkdir()
    fill_workbook(school, {"lop_hoc": 2, "hoc_vien": 30, "co_hoi_nghi": "Có"}, returns / "t1.xlsx")
    fill_workbook(
        commune,
        {"lop_hoc": 1, "hoc_vien": 25, "co_hoi_nghi": "Có", "kinh_phi": 500000,
         "ten_chuong_trinh": "Học cả đời"},
        returns / "x1.xlsx",
    )  # fmt: skip
    result = runner.invoke(app, ["validate", *form_args, "-r", str(roster), str(returns)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app,
        ["aggregate", *form_args, "-r", str(roster), str(returns), "-o", str(tmp_path / "th"),
         "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    import json

    totals = {t["indicator"]: t for t in json.loads(result.stdout)["totals"]}
    assert totals["hoc_vien"]["total"] == 55 and totals["hoc_vien"]["expected"] == 2
    assert totals["kinh_phi"]["total"] == 500000 and totals["kinh_phi"]["expected"] == 1
    assert totals["co_hoi_nghi"]["total"] == 2


def test_roll_up_carries_the_denominators(batch, form, roster, config, tmp_path):
    """The level above reads the office's tong-hop.xlsx: the units each row applies to come
    with it, so the province's "N/M" counts units, not offices."""
    from htsd_cli.campaign.config import Config, Office
    from htsd_cli.campaign.roster import Roster, Unit
    from htsd_cli.pipeline import run_aggregate
    from htsd_cli.settings import of_aggregate

    folder, _ = batch
    agg, outputs = run_aggregate(of_aggregate(config, form, roster, [folder], tmp_path / "quan"))
    province = Roster(
        (Unit(config.office.unit_code, config.office.name, "phong_gd", "Phòng GD", "Tỉnh"),),
        SAMPLE_ROSTER,
    )
    upper = Config(
        office=Office("UBND tỉnh", "Sở Giáo dục và Đào tạo", "SGDĐT", "Hải Phòng"),
        signer=config.signer,
        form_ref=config.form_ref,
    )
    top, _ = run_aggregate(
        of_aggregate(upper, form, province, [outputs.workbook], tmp_path / "tinh")
    )
    for ind in form.indicators:
        if ind.aggregate != "none":
            assert top.total(ind.id) == agg.total(ind.id), ind.id
            assert top.expected(ind.id) == agg.expected(ind.id), ind.id
            assert top.reported(ind.id) == agg.reported(ind.id), ind.id


def test_every_unit_of_a_batch_has_its_rows_set_aside_whatever_comes_before(form, roster):
    """In one batch an office's summary, a file with no form sheet and a unit of no known
    type come before a kindergarten: its figure in a row not for kindergartens is still set
    aside (the batch goes on past the files it has nothing to do with)."""
    from htsd_cli.base.findings import FileReport
    from htsd_cli.checks.applies import apply_applicability

    school = next(u for u in roster.units if u.unit_type == "mam_non")
    outside = next(i for i in form.indicators if not i.applies("mam_non") and i.numeric)
    inside = next(i for i in form.indicators if i.applies("mam_non") and i.numeric)

    def kindergarten() -> FileReport:
        return FileReport(
            "mn.xlsx", form_id=form.id, unit_code=school.code, sheet=FORM_SHEET,
            values={outside.id: 4.0, inside.id: 2.0}, cells={outside.id: "C36"},
        )  # fmt: skip

    for first in (
        FileReport("so.xlsx", form_id=form.id, sheet=FORM_SHEET, kind="summary",
                   values={outside.id: 9.0}),
        FileReport("hong.xlsx"),  # unreadable: no sheet
        FileReport("la.xlsx", form_id=form.id, unit_type="khong-ro", sheet=FORM_SHEET,
                   values={outside.id: 9.0}),
    ):  # fmt: skip
        later = kindergarten()
        apply_applicability([first, later], form, roster)
        assert later.ignored == {outside.id: "4"}, first.path
        assert outside.id not in later.values and later.values[inside.id] == 2.0
        assert [f.code for f in later.findings] == ["not-applicable"]
        assert not first.ignored  # nothing set aside in a file it does not apply to


def test_only_what_a_unit_typed_outside_its_rows_is_set_aside_and_its_other_findings_stay(
    form, roster
):
    """A kindergarten's findings in any order: one of a rule that uses a row not for it, one on
    its own row, a formula never calculated and a "Không áp dụng" in rows not for it. The rule's
    and the two empty rows' findings go, with nothing said to be set aside (nothing was typed
    there); the finding on its own row stays, whatever came before it."""
    from htsd_cli.base.findings import ERROR, WARNING, FileReport, Finding
    from htsd_cli.checks.applies import apply_applicability

    school = next(u for u in roster.units if u.unit_type == "mam_non")
    outside = [i for i in form.indicators if not i.applies("mam_non") and i.numeric]
    inside = next(i for i in form.indicators if i.applies("mam_non") and i.numeric)
    rule = next(r for r in form.rules if {i.id for i in outside} & set(r.ids))
    own = Finding("negative", ERROR, "âm", "mn.xlsx", FORM_SHEET, "C20", inside.id, value="-1")
    findings = [
        Finding("rule-violated", WARNING, "quy tắc", "mn.xlsx", rule=rule.id),
        own,
        Finding("formula-no-value", ERROR, "chưa tính", "mn.xlsx", indicator=outside[0].id),
        Finding("error-value", ERROR, "lỗi", "mn.xlsx", indicator=outside[1].id,
                value="Không áp dụng"),
    ]  # fmt: skip
    rep = FileReport(
        "mn.xlsx", form_id=form.id, unit_code=school.code, sheet=FORM_SHEET,
        values={inside.id: 2.0}, findings=findings,
    )  # fmt: skip
    apply_applicability([rep], form, roster)
    assert rep.findings == [own]
    assert not rep.ignored
