"""Locating figures by evidence, on plain views built in the test (no workbook file).

The grid starts as an issued, filled form sheet; each test changes it the way a unit might and
shows what is read, or which finding names the cells that could not be told apart.
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from htsd_cli.base.textnorm import label_key
from htsd_cli.campaign.layout import compute_layout
from htsd_cli.checks.locate import _chains, find_header, header_role, locate
from htsd_cli.reading import open_workbook
from htsd_cli.reading.parts import NamedCell, address, position
from htsd_cli.reading.view import SheetView

from .conftest import check_sheet, full_values


@pytest.fixture(scope="module")
def base(tmp_path_factory, issued, form):
    """The form sheet of a filled workbook (every figure distinct), and its defined names."""
    from htsd_cli.fill import fill_workbook

    values = full_values(form)
    for n, ind in enumerate(form.indicators):  # distinct; parts below wholes, people above classes
        if ind.kind == "people":
            values[ind.id] = 1000 + n
        elif ind.numeric and ind.kind != "yesno":
            values[ind.id] = 500 - n
    path = tmp_path_factory.mktemp("locate") / "th04.xlsx"
    fill_workbook(issued["TH04"], values, path)
    view = open_workbook(path)
    try:
        return [list(r) for r in view.grid], dict(view.names()), values
    finally:
        view.close()


def check(form, grid, names=None, stamped=True):
    """Run the structure and cell checks of one file on a plain view."""
    if not stamped:
        grid[5] = [""] * len(grid[5])
    return check_sheet(form, grid, names)


def codes(report):
    return [(f.code, f.cell, f.indicator) for f in report.findings]


def row(form, indicator):
    return position(compute_layout(form).cells[indicator])[0]


def test_untouched_sheet_is_read_by_its_names(base, form):
    grid, names, values = copy.deepcopy(base)
    report = check(form, grid, names)
    assert codes(report) == [] and report.located_by == "names"
    assert report.values["s8_ca_nhan"] == values["s8_ca_nhan"]


def test_stale_positions_are_never_trusted_when_labels_repeat(base, form):
    """Two rows inserted inside section 5, names lost: the fixed layout now puts
    "Số lượt người tham gia:" of one class beside another class's figure. Labels alone agree
    there, but not for the rows around it, so the table is aligned by its labels instead."""
    grid, _, values = copy.deepcopy(base)
    at = row(form, "s5_nguoi_cmnv")
    grid[at:at] = [["", "ghi thêm", "", ""], ["", "", "", ""]]
    report = check(form, grid)
    assert codes(report) == [] and report.located_by == "labels"
    for ind in form.indicators:
        if ind.numeric:
            assert report.values[ind.id] == (values[ind.id] if ind.kind != "yesno" else True)


def test_a_copied_row_with_the_same_label_is_refused_naming_both_cells(base, form):
    grid, _, _ = copy.deepcopy(base)
    at = row(form, "s5_nguoi_nn_th")
    grid.insert(at + 1, list(grid[at]))  # "Số lượt người tham gia:" twice in a row
    report = check(form, grid)
    [(code, _, indicator)] = codes(report)
    assert (code, indicator) == ("ambiguous-row", "s5_nguoi_nn_th")
    message = report.findings[0].message
    assert f"C{at + 1}" in message and f"C{at + 2}" in message
    assert report.values["s5_nguoi_nn_th"] is None
    assert report.values["s5_lop_day_nghe"] is not None  # the rows after it are still read


def test_a_name_pointing_at_another_plausible_row_is_a_disagreement(base, form):
    """A defined name whose cell has the right label beside it, but not where the labels put
    that figure: neither is guessed."""
    grid, names, values = copy.deepcopy(base)
    at = row(form, "s5_nguoi_day_nghe")
    grid[at + 1 : at + 1] = [list(grid[at])]  # a second "Số lượt người tham gia:" row
    grid[at + 1][2] = 7
    names = {k: v for k, v in names.items()}
    for key, value in list(names.items()):  # names follow the inserted row, as clients do
        r = position(value.cell)[0] if value.cell else -1
        if r > at:
            names[key] = NamedCell(value.sheet, f"{value.cell[0]}{r + 2}")
    names["s5_nguoi_ksn"] = NamedCell("Báo cáo", f"C{at + 2}")  # the copied row, not its own
    report = check(form, grid, names)
    # the copied row is told from its original by the name of s5_nguoi_day_nghe, which points
    # at the original; s5_nguoi_ksn's name points at the copy, its label row elsewhere
    assert codes(report) == [
        ("locators-disagree", f"C{row(form, 's5_nguoi_ksn') + 2}", "s5_nguoi_ksn")
    ]
    assert f"C{at + 2}" in report.findings[0].message
    assert report.values["s5_nguoi_ksn"] is None and not report.valid
    assert report.values["s5_nguoi_day_nghe"] == values["s5_nguoi_day_nghe"]


def test_row_moved_out_of_order_is_not_read(base, form):
    grid, _, _ = copy.deepcopy(base)
    at = row(form, "s3_to_roi")
    moved = grid.pop(at)
    grid.insert(row(form, "s8_ca_nhan"), moved)
    report = check(form, grid)
    [(code, _, indicator)] = codes(report)
    assert (code, indicator) == ("row-out-of-order", "s3_to_roi")
    assert report.values["s3_to_roi"] is None and not report.valid


def test_removed_name_is_a_removed_row_not_a_shift(base, form):
    """What LibreOffice leaves after a row is deleted: the name says #REF!, the rows below
    move up, the other names follow them."""
    grid, names, values = copy.deepcopy(base)
    at = row(form, "s8_don_vi")
    del grid[at]
    for key, value in list(names.items()):
        r = position(value.cell)[0] if value.cell else -1
        if r == at:
            names[key] = NamedCell("", "")
        elif r > at:
            names[key] = NamedCell(value.sheet, f"{value.cell[0]}{r}")
    report = check(form, grid, names)
    assert codes(report) == [("row-removed", f"C{at + 1}", "s8_don_vi")]
    assert report.findings[0].severity == "warning"
    assert report.values["s8_don_vi"] is None
    assert report.values["s8_ca_nhan"] == values["s8_ca_nhan"]
    assert report.values["s8_kinh_phi"] == values["s8_kinh_phi"]


def test_plan_column_is_never_read_as_the_result(base, form):
    """The issued layout, its labels intact, but the unit made column C its plan and added
    a "Thực hiện" column: every label still matches, yet the header says C is the plan."""
    grid, _, values = copy.deepcopy(base)
    header = compute_layout(form).header_row - 1
    for r in range(len(grid)):
        grid[r] = [*grid[r][:3], *([""] * (4 - len(grid[r][:3]))), *grid[r][3:]]
        grid[r][3] = grid[r][2]
        if isinstance(grid[r][2], (int, float)):
            grid[r][2] = grid[r][2] * 2 + 1
    grid[header][2], grid[header][3] = "Kế hoạch", "Thực hiện"
    report = check(form, grid)
    assert report.located_by == "labels"
    assert report.values["s3_to_roi"] == values["s3_to_roi"]
    assert report.cells["s3_to_roi"] == f"D{row(form, 's3_to_roi') + 1}"


def test_two_row_header_with_merged_result(base, form):
    grid, _, values = copy.deepcopy(base)
    header = compute_layout(form).header_row - 1
    for r in range(len(grid)):
        grid[r] = [*grid[r][:2], "", *grid[r][2:]]  # a plan column before the result
    grid.insert(header + 1, ["", "", "Kế hoạch", "Thực hiện", ""])
    grid[header] = ["TT", "Nội dung hoạt động", "Kết quả", "", "Ghi chú"]
    report = check(form, grid)
    assert report.values["s4_hoi_thao"] == values["s4_hoi_thao"]
    assert report.cells["s4_hoi_thao"].startswith("D")
    assert report.cells["s4_hoi_thao_gc"].startswith("E")


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("Kết quả, Số lượng", "value"),
        ("Số lượng", "value"),
        ("Thực hiện", "value"),
        ("Kết quả thực hiện", "value"),
        ("Kế hoạch", "other"),
        ("Chỉ tiêu", "other"),
        ("ĐVT", "other"),
        ("Đơn vị tính", "other"),
        ("Số lượng kế hoạch", "other"),
        ("Nội dung hoạt động", "other"),
        ("TT", "other"),
        ("STT", "other"),
        ("Số TT", "other"),
        ("ĐVT/lượt", "other"),
        ("Lượt,ĐVT", "other"),
        ("Ghi chú", "note"),
        ("1. Các kết quả theo từng hoạt động đã được thực hiện nhằm hưởng ứng Tuần lễ", None),
        (12, None),
    ],
)
def test_header_roles(text, role):
    assert header_role(text) == role


def test_label_keys_ignore_numbering_dashes_and_punctuation():
    assert label_key("    - Số lượt người tham gia:") == label_key("Số lượt người tham gia")
    assert label_key("II. Kết quả cụ thể") == "ket qua cu the"
    assert label_key("a) Số  tờ  báo tường.") == "so to bao tuong"
    assert label_key("Số, ngày ban hành kế hoạch") == "so, ngay ban hanh ke hoach"


def test_no_header_found_above_a_plain_list(form):
    grid = [["Nội dung", "x"], *[["", ind.label] for ind in form.indicators]]
    assert find_header(grid, 1) is None
    assert locate(grid, form, "S", {}, {}, trust_layout=False) is not None


def test_a_row_two_figures_could_own_is_read_for_neither(base, form):
    """Both rows of "Các lớp khác" deleted, no names (as in .xls): the one remaining
    "Số lượng người tham gia:" row fits literacy classes and other classes alike. Reading it
    for both would count it twice; it is read for neither."""
    grid, _, _ = copy.deepcopy(base)
    at = row(form, "s5_lop_khac")
    del grid[at : at + 2]
    report = check(form, grid)
    found = {(code, ind) for code, _, ind in codes(report)}
    assert ("ambiguous-row", "s5_nguoi_xmc") in found
    assert ("ambiguous-row", "s5_nguoi_khac") in found
    assert ("row-removed", "s5_lop_khac") in found
    assert report.values["s5_nguoi_xmc"] is None and report.values["s5_nguoi_khac"] is None


def test_a_view_backed_by_a_dict(form):
    """A unit's own short table, typed from a dict of cells: header, labels, one figure each."""
    cells: dict[str, object] = {"A1": "Trường THCS Cát Bi", "B3": "Nội dung", "C3": "Thực hiện"}
    for n, ind in enumerate(form.indicators, start=4):
        cells[f"B{n}"] = ind.label
        cells[f"C{n}"] = "Có" if ind.kind == "yesno" else ("Số 1/KH" if ind.kind == "text" else 5)
    cells["C20"] = "5 lớp"
    view = SheetView.from_cells(cells)
    assert view.value("C3") == "Thực hiện" and view.value("Z99") == ""
    report = check(form, [list(r) for r in view.grid])
    assert report.located_by == "labels" and report.unit_name == "Trường THCS Cát Bi"
    assert [(f.code, f.cell) for f in report.findings if f.code != "rule-violated"] == [
        ("identity-by-layout", ""),
        ("unit-typed", "C20"),
    ]
    assert report.values["s3_to_roi"] == 5 and report.values["s1_ke_hoach"] is True


