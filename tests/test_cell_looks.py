"""What the cell shows is what counts: returns made in LibreOffice (UNO) as a person makes them.

Each unit below does one thing to an otherwise complete return: strikes a figure through and types
the new one in "Ghi chú", strikes part of a text, types "3/5" or "80.000" on a computer set to
English, gives a count cell a date or a percent format, writes the figure in "Ghi chú" only, or
writes it in one of the ways a careful clerk reads (a footnote mark, a tick, "Đạt", an amount with
the same amount in words). Each figure is either counted as its unit meant it, or refused or held
with a finding that names its cell; the totals are the sums of what was meant.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from htsd_cli.base.findings import HELD_CODES
from htsd_cli.campaign.layout import compute_layout
from htsd_cli.checks.validate import validate_paths

from .conftest import full_values

FORMATS = ("xlsx", "ods", "xls")


def _cell(form, indicator: str) -> str:
    return compute_layout(form).cells[indicator]


NAMES = ("gach-ca-o", "gach-mot-phan", "ngay-3-5", "tien-80-000", "nguoi-1-200",
         "tien-1-800-000", "dinh-dang-ngay", "phan-tram", "ngay-o-thuong", "chi-ghi-chu",
         "cach-viet", "dat", "80-dong", "chu-khac-so")  # fmt: skip


def _cases(form) -> dict[str, tuple[str, int, list[list[object]], dict[str, object]]]:
    """name → (unit, base of its figures, what is done, {indicator: the figure meant, or the code
    of the finding that refuses or holds it}). A figure not named is full_values' own."""
    c = {k: _cell(form, k) for k in ("s3_to_roi", "s3_sach_tai_lieu", "s2_bai_bao", "s8_kinh_phi",
                                     "s4_nguoi_hoi_thao", "s3_bang_zon", "s2_tin_phat_thanh")}  # fmt: skip
    note = {k: _cell(form, f"{k}_gc") for k in ("s3_to_roi", "s2_tin_phat_thanh")}
    en = ["locale", "en-US"]
    return {
        # the figure struck through, the new one typed in "Ghi chú": held, quoting both
        "gach-ca-o": ("TH01", 4, [["strike", c["s3_to_roi"]], ["set", note["s3_to_roi"], "152"]],
                      {"s3_to_roi": "struck-value"}),
        # "140 152" with "140" struck: what is left is read
        "gach-mot-phan": ("TH02", 5, [["set", c["s3_sach_tai_lieu"], "140 152"],
                                      ["strike_part", c["s3_sach_tai_lieu"], 0, 3]],
                          {"s3_sach_tai_lieu": 152.0}),
        # "3/5" typed in a count cell under English: the cell keeps its number format and holds
        # 5 March's serial number, far above what a school writes in a week: held
        "ngay-3-5": ("TH03", 6, [en, ["type", c["s2_bai_bao"], "3/5"]],
                     {"s2_bai_bao": "implausible-high"}),
        # "80.000" đồng typed under English is the number 80: below any real amount, held
        "tien-80-000": ("TH04", 7, [en, ["type", c["s8_kinh_phi"], "80.000"]],
                        {"s8_kinh_phi": "implausible-low"}),
        # "1.200" people under English is 1,2: not a whole number, refused asking "1.200?"
        "nguoi-1-200": ("TH05", 8, [en, ["type", c["s4_nguoi_hoi_thao"], "1.200"]],
                        {"s4_nguoi_hoi_thao": "fractional-count"}),
        # "1.800.000" is no number under English: kept as text, read the Vietnamese way
        "tien-1-800-000": ("TH06", 9, [en, ["type", c["s8_kinh_phi"], "1.800.000"]],
                           {"s8_kinh_phi": 1_800_000.0}),
        # a date format given to a count cell holding 12: shown as a date, refused
        "dinh-dang-ngay": ("TH07", 12, [["number_format", c["s3_to_roi"], "DD/MM/YYYY"]],
                           {"s3_to_roi": "date-typed"}),
        # a percent format given to a count cell
        "phan-tram": ("TH08", 10, [["number_format", c["s3_bang_zon"], "0%"]],
                      {"s3_bang_zon": "percent-typed"}),
        # the cell's format cleared, then "3/5" typed: the office makes it a date
        "ngay-o-thuong": ("THCS01", 11, [en, ["number_format", c["s2_bai_bao"], "General"],
                                         ["type", c["s2_bai_bao"], "3/5"]],
                          {"s2_bai_bao": "date-typed"}),
        # the figure written in "Ghi chú", its cell left blank: held, quoting the note
        "chi-ghi-chu": ("THCS02", 13, [["set", c["s2_tin_phat_thanh"], ""],
                                       ["set", note["s2_tin_phat_thanh"], "15"]],
                        {"s2_tin_phat_thanh": "value-in-note"}),
        # readable ways of writing, read with a warning
        "cach-viet": ("THCS03", 14, [["set", c["s3_to_roi"], "18*"],
                                     ["set", _cell(form, "s6_co_thu_vien"), "√"],
                                     ["set", c["s8_kinh_phi"],
                                      "1.800.000đ (Một triệu tám trăm nghìn đồng chẵn)"]],
                      {"s3_to_roi": 18.0, "s6_co_thu_vien": True, "s8_kinh_phi": 1_800_000.0}),
        "dat": ("TTHTCD01", 15, [["set", _cell(form, "s7_tthtcd"), "Đạt"],
                                 ["set", _cell(form, "s7_ho_so"), "Chưa đạt"],
                                 ["set", _cell(form, "s7_tai_chinh"), "X"]],
                {"s7_tthtcd": True, "s7_ho_so": False, "s7_tai_chinh": True}),
        # prize money written "80 đồng": read as 80, and held as no real amount
        "80-dong": ("THCS04", 16, [["set", c["s8_kinh_phi"], "80 đồng"]],
                    {"s8_kinh_phi": "implausible-low"}),
        # the words say another amount than the figures: held, quoting both
        "chu-khac-so": ("THCS05", 17, [["set", c["s8_kinh_phi"],
                                        "1.800.000đ (Một triệu tám trăm đồng)"]],
                        {"s8_kinh_phi": "amount-words-differ"}),
    }  # fmt: skip


