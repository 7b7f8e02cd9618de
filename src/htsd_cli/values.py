"""Reading one cell's value the way a Vietnamese clerk would: '1.200' is 1200, '1,5' is 1.5."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from htsd_cli.textnorm import fold, nfc

_NUMBER_RE = re.compile(r"^([+-]?)\s*([0-9][0-9., \u00a0\u202f]*[0-9]|[0-9])\s*(.*)$", re.S)
_YES = {"co", "x", "yes", "c"}
_NO = {"khong", "k", "no"}
_ERROR_VALUES = {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#ERROR"}


class ValueProblem(ValueError):
    """The text cannot be read as the expected value; `code` is the finding code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Parsed:
    value: float | bool | str | None
    unit_text: str = ""


def parse_vn_number(text: str) -> Parsed:
    """Parse a number typed as text in Vietnamese conventions (dot groups, comma decimals)."""
    t = nfc(text).strip()
    m = _NUMBER_RE.match(t)
    if not m:
        raise ValueProblem("not-a-number", "không phải là một con số")
    sign, digits, rest = m.group(1), m.group(2), m.group(3).strip()
    digits = re.sub(r"[ \u00a0\u202f]", "", digits)
    if rest and (
        len(rest) > 20 or not re.fullmatch(r"[^\W\d_][^\W\d_ .]*(?:[ .][^\W\d_]+)*\.?", rest)
    ):
        raise ValueProblem("not-a-number", "không phải là một con số")
    if "." in digits and "," in digits:
        if not re.fullmatch(r"[0-9]{1,3}(\.[0-9]{3})+,[0-9]+", digits):
            raise ValueProblem("ambiguous-number", "viết số không rõ ràng (lẫn dấu chấm và phẩy)")
        value = float(digits.replace(".", "").replace(",", "."))
    elif "." in digits:
        if not re.fullmatch(r"[0-9]{1,3}(\.[0-9]{3})+", digits):
            raise ValueProblem(
                "ambiguous-number",
                "dấu chấm chỉ dùng để tách hàng nghìn (1.200); số thập phân dùng dấu phẩy (1,5)",
            )
        value = float(digits.replace(".", ""))
    elif "," in digits:
        if re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+", digits):
            raise ValueProblem(
                "ambiguous-number",
                "không rõ là số nghìn hay số thập phân; hãy ghi số không có dấu phân cách",
            )
        if not re.fullmatch(r"[0-9]+,[0-9]+", digits):
            raise ValueProblem("ambiguous-number", "viết số không rõ ràng")
        value = float(digits.replace(",", "."))
    else:
        value = float(digits)
    if sign == "-":
        value = -value
    return Parsed(value, rest)


def parse_yes_no(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        key = fold(value).strip(" .")
        if key in _YES:
            return True
        if key in _NO:
            return False
    raise ValueProblem("not-yes-no", "không phải Có hoặc Không")


def is_error_text(value: object) -> bool:
    return isinstance(value, str) and value.strip().upper() in _ERROR_VALUES


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def is_date_like(value: object) -> bool:
    return isinstance(value, (dt.date, dt.datetime, dt.time, dt.timedelta))


def show(value: object) -> str:
    """How a value is quoted back in a message."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"