def test_a_figure_cut_and_pasted_onto_a_row_with_the_same_label_is_read_for_neither(base, form):
    """The people of "Khác" classes cut from their cell and pasted over those of vocational
    classes (same label "Số lượt người tham gia:"): the pasted cell's defined name moves with
    it. The issued layout still fits every label, but the number in the vocational row is the
    other row's: counting it there would be a guess, so neither figure is read."""
    grid, names, values = copy.deepcopy(base)
    source, target = row(form, "s5_nguoi_ksn"), row(form, "s5_nguoi_day_nghe")
    grid[target][2], grid[source][2] = grid[source][2], ""
    names = dict(names)
    names["s5_nguoi_ksn"] = NamedCell("Báo cáo", f"C{target + 1}")
    report = check(form, grid, names)
    found = {(code, cell, ind) for code, cell, ind in codes(report)}
    assert ("locators-disagree", f"C{target + 1}", "s5_nguoi_day_nghe") in found
    assert ("locators-disagree", f"C{source + 1}", "s5_nguoi_ksn") in found
    assert report.values["s5_nguoi_day_nghe"] is None and report.values["s5_nguoi_ksn"] is None
    assert report.values["s5_nguoi_cmnv"] == values["s5_nguoi_cmnv"] and not report.valid


def test_text_parts_are_read_under_their_headings_when_rows_move_them(base, form):
    """Two rows typed above part 2 of the free text (after the last figure), no names: the
    figures stay where the form put them, but each text part's cell has moved. A part is
    read from the cell right under its heading, never from where the form once put it."""
    grid, _, _ = copy.deepcopy(base)
    texts = {t.id: f"Lời văn {n} của đơn vị" for n, t in enumerate(form.texts)}
    layout = compute_layout(form)
    for text_id, words in texts.items():
        r, c = position(layout.cells[text_id])
        grid[r][c] = words
    heading = position(layout.cells["thuan_loi_kho_khan"])[0] - 1
    grid[heading:heading] = [["ghi thêm của đơn vị", "", "", ""], ["", "", "", ""]]
    report = check(form, grid)
    assert report.located_by == "layout"
    assert report.texts == {**texts}
    moved = {t: report.cells[t] for t in ("thuan_loi_kho_khan", "ke_hoach_tiep_theo")}
    assert moved == {"thuan_loi_kho_khan": "A65", "ke_hoach_tiep_theo": "A67"}