# what each finding's message must quote, beside its cell
QUOTES = {
    "struck-value": ("'4' bị gạch ngang", "'152'"),
    "implausible-high": ("46.", "ngày 05/03/"),
    "implausible-low": ("80 đồng", "quá nhỏ"),
    "fractional-count": ("1,2", "Có phải 1.200?"),
    "date-typed": ("ô hiện '",),
    "percent-typed": ("ô hiện '1000%'",),
    "value-in-note": ("'15'", "Đọc là 15"),
    "amount-words-differ": ("1.000.800",),
}
WARNINGS = {
    "gach-mot-phan": ["outlier", "struck-part"],  # 152 is far from the other schools' 4 to 12
    "cach-viet": ["amount-in-words", "footnote-mark", "yes-no-mark"],
    "dat": ["yes-no-in-words", "yes-no-in-words", "yes-no-mark"],
    "80-dong": ["unit-typed"],
}


def _meant(form, roster, name: str) -> tuple[dict[str, object], dict[str, object]]:
    """(what the unit typed as its figures, what htsd must read or do for the ones changed)."""
    unit, base, _, outcome = _cases(form)[name]
    values = full_values(form, base, roster.find(unit).unit_type)
    return values, outcome


@pytest.fixture(scope="module")
def made(tmp_path_factory, lo_edit, issued, form, roster):
    """Every case, in one LibreOffice session: name → {format: path}."""
    out = tmp_path_factory.mktemp("looks")
    jobs: list[dict[str, object]] = []
    paths: dict[str, dict[str, Path]] = {}
    assert tuple(_cases(form)) == NAMES
    for name, (unit, _, ops, _) in _cases(form).items():
        values, _ = _meant(form, roster, name)
        paths[name] = {fmt: out / f"{unit.lower()}-{name}.{fmt}" for fmt in FORMATS}
        jobs.append(
            {
                "open": str(issued[unit]),
                "ops": [["fill", values], ["unprotect"], *ops],
                "save": [str(p) for p in paths[name].values()],
            }
        )
    lo_edit(jobs)
    return paths


@pytest.fixture(scope="module")
def reports(made, form, roster):
    files = [p for formats in made.values() for p in formats.values()]
    return {Path(r.path).name: r for r in validate_paths(files, form, roster).files}


