"""Reading numbers the Vietnamese way, yes/no answers, and legacy encodings."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import unicodedata

import pytest

from htsd_cli.base.textnorm import (
    TCVN3_TO_UNICODE,
    detect_legacy,
    fold,
    format_number,
    repair_legacy,
    slug,
    tcvn3_to_unicode,
    vni_to_unicode,
)
from htsd_cli.base.values import ValueProblem, parse_vn_number, parse_yes_no, read_yes_no


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("1.200", 1200, ""),
        ("1.200.000", 1_200_000, ""),
        ("1,5", 1.5, ""),
        (" 12 ", 12, ""),
        ("80.000 đồng", 80_000, "đồng"),
        ("5 lớp", 5, "lớp"),
        ("1.200,5", 1200.5, ""),
        ("1 200", 1200, ""),
        ("-3", -3, ""),
        ("1\u00a0200\u00a0000", 1_200_000, ""),  # no-break spaces, as Excel formats them
        ("1\u202f200", 1200, ""),  # narrow no-break space
        ("1\u2009200", 1200, ""),  # thin space
        ("1200.", 1200, ""),  # a stray dot at the end
        ("'1200", 1200, ""),  # the apostrophe that keeps a cell as text
        ("\uff11\uff12\uff10\uff10", 1200, ""),  # full-width digits
        ("5 lớp", 5, "lớp"),
    ],
)
def test_numbers_in_vietnamese_conventions(text, value, unit):
    parsed = parse_vn_number(text)
    assert (parsed.value, parsed.unit_text, parsed.multiplier) == (value, unit, 1)


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("80 triệu", 80_000_000, ""),
        ("80 triệu đồng", 80_000_000, ""),
        ("2,5 triệu", 2_500_000, ""),
        ("1,2 tỷ", 1_200_000_000, ""),
        ("1,2 tỉ", 1_200_000_000, ""),
        ("500 nghìn", 500_000, ""),
        ("500 ngàn", 500_000, ""),
        ("3 tr", 3_000_000, ""),
        ("500k", 500_000, ""),
        ("1.5 triệu", 1_500_000, ""),
        ("1.500 triệu", 1_500_000_000, ""),
        ("2 nghìn người", 2000, "người"),
    ],
)
def test_multipliers_in_words(text, value, unit):
    parsed = parse_vn_number(text)
    assert (parsed.value, parsed.unit_text) == (value, unit) and parsed.multiplier > 1


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1.5", "ambiguous-number"),
        ("1,200", "ambiguous-number"),
        ("1,200,000", "ambiguous-number"),
        ("12.34.5", "ambiguous-number"),
        ("khoảng 5", "not-a-number"),
        ("5-7", "not-a-number"),
        ("năm", "not-a-number"),
        ("", "not-a-number"),
        ("12 34", "ambiguous-number"),  # a space that does not group thousands
        ("5 tr sách", "ambiguous-number"),  # "tr" before another word: pages or millions?
        ("1 tỷ 200 triệu", "not-a-number"),
        ("5 lớp 3 buổi", "not-a-number"),
        ("2 lớp, 50 người", "not-a-number"),
        ("50-60 người", "not-a-number"),
    ],
)
def test_ambiguous_or_unreadable_numbers(text, code):
    with pytest.raises(ValueProblem) as info:
        parse_vn_number(text)
    assert info.value.code == code


@pytest.mark.parametrize("text", ["Có", "có", "CO", "co", "x", "X", True])
def test_yes(text):
    assert parse_yes_no(text) is True


@pytest.mark.parametrize("text", ["Không", "không", "KHONG", "khong", False])
def test_no(text):
    assert parse_yes_no(text) is False


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("Đã có", True),
        ("có kế hoạch", True),
        ("Không có", False),
        ("chưa có", False),
        ("Chưa", False),
    ],
)
def test_yes_no_in_words_is_read_but_not_plain(text, answer):
    assert read_yes_no(text) == (answer, False)


@pytest.mark.parametrize("text", ["ok", "2", "có thể", "đang xây dựng", "Có/Không"])
def test_not_yes_no(text):
    with pytest.raises(ValueProblem):
        parse_yes_no(text)


def test_tcvn3_table_agrees_with_glibc_iconv():
    """An independent check of our table: glibc ships TCVN 5712 (VN1, a superset of VN3)."""
    if shutil.which("iconv") is None:
        pytest.skip("iconv not available")
    for char, expected in TCVN3_TO_UNICODE.items():
        out = subprocess.run(
            ["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"],
            input=bytes([ord(char)]),
            capture_output=True,
            check=True,
        ).stdout.decode()
        assert unicodedata.normalize("NFC", out) == expected, hex(ord(char))


@pytest.mark.parametrize(
    ("legacy", "unicode_text", "encoding"),
    [
        ("Tr\u00adêng THCS §»ng H¶i", "Trường THCS Đằng Hải", "tcvn3"),
        ("Häc tËp suèt ®êi", "Học tập suốt đời", "tcvn3"),
        ("Tröôøng THCS Ñaèng Haûi", "Trường THCS Đằng Hải", "vni"),
        ("Hoïc taäp suoát ñôøi", "Học tập suốt đời", "vni"),
        ("TRÖÔØNG MAÀM NON", "TRƯỜNG MẦM NON", "vni"),
    ],
)
def test_legacy_text_is_detected_and_converted(legacy, unicode_text, encoding):
    assert detect_legacy(legacy) == encoding
    assert repair_legacy(legacy) == (unicode_text, encoding)


@pytest.mark.parametrize("text", ["Trường học", "Xuân Hòa", "Café", "Báo cáo số 12", "ABC"])
def test_unicode_text_is_left_alone(text):
    assert repair_legacy(text) == (unicodedata.normalize("NFC", text), None)


def test_font_name_decides():
    assert detect_legacy("Hoa", font=".VnTime") == "tcvn3"
    assert detect_legacy("Hoa", font="VNI-Times") == "vni"
    assert tcvn3_to_unicode("Hµ Néi") == "Hà Nội"
    assert vni_to_unicode("Haø Noäi") == "Hà Nội"


def test_decomposed_unicode_is_normalised_to_nfc():
    decomposed = unicodedata.normalize("NFD", "Trường")
    assert repair_legacy(decomposed)[0] == "Trường"


def test_fold_slug_and_number_format():
    assert fold("  Đằng   HẢI ") == "dang hai"
    assert slug("Trường THCS Đằng Hải / cơ sở 2") == "truong-thcs-dang-hai-co-so-2"
    assert format_number(1_500_000) == "1.500.000"
    assert format_number(2.5) == "2,5"
    assert format_number(0) == "0"


def test_yes_no_answers_and_how_plain_they_are():
    from htsd_cli.base.values import ValueProblem, read_yes_no

    assert read_yes_no(True) == (True, True) and read_yes_no(False) == (False, True)
    assert read_yes_no(1) == (True, True) and read_yes_no(0.0) == (False, True)
    for plain in ("Có", "có.", " CÓ! "):
        assert read_yes_no(plain) == (True, True), plain
    for mark in ("x", "X", "√", "✓", "✔"):  # a tick is read as yes, with a note quoting it
        assert read_yes_no(mark) == (True, False), mark
    for plain in ("Không", "không,", "k"):
        assert read_yes_no(plain) == (False, True), plain
    assert read_yes_no("Đã có") == (True, False)  # read, with a note quoting it
    for bad in (2, -1, "đang xây dựng", None):
        with pytest.raises(ValueProblem) as caught:
            read_yes_no(bad)
        assert caught.value.code == "not-yes-no"


def test_words_around_a_number_at_their_limits():
    from htsd_cli.base.values import ValueProblem, parse_vn_number

    assert parse_vn_number("’1200").value == 1200 and parse_vn_number("`1200").value == 1200
    assert parse_vn_number("2,5 tr.").value == 2_500_000
    assert parse_vn_number("1 triệu vnđ").value == 1_000_000
    read = parse_vn_number("2 nghìn lượt người")
    assert read.value == 2000 and read.unit_text == "lượt người" and read.multiplier == 1000
    unit = "a" * 20  # a unit of measure of 20 letters is still one
    assert parse_vn_number(f"5 {unit}").value == 5
    with pytest.raises(ValueProblem) as caught:
        parse_vn_number(f"5 {unit}a")
    assert caught.value.code == "not-a-number"
    with pytest.raises(ValueProblem) as caught:
        parse_vn_number("5 tr trang")
    assert caught.value.code == "ambiguous-number"


def test_what_a_value_is_quoted_as_in_a_message():
    from htsd_cli.base.values import show

    assert (show(True), show(False)) == ("TRUE", "FALSE")
    assert show("x" * 80) == "x" * 80  # up to 80 characters, as typed
    assert show("x" * 81) == "x" * 77 + "…" and len(show("y" * 500)) == 78
    assert show(12.0) == "12" and show(2.5) == "2,5"  # a decimal comma: "2.5" reads as 25
    assert (show(-0.25), show(1e-05), show(float("nan"))) == ("-0,25", "1e-05", "nan")
    assert show(dt.datetime(2022, 10, 1, 8, 5)) == "01/10/2022 08:05"
    assert show(dt.date(2022, 10, 1)) == "01/10/2022"


def test_a_problem_carries_its_words():
    from htsd_cli.base.values import ValueProblem

    problem = ValueProblem("not-a-number", "không phải là một con số")
    assert str(problem) == "không phải là một con số" and problem.code == "not-a-number"


def test_money_words_after_a_multiplier_and_letters_before_a_number():
    parsed = parse_vn_number("5 triệu đồng chẵn")
    assert (parsed.value, parsed.multiplier, parsed.unit_text) == (5_000_000, 1_000_000, "")
    for text in ("X5", "x5", "XX 5"):  # only an apostrophe may stand before the digits
        with pytest.raises(ValueProblem):
            parse_vn_number(text)


@pytest.mark.parametrize(
    ("words", "number"),
    [
        ("Một triệu tám trăm nghìn đồng chẵn", 1_800_000),
        ("hai mươi mốt", 21),
        ("mười lăm", 15),
        ("một trăm linh năm", 105),
        ("một trăm lẻ tư", 104),
        ("năm mươi lăm nghìn đồng", 55_000),
        ("Một tỷ hai trăm triệu", 1_200_000_000),
        ("ba trăm ngàn", 300_000),
        ("bảy trăm mười", 710),
    ],
)
def test_amounts_in_words(words, number):
    from htsd_cli.base.values import words_to_number

    assert words_to_number(words) == number


@pytest.mark.parametrize("words", ["đồng chẵn", "hai ba", "một triệu, đã nhận", "", "abc"])
def test_words_that_are_no_amount(words):
    from htsd_cli.base.values import words_to_number

    assert words_to_number(words) is None


def test_an_amount_followed_by_words_is_split_but_a_footnote_is_not():
    from htsd_cli.base.values import split_amount_in_words, split_footnote

    assert split_amount_in_words("1.800.000đ (Một triệu tám trăm nghìn đồng chẵn)") == (
        "1.800.000đ",
        "Một triệu tám trăm nghìn đồng chẵn",
    )
    assert split_amount_in_words("1.800.000 đồng [bằng chữ: một triệu tám trăm nghìn]") == (
        "1.800.000 đồng",
        "một triệu tám trăm nghìn",
    )
    assert split_amount_in_words("1.800.000 đồng - Một triệu tám trăm nghìn đồng") == (
        "1.800.000 đồng",
        "Một triệu tám trăm nghìn đồng",
    )
    assert split_amount_in_words("80 triệu, tiền mặt") is None  # no amount after the comma
    assert split_amount_in_words("180 (*)") is None  # a footnote mark, not words
    assert split_amount_in_words("(một triệu)") is None  # words without the figure
    assert split_footnote("180*") == ("180", "*")
    assert split_footnote("180 **") == ("180", "**")
    assert split_footnote("180 (*)") == ("180", "(*)")
    assert split_footnote("*180") == ("*180", "")
    assert split_footnote("180") == ("180", "")


def test_numbers_written_in_a_note():
    from htsd_cli.base.values import numbers_in

    assert numbers_in("152") == [152.0]
    assert numbers_in("Đã phát 1.200 tờ") == [1200.0]
    assert numbers_in("Số 12/KH ngày 20/9") == [12.0, 20.0, 9.0]
    assert numbers_in("Không tổ chức") == []


@pytest.mark.parametrize(
    ("value", "code", "shown"),
    [
        (dt.date(2026, 3, 5), "mm/dd/yy", "03/05/26"),
        (dt.date(2026, 3, 5), "[$-409]dd/mm/yyyy", "05/03/2026"),
        (dt.date(2026, 3, 5), "d-mmm-yy", "5-Mar-26"),
        (dt.date(2026, 3, 5), "mmmm d, yyyy", "March 5, 2026"),
        (46086.0, "mm/dd/yy", "03/05/26"),  # the serial number a cell holds
        (dt.time(8, 30), "hh:mm:ss\\ AM/PM", "08:30:00 AM"),
        (dt.time(14, 5), "h:mm AM/PM", "2:05 PM"),
        (dt.time(14, 5), "hh:mm", "14:05"),
        (dt.timedelta(hours=30), "[h]:mm:ss", "30:00:00"),
        (dt.date(2026, 3, 5), "", "05/03/2026"),
        (dt.datetime(2026, 3, 5, 8, 30), "", "05/03/2026 08:30"),
        (dt.time(8, 30), "", "08:30"),
    ],
)
def test_a_date_is_shown_as_its_format_shows_it(value, code, shown):
    from htsd_cli.base.values import shown_as_date

    assert shown_as_date(value, code) == shown