def test_a_text_part_under_its_heading_where_the_form_put_it_is_read_there(base, form):
    """The heading written again further down, with other words under it: the cell the
    issued layout gives the part still has its heading right above, so it is read there."""
    grid, _, _ = copy.deepcopy(base)
    layout = compute_layout(form)
    r, c = position(layout.cells["ke_hoach_tiep_theo"])
    grid[r][c] = "Kế hoạch của đơn vị"
    heading = grid[r - 1][c]
    grid[r + 1 : r + 1] = [["", "", "", ""], [heading, "", "", ""], ["Bản khác", "", "", ""]]
    report = check(form, grid)
    assert report.located_by == "layout" and codes(report) == []
    assert report.cells["ke_hoach_tiep_theo"] == layout.cells["ke_hoach_tiep_theo"]
    assert report.texts["ke_hoach_tiep_theo"] == "Kế hoạch của đơn vị"


def test_a_text_part_whose_heading_is_written_twice_is_not_read_from_either(base, form):
    grid, _, _ = copy.deepcopy(base)
    layout = compute_layout(form)
    r, c = position(layout.cells["ke_hoach_tiep_theo"])
    grid[r][c] = "Kế hoạch của đơn vị"
    heading = grid[r - 1][c]
    grid[r - 1 : r - 1] = [
        ["ghi thêm", "", "", ""],
        [heading, "", "", ""],
        ["Bản khác", "", "", ""],
    ]
    report = check(form, grid)
    assert "ke_hoach_tiep_theo" not in report.cells
    assert "ke_hoach_tiep_theo" not in report.texts
    assert [(f.code, f.severity, f.cell) for f in report.findings] == [
        ("ambiguous-text", "warning", "A65")
    ]
    assert "(A65, A67)" in report.findings[0].message


