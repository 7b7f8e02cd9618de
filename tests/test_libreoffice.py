"""The real client: LibreOffice opens issued workbooks, saves them in every format, prints them."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile

import openpyxl
import pytest

from htsd_cli.campaign.layout import FORM_SHEET, ID_SHEET
from htsd_cli.checks.validate import validate_paths

from .conftest import full_values


@pytest.fixture(scope="module")
def round_trips(tmp_path_factory, issued, form, lo_edit):
    """A workbook filled inside LibreOffice (through UNO) and saved by it as .xlsx, .xls and .ods."""
    work = tmp_path_factory.mktemp("lo")
    values = full_values(form, unit_type="tieu_hoc")  # TH04, a primary school
    values.update(
        {
            "s3_to_roi": 1200,
            "chi_dao": "Đã ban hành kế hoạch số 12/KH",
            "s2_bai_bao_gc": "Báo Hải Phòng",
        }
    )
    made = {fmt: work / f"th04.{fmt}" for fmt in ("xlsx", "xls", "ods")}
    lo_edit(
        [
            {
                "open": str(issued["TH04"]),
                "ops": [["fill", values]],
                "save": [str(p) for p in made.values()],
            }
        ]
    )
    return made


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_saved_by_libreoffice_validates_clean(round_trips, form, roster, fmt):
    report = validate_paths([round_trips[fmt]], form, roster)
    [rep] = report.files
    assert rep.fmt == fmt
    assert [(f.code, f.cell) for f in rep.findings] == []
    assert rep.unit_code == "TH04" and rep.unit_name == "Trường Tiểu học Đằng Lâm"
    assert rep.values["s3_to_roi"] == 1200 and rep.values["s1_ke_hoach"] is True
    assert rep.texts["chi_dao"] == "Đã ban hành kế hoạch số 12/KH"
    assert rep.texts["s2_bai_bao_gc"] == "Báo Hải Phòng"
    assert "stamp" in rep.identity_sources


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_every_stamp_survives_as_htsd_reads_it(round_trips, form, fmt):
    from htsd_cli.checks.identity import identify, stamp_line
    from htsd_cli.reading import open_workbook

    view = open_workbook(round_trips[fmt])
    try:
        assert stamp_line(view)["unit_code"] == "TH04"
        sheet = view.id_sheet()
        assert {i.id for i in form.indicators} <= set(sheet.cells)
        assert sheet.identity["unit_name"] == "Trường Tiểu học Đằng Lâm"
        ident = identify(view, want_names=True)
        assert ident.sources == ["stamp", "sheet"] and ident.get("unit_code") == "TH04"
        if fmt != "xls":  # names and properties are read from xlsx and ods packages
            names = view.names()
            assert {i.id: names[i.id].cell for i in form.indicators} == {
                i.id: sheet.cells[i.id] for i in form.indicators
            }
            assert view.properties()["unit_code"] == "TH04"
    finally:
        view.close()


def test_identity_and_names_survive_xlsx(round_trips, form):
    wb = openpyxl.load_workbook(round_trips["xlsx"])
    assert wb[ID_SHEET].sheet_state == "hidden"
    assert all(ind.id in wb.defined_names for ind in form.indicators)
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props["htsd_unit_code"] == "TH04"
    assert wb[FORM_SHEET].protection.sheet


def test_identity_and_names_survive_ods(round_trips, form):
    with zipfile.ZipFile(round_trips["ods"]) as zf:
        content = zf.read("content.xml").decode()
        meta = zf.read("meta.xml").decode()
    names = set(re.findall(r'table:named-range table:name="([^"]+)"', content))
    assert {ind.id for ind in form.indicators} <= names
    assert re.search(r'meta:name="htsd_unit_code"[^>]*>TH04<', meta)
    assert f'table:name="{ID_SHEET}"' in content


def test_identity_and_names_survive_xls(round_trips, form, soffice, tmp_path):
    """openpyxl cannot read .xls: LibreOffice turns it back into .xlsx to inspect its names."""
    [back] = soffice([round_trips["xls"]], "xlsx:Calc MS Excel 2007 XML", tmp_path)
    wb = openpyxl.load_workbook(back)
    assert all(ind.id in wb.defined_names for ind in form.indicators)
    assert wb[ID_SHEET].sheet_state == "hidden"


def test_issued_workbook_prints_on_a4_at_page_width(issued, soffice, tmp_path):
    if shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None:
        pytest.fail("poppler-utils (pdftotext, pdfinfo) is required for this test")
    [pdf] = soffice([issued["THCS01"]], "pdf", tmp_path)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info
    first = subprocess.run(
        ["pdftotext", "-layout", "-f", "1", "-l", "1", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    header = next(line for line in first.splitlines() if "Nội dung hoạt động" in line)
    # every column of the table is on the first page, on the header's line: fits the width
    assert "TT" in header and "Kết quả, Số lượng" in header and "Ghi chú" in header
    assert "TRƯỜNG THCS CÁT BI" in first
