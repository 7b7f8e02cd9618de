"""The Word report turned into PDF by LibreOffice, when it is installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from htsd_cli.base.errors import OutputError, os_reason

INSTALL_HINT = (
    "Cần LibreOffice để xuất PDF. Cài LibreOffice (miễn phí) từ https://vi.libreoffice.org "
    "(Windows, macOS) hoặc bằng lệnh 'sudo apt install libreoffice-writer-nogui' (Debian, Ubuntu), "
    "rồi chạy lại. Không có LibreOffice thì bỏ --pdf: bao-cao.docx mở bằng Word vẫn in được."
)
TIMEOUT = 180.0


def find_soffice() -> str | None:
    """LibreOffice's command: on the PATH, or where its installers put it."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    candidates: list[Path] = []
    if sys.platform == "win32":
        for root in (os.environ.get("PROGRAMFILES", ""), os.environ.get("PROGRAMFILES(X86)", "")):
            if root:
                candidates.append(Path(root) / "LibreOffice" / "program" / "soffice.exe")
    elif sys.platform == "darwin":
        candidates.append(Path("/Applications/LibreOffice.app/Contents/MacOS/soffice"))
    return next((str(c) for c in candidates if c.is_file()), None)


def require_soffice() -> str:
    exe = find_soffice()
    if exe is None:
        raise OutputError(INSTALL_HINT)
    return exe


def convert(
    document: bytes, name: str, to: str, soffice: str, folder: Path | None = None
) -> bytes | None:
    """`document` (a file named `name`) converted by LibreOffice to the format `to` ("pdf",
    "docx") in a private folder (given by the caller, who removes it: an output set's workspace,
    cleared by the next run even after a power cut), with a private LibreOffice profile (a
    LibreOffice window the clerk has open does not get in the way); None when LibreOffice made
    nothing. Raises OutputError when the document cannot be put in the folder, OSError or
    subprocess.TimeoutExpired when LibreOffice cannot be run."""
    if folder is None:
        with tempfile.TemporaryDirectory(prefix="htsd-lo-") as tmp:
            return convert(document, name, to, soffice, Path(tmp))
    source = folder / name
    try:
        source.write_bytes(document)
    except OSError as exc:
        raise OutputError(f"Không ghi được tệp tạm {source}: {os_reason(exc)}.") from exc
    command = [
        soffice,
        f"-env:UserInstallation={(folder / 'profile').as_uri()}",
        "--headless",
        "--convert-to",
        to,
        "--outdir",
        str(folder / "out"),
        str(source),
    ]
    subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False)
    target = folder / "out" / f"{source.stem}.{to}"
    return target.read_bytes() if target.is_file() else None


def docx_to_pdf(document: bytes, soffice: str, folder: Path | None = None) -> bytes:
    try:
        pdf = convert(document, "bao-cao.docx", "pdf", soffice, folder)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OutputError(f"LibreOffice không chuyển được báo cáo sang PDF ({exc}).") from exc
    if pdf is None:
        raise OutputError(
            "LibreOffice không tạo được bao-cao.pdf. Hãy mở bao-cao.docx bằng LibreOffice "
            "hoặc Word và lưu thành PDF."
        )
    return pdf