def test_a_table_typed_without_header_or_figures_is_read_as_empty_from_beside_its_labels(form):
    """A unit's own table: numbers in column A, labels in B, nothing typed beside them. The
    result column is the one right of the labels (blank), never the numbering."""
    grid: list[list[object]] = [["Trường THCS Cát Bi", "", ""]]
    for n, ind in enumerate(form.indicators, start=1):
        grid.append([n, ind.label, ""])
    report = check(form, grid, stamped=False)
    assert report.located_by == "labels"
    located = [report.cells[i.id] for i in form.indicators if i.id in report.cells]
    assert len(located) >= len(form.indicators) - 1  # one label repeats without its section
    assert {cell[0] for cell in located} == {"C"}
    assert all(report.values[i.id] is None for i in form.indicators if i.kind != "text")
    assert "empty-return" in [f.code for f in report.findings]


def test_a_row_moved_far_from_its_place_is_refused_and_the_rows_after_it_are_read(base, form):
    """'Số lượng tờ rơi' moved into section 4, names lost: no order of the
    form's rows keeps it, so its figure is not read and the unit is told which cell holds
    its label; every other figure, before and after it, is read by its label."""
    grid, _, values = copy.deepcopy(base)
    moved = grid.pop(row(form, "s3_to_roi"))
    grid.insert(row(form, "s4_trien_lam"), moved)  # now right below section 4's exhibitions
    report = check(form, grid)
    assert report.located_by == "labels"
    assert codes(report) == [("row-out-of-order", f"B{row(form, 's4_trien_lam') + 1}", "s3_to_roi")]
    assert "nằm sai vị trí" in report.findings[0].message
    assert report.values["s3_to_roi"] is None
    for ind in form.indicators:
        if ind.numeric and ind.kind != "yesno" and ind.id != "s3_to_roi":
            assert report.values[ind.id] == values[ind.id], ind.id


