"""Render the sample report's first page to PNG so a person can look at it.

Runs `htsd aggregate` on the bundled samples, converts bao-cao.docx to PDF with LibreOffice and
the first page to PNG with pdftoppm (Debian: libreoffice-writer-nogui, poppler-utils).
Run: .venv/bin/python bench/render_report_png.py [OUT_DIR]
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "hai-an-2022"


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    htsd = [sys.executable, "-m", "htsd_cli"]
    subprocess.run(
        [
            *htsd,
            "aggregate",
            str(SAMPLES / "returns"),
            "-r",
            str(SAMPLES / "roster.csv"),
            "-c",
            str(SAMPLES / "htsd.toml"),
            "-n",
            str(SAMPLES / "loi-van.md"),
            "-o",
            str(out),
        ],
        check=True,
    )
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or shutil.which("pdftoppm") is None:
        sys.exit("needs LibreOffice (soffice) and poppler-utils (pdftoppm)")
    subprocess.run(
        [
            soffice,
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(out / "bao-cao.docx"),
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(out / "bao-cao.pdf"),
            str(out / "bao-cao-trang-1"),
        ],
        check=True,
    )
    print(f"first page: {out / 'bao-cao-trang-1.png'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "out" / "bao-cao")