def _figure(value: object) -> object:
    if value == "Có":
        return True
    if value in ("Không", None):
        return False if value == "Không" else None
    return value if isinstance(value, str) else float(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", NAMES)
def test_each_figure_is_what_was_meant_or_named_at_its_cell(made, reports, form, roster, name, fmt):
    rep = reports[made[name][fmt].name]
    values, outcome = _meant(form, roster, name)
    own = [f for f in rep.findings if f.code != "duplicate-unit"]
    refused = {k: v for k, v in outcome.items() if isinstance(v, str)}
    for ind, code in refused.items():
        [finding] = [f for f in own if f.indicator == ind and f.is_error]
        assert finding.code == code, finding.message
        assert finding.cell == _cell(form, ind)
        for quoted in QUOTES[code]:
            assert quoted in finding.message, finding.message
        assert rep.values.get(ind) is None  # never in a total
        assert (ind in rep.held) == (code in HELD_CODES)
        if code in HELD_CODES:
            assert ind not in rep.values  # contract 1: a held figure is no reading at all
    assert rep.valid == (not refused), [f.message for f in own]
    assert sorted(f.code for f in own if not f.is_error) == WARNINGS.get(name, [])
    for ind, typed in values.items():
        if ind in refused or form.indicator(ind).kind == "text":
            continue
        want = outcome.get(ind, _figure(typed))
        assert rep.values.get(ind) == want, ind


def test_held_figures_keep_what_would_be_counted_if_confirmed(made, reports, form):
    def held(name: str) -> dict[str, object]:
        return dict(reports[made[name]["xlsx"].name].held)

    assert held("gach-ca-o") == {"s3_to_roi": 4.0}  # the struck figure, as typed
    assert held("ngay-3-5")["s2_bai_bao"] > 40_000  # a date's serial number, shown as such
    assert held("tien-80-000") == {"s8_kinh_phi": 80.0}
    assert held("chi-ghi-chu") == {"s2_tin_phat_thanh": 15.0}
    assert held("80-dong") == {"s8_kinh_phi": 80.0}
    assert held("chu-khac-so") == {"s8_kinh_phi": 1_800_000.0}


def test_a_date_is_shown_as_the_unit_saw_it(made, reports, form):
    for fmt in FORMATS:
        typed_date = reports[made["ngay-o-thuong"][fmt].name]
        [finding] = [f for f in typed_date.findings if f.code == "date-typed"]
        assert finding.value == "03/05/" + finding.value[-2:], finding.value  # MM/DD/YY, en-US
        assert "46" not in finding.message  # never the serial number
        formatted = reports[made["dinh-dang-ngay"][fmt].name]
        [finding] = [f for f in formatted.findings if f.code == "date-typed"]
        assert finding.value.startswith("1") and "/01/1900" in finding.value


def test_totals_are_the_sums_of_what_was_meant(made, form, roster, config, tmp_path):
    """One file of each case aggregated: a file holding a held or refused figure is not counted as
    it stands; every total is the sum of the figures the other units meant."""
    from htsd_cli.pipeline import run_aggregate
    from htsd_cli.settings import of_aggregate

    returns = tmp_path / "returns"
    returns.mkdir()
    cases = _cases(form)
    for n, name in enumerate(cases):
        path = made[name][FORMATS[n % len(FORMATS)]]
        shutil.copy(path, returns / path.name)
    agg, _ = run_aggregate(of_aggregate(config, form, roster, [returns], tmp_path / "out"))
    counted = [
        n for n, case in cases.items() if not any(isinstance(v, str) for v in case[3].values())
    ]
    assert sorted(Path(r.path).name.split("-", 1)[1].rsplit(".", 1)[0] for r in agg.used) == sorted(
        counted
    )
    for ind in form.indicators:
        if ind.aggregate == "none":
            continue
        total, reporting = 0.0, 0
        for name in counted:
            values, outcome = _meant(form, roster, name)
            if ind.id not in values:
                continue
            figure = outcome.get(ind.id, _figure(values[ind.id]))
            total += float(figure)  # type: ignore[arg-type]
            reporting += 1
        assert agg.total(ind.id) == (total if reporting else None), ind.id


def test_struck_runs_written_by_a_program_are_seen_too(filled, form, tmp_path):
    """A workbook written by a program (openpyxl keeps rich text in the cell, not among the
    shared strings): a struck part of a text and a struck cell are seen as in a person's."""
    import openpyxl
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.styles import Font

    from htsd_cli.checks.checkfile import check_file

    path = filled(unit="THCS03")
    wb = openpyxl.load_workbook(path)
    sheet = wb["Báo cáo"]
    part, whole = _cell(form, "s3_sach_tai_lieu"), _cell(form, "s3_to_roi")
    sheet[part] = CellRichText([TextBlock(InlineFont(strike=True), "140"), " 152"])
    sheet[whole].font = Font(name="Times New Roman", strike=True)
    wb.save(path)
    rep = check_file(str(path), form)
    assert rep.values["s3_sach_tai_lieu"] == 152.0
    assert [(f.code, f.cell) for f in rep.findings] == [
        ("struck-value", whole),
        ("struck-part", part),
    ]
    assert rep.held == {"s3_to_roi": 3.0} and "s3_to_roi" not in rep.values


@pytest.mark.parametrize(("code", "said"), [("dd/mm/yyyy%", "một ngày"), ("[h]:mm%", "một giờ")])
def test_a_format_that_dates_and_shows_a_percent_is_refused_as_what_the_cell_holds(
    filled, form, code, said
):
    """A format with both a date (or a time) and a percent sign: the reader gives a date (or a
    duration), the format says percent. The figure is refused as a date, the file still read."""
    import openpyxl

    from htsd_cli.checks.checkfile import check_file

    path = filled(unit="THCS03")
    wb = openpyxl.load_workbook(path)
    cell = _cell(form, "s3_to_roi")
    wb["Báo cáo"][cell].number_format = code
    wb.save(path)
    rep = check_file(str(path), form)
    [finding] = [f for f in rep.findings if f.cell == cell]
    assert finding.code == "date-typed" and said in finding.message
    assert rep.values.get("s3_to_roi") is None and rep.values["s3_sach_tai_lieu"] is not None


def test_an_ordinary_return_has_no_look(filled, form):
    """Nothing in a return filled as issued is struck or shown as a date: every cell's look is
    plain, found from the styles alone."""
    from htsd_cli.reading import open_workbook
    from htsd_cli.reading.parts import NO_LOOK

    view = open_workbook(filled(unit="THCS03"))
    try:
        cells = compute_layout(form).cells
        assert all(view.look(ref) == NO_LOOK for ref in cells.values())
    finally:
        view.close()


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ('#,##0" bài"', ""),
        ("General", ""),
        ("0.00E+00", ""),
        ('#,##0 "đ"', ""),
        ("[$₫-42A] #,##0", ""),
        ("mm/dd/yy", "date"),
        ("[$-409]dd/mm/yyyy", "date"),
        ("d-mmm", "date"),
        ("hh:mm:ss\\ AM/PM", "time"),
        ("[h]:mm", "time"),
        ("mm:ss", "time"),
        ("0%", "percent"),
        ("[Red]0.00%;-0.00%", "percent"),
        ('"Ngày" dd', "date"),
        ('"ngày"', ""),
    ],
)
def test_what_a_number_format_shows(code, kind):
    from htsd_cli.reading.parts import format_kind

    assert format_kind(code) == kind


