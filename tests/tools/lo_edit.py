"""Make returns inside LibreOffice (UNO) the way units make them, from a JSON script.

Run with the system Python that has LibreOffice's `uno` module (Debian: python3-uno):
    /usr/bin/python3 lo_edit.py SOFFICE PROFILE_DIR SCRIPT.json

The script is a list of jobs; one office serves them all (starting it is the slow part):
    [{"open": "issued.xlsx" | null, "ops": [[op, args...], ...], "save": ["out.xlsx", ...]}]
`open: null` starts a new, empty spreadsheet. Operations, on the first sheet unless named:
    ["fill", {defined name: value}]         type values into the cells the names point to
    ["unprotect"]                           lift the sheet protection (no password)
    ["insert_rows", row, count]             insert rows before 1-based `row`
    ["delete_rows", row, count]             delete rows starting at 1-based `row`
    ["set", "B59", value]                   type one value (numbers stay numbers)
    ["rows", "A1", [[...], ...]]            type a block of values starting at a cell
    ["paste_values_from", path, "A3"]       paste the form sheet's values of another
                                            workbook, as "Paste special › values only" does
    ["rename_sheet", old, new]
    ["add_sheet", name, position]
    ["recalc"]                              recalculate every formula (before saving)
    ["sheet", name]                         the operations after it act on that sheet
"""

import contextlib
import json
import os
import subprocess
import sys
import time

import uno
from com.sun.star.beans import PropertyValue

FILTERS = {".xlsx": "Calc MS Excel 2007 XML", ".xls": "MS Excel 97", ".ods": "calc8"}


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def split_ref(ref):
    col = 0
    i = 0
    while ref[i].isalpha():
        col = col * 26 + ord(ref[i].upper()) - 64
        i += 1
    return col - 1, int(ref[i:]) - 1


def put(cell, value):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.setValue(value)
    else:
        cell.setString("" if value is None else str(value))


def connect(soffice, profile):
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
                office.kill()
                raise
            time.sleep(0.3)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    return office, desktop


def sheet_values(desktop, path):
    doc = desktop.loadComponentFromURL(
        uno.systemPathToFileUrl(os.path.abspath(path)), "_blank", 0, (prop("Hidden", True),)
    )
    try:
        sheet = doc.Sheets.getByIndex(0)
        cursor = sheet.createCursor()
        cursor.gotoEndOfUsedArea(False)
        end = cursor.getRangeAddress()
        block = sheet.getCellRangeByPosition(0, 0, end.EndColumn, end.EndRow)
        return [list(row) for row in block.getDataArray()]
    finally:
        doc.close(True)


def run_job(desktop, job):
    if job.get("open"):
        url = uno.systemPathToFileUrl(os.path.abspath(job["open"]))
    else:
        url = "private:factory/scalc"
    doc = desktop.loadComponentFromURL(url, "_blank", 0, (prop("Hidden", True),))
    try:
        sheets = doc.Sheets
        sheet = sheets.getByIndex(0)
        for op, *args in job.get("ops", []):
            if op == "fill":
                for name, value in args[0].items():
                    ref = doc.NamedRanges.getByName(name).getReferredCells()
                    put(ref.getCellByPosition(0, 0), value)
            elif op == "unprotect":
                sheet.unprotect("")
            elif op in ("insert_rows", "delete_rows"):
                row, count = args
                rows = sheet.getRows()
                if op == "insert_rows":
                    rows.insertByIndex(row - 1, count)
                else:
                    rows.removeByIndex(row - 1, count)
            elif op == "set":
                col, row = split_ref(args[0])
                put(sheet.getCellByPosition(col, row), args[1])
            elif op == "rows":
                col, row = split_ref(args[0])
                for r, values in enumerate(args[1]):
                    for c, value in enumerate(values):
                        if value is not None and value != "":
                            put(sheet.getCellByPosition(col + c, row + r), value)
            elif op == "paste_values_from":
                col, row = split_ref(args[1])
                data = sheet_values(desktop, args[0])
                width = max(len(r) for r in data)
                block = sheet.getCellRangeByPosition(col, row, col + width - 1, row + len(data) - 1)
                block.setDataArray(tuple(tuple(r + [""] * (width - len(r))) for r in data))
            elif op == "rename_sheet":
                sheets.getByName(args[0]).setName(args[1])
            elif op == "add_sheet":
                sheets.insertNewByName(args[0], args[1])
            elif op == "recalc":
                doc.calculateAll()
            elif op == "sheet":
                sheet = sheets.getByName(args[0])
            else:
                raise ValueError(f"unknown operation {op}")
        for target in job["save"]:
            ext = os.path.splitext(target)[1].lower()
            doc.storeToURL(
                uno.systemPathToFileUrl(os.path.abspath(target)),
                (prop("FilterName", FILTERS[ext]),),
            )
    finally:
        doc.close(True)


def main(soffice, profile, script_path):
    with open(script_path, encoding="utf-8") as handle:
        jobs = json.load(handle)
    office, desktop = connect(soffice, profile)
    try:
        for job in jobs:
            run_job(desktop, job)
        with contextlib.suppress(Exception):  # the office may already be gone
            desktop.terminate()
    finally:
        try:
            office.wait(timeout=30)
        except subprocess.TimeoutExpired:
            office.kill()


if __name__ == "__main__":
    main(*sys.argv[1:4])