def test_a_row_deleted_in_a_spreadsheet_program_is_told_by_its_broken_name(base, form):
    """Deleting a row in Excel or LibreOffice breaks its defined name (#REF!) and moves every
    name below it up one row: the names still place every other figure, and the deleted
    row is reported where it used to be, its figure not counted."""
    grid, names, values = copy.deepcopy(base)
    at = row(form, "s2_bao_tuong")
    del grid[at]
    moved = {}
    for key, named in names.items():
        r, c = position(named.cell)
        moved[key] = NamedCell(named.sheet, address(r - 1, c)) if r > at else named
    moved["s2_bao_tuong"] = NamedCell("", "")
    report = check(form, grid, moved)
    assert report.located_by == "names"
    assert codes(report) == [("row-removed", f"C{at + 1}", "s2_bao_tuong")]
    finding = report.findings[0]
    assert finding.severity == "warning"
    assert finding.message.startswith("Dòng 'Số tờ báo tường' đã bị xóa khỏi biểu mẫu")
    assert f"ô C{at + 1}" in finding.message and "chưa báo cáo" in finding.message
    assert report.values["s2_bao_tuong"] is None
    for ind in form.indicators:
        if ind.numeric and ind.kind != "yesno" and ind.id != "s2_bao_tuong":
            assert report.values[ind.id] == values[ind.id], ind.id


def test_two_row_header_plan_and_result_over_the_same_words(base, form):
    """ "Kế hoạch" and "Thực hiện" above, "Số lượng" under each: the upper words decide, so
    the plan (typed in C) is never counted as the result (D)."""
    grid, _, values = copy.deepcopy(base)
    header = compute_layout(form).header_row - 1
    for r in range(len(grid)):
        cells = [*grid[r][:2], "", *grid[r][2:]]  # a plan column before the result
        if isinstance(cells[3], (int, float)) and not isinstance(cells[3], bool):
            cells[2] = cells[3] * 10 + 7
        grid[r] = cells
    grid[header] = ["TT", "Nội dung", "Kế hoạch", "Thực hiện", "Ghi chú"]
    grid.insert(header + 1, ["", "", "Số lượng", "Số lượng", ""])
    report = check(form, grid)
    assert report.located_by == "labels"
    assert [c for c, _, _ in codes(report)] == []
    for ind in form.indicators:
        if ind.numeric and ind.kind != "yesno":
            assert report.values[ind.id] == values[ind.id], ind.id
            assert report.cells[ind.id].startswith("D")


def test_a_header_right_above_the_first_row_names_the_result_column(form):
    """A unit's own table with its header on the row just above the first figure, and the
    plan typed beside the result: the header tells which column is the result."""
    grid: list[list[object]] = [
        ["Trường THCS Cát Bi"],
        ["STT", "Nội dung", "Thực hiện", "Kế hoạch"],
    ]
    for n, ind in enumerate(form.indicators, start=1):
        typed = "Có" if ind.kind == "yesno" else ("Số 1/KH" if ind.kind == "text" else n)
        grid.append([n, ind.label, typed, 100 + n if ind.numeric else ""])
    report = check(form, grid, stamped=False)
    assert report.located_by == "labels"
    assert "value-column-unknown" not in [c for c, _, _ in codes(report)]
    located = [i for i in form.indicators if i.id in report.cells and i.kind == "count"]
    assert located and all(report.cells[i.id].startswith("C") for i in located)
    assert all(report.values[i.id] < 100 for i in located)


