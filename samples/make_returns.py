"""Regenerate samples/hai-an-2022/returns/: filled returns made by htsd's own template writer.

They carry the mistakes real units make: figures typed as text, a blank figure, a return saved as
.xls and one as .ods (through LibreOffice), text typed in a legacy TCVN3 font, one invalid return,
one late return, two units missing and one unit that sent twice. The figures written are saved in
sample-figures.json so that tests can compute the totals independently.

Run from the repository root (needs LibreOffice's soffice):
    .venv/bin/python samples/make_returns.py
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from htsd_cli.config import load_config
from htsd_cli.fill import fill_workbook
from htsd_cli.roster import load_roster
from htsd_cli.template import issue_workbooks

HERE = Path(__file__).resolve().parent / "hai-an-2022"
MISSING = {"TTHTCD07", "MN08"}
AS_XLS, AS_ODS = "MN03", "THCS02"
INVALID = "UBP04"
LATE = "TTHTCD02"
TWICE = "THCS05"
TEXT_NUMBER = "TH02"
BLANK = "TH05"
LEGACY = "UBP06"


def figures(form, rng: random.Random, unit_type: str) -> dict[str, object]:
    """Plausible figures that satisfy the form's rules."""
    values: dict[str, object] = {}
    centre = unit_type in ("tthtcd", "ubnd_phuong")
    for ind in form.indicators:
        if ind.kind == "yesno":
            values[ind.id] = "Có" if rng.random() < 0.9 else "Không"
        elif ind.kind == "text":
            values[ind.id] = f"Số {rng.randint(10, 99)}/KH ngày {rng.randint(15, 28)}/9"
        elif ind.kind == "money":
            values[ind.id] = rng.randint(0, 20) * 250_000
        elif ind.id.startswith("s5_lop_"):
            values[ind.id] = rng.randint(0, 3)
        elif ind.id.startswith("s5_nguoi_"):
            classes = int(values[ind.id.replace("nguoi", "lop")])  # type: ignore[call-overload]
            values[ind.id] = classes * rng.randint(12, 35)
        elif ind.id == "s7_tthtcd":
            values[ind.id] = 1 if centre else 0
        elif ind.id.startswith("s7_"):
            values[ind.id] = values["s7_tthtcd"] if rng.random() < 0.8 else 0
        elif ind.kind == "people":
            values[ind.id] = rng.randint(20, 300)
        else:
            values[ind.id] = rng.randint(0, 12)
    if not values["s4_hoi_thao"]:
        values["s4_nguoi_hoi_thao"] = 0
    if not values["s4_trien_lam"]:
        values["s4_nguoi_trien_lam"] = 0
    if values["s8_kinh_phi"] and not (values["s8_don_vi"] or values["s8_ca_nhan"]):
        values["s8_ca_nhan"] = 1
    return values


def soffice(files: list[Path], target: str, outdir: Path, profile: Path) -> None:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        sys.exit("soffice (LibreOffice) is needed to save the .xls and .ods samples")
    cmd = [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", target, "--outdir", str(outdir)]
    subprocess.run([*cmd, *map(str, files)], check=True, capture_output=True)


def main() -> None:
    config = load_config(HERE / "htsd.toml")
    form = config.load_form()
    roster = load_roster(HERE / "roster.csv", form)
    rng = random.Random(20221010)
    out = HERE / "returns"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir()
    book: list[tuple[str, str]] = []
    record: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        issued = {i.unit.code: i.path for i in issue_workbooks(form, config, roster, tmp / "issued") if i.unit}
        for n, unit in enumerate(roster.units):
            if unit.code in MISSING:
                continue
            values = figures(form, rng, unit.unit_type)
            written = dict(values)
            name = issued[unit.code].name
            day = 5 + n % 6  # received 05/10 to 10/10
            valid = True
            if unit.code == TEXT_NUMBER:
                values["s3_to_roi"], written["s3_to_roi"] = "1.200", 1200
                values["s8_kinh_phi"], written["s8_kinh_phi"] = "1.500.000", 1_500_000
            if unit.code == BLANK:
                values["s2_tin_truyen_hinh"] = written["s2_tin_truyen_hinh"] = None
            if unit.code == LEGACY:
                values["chi_dao"] = "§· x©y dùng kÕ ho¹ch vµ tæ chøc lÔ ph¸t ®éng t¹i nhµ v¨n hãa ph­êng."
                written["chi_dao"] = "Đã xây dựng kế hoạch và tổ chức lễ phát động tại nhà văn hóa phường."
            else:
                values["chi_dao"] = written["chi_dao"] = f"{unit.name} đã ban hành kế hoạch và tổ chức tuần lễ."
            if unit.code == INVALID:
                values["s3_to_roi"] = written["s3_to_roi"] = -50
                valid = False
            if unit.code == LATE:
                day = 12
            if unit.code == TWICE:
                first = dict(values)
                first["s3_to_roi"] = int(first["s3_to_roi"]) + 100  # type: ignore[call-overload]
                first_name = f"{unit.code} bao cao HTSD (lan 1).xlsx"
                fill_workbook(issued[unit.code], {k: v for k, v in first.items() if v is not None}, out / first_name)
                book.append((first_name, "07/10/2022 09:30"))
                record[first_name] = {"unit": unit.code, "values": first, "valid": True, "received": "2022-10-07"}
                name = f"{unit.code} bao cao HTSD (lan 2).xlsx"
                day = 9
            target = tmp / name if unit.code in (AS_XLS, AS_ODS) else out / name
            fill_workbook(issued[unit.code], {k: v for k, v in values.items() if v is not None}, target)
            if unit.code == AS_XLS:
                soffice([target], "xls", out, tmp / "profile")
                name = target.with_suffix(".xls").name
            if unit.code == AS_ODS:
                soffice([target], "ods", out, tmp / "profile")
                name = target.with_suffix(".ods").name
            received = f"{day:02d}/10/2022 {8 + n % 9:02d}:15"
            book.append((name, received))
            record[name] = {
                "unit": unit.code,
                "values": written,
                "valid": valid,
                "received": f"2022-10-{day:02d}",
            }
    lines = ["tep,ngay_nhan"] + [f'"{name}",{when}' for name, when in sorted(book)]
    (HERE / "so-nhan.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (HERE / "sample-figures.json").write_text(
        json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    print(f"{len(record)} returns in {out}; {len(MISSING)} units missing")


if __name__ == "__main__":
    main()
