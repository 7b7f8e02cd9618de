"""Every counted figure is the figure its unit typed.

Returns are made inside LibreOffice (UNO) as units make them: rows inserted or deleted, values
pasted into a new workbook, the form retyped in the unit's own layout, money in words, another
unit's workbook. Each figure read is compared with the figure typed; a figure that cannot be
placed must be refused with a finding that names the cell.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from htsd_cli.campaign.form import Form
from htsd_cli.campaign.layout import compute_layout
from htsd_cli.checks.validate import validate_paths

from .conftest import SAMPLE_ROSTER

FORMATS = ("xlsx", "xls", "ods")


def typed_values(form: Form, seed: int, unit_type: str = "") -> dict[str, object]:
    """A complete return of a unit of `unit_type` whose every figure differs from every other,
    so that a figure read from a neighbouring row can never pass for the right one. Every rule
    holds; rows the unit's type does not answer are left as issued."""
    values: dict[str, object] = {}
    for n, ind in enumerate(form.indicators):
        if not ind.applies(unit_type):
            continue
        if ind.kind == "yesno":
            values[ind.id] = "Có"
        elif ind.kind == "text":
            values[ind.id] = f"Số {seed}/KH ngày 20/9"
        elif ind.kind == "money":
            values[ind.id] = 1_000_000 * seed + 1000 * n
        elif ind.kind == "people":
            values[ind.id] = 100 * seed + 10 * n + 5
        else:
            values[ind.id] = seed + 60 - n
    values["chi_dao"] = f"Đã ban hành kế hoạch ({seed})."
    return values


def expected(form: Form, typed: dict[str, object]) -> dict[str, object]:
    """What htsd must read for each indicator from what was typed."""
    out: dict[str, object] = {}
    for ind in form.indicators:
        if ind.id not in typed:
            continue
        value = typed[ind.id]
        if ind.kind == "yesno":
            out[ind.id] = value == "Có"
        elif ind.kind == "text":
            out[ind.id] = value
        else:
            out[ind.id] = float(value)  # type: ignore[arg-type]
    return out


def row_of(form: Form, indicator: str) -> int:
    return int(compute_layout(form).cells[indicator][1:])


def retyped_rows(form: Form, typed: dict[str, object], layout: str) -> list[list[object]]:
    """The form typed again in a unit's own workbook: its own title, header and columns."""
    header = {
        "value": ["TT", "Nội dung", "Kết quả"],
        "unit": ["STT", "Nội dung hoạt động", "ĐVT", "Số lượng"],
        "plan": ["TT", "Nội dung", "Kế hoạch", "Thực hiện", "Ghi chú"],
        "bare": [],
        "plain": [],
        "plain-unit": [],
    }[layout]
    rows: list[list[object]] = [
        ["I. Công tác chỉ đạo"],
        [typed["chi_dao"]],
        ["II. Kết quả cụ thể"],
    ]
    if header:
        rows.append(header)
    for section in form.sections:
        rows.append([section.number, section.heading])
        for ind in section.indicators:
            value = typed.get(ind.id, "")
            label = ind.label
            if layout in ("value", "plain"):
                rows.append(["", label, value])
            elif layout in ("unit", "plain-unit"):
                rows.append(["", label, ind.unit or "", value])
            elif layout == "plan":
                plan = value if not isinstance(value, int) else value * 2 + 7
                rows.append(["", label, plan, value, ""])
            else:  # no header, and a second column of figures beside the first
                other = value if not isinstance(value, int) else value + 1
                rows.append(["", label, value, other])
    return rows