def test_the_hidden_sheet_map_places_figures_when_the_file_has_no_names(base, form):
    """An .xls return (no defined names) whose stamp is lost: the hidden sheet's map is used
    when every label sits beside its cell, in order; a row inserted since makes it stale, and
    the table is then read by its labels, never by the stale map."""
    from htsd_cli.checks.locate import locate

    grid, _, _ = copy.deepcopy(base)
    id_cells = dict(compute_layout(form).cells)
    found = locate(grid, form, "Báo cáo", {}, id_cells, trust_layout=False)
    assert found is not None and found.method == "id-sheet" and not found.problems
    assert found.cells["s3_to_roi"] == id_cells["s3_to_roi"]
    at = row(form, "s3_to_roi")
    grid[at:at] = [["", "ghi thêm", "", ""]]
    moved = locate(grid, form, "Báo cáo", {}, id_cells, trust_layout=False)
    assert moved is not None and moved.method == "labels"
    assert moved.cells["s3_to_roi"] == f"C{at + 2}"


def test_two_names_on_one_cell_never_count_its_figure_twice(base, form):
    """The defined name of one "Số người tham gia:" row redefined onto another row with the
    same label: the names are not a map of the sheet (two figures in one cell), so they are
    not used, and no figure is read for two rows."""
    grid, names, values = copy.deepcopy(base)
    names = dict(names)
    names["s4_nguoi_trien_lam"] = names["s4_nguoi_hoi_thao"]
    report = check(form, grid, names)
    assert report.located_by != "names"
    cells = [report.cells[i.id] for i in form.indicators if i.id in report.cells]
    assert len(cells) == len(set(cells))
    read = report.values["s4_nguoi_trien_lam"]
    assert read in (None, values["s4_nguoi_trien_lam"])


def test_names_still_place_the_figures_when_a_column_is_deleted(base, form):
    """Column A (the numbering) deleted in a spreadsheet program: every name moves one column
    left with its cell, labels now in A and figures in B, and the names still read them."""
    grid, names, values = copy.deepcopy(base)
    grid = [r[1:] for r in grid]
    moved = {}
    for key, named in names.items():
        r, c = position(named.cell)
        moved[key] = NamedCell(named.sheet, address(r, c - 1)) if c > 0 else named
    report = check(form, grid, moved)
    assert report.located_by == "names"
    assert report.cells["s3_to_roi"] == f"B{row(form, 's3_to_roi') + 1}"
    for ind in form.indicators:
        if ind.numeric and ind.kind != "yesno":
            assert report.values[ind.id] == values[ind.id], ind.id


def test_names_still_place_the_figures_when_the_result_header_is_retitled(base, form):
    """The result column's header retyped as the year: it no longer says "Kết quả", but it
    does not say plan or target either, so the names, with every label beside its cell,
    still place the figures."""
    grid, names, values = copy.deepcopy(base)
    header = compute_layout(form).header_row - 1
    grid[header][2] = "Năm 2022"
    report = check(form, grid, names)
    assert report.located_by == "names"
    assert report.values["s8_kinh_phi"] == values["s8_kinh_phi"]


def test_a_table_read_by_labels_tells_a_text_heading_written_twice(base, form):
    """No marks, no names: the table is aligned by its labels. 'III. Kế hoạch tiếp theo'
    written twice, both after part 2, fits the form's order either way: neither is read and
    the unit is told which cells hold it; the other parts are read under their headings."""
    grid, _, _ = copy.deepcopy(base)
    layout = compute_layout(form)
    r, c = position(layout.cells["ke_hoach_tiep_theo"])
    grid[r][c] = "Kế hoạch của đơn vị"
    grid[r - 2][c] = "Thuận lợi của đơn vị"
    grid[r + 1 : r + 1] = [[grid[r - 1][c], "", "", ""], ["Bản khác", "", "", ""]]
    report = check(form, grid, stamped=False)
    assert report.located_by == "labels"
    found = [(f.code, f.severity, f.cell) for f in report.findings if f.code == "ambiguous-text"]
    assert found == [("ambiguous-text", "warning", f"A{r}")]
    message = next(f.message for f in report.findings if f.code == "ambiguous-text")
    assert f"(A{r}, A{r + 2})" in message
    assert "ke_hoach_tiep_theo" not in report.texts
    assert report.texts["thuan_loi_kho_khan"] == "Thuận lợi của đơn vị"


