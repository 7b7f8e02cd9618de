"""This year beside last year: the 2022 samples, aggregated, are last year; next year's campaign has
a form with one row renamed, one split, one new and one dropped, two wards merged into one (the
roster's ma_nam_truoc), every unit typing last year's figures again except two planted changes.
The comparison is worked out here from the two years' figures, not from htsd's."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from htsd_cli.base.textnorm import format_number
from htsd_cli.campaign.config import Config, load_config
from htsd_cli.campaign.form import parse_form
from htsd_cli.campaign.roster import load_roster
from htsd_cli.checks.yearover import (
    MERGED,
    NEW,
    RENAMED,
    SAME,
    SPLIT,
    UNMATCHED,
    change_text,
    load_last_year,
    match_rows,
)
from htsd_cli.cli import app
from htsd_cli.fill import fill_workbook
from htsd_cli.template import issue_workbooks

from .conftest import SAMPLES

runner = CliRunner()
FORM_2022 = Path(__file__).resolve().parent.parent / "templates" / "forms" / "htsd-2022.yaml"
MERGED_INTO, MERGED_FROM = "UBP09", ("UBP05", "UBP06")
JUMP = ("MN01", "s6_doc_online", 10 * 12)  # (unit, row, factor): far above its own last year
ZERO = ("TH01", "s6_tai_lieu_so")  # typed 0 where last year was much
CONFIRMED = ("TH03", "s6_tai_lieu_so")  # typed 0 too, confirmed in the decisions workbook


def next_year_form() -> str:
    """The 2022 form as next year's: s2_bai_bao renamed, s3_to_roi split in two, a new row of
    posters, s2_tin_phat_thanh dropped."""
    text = FORM_2022.read_text(encoding="utf-8").replace("2022", "2023")
    text = text.replace("{id: s2_bai_bao,", "{id: s2_bai_bao_in, last_year: s2_bai_bao,")
    text = "\n".join(line for line in text.splitlines() if "{id: s2_tin_phat_thanh," not in line)
    text = text.replace(
        '      - {id: s3_to_roi, label: "Số lượng tờ rơi đã phát hành:", kind: count, unit: tờ, '
        "max: 50000}",
        '      - {id: s3_to_roi_giay, label: "Số tờ rơi in đã phát hành:", kind: count, unit: tờ, '
        "last_year: s3_to_roi}\n"
        '      - {id: s3_to_roi_so, label: "Số tờ rơi điện tử đã gửi:", kind: count, unit: tờ, '
        "last_year: s3_to_roi}\n"
        '      - {id: s3_poster, label: "Số áp phích đã dán:", kind: count, unit: tấm}',
    )
    assert "s3_poster" in text and "s2_bai_bao_in" in text
    return text + "\n"


def _units_sheet(path: Path) -> dict[str, dict[str, Any]]:
    """Last year's figures of each unit as its summary workbook holds them (read with openpyxl,
    not with htsd's reader)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb["Đơn vị x chỉ tiêu"].iter_rows(values_only=True))
    ids = rows[1][4:]
    return {str(r[0]): dict(zip(ids, r[4:], strict=True)) for r in rows[2:] if r[0]}


def _this_year(last: dict[str, dict[str, Any]], unit: str) -> dict[str, Any]:
    """What a unit types next year: its own figures of last year (two wards merged type theirs
    added up), in next year's rows, with the planted changes."""
    sources = MERGED_FROM if unit == MERGED_INTO else (unit,)
    figures: dict[str, Any] = {}
    for key in last[sources[0]]:
        values = [last[s][key] for s in sources]
        figures[key] = None if any(v is None for v in values) else sum(values)
    figures["s2_bai_bao_in"] = figures.pop("s2_bai_bao")
    figures.pop("s2_tin_phat_thanh")
    leaflets = figures.pop("s3_to_roi")
    if leaflets is not None:
        figures["s3_to_roi_giay"] = leaflets - leaflets // 3
        figures["s3_to_roi_so"] = leaflets // 3
    figures["s3_poster"] = 2
    if unit == JUMP[0]:
        figures[JUMP[1]] = figures[JUMP[1]] * JUMP[2]
    if unit in (ZERO[0], CONFIRMED[0]):
        figures[ZERO[1]] = 0
    return figures


