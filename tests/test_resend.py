"""Several files from one unit, files named for one unit and stamped for another, and files
that are not workbooks: what counts, and what the clerk is told."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from htsd_cli.checks.validate import validate_paths
from htsd_cli.intake.receipts import load_receipts
from htsd_cli.totals.status import INVALID, MISSING, VALID, build_status


def _at(path: Path, when: dt.datetime) -> Path:
    os.utime(path, (when.timestamp(), when.timestamp()))
    return path


def _status(paths, form, roster, receipts=None):
    report = validate_paths(paths, form, roster)
    return build_status(report, roster, form.deadline, dt.date(2022, 10, 9), receipts, "", form)


def _unit(status, code):
    return next(u for u in status.units if u.code == code)


def test_latest_file_wins_by_its_own_time(tmp_path, filled, form, roster):
    first = _at(filled({"s3_to_roi": 11}, name="a-lan-1.xlsx"), dt.datetime(2022, 10, 5, 9))
    second = _at(filled({"s3_to_roi": 22}, name="b-lan-2.xlsx"), dt.datetime(2022, 10, 6, 9))
    unit = _unit(_status([second, first], form, roster), "THCS03")
    assert unit.file == str(second) and unit.report.values["s3_to_roi"] == 22
    assert unit.other_files == [str(first)] and unit.state == VALID


def test_receipts_book_comes_before_file_times(tmp_path, filled, form, roster):
    """Copying resets file times: the book says the first file arrived last."""
    one = _at(filled({"s3_to_roi": 11}, name="lan-1.xlsx"), dt.datetime(2022, 10, 9, 9))
    two = _at(filled({"s3_to_roi": 22}, name="lan-2.xlsx"), dt.datetime(2022, 10, 1, 9))
    book = tmp_path / "so-nhan.csv"
    book.write_text("tep,ngay_nhan\nlan-1.xlsx,07/10/2022 10:00\nlan-2.xlsx,06/10/2022\n")
    unit = _unit(_status([one, two], form, roster, load_receipts(book)), "THCS03")
    assert unit.file == str(one) and unit.report.values["s3_to_roi"] == 11


def test_a_file_not_in_the_book_is_dated_by_its_own_time(tmp_path, filled, form, roster):
    listed = filled({"s3_to_roi": 11}, name="lan-1.xlsx")
    later = _at(filled({"s3_to_roi": 22}, name="lan-2.xlsx"), dt.datetime(2022, 10, 8, 15))
    book = tmp_path / "so-nhan.csv"
    book.write_text("tep,ngay_nhan\nlan-1.xlsx,06/10/2022\n")
    unit = _unit(_status([listed, later], form, roster, load_receipts(book)), "THCS03")
    assert unit.file == str(later)


def test_latest_file_counts_even_when_an_older_one_was_valid(tmp_path, filled, form, roster):
    """A unit's latest word stands: its older, valid figures are never counted in its place."""
    old = _at(filled({"s3_to_roi": 11}, name="lan-1.xlsx"), dt.datetime(2022, 10, 5, 9))
    new = _at(filled({"s3_to_roi": -1}, name="lan-2.xlsx"), dt.datetime(2022, 10, 6, 9))
    unit = _unit(_status([old, new], form, roster), "THCS03")
    assert unit.file == str(new) and unit.state == INVALID


def test_same_day_resend_that_differs_is_named(tmp_path, filled, form, roster):
    morning = _at(filled({"s3_to_roi": 11}, name="sang.xlsx"), dt.datetime(2022, 10, 6, 8, 30))
    evening = _at(filled({"s3_to_roi": 22}, name="chieu.xlsx"), dt.datetime(2022, 10, 6, 16))
    unit = _unit(_status([morning, evening], form, roster), "THCS03")
    assert unit.file == str(evening) and unit.state == VALID
    [finding] = [f for f in unit.report.findings if f.code == "resent-differs"]
    assert "sang.xlsx" in finding.message and "chieu.xlsx" in finding.message
    assert "Số lượng tờ rơi đã phát hành: 22 và 11" in finding.message
    assert finding.severity == "warning"


def test_resend_in_unknown_order_that_differs_is_refused(tmp_path, filled, form, roster):
    when = dt.datetime(2022, 10, 6, 8, 30)
    a = _at(filled({"s3_to_roi": 11}, name="a.xlsx"), when)
    b = _at(filled({"s3_to_roi": 22}, name="b.xlsx"), when)
    unit = _unit(_status([a, b], form, roster), "THCS03")
    assert unit.state == INVALID
    [finding] = [f for f in unit.report.findings if f.code == "resent-order-unknown"]
    assert "a.xlsx" in finding.message and "b.xlsx" in finding.message
    assert "11" in finding.message and "22" in finding.message