# Each variant: the unit, what is done to its workbook, the formats it is saved in, the
# indicators that cannot be read (their rows are gone) and the findings expected.
VARIANTS = {
    "chen-trong": ("TH01", FORMATS),
    "chen-cuoi": ("TH02", FORMATS),
    "xoa-cuoi": ("TH03", FORMATS),
    "xoa-giua": ("TH04", FORMATS),
    "dan-a1": ("TH05", ("xlsx", "ods")),
    "dan-a3": ("TH06", ("xlsx", "xls")),
    "go-lai": ("TH07", ("xlsx",)),
    "go-lai-dvt": ("TH08", ("xlsx", "ods")),
    "go-lai-ke-hoach": ("THCS01", ("xlsx",)),
    "go-lai-hai-cot": ("THCS02", ("xlsx",)),
    "go-lai-tron": ("THCS04", ("xlsx",)),
    "go-lai-tron-dvt": ("THCS06", ("xlsx", "xls")),
    "tien-bang-chu": ("THCS03", ("xlsx", "ods")),
    "nham-don-vi": ("MN04", ("xlsx",)),
    "doi-ten-trang": ("MN01", ("xlsx", "xls", "ods")),
}
SEEDS = {name: n for n, name in enumerate(VARIANTS, start=3)}
UNIT_TYPES = {
    row["ma_don_vi"]: row["loai_don_vi"]
    for row in csv.DictReader(SAMPLE_ROSTER.read_text(encoding="utf-8-sig").splitlines())
}


def typed(form: Form, name: str) -> dict[str, object]:
    """What the unit of variant `name` typed: the rows its type answers."""
    unit = VARIANTS[name][0]
    return typed_values(form, SEEDS[name], UNIT_TYPES[unit])


@pytest.fixture(scope="module")
def made(tmp_path_factory, lo_edit, issued, form, roster):
    """Every variant, made in one LibreOffice session: name → {format: path}."""
    out = tmp_path_factory.mktemp("returns")
    src = tmp_path_factory.mktemp("sources")
    jobs: list[dict[str, object]] = []
    paths: dict[str, dict[str, Path]] = {}

    def save(name: str, formats: tuple[str, ...], stem: str = "") -> list[str]:
        unit = VARIANTS[name][0]
        stem = stem or f"{unit.lower()}-{name}"
        paths[name] = {fmt: out / f"{stem}.{fmt}" for fmt in formats}
        return [str(p) for p in paths[name].values()]

    def fill(name: str) -> dict[str, object]:
        return typed(form, name)

    def job(name: str, ops: list[list[object]], stem: str = "") -> None:
        unit, formats = VARIANTS[name]
        jobs.append(
            {
                "open": str(issued[unit]),
                "ops": [["fill", fill(name)], ["unprotect"], *ops],
                "save": save(name, formats, stem),
            }
        )

    nguoi_cmnv = row_of(form, "s5_nguoi_cmnv")
    don_vi = row_of(form, "s8_don_vi")
    job(
        "chen-trong",
        [["insert_rows", nguoi_cmnv, 2], ["set", f"B{nguoi_cmnv}", "Ghi chú thêm"],
         ["set", f"C{nguoi_cmnv + 1}", "lớp ghép"]],
    )  # fmt: skip
    job(
        "chen-cuoi",
        [["insert_rows", don_vi, 1], ["set", f"B{don_vi}", "Ghi chú: khen thưởng cấp quận"],
         ["set", f"D{don_vi}", "xem kèm"]],
    )  # fmt: skip
    job("xoa-cuoi", [["delete_rows", don_vi, 1]])
    job("xoa-giua", [["delete_rows", row_of(form, "s2_tin_truyen_hinh"), 1]])
    for name, at in (("dan-a1", "A1"), ("dan-a3", "A3")):
        unit = VARIANTS[name][0]
        source = src / f"{unit}.xlsx"
        jobs.append(
            {"open": str(issued[unit]), "ops": [["fill", fill(name)]], "save": [str(source)]}
        )
        jobs.append(
            {"open": None, "ops": [["paste_values_from", str(source), at]], "save": save(name, VARIANTS[name][1])}
        )  # fmt: skip
    for name, layout in (
        ("go-lai", "value"),
        ("go-lai-dvt", "unit"),
        ("go-lai-ke-hoach", "plan"),
        ("go-lai-hai-cot", "bare"),
        ("go-lai-tron", "plain"),
        ("go-lai-tron-dvt", "plain-unit"),
    ):
        unit = roster.find(VARIANTS[name][0])
        title = unit.name.upper().replace("TIỂU HỌC", "TH")  # as a unit types its own name
        rows = [[title], ["BÁO CÁO KẾT QUẢ TUẦN LỄ HỌC TẬP SUỐT ĐỜI"], [], *retyped_rows(form, typed(form, name), layout)]  # fmt: skip
        jobs.append(
            {"open": None, "ops": [["rows", "A1", rows]], "save": save(name, VARIANTS[name][1])}
        )
    job(
        "doi-ten-trang",
        [["rename_sheet", "Báo cáo", "BC HTSD"], ["add_sheet", "Ghi chú của trường", 0]],
    )
    job("tien-bang-chu", [["set", compute_layout(form).cells["s8_kinh_phi"], "80 triệu"]])
    # MN04's workbook, filled and sent under the name htsd gave MN03's
    job("nham-don-vi", [], stem=roster.find("MN03").file_stem)
    lo_edit(jobs)
    return paths