@pytest.fixture(scope="module")
def campaigns(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("years")
    before = base / "dot-2022"
    shutil.copytree(SAMPLES, before)
    result = runner.invoke(app, ["aggregate", "--config", str(before / "htsd.toml")])
    assert result.exit_code == 0, result.output
    summary = before / "tong-hop" / "tong-hop.xlsx"
    last = _units_sheet(summary)

    now = base / "dot-2023"
    now.mkdir()
    (now / "htsd-2023.yaml").write_text(next_year_form(), encoding="utf-8")
    config = (SAMPLES / "htsd.toml").read_text(encoding="utf-8").replace("2022", "2023")
    config = config.replace('form = "htsd-2023"', 'form = "htsd-2023.yaml"')
    config = config.replace('receipts = "so-nhan.csv"\n', "")
    (now / "htsd.toml").write_text(config, encoding="utf-8")
    lines = (SAMPLES / "roster.csv").read_text(encoding="utf-8-sig").splitlines()
    roster_lines = [lines[0] + ",ma_nam_truoc"]
    for line in lines[1:]:
        code = line.split(",")[0]
        if code in MERGED_FROM:
            continue
        roster_lines.append(line + ",")
    roster_lines.append(
        f'{MERGED_INTO},Ủy ban nhân dân phường Đông Hải,ubnd_phuong,Phường Đông Hải,"'
        f'{", ".join(MERGED_FROM)}"'
    )
    (now / "roster.csv").write_text("\n".join(roster_lines) + "\n", encoding="utf-8")
    cfg = load_config(now / "htsd.toml")
    form = cfg.load_form()
    roster = load_roster(now / "roster.csv", form)
    issued = issue_workbooks(form, cfg, roster, now / "bieu-mau")
    figures_2022 = json.loads((SAMPLES / "sample-figures.json").read_text(encoding="utf-8"))
    words = {e["unit"]: e["values"] for e in figures_2022.values() if e["valid"]}
    (now / "returns").mkdir()
    typed: dict[str, dict[str, Any]] = {}
    for item in issued:
        code = item.unit.code
        if code not in last and code != MERGED_INTO:
            continue  # did not report last year: does not report this year either
        figures = _this_year(last, code)
        kinds = {i.id: i.kind for i in form.indicators}
        values: dict[str, Any] = {}
        for key, value in figures.items():
            if value is None or key not in kinds:
                continue
            values[key] = ("Có" if value else "Không") if kinds[key] == "yesno" else value
        source = words.get(code) or words[MERGED_FROM[0]]
        for key in ("chi_dao", "s1_so_ke_hoach"):
            if key in source:
                values[key] = source[key]
        typed[code] = values
        fill_workbook(item.path, values, now / "returns" / item.path.name)
    name = next(p.name for p in (now / "returns").iterdir() if p.name.startswith("th03-"))
    digest = hashlib.sha256((now / "returns" / name).read_bytes()).hexdigest()[:12]
    book = openpyxl.Workbook()
    book.active.append(["Tệp", "Mã tệp", "Quyết định", "Mã đơn vị", "Trang", "Ô", "Chỉ tiêu",
                        "Đã gõ", "Đọc là", "Lý do"])  # fmt: skip
    book.active.append([name, digest, "Giữ như đã gõ", CONFIRMED[0], "", "", CONFIRMED[1], "0",
                        None, "đã hỏi lại: năm nay không phát"])  # fmt: skip
    book.save(now / "quyet-dinh.xlsx")
    result = runner.invoke(
        app, ["aggregate", "--config", str(now / "htsd.toml"), "--nam-truoc", str(before),
              "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return {
        "before": before, "now": now, "summary": summary, "last": last, "typed": typed,
        "form": form, "roster": roster, "json": json.loads(result.output),
    }  # fmt: skip


def test_rows_matched_as_the_form_declares(campaigns: dict[str, Any]) -> None:
    last = load_last_year(campaigns["summary"])
    assert (last.form_id, last.form_version, last.year) == ("htsd-2022", "2", "2022")
    matching = match_rows(campaigns["form"], last)
    how = {key: m.how for key, m in matching.rows.items()}
    assert how["s2_bai_bao_in"] == RENAMED
    assert how["s3_to_roi_giay"] == how["s3_to_roi_so"] == SPLIT
    assert how["s3_poster"] == NEW
    assert how["s2_bai_viet_cds"] == SAME
    assert matching.dropped == ["s2_tin_phat_thanh"]
    assert matching.splits == {"s3_to_roi": ["s3_to_roi_giay", "s3_to_roi_so"]}


def test_forms_that_cannot_be_matched_are_said_not_compared(campaigns: dict[str, Any]) -> None:
    text = next_year_form().replace("last_year: s2_bai_bao,", "last_year: [s2_bai_bao, s9_x],")
    text = text.replace(
        '{id: s3_poster, label: "Số áp phích đã dán:",',
        '{id: s3_poster, last_year: [s3_to_roi, s3_bang_zon], label: "Số áp phích đã dán:",',
    )
    form = parse_form(text)
    matching = match_rows(form, load_last_year(campaigns["summary"]))
    assert matching.rows["s2_bai_bao_in"].how == UNMATCHED
    assert "s9_x" in matching.rows["s2_bai_bao_in"].note
    assert matching.rows["s3_poster"].how == UNMATCHED  # merges one row another splits
    # rows of last year gone this year may be merged into one
    text = next_year_form().replace(
        '{id: s3_poster, label: "Số áp phích đã dán:",',
        '{id: s3_poster, last_year: [s3_bang_zon, s2_tin_phat_thanh], label: "Áp phích:",',
    )
    text = "\n".join(line for line in text.splitlines() if "{id: s3_bang_zon," not in line)
    matching = match_rows(parse_form(text), load_last_year(campaigns["summary"]))
    assert matching.rows["s3_poster"].how == MERGED
    assert matching.dropped == []
    # a row that another row says it continues, and that keeps its own id: both split from it
    text = next_year_form().replace("{id: s3_poster,", "{id: s3_poster, last_year: s3_bang_zon,")
    matching = match_rows(parse_form(text), load_last_year(campaigns["summary"]))
    assert matching.splits["s3_bang_zon"] == ["s3_poster", "s3_bang_zon"]  # in the form's order


def _totals(campaigns: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """Per row compared: (this year's total, last year's), from the figures themselves."""
    last, typed = campaigns["last"], campaigns["typed"]

    def total(figures: dict[str, dict[str, Any]], key: str) -> float:
        values = [f[key] for f in figures.values() if isinstance(f.get(key), (int, float))]
        values += [1 for f in figures.values() if f.get(key) == "Có"]
        return float(sum(values))

    out = {}
    for ind in campaigns["form"].indicators:
        if ind.aggregate == "none" or ind.id.startswith(("s3_to_roi", "s3_poster")):
            continue
        old = "s2_bai_bao" if ind.id == "s2_bai_bao_in" else ind.id
        out[ind.id] = (total(typed, ind.id), total(last, old))
    return out


def test_report_and_workbook_compare_every_row(campaigns: dict[str, Any]) -> None:
    now = campaigns["now"] / "tong-hop"
    expected = _totals(campaigns)
    wb = openpyxl.load_workbook(now / "tong-hop.xlsx")
    sheet = wb["So với năm trước"]
    rows = {r[1]: r for r in sheet.iter_rows(min_row=2, values_only=True) if r[1]}
    for key, (this, that) in expected.items():
        assert (rows[key][2] or 0, rows[key][3]) == (this, that), key
        if that:
            assert rows[key][5] == round((this - that) / that * 100, 1), key
    assert rows["s3_poster"][3] == "mới"
    assert rows["s3_to_roi_giay"][3] is None  # split: not compared row by row
    notes = [r[0] for r in sheet.iter_rows(values_only=True) if r[0]]
    assert any("Số bài, tin đã phát trên đài phát thanh" in n and "không còn" in n for n in notes)
    assert any("nay tách thành" in n for n in notes)
    markdown = (now / "bao-cao.md").read_text(encoding="utf-8")
    assert "| Năm trước | Tăng, giảm |" in markdown
    this, that = expected["s6_doc_online"]
    line = next(x for x in markdown.splitlines() if "đọc sách online" in x)
    assert f"| {format_number(that)} | {change_text(this, that)} |" in line
    assert "+" in change_text(this, that) and "," in change_text(this, that)
    assert "không còn trong biểu mẫu năm nay" in markdown
    import docx

    document = docx.Document(str(now / "bao-cao.docx"))
    table = document.tables[1] if len(document.tables) > 1 else document.tables[0]
    header = [c.text for c in table.rows[0].cells]
    assert "Năm trước" in header and "Tăng,\ngiảm" in header
    cells = [[c.text for c in row.cells] for row in table.rows]
    online = next(r for r in cells if "đọc sách online" in r[1])
    assert online[3] == format_number(that) and online[4] == change_text(this, that).replace(
        " ", "\u00a0"
    )


def test_units_beside_their_own_last_year(campaigns: dict[str, Any]) -> None:
    last, typed = campaigns["last"], campaigns["typed"]
    wb = openpyxl.load_workbook(campaigns["now"] / "tong-hop" / "tong-hop.xlsx")
    sheet = wb["Đơn vị so với năm trước"]
    rows = {(r[0], r[4]): r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0]}
    merged = rows[(MERGED_INTO, "s3_bang_zon")]
    assert merged[2] == ", ".join(MERGED_FROM)
    assert merged[6] == sum(last[c]["s3_bang_zon"] for c in MERGED_FROM)
    unit, key, factor = JUMP
    jump = rows[(unit, key)]
    assert (jump[5], jump[6]) == (typed[unit][key], last[unit][key])
    assert jump[8] == round((factor - 1) * 100, 1)
    renamed = rows[("TH01", "s2_bai_bao_in")]
    assert renamed[6] == last["TH01"]["s2_bai_bao"]
    assert wb["Đơn vị so với năm trước"]._charts  # the largest changes, drawn
    largest = [r[11] for r in sheet.iter_rows(min_row=2, max_row=3, values_only=True)]
    assert largest[0].startswith(unit)


def test_checks_against_last_year_fire_on_planted_changes_only(campaigns: dict[str, Any]) -> None:
    from htsd_cli.checks.yearover import Past
    from htsd_cli.pipeline import run_status
    from htsd_cli.settings import of_status

    now = campaigns["now"]
    config = load_config(now / "htsd.toml")
    past = Past.of(campaigns["form"], load_last_year(campaigns["before"]))
    report, status = run_status(
        of_status(config, campaigns["form"], campaigns["roster"], [now / "returns"]), past=past
    )
    codes = ("against-last-year", "zero-after-last-year", "decided")
    found = sorted(
        (rep.unit_code, f.code, f.indicator)
        for rep in report.files
        for f in rep.findings
        if f.code in codes
    )
    assert found == sorted([
        (JUMP[0], "against-last-year", JUMP[1]),
        (ZERO[0], "zero-after-last-year", ZERO[1]),
        (CONFIRMED[0], "decided", CONFIRMED[1]),
    ])  # fmt: skip
    jump = next(f for rep in report.files for f in rep.findings if f.code == "against-last-year")
    unit, key, factor = JUMP
    before = campaigns["last"][unit][key]
    assert (
        f"{format_number(before * factor)} lớn gấp {factor} lần số {format_number(before)} năm 2022"
        in jump.message
    )
    assert [o.applied for o in report.decisions] == [True]
    counted = [(r.unit, r.indicator) for r in report.to_decide if r.counted]
    assert counted == [(JUMP[0], JUMP[1]), (ZERO[0], ZERO[1])]
    # the figure is counted all the same
    assert status is not None


def test_without_last_year_nothing_changes(tmp_path: Path) -> None:
    """The samples aggregated with and without a last_year of nothing: same bytes as before
    (the outputs are compared with a run where the comparison code is absent: no sheet, no
    column, no key in htsd.toml)."""
    folder = tmp_path / "s"
    shutil.copytree(SAMPLES, folder)
    result = runner.invoke(app, ["aggregate", "--config", str(folder / "htsd.toml")])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(folder / "tong-hop" / "tong-hop.xlsx")
    assert "So với năm trước" not in wb.sheetnames
    markdown = (folder / "tong-hop" / "bao-cao.md").read_text(encoding="utf-8")
    assert "Năm trước" not in markdown


def test_the_report_with_last_year_prints_on_a4_portrait(campaigns, soffice, tmp_path) -> None:
    """Converted with LibreOffice (pdf.py): still A4 portrait, each row's figures on one line."""
    import subprocess

    from htsd_cli.render.pdf import docx_to_pdf, find_soffice

    exe = find_soffice()
    assert exe is not None
    document = (campaigns["now"] / "tong-hop" / "bao-cao.docx").read_bytes()
    pdf = tmp_path / "bao-cao.pdf"
    pdf.write_bytes(docx_to_pdf(document, exe, tmp_path))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    size = next(line for line in info.stdout.splitlines() if line.startswith("Page size"))
    width, height = (float(x) for x in re.findall(r"[\d.]+", size)[:2])
    assert (round(width), round(height)) == (595, 842), size  # A4, portrait
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.replace("\u00a0", " ")
    expected = _totals(campaigns)
    this, that = expected["s6_doc_online"]
    figures = f"{format_number(this)} lượt người {format_number(that)} {change_text(this, that)}"
    assert figures in " ".join(text.split())
    assert re.search(r"Năm trước\s+Tăng,", text)


def test_init_names_last_years_folder(campaigns, tmp_path) -> None:
    """`htsd init --nam-truoc` writes last_year into htsd.toml, relative to the new folder, and
    aggregate then takes it without a flag (the comparison appears)."""
    work = campaigns["before"].parent / "dot-moi"
    flags = ["--co-quan", "Phòng Giáo dục và Đào tạo", "--chu-quan", "", "--viet-tat", "PGDĐT",
             "--dia-danh", "Hải An", "--noi-nhan", "", "--nguoi-ky", "A", "--chuc-vu", "B",
             "--form", "htsd-2022", "--nam", "2022"]  # fmt: skip
    result = runner.invoke(
        app, ["init", str(work), *flags, "--nam-truoc", str(campaigns["before"])]
    )
    assert result.exit_code == 0, result.output
    text = (work / "htsd.toml").read_text(encoding="utf-8")
    assert 'last_year = "../dot-2022"' in text
    assert text.index("last_year") < text.index("[office]")
    assert load_config(work / "htsd.toml").last_year == work / "../dot-2022"
    wrong = runner.invoke(app, ["init", str(tmp_path / "x"), *flags, "--nam-truoc", str(tmp_path)])
    assert wrong.exit_code == 1
    assert "không có tệp tổng hợp năm trước" in wrong.output


def test_the_form_workbook_carries_last_years_ids(tmp_path) -> None:
    """The form as a workbook: column 'Mã năm trước' and the factors against last year, both
    read back as the YAML says them."""
    from htsd_cli.campaign.formbook import read_book, write_book

    text = next_year_form().replace(
        "hold_outliers: 50", "hold_outliers: 50\n  against_last_year: {count: 5}"
    )
    form = parse_form(text.replace("{id: s3_poster,", "{id: s3_poster, last_year: mới,"))
    (tmp_path / "f.xlsx").write_bytes(write_book(form))
    sheet = openpyxl.load_workbook(tmp_path / "f.xlsx")["Các dòng"]
    head = [c.value for c in sheet[1]]
    at = head.index("Mã năm trước")
    ids = head.index("Mã")
    past = {r[ids]: r[at] for r in sheet.iter_rows(min_row=2, values_only=True) if r[ids]}
    assert past["s2_bai_bao_in"] == "s2_bai_bao" and past["s3_to_roi_so"] == "s3_to_roi"
    assert past["s3_poster"] == "mới"
    back = read_book(tmp_path / "f.xlsx").form
    assert back.indicator("s3_to_roi_giay").last_year == ("s3_to_roi",)
    assert back.indicator("s2_bai_viet_cds").last_year is None
    assert back.indicator("s3_poster").last_year == ()
    assert back.plausibility.last_year_factor("count") == 5
    assert back.plausibility.last_year_factor("money") == 10


def test_validate_with_last_year_in_htsd_toml_prints_rows_to_confirm(campaigns) -> None:
    """With `last_year` in htsd.toml, validate checks each unit against its own past too and
    prints, for each figure far from it, the decisions row that confirms it."""
    now = campaigns["now"]
    text = (now / "htsd.toml").read_text(encoding="utf-8")
    config = now / "htsd-nam-truoc.toml"
    config.write_text(text.replace("[office]", 'last_year = "../dot-2022"\n\n[office]'), "utf-8")
    result = runner.invoke(app, ["validate", "--config", str(config)], terminal_width=200)
    assert result.exit_code in (0, 1), result.output
    assert "Khác xa năm trước 2 chỗ" in result.output
    rows = [line.split("\t") for line in result.output.splitlines() if line.count("\t") == 9]
    assert sorted((r[3].lstrip("'"), r[6]) for r in rows) == sorted([JUMP[:2], ZERO])


def test_json_says_what_the_workbook_says(campaigns) -> None:
    """`aggregate --json` carries the comparison: the same rows and units as the workbook."""
    data = campaigns["json"]["last_year"]
    assert (data["form_id"], data["year"]) == ("htsd-2022", "2022")
    rows = {r["indicator"]: r for r in data["rows"]}
    this, that = _totals(campaigns)["s6_doc_online"]
    assert (rows["s6_doc_online"]["total"], rows["s6_doc_online"]["last_year"]) == (this, that)
    assert rows["s2_bai_bao_in"]["last_year_ids"] == ["s2_bai_bao"]
    assert data["dropped"] == ["s2_tin_phat_thanh"]
    merged = [u for u in data["units"] if u["unit"] == MERGED_INTO]
    assert merged and all(u["last_year_units"] == list(MERGED_FROM) for u in merged)
    assert data["units_gone"] == []  # the merged wards are continued; nobody else left


def test_last_years_folder_is_looked_into_once_a_run(campaigns, monkeypatch, tmp_path) -> None:
    """Last year's summary is found in last year's working folder once (its htsd.toml read
    once), however many steps of a run need it: where no output may go, the comparison."""
    from htsd_cli.campaign import config as configuration

    now = campaigns["now"]
    text = (now / "htsd.toml").read_text(encoding="utf-8")
    config = now / "htsd-mot-lan.toml"
    config.write_text(text.replace("[office]", 'last_year = "../dot-2022"\n\n[office]'), "utf-8")
    read: list[Path] = []
    load = configuration.load_config

    def counted(explicit: Path | None = None) -> Config:
        read.append(Path(explicit or "").resolve())
        return load(explicit)

    monkeypatch.setattr(configuration, "load_config", counted)
    result = runner.invoke(
        app,
        ["status", "--config", str(config), "--out", str(tmp_path / "tinh-hinh.xlsx"),
         "--remind", str(tmp_path / "nhac")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert read == [(campaigns["before"] / "htsd.toml").resolve()]