def test_a_text_heading_another_part_could_own_is_told_as_such():
    """One cell only, which a part of the same name could also take: not 'several cells'."""
    from htsd_cli.checks.locate import _ambiguous_text

    one = _ambiguous_text("III. Kế hoạch tiếp theo ", [(63, 0)])
    two = _ambiguous_text("III. Kế hoạch tiếp theo", [(63, 0), (66, 0)])
    assert (one.code, one.cell, two.cell) == ("ambiguous-text", "A64", "A64")
    assert one.message.startswith(
        "Tiêu đề 'III. Kế hoạch tiếp theo' ở ô A64 có thể là của phần này hoặc của một phần khác"
    )
    assert "nhiều ô" not in one.message and "nhiều ô (A64, A67)" in two.message


@given(
    st.lists(st.tuples(st.integers(0, 12), st.integers(0, 40)), min_size=1, max_size=60),
    st.data(),
)
def test_the_heaviest_chains_of_the_alignment(pairs, data):
    """Each pair's best chain, found by the tree over rows, is the one that the pairwise
    definition gives: its weight plus the best chain of pairs above and before it (after and
    below it, backwards), never a pair of the same item or the same row."""
    pairs = sorted(set(pairs))
    weight = data.draw(st.lists(st.integers(1, 3), min_size=len(pairs), max_size=len(pairs)))
    forward, backward = _chains(pairs, weight)
    for p, (i, r) in enumerate(pairs):
        before = [forward[q] for q, (qi, qr) in enumerate(pairs) if qi < i and qr < r]
        after = [backward[q] for q, (qi, qr) in enumerate(pairs) if qi > i and qr > r]
        assert forward[p] == weight[p] + max(before, default=0)
        assert backward[p] == weight[p] + max(after, default=0)


@pytest.mark.parametrize(
    ("typed", "label", "fits"),
    [
        ("Số lớp BD CMNV", "s5_lop_cmnv", True),
        ("SL tờ rơi", "s3_to_roi", True),
        ("Số lượt người TG", "s5_nguoi_cmnv", True),
        ("Số TTHTCĐ trên địa bàn đã thực hiện theo QĐ", 7, True),
        ("Số, ngày BH kế hoạch", "s1_so_ke_hoach", True),
        ("Tổng KP khen thưởng", "s8_kinh_phi", True),
        ("Số lớp dạy nghề", "s5_lop_day_nghe", True),
        ("Số lớp", "s5_lop_day_nghe", False),  # too little of the label: any class row
        ("TTHTCĐ", 7, False),  # one word for twenty
        ("Số: /BC-", "s5_lop_cmnv", False),  # an acronym never runs across a comma ("bộ, công")
        ("Số lượt người TG nữ", "s5_nguoi_cmnv", False),  # every word typed is explained
        ("SL rơi tờ", "s3_to_roi", False),  # in the label's order
        ("Số lượng", "s3_to_roi", False),  # two words: "Số lượng" of anything
    ],
)
def test_labels_written_short(form, typed, label, fits):
    from htsd_cli.checks.locate import short_for

    text = (
        form.sections[label - 1].heading if isinstance(label, int) else form.indicator(label).label
    )
    assert short_for(label_key(typed), label_key(text)) is fits


def test_a_header_never_stands_for_a_row(form):
    """'Nội dung hoạt động' has every word of 'Có nội dung hoạt động hàng tháng', but it is the
    header of a table: no row's evidence."""
    from htsd_cli.checks.locate import SHORT, Evidence, LabelIndex, form_items

    grid = [["TT", "Nội dung hoạt động", "Kết quả"], ["", "Có nội dung HĐ hàng tháng", 1]]
    evidence = Evidence(LabelIndex(grid), form_items(form))
    key = label_key(form.indicator("s7_hoat_dong_thang").label)
    assert evidence.cells(key) == [(1, 1)] and evidence.how(1, key) == SHORT


