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

from htsd_cli.campaign.config import load_config
from htsd_cli.campaign.roster import load_roster
from htsd_cli.fill import fill_workbook
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
PLAN_WITHOUT_PLAN = "TH07"  # answers "Không" to having a plan, yet gives the plan's number


SCHOOLS = ("mam_non", "tieu_hoc", "thcs", "thpt")
WARD = ("ubnd_phuong", "ubnd_xa")

# Per unit type: (low, high) of each figure a unit of that type would plausibly report in a week,
# as an urban district's schools, ward committees, community learning centres and culture centre
# do. A figure missing here is 0 to 1; "per" figures are per class or per event.
RANGES: dict[str, dict[str, tuple[int, int]]] = {
    "school": {
        "s2_bai_bao": (0, 1), "s2_tin_truyen_hinh": (0, 0), "s2_tin_phat_thanh": (0, 1),
        "s2_bao_tuong": (6, 20), "s2_bai_viet_cds": (2, 8),
        "s3_to_roi": (50, 300), "s3_sach_tai_lieu": (10, 80), "s3_bang_zon": (2, 6),
        "s4_hoi_thao": (0, 2), "s4_trien_lam": (0, 1), "s4_van_nghe": (0, 2),
        "s5_lop_cmnv": (0, 2), "s5_lop_nn_th": (0, 2), "s5_lop_ksn": (1, 4), "s5_lop_xmc": (0, 1),
        "s5_lop_khac": (0, 1),
        "s6_tai_lieu_so": (20, 200), "s6_tap_huan": (1, 6), "s6_doc_online": (100, 600),
        "s8_don_vi": (0, 2), "s8_ca_nhan": (0, 12),
    },
    "ward": {
        "s2_bai_bao": (0, 2), "s2_tin_truyen_hinh": (0, 2), "s2_tin_phat_thanh": (5, 20),
        "s2_bao_tuong": (0, 1), "s2_bai_viet_cds": (1, 4),
        "s3_to_roi": (200, 800), "s3_sach_tai_lieu": (0, 30), "s3_bang_zon": (4, 12),
        "s4_hoi_thao": (0, 1), "s4_trien_lam": (0, 1), "s4_van_nghe": (0, 1),
        "s5_lop_cmnv": (0, 1), "s5_lop_nn_th": (0, 1), "s5_lop_day_nghe": (0, 1),
        "s5_lop_ksn": (0, 1), "s5_lop_nhu_cau": (0, 1), "s5_lop_xmc": (0, 0), "s5_lop_khac": (0, 1),
        "s8_don_vi": (0, 3), "s8_ca_nhan": (0, 8),
    },
    "tthtcd": {
        "s2_bai_bao": (0, 1), "s2_tin_truyen_hinh": (0, 0), "s2_tin_phat_thanh": (0, 3),
        "s2_bao_tuong": (0, 1), "s2_bai_viet_cds": (0, 3),
        "s3_to_roi": (100, 400), "s3_sach_tai_lieu": (10, 50), "s3_bang_zon": (1, 4),
        "s4_hoi_thao": (0, 1), "s4_trien_lam": (0, 1), "s4_van_nghe": (0, 1),
        "s5_lop_cmnv": (0, 1), "s5_lop_nn_th": (0, 2), "s5_lop_day_nghe": (0, 2),
        "s5_lop_ksn": (0, 2), "s5_lop_nhu_cau": (1, 3), "s5_lop_xmc": (0, 1), "s5_lop_khac": (0, 1),
        "s8_don_vi": (0, 1), "s8_ca_nhan": (0, 5),
    },
    "tt_van_hoa": {
        "s2_bai_bao": (3, 8), "s2_tin_truyen_hinh": (2, 6), "s2_tin_phat_thanh": (5, 15),
        "s2_bao_tuong": (0, 0), "s2_bai_viet_cds": (3, 8),
        "s3_to_roi": (500, 2000), "s3_sach_tai_lieu": (20, 100), "s3_bang_zon": (10, 30),
        "s4_hoi_thao": (1, 2), "s4_trien_lam": (1, 2), "s4_van_nghe": (1, 3),
        "s5_lop_cmnv": (0, 1), "s5_lop_nn_th": (0, 1), "s5_lop_ksn": (0, 1),
        "s5_lop_nhu_cau": (0, 2), "s5_lop_khac": (0, 1),
        "s8_don_vi": (0, 2), "s8_ca_nhan": (0, 6),
    },
}  # fmt: skip
PER = {"s5_lop_": (12, 35), "s4_hoi_thao": (30, 120), "s4_trien_lam": (100, 400)}


def _ranges(unit_type: str) -> dict[str, tuple[int, int]]:
    if unit_type in SCHOOLS:
        return RANGES["school"]
    if unit_type in WARD:
        return RANGES["ward"]
    return RANGES.get(unit_type, RANGES["ward"])


