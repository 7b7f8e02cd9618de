"""Rosters as Excel and Notepad really save them, and one clear message per mistake."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from htsd_cli.base.errors import RosterError
from htsd_cli.campaign.roster import load_roster

ROWS = [
    ("MN01", "Trường Mầm non Cát Bi", "Mầm non", "Phường Cát Bi"),
    ("TH01", "Trường Tiểu học Cát Bi", "TH", "Phường Cát Bi"),
    ("THCS01", "Trường THCS Cát Bi", "THCS", "Phường Cát Bi"),
    ("UBP01", "Ủy ban nhân dân phường Cát Bi", "UBND phường", "Phường Cát Bi"),
    ("TTHTCD01", "Trung tâm học tập cộng đồng phường Cát Bi", "TTHTCĐ", "Phường Cát Bi"),
]
WANT = ["mam_non", "tieu_hoc", "thcs", "ubnd_phuong", "tthtcd"]


def _text(sep: str, title: bool = True, stt: bool = True) -> str:
    lines = ["DANH SÁCH ĐƠN VỊ BÁO CÁO TUẦN LỄ HTSĐ", ""] if title else []
    lines.append(
        sep.join((["STT"] if stt else []) + ["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Nhóm"])
    )
    for n, row in enumerate(ROWS, start=1):
        lines.append(sep.join(([str(n)] if stt else []) + list(row)))
    return "\r\n".join(lines) + "\r\n"


def to_cp1258(text: str) -> bytes:
    """As Windows saves Vietnamese in code page 1258: letters with their hat or horn whole, tone
    marks as separate combining characters after them."""
    import unicodedata

    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = []
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out.append(base + "".join(c for c in parts if c in tones))
    return "".join(out).encode("cp1258")


@pytest.mark.parametrize(
    ("name", "encode"),
    [
        ("windows-1258.csv", lambda: to_cp1258(_text(","))),  # Excel's "CSV (Comma delimited)"
        ("unicode-text.txt", lambda: _text("\t").encode("utf-16")),  # Excel's "Unicode Text"
        ("utf8-bom.csv", lambda: _text(";").encode("utf-8-sig")),
        ("utf8.csv", lambda: _text(",", title=False, stt=False).encode("utf-8")),
    ],
)
def test_rosters_in_every_encoding_excel_writes(tmp_path, form, name, encode):
    path = tmp_path / name
    path.write_bytes(encode())
    roster = load_roster(path, form)
    assert [u.code for u in roster.units] == [r[0] for r in ROWS]
    assert [u.unit_type for u in roster.units] == WANT  # types as people write them
    assert roster.units[0].name == "Trường Mầm non Cát Bi"  # accents whole (NFC)
    assert roster.units[3].name == "Ủy ban nhân dân phường Cát Bi"


def test_a_workbook_roster_with_a_title_and_stt(tmp_path, form):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH ĐƠN VỊ"])
    ws.append([])
    ws.append(["STT", "Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Nhóm"])
    for n, row in enumerate(ROWS, start=1):
        ws.append([n, *row])
    wb.save(tmp_path / "ds.xlsx")
    assert [u.unit_type for u in load_roster(tmp_path / "ds.xlsx", form).units] == WANT


def test_codes_excel_changed_are_refused_one_message_per_cause(tmp_path, form):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Nhóm"])
    ws.append([dt.datetime(2022, 1, 2), "Trường A", "Mầm non", "X"])  # "01-02" typed, a date kept
    for n in range(1, 8):
        ws.append([f"00{n}", f"Trường {n}", "Tiểu học", "X"])
    ws.append([12, "Trường B", "Tiểu học", "X"])  # "012" lost its zero
    for n in range(20, 25):
        ws.append([f"U{n}", f"Đơn vị {n}", "Nhà văn hóa", "X"])  # one cause, five rows
    wb.save(tmp_path / "ds.xlsx")
    with pytest.raises(RosterError) as caught:
        load_roster(tmp_path / "ds.xlsx", form)
    text = str(caught.value)
    assert "dòng 2, cột ma_don_vi: mã '02/01/2022' là một ngày tháng" in text
    assert "dòng 10, cột ma_don_vi: mã '12' ngắn hơn các mã khác (3 chữ số)" in text
    assert "dòng 11–15, cột loai_don_vi: loại 'Nhà văn hóa' không có" in text
    assert text.count("Nhà văn hóa") == 1  # five rows, one message


def test_a_date_typed_as_text_in_a_csv_is_refused(tmp_path, form):
    path = tmp_path / "ds.csv"
    path.write_text(
        "ma_don_vi,ten_don_vi,loai_don_vi,nhom\n2022-01-02,Trường A,mam_non,X\n", encoding="utf-8"
    )
    with pytest.raises(RosterError, match="là một ngày tháng"):
        load_roster(path, form)


def test_a_stray_carriage_return_is_named_by_its_line(tmp_path, form):
    """A lone CR inside an unquoted field (pasted from another program) breaks the CSV reader:
    the clerk is told which line, never shown the reader's own error."""
    path = tmp_path / "ds.csv"
    path.write_bytes(
        b"ma_don_vi,ten_don_vi,loai_don_vi,nhom\nTH01,Tr\xc6\xb0\xe1\xbb\x9dng\rA,tieu_hoc,X\n"
    )
    with pytest.raises(RosterError) as caught:
        load_roster(path, form)
    assert "dòng 2" in str(caught.value) and ".xlsx" in str(caught.value)