def _written_short(label: str, data) -> str:
    """A label as a unit might write it short: a run of words within one phrase written by
    their initials ("bồi dưỡng" → "BD"; "hội thảo, tọa đàm" → "HT, TĐ", never "HTTĐ"), some
    other words left out (the first kept, and one more: a word alone, "Số" or "Hội", is no
    label of a row)."""
    words = label.strip(" :.").split()
    ends = [n for n, w in enumerate(words) if w.endswith((",", ";", ":"))]  # a phrase's last
    if len(words) > 2 and data.draw(st.booleans()):
        start = data.draw(st.integers(1, len(words) - 2))
        stop = min([len(words) - 1, start + 3, *(e for e in ends if e >= start)])
        if stop > start:
            end = data.draw(st.integers(start + 1, stop)) + 1
            tail = "," if words[end - 1].endswith(",") else ""
            words[start:end] = ["".join(w[0] for w in words[start:end]).upper() + tail]
    if len(words) < 3:
        return " ".join(words)
    second = data.draw(st.integers(1, len(words) - 1))
    kept = [w for n, w in enumerate(words) if n in (0, second) or data.draw(st.booleans())]
    return " ".join(kept)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_figure_read_by_labels_is_always_the_figure_of_its_row(base, form, data):
    """A table without stamps, its labels written short in random ways, and either rows of the
    unit's own inserted (some written like a label of the form, beside its row) or rows
    deleted: whatever is read for an indicator is the figure typed on that indicator's row, or
    nothing (refused or missing); never another row's figure. (A row deleted and another that
    looks like it inserted in the same stretch of rows with one label cannot be told apart by
    their order: the most likely reading, fewest rows changed, is taken.)"""
    grid, _, values = copy.deepcopy(base)
    grid[5] = [""] * len(grid[5])  # no stamp: located by labels
    rows = {ind.id: row(form, ind.id) for ind in form.indicators}
    numeric = [i for i in form.indicators if i.numeric and i.kind != "yesno"]
    for ind in numeric:
        if data.draw(st.integers(0, 2)) == 0:
            grid[rows[ind.id]][1] = _written_short(ind.label, data)
    changes = data.draw(st.lists(st.sampled_from(numeric), max_size=6))
    modes = data.draw(st.sampled_from([("insert-like", "insert-other"), ("delete",)]))
    done: set[str] = set()
    for n, ind in enumerate(sorted(set(changes), key=lambda i: -rows[i.id])):  # bottom up
        at = rows[ind.id]
        what = data.draw(st.sampled_from(modes))
        if what == "delete" and ind.id not in done:
            del grid[at]
        elif what == "insert-like":  # the unit's own row, written like this row's label
            done.add(ind.id)
            grid.insert(at + 1, ["", _written_short(ind.label, data), 9000 + n])
        else:
            grid.insert(at + 1, ["", "Trong đó: nữ", 9000 + n])
    report = check_sheet(form, grid)
    for ind in numeric:
        read = report.values.get(ind.id)
        assert read in (None, values[ind.id]), (ind.id, read, grid[rows[ind.id]][1])


def test_a_broken_history_file_leaves_the_current_version_to_read_the_table(base, tmp_path):
    """The previous version's file cannot be read: a table without stamps is read by the
    current version, as before there was a history (`htsd form show` names the broken file)."""
    import shutil

    from htsd_cli.campaign.form import load_form

    from .conftest import ROOT

    shutil.copy(ROOT / "templates" / "forms" / "htsd-2022.yaml", tmp_path / "htsd-2022.yaml")
    (tmp_path / "history").mkdir()
    (tmp_path / "history" / "htsd-2022-v1.yaml").write_text("id: [", encoding="utf-8")
    form = load_form(tmp_path / "htsd-2022.yaml")
    grid, _, values = copy.deepcopy(base)
    report = check(form, grid, stamped=False)
    assert report.located_by in ("labels", "layout") and report.valid
    assert report.values["s8_ca_nhan"] == values["s8_ca_nhan"]