def test_odd_xls_bytes_give_no_look():
    from htsd_cli.reading.biff import xls_looks

    assert xls_looks(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "Báo cáo") == {}
    assert xls_looks(b"", "Báo cáo") == {}


@pytest.mark.parametrize("name", NAMES)
def test_each_case_totals_with_a_plain_return(made, filled, form, roster, name):
    """Each case beside one plain return of another school: the totals are the plain return's
    figures plus this unit's as meant, or the plain return's alone when this unit's file holds a
    held or refused figure (it is not counted as it stands)."""
    import datetime as dt

    from htsd_cli.totals.aggregate import aggregate
    from htsd_cli.totals.status import build_status

    plain = filled({}, unit="MN02")  # full_values(form, 3): the fixture's own figures
    plain_values = full_values(form, 3, roster.find("MN02").unit_type)
    report = validate_paths([made[name]["xlsx"], plain], form, roster)
    status = build_status(report, roster, form.deadline, dt.date(2022, 10, 20), form=form)
    agg = aggregate(form, roster, status)
    values, outcome = _meant(form, roster, name)
    counted = not any(isinstance(v, str) for v in outcome.values())
    assert len(agg.used) == 1 + counted
    for ind in form.indicators:
        if ind.aggregate == "none" or ind.kind == "text":
            continue
        want, reporting = 0.0, 0
        for figures, extra in ((plain_values, {}), (values if counted else {}, outcome)):
            if ind.id in figures:
                want += float(extra.get(ind.id, _figure(figures[ind.id])))  # type: ignore[arg-type]
                reporting += 1
        assert agg.total(ind.id) == (want if reporting else None), ind.id