@pytest.fixture(scope="module")
def reports(made, form, roster):
    """One batch over every file made: file name → its report."""
    files = [p for formats in made.values() for p in formats.values()]
    report = validate_paths(files, form, roster)
    return {Path(r.path).name: r for r in report.files}


def _check_every_figure(rep, form, name, unread=frozenset()):
    values = typed(form, name)
    if name == "tien-bang-chu":
        values["s8_kinh_phi"] = 80_000_000
    want = expected(form, values)
    got = {ind.id: rep.values.get(ind.id) for ind in form.indicators if ind.id in values}
    assert {k: v for k, v in got.items() if k not in unread} == {
        k: v for k, v in want.items() if k not in unread
    }
    assert all(got[k] is None for k in unread)
    assert not (set(rep.values) - set(values)), "a row the unit does not answer was counted"


READ_WHOLE = {  # variant → (indicators whose rows are gone, findings expected)
    "chen-trong": (set(), []),
    "chen-cuoi": (set(), []),
    "xoa-cuoi": ({"s8_don_vi"}, ["row-removed"]),
    "xoa-giua": ({"s2_tin_truyen_hinh"}, ["row-removed"]),
    "dan-a1": (set(), []),
    "dan-a3": (set(), []),
    "tien-bang-chu": (set(), ["number-in-words"]),
    "doi-ten-trang": (set(), []),
}


@pytest.mark.parametrize(
    ("name", "fmt"), [(name, fmt) for name in READ_WHOLE for fmt in VARIANTS[name][1]]
)
def test_every_figure_read_is_the_figure_typed(made, reports, form, name, fmt):
    unread, codes = READ_WHOLE[name]
    rep = reports[made[name][fmt].name]
    assert rep.fmt == fmt
    assert rep.valid, [f.message for f in rep.findings]
    assert rep.unit_code == VARIANTS[name][0]
    if name == "doi-ten-trang":  # found among the sheets by its names, or (.xls) its labels
        assert rep.sheet == "BC HTSD"
    # the batch holds every format of each variant: each unit has sent "several files"
    own = [f for f in rep.findings if f.code != "duplicate-unit"]
    assert sorted(f.code for f in own) == sorted(codes)
    _check_every_figure(rep, form, name, unread)
    for finding in own:
        assert finding.cell, finding  # every finding names its cell


def test_removed_row_is_named_where_it_was(made, reports, form):
    rep = reports[made["xoa-cuoi"]["xlsx"].name]
    [finding] = [f for f in rep.findings if f.code != "duplicate-unit"]
    # the next figure moved up into the removed row: that is the place named
    assert finding.indicator == "s8_don_vi"
    assert finding.cell == f"C{row_of(form, 's8_don_vi')}"
    assert "Số đơn vị được khen thưởng" in finding.message


