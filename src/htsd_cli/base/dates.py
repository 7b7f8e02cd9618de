"""Why a date the clerk typed is not one, in words: "31/9/2025" is shaped like a date, and the
clerk should hear that September has 30 days, not that the text is "not in the right form".

Used wherever a date comes from the clerk: the command line's date options, htsd.toml, the
answers `htsd init` asks for, the receipts book.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

_DAY_FIRST = re.compile(r"\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})\b")
_YEAR_FIRST = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\b")


def parse_date(text: str) -> dt.date | None:
    """A date as a Vietnamese clerk types it (dd/mm/yyyy, also with '.' or '-') or as
    yyyy-mm-dd; None when it is not one."""
    text = text.rstrip()
    m = _DAY_FIRST.fullmatch(text)
    if m:
        day, month, year = (int(g) for g in m.groups())
    else:
        m = _YEAR_FIRST.fullmatch(text)
        if not m:
            return None
        year, month, day = (int(g) for g in m.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def impossible(text: str) -> str:
    """What is wrong with a text shaped like a date that no calendar has ('tháng 9 chỉ có 30
    ngày'); '' when it is a real date or not shaped like one."""
    m = _DAY_FIRST.match(text)
    if m:
        day, month, year = (int(g) for g in m.groups())
    else:
        m = _YEAR_FIRST.match(text)
        if not m:
            return ""
        year, month, day = (int(g) for g in m.groups())
    if not 1 <= month <= 12:
        return f"không có tháng {month} (tháng từ 1 đến 12)"
    if year < 1:
        return f"không có năm {year}"
    days = calendar.monthrange(year, month)[1]
    if 1 <= day <= days:
        return ""
    if day == 0:
        return "không có ngày 0"
    if month == 2 and day == 29:
        return f"năm {year} không nhuận, tháng 2 chỉ có 28 ngày"
    return f"tháng {month} chỉ có {days} ngày"


def why_not(text: str) -> str:
    """Why `text` is not a date the clerk meant, said so they can correct it."""
    reason = impossible(text)
    return f"ngày '{text}' không có thật: {reason}" if reason else f"'{text}' không phải một ngày"