def test_identical_resend_in_unknown_order_is_fine(tmp_path, filled, form, roster):
    when = dt.datetime(2022, 10, 6, 8, 30)
    a = _at(filled({"s3_to_roi": 11}, name="a.xlsx"), when)
    b = _at(filled({"s3_to_roi": 11}, name="b.xlsx"), when)
    unit = _unit(_status([a, b], form, roster), "THCS03")
    assert unit.state == VALID
    assert not [f for f in unit.report.findings if f.code.startswith("resent")]


def test_unusable_files_show_their_unit_as_sent_not_missing(tmp_path, form, roster):
    """A broken workbook, an Excel 2003 XML file and a PDF, each named for a unit."""
    folder = tmp_path / "nhan"
    folder.mkdir()
    (folder / "mn01-truong-mam-non-cat-bi.xlsx").write_bytes(b"PK\x03\x04 cut short")
    (folder / "MN02 bao cao.xml").write_text(
        '<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?>'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>',
        encoding="utf-8",
    )
    (folder / "mn05-bao-cao.pdf").write_bytes(b"%PDF-1.4\n")
    (folder / "ghi-chu.txt").write_text("ghi chú của văn thư", encoding="utf-8")
    status = _status([folder], form, roster)
    for code, words in (("MN01", "hỏng"), ("MN02", "XML 2003"), ("MN05", "PDF")):
        unit = _unit(status, code)
        assert unit.state == INVALID and any(words in r for r in unit.reasons), (code, unit)
    assert _unit(status, "MN03").state == MISSING
    assert [Path(r.path).name for r in status.unmatched] == ["ghi-chu.txt"]


def test_a_file_issued_to_one_unit_but_stamped_for_another_is_held_until_decided(
    tmp_path, filled, form, roster
):
    """MN01 sent THCS03's workbook under MN01's issued name. Whose figures they are is not
    guessed (this used to count them for THCS03, the stamp, and THCS03 was never reminded
    while MN01's figures may sit in its row): both units wait for the clerk, counted for
    neither. Once the decisions workbook says the file is THCS03's, it counts for THCS03 and
    MN01 is shown as having sent another unit's file."""
    from htsd_cli.checks.decisions import COLUMNS, file_code, parse_decisions
    from htsd_cli.totals.status import HELD

    name = roster.find("MN01").file_stem + ".xlsx"
    sent = filled({"s3_to_roi": 33}, name=name)
    status = _status([sent], form, roster)
    thcs03, mn01 = _unit(status, "THCS03"), _unit(status, "MN01")
    for unit in (thcs03, mn01):
        assert unit.state == HELD and unit.file == str(sent)
        assert unit.report.unit_code == "" and unit.report.claimants == ["THCS03", "MN01"]
    [finding] = [f for f in thcs03.report.findings if f.is_error]
    assert finding.code == "identity-conflict" and finding.sheet == "Báo cáo"
    assert "ghi mã THCS03" in finding.message and "tệp đã phát cho MN01" in finding.message
    assert _unit(status, "MN02").state == MISSING

    decided = parse_decisions(
        [list(COLUMNS), [name, file_code(str(sent)), "Tệp của đơn vị", "THCS03"]]
    )
    report = validate_paths([sent], form, roster, decisions=decided)
    status = build_status(report, roster, form.deadline, dt.date(2022, 10, 9), None, "", form)
    thcs03, mn01 = _unit(status, "THCS03"), _unit(status, "MN01")
    assert thcs03.state == VALID and thcs03.report.values["s3_to_roi"] == 33
    assert mn01.state == INVALID and mn01.file == str(sent)
    assert mn01.reasons == [
        f"Đã gửi tệp {name} nhưng tệp mang dấu nhận diện của đơn vị THCS03; số liệu trong tệp "
        "được tính cho THCS03."
    ]
    assert [o.applied for o in report.decisions] == [True]