def test_a_roster_without_its_columns_says_xlsx_works(tmp_path, form):
    path = tmp_path / "ds.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(RosterError) as caught:
        load_roster(path, form)
    assert "thiếu cột" in str(caught.value) and ".xlsx" in str(caught.value)


def test_file_names_point_to_units_before_and_after_they_are_forgotten(tmp_path, form):
    from htsd_cli.campaign.roster import Roster, Unit

    units = (
        Unit("MN03", "Trường Mầm non Cát Bi", "mam_non", "Trường mầm non", "Cát Bi"),
        Unit("TH-1", "Trường Tiểu học Đằng Lâm", "tieu_hoc", "Trường tiểu học", "Đằng Lâm"),
        Unit("th_1", "Trường Tiểu học Đằng Hải", "tieu_hoc", "Trường tiểu học", "Đằng Hải"),
        Unit("TH 02", "Trường Tiểu học Cát Bi", "tieu_hoc", "Trường tiểu học", "Cát Bi"),
    )
    roster = Roster(units, tmp_path / "r.csv")
    asked = {  # both TH-1 and th_1 are "th-1" in file names: the rest of the name decides
        "mn03-truong-mam-non-cat-bi.xlsx": "MN03",
        "mn03-truong-mam-non-cat-bi (1).xlsx": "MN03",
        "th-1-truong-tieu-hoc-dang-hai-can-sua.xlsx": "th_1",
        "th-1-truong-tieu-hoc-dang-lam.xlsx": "TH-1",
        "th-1-truong-khac.xlsx": None,
        "th-02-truong-tieu-hoc-cat-bi.xlsx": "TH 02",  # a code its file name writes otherwise
        "khac.xlsx": None,
    }
    for _ in range(2):  # remembered, then worked out again the same way
        got = {name: getattr(roster.issued_to(name), "code", None) for name in asked}
        assert got == asked
        assert roster.named_in("MN03 bao cao.xlsx") is units[0]
        # a code compares without its space: 'TH02' is the unit coded 'TH 02'
        assert roster.named_in("TH02 bao cao (lan 2).xlsx") is units[3]
        assert roster.named_in("th02.xls") is units[3]
        assert roster.named_in("TH1 bao cao.xlsx") is None  # neither TH-1 nor th_1
        assert roster.named_in("bao cao TH02.xlsx") is None  # the code is not the first word
        # an issued name points to its unit though its first word ('th') is no code
        assert roster.named_in("th-1-truong-tieu-hoc-dang-lam (2).xlsx") is units[1]
        roster.forget_file_names()
        assert not roster._issued
