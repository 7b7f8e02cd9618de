"""Tables retyped by a unit in its own workbook, without stamps: labels written short as units
write them, rows of the unit's own inserted among the form's, and the labels of the form's
previous version (kept in templates/forms/history/). Made inside LibreOffice (UNO) and read by
`htsd validate`: every figure counted is the figure typed on its row; a row whose label cannot be
told apart is refused, naming its cells, never guessed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from htsd_cli.campaign.form import Form
from htsd_cli.checks.validate import validate_paths

from .test_evidence import expected, typed_values

# How units write the form's labels short (indicator or section number → what is typed).
SHORT = {
    "s2_bai_bao": "Số bài viết trên báo",
    "s2_tin_truyen_hinh": "Số tin, PS trên đài TH",
    "s3_to_roi": "SL tờ rơi",
    "s3_sach_tai_lieu": "SL sách, tài liệu",
    "s4_hoi_thao": "Số lần HT, TĐ",
    "s5_lop_cmnv": "Số lớp BD CMNV",
    "s5_nguoi_cmnv": "Số lượt người TG",
    "s5_lop_nn_th": "Số lớp NN, TH",
    "s5_lop_ksn": "Số lớp KNS",
    "s5_lop_xmc": "Số lớp XMC",
    "s5_nguoi_xmc": "SL người TG",
    "s7_co_so_vat_chat": "Có đủ CSVC",
    "s8_don_vi": "Số ĐV được KT",
    "s8_kinh_phi": "Tổng KP khen thưởng",
    7: "Số TTHTCĐ trên địa bàn đã thực hiện theo QĐ và CV hướng dẫn của Sở GD&ĐT",
}
SHORT_OLD = {**SHORT, "s6_co_thu_vien": "Số CSGD có TV"}  # the previous version's label, short
# rows of the unit's own, typed right after a form's row: never counted as any row's figure
INSERTED = {
    "s3_to_roi": [["", "Trong đó: tờ rơi điện tử", 40]],
    "s5_nguoi_cmnv": [["", "Ghi chú: có lớp ghép", ""], []],
    "s8_ca_nhan": [["", "Cộng", 999]],
}

# Each case: the unit, the version of the form the table follows, its labels written short,
# what is done besides, and the indicators whose figures must be refused.
CASES = {
    "viet-tat": ("UBP02", 2, SHORT, {}),
    "viet-tat-tthtcd": ("TTHTCD02", 2, SHORT, {}),
    "phien-ban-cu": ("THCS03", 1, {}, {}),
    "phien-ban-cu-tthtcd": ("TTHTCD03", 1, {}, {}),
    "phien-ban-cu-viet-tat": ("TH02", 1, SHORT_OLD, {}),
    # the short and the full label of one row both written: two rows for one figure
    "viet-tat-trung": ("UBP03", 2, SHORT, {"twice": "s3_to_roi"}),
    # "Số lớp": could be any class row; its figure is refused
    "qua-tat": ("UBP04", 2, SHORT, {"label": ("s5_lop_day_nghe", "Số lớp")}),
    # a row of the unit's own, labelled like the row above it, with a figure: either could be it
    "giong-nhan": ("UBP05", 2, SHORT, {"after": ("s5_nguoi_cmnv", ["", "Số người tham gia", 12])}),
}
REFUSED = {
    "viet-tat-trung": {"s3_to_roi"},
    "qua-tat": {"s5_lop_day_nghe"},
    "giong-nhan": {"s5_nguoi_cmnv"},
}
SEEDS = {name: 20 + n for n, name in enumerate(CASES)}


def _form(form: Form, version: int) -> Form:
    return form if version == form.version else form.earlier(version)  # type: ignore[return-value]


def _typed(form: Form, roster, name: str) -> dict[str, object]:
    unit, version, _, _ = CASES[name]
    return typed_values(_form(form, version), SEEDS[name], roster.find(unit).unit_type)


def _rows(form: Form, roster, name: str) -> list[list[object]]:
    """The unit's own workbook: its name, a title, the form's parts and table as it typed them."""
    unit, version, short, change = CASES[name]
    version_form = _form(form, version)
    values = _typed(form, roster, name)
    rows: list[list[object]] = [
        [roster.find(unit).name.upper()],
        ["BÁO CÁO KẾT QUẢ TUẦN LỄ HỌC TẬP SUỐT ĐỜI"],
        [],
        ["I. Công tác chỉ đạo"],
        [values["chi_dao"]],
        ["II. Kết quả cụ thể"],
        ["TT", "Nội dung", "Kết quả", "Ghi chú"],
    ]
    for section in version_form.sections:
        rows.append([section.number, short.get(section.number, section.heading)])
        for ind in section.indicators:
            label = short.get(ind.id, ind.label)
            if change.get("label", ("",))[0] == ind.id:
                label = change["label"][1]
            if change.get("twice") == ind.id:
                rows.append(["", ind.label, values.get(ind.id, "")])
            rows.append(["", label, values.get(ind.id, "")])
            rows += INSERTED.get(ind.id, [])
            if change.get("after", ("",))[0] == ind.id:
                rows.append(change["after"][1])
    return rows


@pytest.fixture(scope="module")
def reports(tmp_path_factory, lo_edit, form, roster):
    """Every case typed into a new workbook in one LibreOffice session, then validated as one
    batch with the roster: name → its report."""
    out = tmp_path_factory.mktemp("go-lai")
    jobs = []
    for name in CASES:
        rows = _rows(form, roster, name)
        jobs.append(
            {"open": None, "ops": [["rows", "A1", rows]], "save": [str(out / f"{name}.xlsx")]}
        )
    lo_edit(jobs)
    report = validate_paths([out], form, roster)
    return {Path(r.path).stem: r for r in report.files}


def _expected(form: Form, roster, name: str) -> dict[str, object]:
    """The figures the unit meant, in the current version's terms (a count of schools with a
    library or of centres meeting a criterion, in the previous version, is Có when above 0)."""
    unit, version, _, _ = CASES[name]
    typed = _typed(form, roster, name)
    meant = expected(_form(form, version), typed)
    for key, value in meant.items():
        if form._by_id.get(key) is not None and form.indicator(key).kind == "yesno":
            meant[key] = bool(value)
    kind = roster.find(unit).unit_type
    return {k: v for k, v in meant.items() if k in form._by_id and form.indicator(k).applies(kind)}


@pytest.mark.parametrize("name", list(CASES))
def test_every_figure_counted_is_the_figure_typed_on_its_row(reports, form, roster, name):
    rep = reports[name]
    unit, version, short, _ = CASES[name]
    assert rep.unit_code == unit and rep.located_by == "labels"
    refused = REFUSED.get(name, set())
    meant = _expected(form, roster, name)
    got = {k: rep.values.get(k) for k in meant if k not in refused}
    assert got == {k: v for k, v in meant.items() if k not in refused}
    assert not set(rep.values) - set(meant), "a row the unit does not answer, or its own, counted"
    for ind_id in refused:
        assert rep.values.get(ind_id) is None
        [finding] = [f for f in rep.findings if f.indicator == ind_id]
        assert finding.code == "ambiguous-row" and finding.severity == "error" and finding.cell
    errors = [(f.code, f.indicator) for f in rep.findings if f.is_error]
    assert errors == [("ambiguous-row", i) for i in sorted(refused)]
    # each row read by its short label is told, naming the label typed and the figure's cell
    told = {f.indicator: f for f in rep.findings if f.code == "short-label"}
    answered = {k for k in short if isinstance(k, str) and k in meant}
    assert set(told) == answered - refused
    for ind_id, finding in told.items():
        assert finding.severity == "warning" and finding.cell == rep.cells[ind_id]
        assert f"'{short[ind_id]}'" in finding.message
    older = [f for f in rep.findings if f.code == "older-form" and not f.indicator]
    assert len(older) == (version != form.version)


def test_the_previous_versions_counts_become_yes_or_no(reports):
    """A table typed on the previous version: its labels place every row, read by that version
    and carried over; a count that became a yes/no question is read as Có, and said so."""
    rep = reports["phien-ban-cu-tthtcd"]
    converted = {f.indicator for f in rep.findings if f.code == "older-form" and f.indicator}
    assert {"s7_tthtcd", "s7_co_so_vat_chat"} <= converted
    assert rep.values["s7_tthtcd"] is True


def test_a_row_written_short_and_in_full_is_refused_naming_both(reports, form):
    rep = reports["viet-tat-trung"]
    [finding] = [f for f in rep.findings if f.indicator == "s3_to_roi"]
    at = int(finding.cell[1:])
    assert f"C{at}" in finding.message and (f"C{at + 1}" in finding.message)


def test_a_label_too_short_to_tell_is_refused_naming_it(reports):
    rep = reports["qua-tat"]
    [finding] = [f for f in rep.findings if f.indicator == "s5_lop_day_nghe"]
    assert "'Số lớp'" in finding.message and finding.cell in finding.message


def test_a_row_like_the_one_above_it_puts_both_in_doubt(reports, form, roster):
    """'Số người tham gia' with a figure, under 'Số lượt người TG' and the unit's note: every
    word of it is a word of that row's label, so either could hold the figure; neither is read,
    both are named."""
    rep = reports["giong-nhan"]
    [finding] = [f for f in rep.findings if f.indicator == "s5_nguoi_cmnv"]
    labels = [row[1] if len(row) > 1 else "" for row in _rows(form, roster, "giong-nhan")]
    own, alike = labels.index(SHORT["s5_nguoi_cmnv"]) + 1, labels.index("Số người tham gia") + 1
    assert f"(C{own}, C{alike})" in finding.message and finding.cell == f"C{own}"
