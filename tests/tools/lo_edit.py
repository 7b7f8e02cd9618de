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
    ["locale", "en-US"]                     set the office's locale (Tools › Options › Language
                                            Settings › Locale setting), as on a computer set so;
                                            typing below follows it ("" for the system's)
    ["type", "C16", "3/5"]                  type text into a cell as at the keyboard: the office
                                            reads it under its locale ("3/5" becomes a date,
                                            "80.000" under en-US the number 80)
    ["strike", "C22"]                       strike a cell through (Format › Text › Strikethrough)
    ["strike_part", "C23", start, length]   strike through `length` characters of the cell's
                                            text from `start` (0-based), the rest left as is
    ["number_format", "C24", "DD/MM/YYYY"]  apply a number format (its code, en-US keywords)
    ["copy_sheet", name, new, position]     copy a sheet within the workbook (Sheet › Move or
                                            Copy Sheet…); the copy keeps its protection
    ["import_sheet", path, name, new, position]  copy sheet `name` of another workbook into this
                                            one (Move or Copy Sheet… › to another document)
    ["on_sheet", name]                      the operations after this one act on that sheet
    ["cells", {"C22": value, ...}]          type values into cells of the current sheet
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
    OFFICE["context"] = ctx
    return office, desktop


OFFICE = {}  # the office's component context, for its configuration


def set_locale(tag):
    """The office's locale setting, which reads what is typed (and shows numbers)."""
    ctx = OFFICE["context"]
    provider = ctx.ServiceManager.createInstanceWithContext(
        "com.sun.star.configuration.ConfigurationProvider", ctx
    )
    access = provider.createInstanceWithArguments(
        "com.sun.star.configuration.ConfigurationUpdateAccess",
        (prop("nodepath", "/org.openoffice.Setup/L10N"),),
    )
    access.replaceByName("ooSetupSystemLocale", tag)
    access.commitChanges()


def format_key(doc, code):
    """The number format of `code` in the document, added when it has none yet."""
    from com.sun.star.lang import Locale

    formats = doc.NumberFormats
    english = Locale("en", "US", "")
    key = formats.queryKey(code, english, False)
    return key if key != -1 else formats.addNew(code, english)


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
            elif op == "copy_sheet":
                sheets.copyByName(args[0], args[1], args[2])
            elif op == "import_sheet":
                other = desktop.loadComponentFromURL(
                    uno.systemPathToFileUrl(os.path.abspath(args[0])),
                    "_blank",
                    0,
                    (prop("Hidden", True),),
                )
                try:
                    at = sheets.importSheet(other, args[1], args[3])
                    sheets.getByIndex(at).setName(args[2])
                finally:
                    other.close(True)
            elif op == "on_sheet":
                sheet = sheets.getByName(args[0])
            elif op == "cells":
                for ref, value in args[0].items():
                    col, row = split_ref(ref)
                    put(sheet.getCellByPosition(col, row), value)
            elif op == "recalc":
                doc.calculateAll()
            elif op == "locale":
                set_locale(args[0])
            elif op in ("type", "strike", "strike_part", "number_format"):
                col, row = split_ref(args[0])
                cell = sheet.getCellByPosition(col, row)
                if op == "type":  # the input line's way: read under the locale, formats detected
                    cell.FormulaLocal = args[1]
                elif op == "strike":
                    cell.CharStrikeout = 1  # com.sun.star.awt.FontStrikeout.SINGLE
                elif op == "strike_part":
                    cursor = cell.getText().createTextCursor()
                    cursor.gotoStart(False)
                    cursor.goRight(args[1], False)
                    cursor.goRight(args[2], True)
                    cursor.CharStrikeout = 1
                else:
                    cell.NumberFormat = format_key(doc, args[1])
            else:
                raise ValueError(f"unknown operation {op}")
        for target in job["save"]:
            ext = os.path.splitext(target)[1].lower()
            doc.storeToURL(
                uno.systemPathToFileUrl(os.path.abspath(target)),
                (prop("FilterName", FILTERS[ext]),),
            )
        if any(op == "locale" for op, *_ in job.get("ops", [])):
            set_locale("")  # the next job types under the system's locale again
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