def test_every_other_file_of_a_unit_is_compared_with_the_one_that_counts(
    tmp_path, filled, form, roster
):
    """Three files at the same time: one the same as the file that counts, one different.
    The identical copy says nothing; the different one is still found."""
    when = dt.datetime(2022, 10, 6, 8, 30)
    same = _at(filled({"s3_to_roi": 22}, name="a.xlsx"), when)
    other = _at(filled({"s3_to_roi": 11}, name="b.xlsx"), when)
    counted = _at(filled({"s3_to_roi": 22}, name="c.xlsx"), when)
    unit = _unit(_status([same, other, counted], form, roster), "THCS03")
    assert unit.file == str(counted)
    found = [(f.code, f.value) for f in unit.report.findings if f.code.startswith("resent")]
    assert found == [("resent-order-unknown", "b.xlsx")]


def test_a_same_day_resend_is_timed_by_the_receipts_book(tmp_path, filled, form, roster):
    """Both files copied at once (same file time): the book's hours order them and are the
    hours the clerk is told."""
    copied = dt.datetime(2022, 10, 8, 7, 0)
    morning = _at(filled({"s3_to_roi": 11}, name="sang.xlsx"), copied)
    evening = _at(filled({"s3_to_roi": 22}, name="chieu.xlsx"), copied)
    book = tmp_path / "so-nhan.csv"
    book.write_text("tep,ngay_nhan\nsang.xlsx,06/10/2022 08:30\nchieu.xlsx,06/10/2022 16:05\n")
    unit = _unit(_status([morning, evening], form, roster, load_receipts(book)), "THCS03")
    assert unit.file == str(evening)
    [finding] = [f for f in unit.report.findings if f.code.startswith("resent")]
    assert finding.code == "resent-differs"
    assert "(nhận lúc 16:05)" in finding.message and "(lúc 08:30)" in finding.message


def test_a_resend_differing_in_many_figures_names_five_and_counts_the_rest(
    tmp_path, filled, form, roster
):
    when = dt.datetime(2022, 10, 6, 8, 30)
    ids = ["s2_bai_bao", "s2_tin_truyen_hinh", "s2_tin_phat_thanh", "s2_bao_tuong",
           "s2_bai_viet_cds", "s3_to_roi", "s3_sach_tai_lieu"]  # fmt: skip
    a = _at(filled({i: 7 for i in ids}, name="a.xlsx"), when)
    b = _at(filled({i: 8 for i in ids}, name="b.xlsx"), when)
    unit = _unit(_status([a, b], form, roster), "THCS03")
    [finding] = [f for f in unit.report.findings if f.code == "resent-order-unknown"]
    listed = finding.message.split("(", 1)[1].split(") mà", 1)[0]
    assert listed.count(": 8 và 7") == 5
    assert listed.endswith("; và 2 số liệu khác")


def test_the_status_says_how_each_file_was_dated(tmp_path, filled, form, roster):
    """With a receipts book, a file missing from it is dated by its own time only when asked;
    the status says which, for the clerk to know what 'late' rests on."""
    listed = _at(filled({"s3_to_roi": 11}, name="lan-1.xlsx"), dt.datetime(2022, 10, 12, 9))
    book = tmp_path / "so-nhan.csv"
    book.write_text("tep,ngay_nhan\nkhac.xlsx,06/10/2022\n")
    report = validate_paths([listed], form, roster)
    receipts = load_receipts(book)
    for file_times, words, late in (
        (False, "sổ nhận so-nhan.csv (tệp không có trong sổ: chưa rõ, không xét muộn)", False),
        (True, "sổ nhận so-nhan.csv (tệp không có trong sổ: thời điểm sửa tệp)", True),
    ):
        status = build_status(
            report, roster, form.deadline, dt.date(2022, 10, 20), receipts, "so-nhan.csv", form,
            file_times,
        )  # fmt: skip
        assert status.received_source == words
        assert _unit(status, "THCS03").late is late


def test_a_unit_with_only_unusable_files_lists_the_others(tmp_path, form, roster):
    folder = tmp_path / "nhan"
    folder.mkdir()
    broken = folder / "mn01-truong-mam-non-cat-bi.xlsx"
    broken.write_bytes(b"PK\x03\x04 cut short")
    _at(broken, dt.datetime(2022, 10, 5, 9))
    scan = folder / "MN01 bao cao.pdf"
    scan.write_bytes(b"%PDF-1.4\n")
    _at(scan, dt.datetime(2022, 10, 6, 9))
    unit = _unit(_status([folder], form, roster), "MN01")
    assert unit.state == INVALID and unit.file == str(scan)
    assert unit.other_files == [str(broken)]
