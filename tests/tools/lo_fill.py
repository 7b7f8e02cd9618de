"""Fill an issued workbook inside LibreOffice (UNO) and save it as .xlsx, .xls and .ods.

Run with the system Python that has LibreOffice's `uno` module (Debian: python3-uno):
    /usr/bin/python3 lo_fill.py SOFFICE PROFILE_DIR WORKBOOK VALUES.json OUT_DIR
Cells are addressed by the workbook's defined names, as a unit's own tool would.
"""

import contextlib
import json
import os
import subprocess
import sys
import time

import uno
from com.sun.star.beans import PropertyValue

FILTERS = {"xlsx": "Calc MS Excel 2007 XML", "xls": "MS Excel 97", "ods": "calc8"}


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main(soffice, profile, workbook, values_path, out_dir):
    pipe = f"htsd{os.getpid()}"
    office = subprocess.Popen(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--invisible",
            "--norestore",
            f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local
        )
        deadline = time.time() + 90
        while True:
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                if time.time() > deadline:
                    raise
                time.sleep(0.3)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(
            uno.systemPathToFileUrl(workbook), "_blank", 0, (prop("Hidden", True),)
        )
        with open(values_path, encoding="utf-8") as handle:
            values = json.load(handle)
        names = doc.NamedRanges
        for name, value in values.items():
            cell = names.getByName(name).getReferredCells().getCellByPosition(0, 0)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                cell.setValue(value)
            else:
                cell.setString(str(value))
        stem = os.path.splitext(os.path.basename(workbook))[0]
        for ext, filter_name in FILTERS.items():
            target = os.path.join(out_dir, f"{stem}.{ext}")
            doc.storeToURL(uno.systemPathToFileUrl(target), (prop("FilterName", filter_name),))
        doc.close(True)
        with contextlib.suppress(Exception):  # the office may already be gone
            desktop.terminate()
    finally:
        try:
            office.wait(timeout=30)
        except subprocess.TimeoutExpired:
            office.kill()


if __name__ == "__main__":
    main(*sys.argv[1:6])
