"""Spreadsheet I/O: the guard, the parsers of workbook parts, and the read-only view."""

from htsd_cli.workbook.guard import Unreadable
from htsd_cli.workbook.reader import open_workbook
from htsd_cli.workbook.view import SheetView

__all__ = ["SheetView", "Unreadable", "open_workbook"]