def figures(form, rng: random.Random, unit_type: str) -> dict[str, object]:
    """Plausible figures of a unit of `unit_type`, in the rows it answers, that satisfy the
    form's rules (one library per school at most, section 7 from the centres themselves)."""
    ranges = _ranges(unit_type)
    values: dict[str, object] = {}
    for ind in form.indicators:
        if not ind.applies(unit_type):
            continue
        low, high = ranges.get(ind.id, (0, 1))
        if ind.id == "s1_ke_hoach":
            values[ind.id] = "Có" if rng.random() < 0.95 else "Không"
        elif ind.id == "s1_so_ke_hoach":
            if values["s1_ke_hoach"] == "Có":
                values[ind.id] = f"Số {rng.randint(10, 99)}/KH ngày {rng.randint(15, 28)}/9"
        elif (
            ind.id == "s6_co_thu_vien"
        ):  # every primary and lower-secondary school; most kindergartens
            values[ind.id] = "Có" if unit_type != "mam_non" or rng.random() < 0.6 else "Không"
        elif ind.id == "s7_tthtcd":
            values[ind.id] = "Có" if rng.random() < 0.9 else "Không"
        elif ind.id.startswith("s7_"):
            met = values["s7_tthtcd"] == "Có" and rng.random() < 0.85
            values[ind.id] = "Có" if met else "Không"
        elif ind.kind == "yesno":
            values[ind.id] = "Có" if rng.random() < 0.9 else "Không"
        elif ind.kind == "text":
            values[ind.id] = f"Số {rng.randint(10, 99)}/KH ngày {rng.randint(15, 28)}/9"
        elif ind.id.startswith("s5_nguoi_"):
            classes = int(values[ind.id.replace("nguoi", "lop")])  # type: ignore[call-overload]
            values[ind.id] = sum(rng.randint(*PER["s5_lop_"]) for _ in range(classes))
        elif ind.id in ("s4_nguoi_hoi_thao", "s4_nguoi_trien_lam"):
            events = int(values[ind.id.replace("nguoi_", "")])  # type: ignore[call-overload]
            per = PER[ind.id.replace("nguoi_", "")]
            values[ind.id] = sum(rng.randint(*per) for _ in range(events))
        elif ind.id == "s8_kinh_phi":
            units, people = int(values["s8_don_vi"]), int(values["s8_ca_nhan"])  # type: ignore[call-overload]
            values[ind.id] = units * 1_000_000 + people * 300_000
        else:
            values[ind.id] = rng.randint(low, high)
    return values


def soffice(files: list[Path], target: str, outdir: Path, profile: Path) -> None:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        sys.exit("soffice (LibreOffice) is needed to save the .xls and .ods samples")
    cmd = [
        exe,
        f"-env:UserInstallation=file://{profile}",
        "--headless",
        "--convert-to",
        target,
        "--outdir",
        str(outdir),
    ]
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
        issued = {
            i.unit.code: i.path
            for i in issue_workbooks(form, config, roster, tmp / "issued")
            if i.unit
        }
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
            if unit.code == PLAN_WITHOUT_PLAN:
                values["s1_ke_hoach"] = written["s1_ke_hoach"] = "Không"
                values["s1_so_ke_hoach"] = written["s1_so_ke_hoach"] = "Số 35/KH ngày 20/9"
            if unit.code == BLANK:
                values["s2_tin_truyen_hinh"] = written["s2_tin_truyen_hinh"] = None
            if unit.code == LEGACY:
                values["chi_dao"] = (
                    "§· x©y dùng kÕ ho¹ch vµ tæ chøc lÔ ph¸t ®éng t¹i nhµ v¨n hãa ph­êng."
                )
                written["chi_dao"] = (
                    "Đã xây dựng kế hoạch và tổ chức lễ phát động tại nhà văn hóa phường."
                )
            else:
                values["chi_dao"] = written["chi_dao"] = (
                    f"{unit.name} đã ban hành kế hoạch và tổ chức tuần lễ."
                )
            if unit.code == INVALID:
                values["s3_to_roi"] = written["s3_to_roi"] = -50
                valid = False
            if unit.code == LATE:
                day = 12
            if unit.code == TWICE:
                first = dict(values)
                first["s3_to_roi"] = int(first["s3_to_roi"]) + 100  # type: ignore[call-overload]
                first_name = f"{unit.code} bao cao HTSD (lan 1).xlsx"
                fill_workbook(
                    issued[unit.code],
                    {k: v for k, v in first.items() if v is not None},
                    out / first_name,
                )
                book.append((first_name, "07/10/2022 09:30"))
                record[first_name] = {
                    "unit": unit.code,
                    "type": unit.unit_type,
                    "values": first,
                    "valid": True,
                    "received": "2022-10-07",
                }
                name = f"{unit.code} bao cao HTSD (lan 2).xlsx"
                day = 9
            target = tmp / name if unit.code in (AS_XLS, AS_ODS) else out / name
            fill_workbook(
                issued[unit.code], {k: v for k, v in values.items() if v is not None}, target
            )
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
                "type": unit.unit_type,
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