def test_libreoffice_file_with_a_deleted_row_is_not_refused(made, reports):
    """LibreOffice declares rows down to 1048576 after a deletion; the file is ordinary."""
    import zipfile

    path = made["xoa-cuoi"]["xlsx"]
    with zipfile.ZipFile(path) as z:
        sheet = next(n for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
        head = z.read(sheet)[:4096]
    assert b"1048576" in head  # the declaration that used to be refused as unsafe
    assert reports[path.name].valid


@pytest.mark.parametrize(
    ("name", "fmt"),
    [(n, f) for n in ("go-lai", "go-lai-dvt", "go-lai-ke-hoach", "go-lai-tron", "go-lai-tron-dvt")
     for f in VARIANTS[n][1]],
)  # fmt: skip
def test_retyped_layouts_are_read_from_the_result_column(made, reports, form, name, fmt):
    rep = reports[made[name][fmt].name]
    assert rep.valid, [f.message for f in rep.findings]
    assert [f.code for f in rep.findings if f.code != "duplicate-unit"] == ["identity-by-layout"]
    assert rep.unit_code == VARIANTS[name][0]  # found by the name typed at the top
    assert rep.located_by == "labels"
    _check_every_figure(rep, form, name)
    assert rep.texts.get("chi_dao") == typed(form, name)["chi_dao"]


def test_retyped_layout_without_header_and_two_columns_is_refused(made, reports):
    rep = reports[made["go-lai-hai-cot"]["xlsx"].name]
    assert not rep.valid and rep.values == {}
    [finding] = [f for f in rep.findings if f.code == "value-column-unknown"]
    assert "C, D" in finding.message  # the columns found, so the unit can act on it


def test_another_units_workbook_under_this_units_name(made, reports, form, roster, config):
    """MN04's workbook sent as MN03's file: its stamp and its header say MN04, its name MN03.
    Whose figures these are is not guessed (they used to be counted for the stamp): the file is
    held naming each piece of evidence, and neither unit is shown as reported by it."""
    import datetime as dt

    from htsd_cli.base.findings import Report
    from htsd_cli.totals.status import HELD, build_status

    rep = reports[made["nham-don-vi"]["xlsx"].name]
    assert rep.unit_code == "" and not rep.valid and rep.claimants == ["MN04", "MN03"]
    [finding] = rep.findings
    assert finding.code == "identity-conflict" and finding.sheet == "Báo cáo"
    assert "ghi mã MN04" in finding.message and "tệp đã phát cho MN03" in finding.message
    read = {k: v for k, v in rep.values.items() if v is not None}
    assert read == expected(form, typed(form, "nham-don-vi"))  # read whole, to count once decided
    status = build_status(Report(files=[rep]), roster, form.deadline, dt.date(2022, 10, 8))
    by_code = {u.code: u for u in status.units}
    assert by_code["MN04"].state == HELD and by_code["MN03"].state == HELD
    assert status.counts()["valid"] == 0


def test_aggregate_totals_are_the_sums_of_what_was_typed(made, form, roster, config, tmp_path):
    """One file of each unit, made in the ways above, aggregated: every total is the sum of the
    figures those units typed (rows removed count as not reported)."""
    import shutil

    from htsd_cli.pipeline import run_aggregate
    from htsd_cli.settings import of_aggregate

    returns = tmp_path / "returns"
    returns.mkdir()
    unread = {"xoa-cuoi": {"s8_don_vi"}, "xoa-giua": {"s2_tin_truyen_hinh"}}
    counted = [n for n in VARIANTS if n not in ("go-lai-hai-cot", "nham-don-vi")]
    assert len(counted) == 13
    for n, name in enumerate(counted):
        formats = VARIANTS[name][1]
        path = made[name][formats[n % len(formats)]]
        shutil.copy(path, returns / path.name)
    agg, _ = run_aggregate(of_aggregate(config, form, roster, [returns], tmp_path / "out"))
    assert len(agg.used) == len(counted)
    for ind in form.indicators:
        if ind.aggregate == "none":
            continue
        total, reporting = 0.0, 0
        for name in counted:
            values = typed(form, name)
            if ind.id in unread.get(name, set()) or ind.id not in values:
                continue  # a removed row, or a row this unit's type does not answer
            if name == "tien-bang-chu":
                values["s8_kinh_phi"] = 80_000_000
            total += float(expected(form, values)[ind.id])  # type: ignore[arg-type]
            reporting += 1
        assert agg.total(ind.id) == (total if reporting else None), ind.id
        assert agg.reported(ind.id) == reporting, ind.id
