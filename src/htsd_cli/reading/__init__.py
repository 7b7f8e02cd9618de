"""Reading returns: the guard, the parsers of workbook parts, the read-only view, archives, and
finding the returns in folders."""

from htsd_cli.reading.guard import Unreadable
from htsd_cli.reading.reader import open_workbook
from htsd_cli.reading.view import SheetView

__all__ = ["SheetView", "Unreadable", "open_workbook"]
