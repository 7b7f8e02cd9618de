"""Reading one cell's value the way a Vietnamese clerk would: '1.200' is 1200, '1,5' is 1.5."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from htsd_cli.textnorm import fold, nfc

_NUMBER_RE = re.compile(r"^([+-]?)\s*([0-9](?:[0-9., ]*[0-9])?)\s*(.*)$", re.S)
# Any kind of space people (and spreadsheet programs) put between groups of digits.
_SPACES = str.maketrans(
    {c: " " for c in "\u00a0\u202f\u2009\u2007\u2002\u2003\u2004\u2005\u2006\u2008\u200a\u3000"}
)
_FULL_WIDTH = str.maketrans(
    {**{chr(0xFF10 + d): str(d) for d in range(10)}, "\uff0c": ",", "\uff0e": ".", "\uff0d": "-"}
)
# Words that multiply the number before them, as people write money and large counts.
MULTIPLIERS = {
    "k": 1_000, "nghin": 1_000, "ngan": 1_000,
    "tr": 1_000_000, "trieu": 1_000_000,
    "ty": 1_000_000_000, "ti": 1_000_000_000,
}  # fmt: skip
_CURRENCY = {"d", "dong", "vnd", "vnđ", "dong chan", "dong."}
_YES = {"co", "x", "yes", "c"}
_NO = {"khong", "k", "no"}
# Answers in words that mean yes or no beyond doubt; read with a note quoting them.
_YES_WORDS = {
    "da co",
    "co ke hoach",
    "da co ke hoach",
    "da ban hanh",
    "co ban hanh",
    "co roi",
    "da xay dung",
}
_NO_WORDS = {
    "khong co",
    "chua co",
    "chua",
    "chua co ke hoach",
    "khong co ke hoach",
    "chua ban hanh",
}
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
    unit_text: str = ""  # words after the number that are not a multiplier ("lớp", "đồng")
    multiplier: int = 1  # 1_000_000 for "80 triệu"


def _decimal(digits: str) -> Decimal:
    """The digits part of a number: dots group thousands, a comma is the decimal point."""
    if " " in digits:
        if not re.fullmatch(r"[0-9]{1,3}( [0-9]{3})+(,[0-9]+)?", digits):
            raise ValueProblem(
                "ambiguous-number", "viết số không rõ ràng (khoảng trắng giữa các chữ số)"
            )
        digits = digits.replace(" ", "")
    if "." in digits and "," in digits:
        if not re.fullmatch(r"[0-9]{1,3}(\.[0-9]{3})+,[0-9]+", digits):
            raise ValueProblem("ambiguous-number", "viết số không rõ ràng (lẫn dấu chấm và phẩy)")
        return Decimal(digits.replace(".", "").replace(",", "."))
    if "." in digits:
        if not re.fullmatch(r"[0-9]{1,3}(\.[0-9]{3})+", digits):
            raise ValueProblem(
                "ambiguous-number",
                "dấu chấm chỉ dùng để tách hàng nghìn (1.200); số thập phân dùng dấu phẩy (1,5)",
            )
        return Decimal(digits.replace(".", ""))
    if "," in digits:
        if re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+", digits):
            raise ValueProblem(
                "ambiguous-number",
                "không rõ là số nghìn hay số thập phân; hãy ghi số không có dấu phân cách",
            )
        if not re.fullmatch(r"[0-9]+,[0-9]+", digits):
            raise ValueProblem("ambiguous-number", "viết số không rõ ràng")
        return Decimal(digits.replace(",", "."))
    return Decimal(digits)


_SHORT_MULTIPLIERS = {"k", "tr"}  # "5 tr" may be pages: only money words may follow them


def _multiplier(rest: str) -> tuple[int, str]:
    """Split the words after a number into a multiplier and the rest ('triệu đồng' → 10⁶, '')."""
    words = fold(rest).replace(".", " ").split()
    if not words or words[0] not in MULTIPLIERS:
        return 1, rest
    remaining = " ".join(words[1:])
    if not remaining or remaining in _CURRENCY:
        return MULTIPLIERS[words[0]], ""
    if words[0] in _SHORT_MULTIPLIERS:
        raise ValueProblem("ambiguous-number", "không rõ chữ viết tắt sau con số nghĩa là gì")
    # "2 nghìn người": the multiplier, then the unit of measure in the unit's own words
    return MULTIPLIERS[words[0]], rest.split(None, 1)[1]


def parse_vn_number(text: str) -> Parsed:
    """Parse a number typed as text in Vietnamese conventions (dot groups, comma decimals).

    Also read, as a careful clerk reads them: any kind of space between digit groups, a stray
    dot at the end, a leading apostrophe, full-width digits, and a multiplier in words
    ("80 triệu", "2,5 triệu", "1,2 tỷ", "500 nghìn", "3 tr", "500k"). Anything else after the
    number must be a short unit of measure ("5 lớp"); what remains unclear is refused.
    """
    t = nfc(text).translate(_FULL_WIDTH).translate(_SPACES).strip().lstrip("'\u2019`").strip()
    t = re.sub(r"(?<=[0-9])\.$", "", t)  # "1200." as typed in haste
    m = _NUMBER_RE.match(t)
    if not m:
        raise ValueProblem("not-a-number", "không phải là một con số")
    sign, digits, rest = m.group(1), m.group(2).strip(), m.group(3).strip()
    factor, rest = _multiplier(rest)
    if rest and (
        len(rest) > 20 or not re.fullmatch(r"[^\W\d_][^\W\d_ .]*(?:[ .][^\W\d_]+)*\.?", rest)
    ):
        raise ValueProblem("not-a-number", "không phải là một con số")
    if factor > 1 and re.fullmatch(r"[0-9]+\.[0-9]{1,2}", digits):
        number = Decimal(digits)  # "1.5 triệu": no thousands group has one or two digits
    else:
        number = _decimal(digits)
    value = float(number * factor)
    if sign == "-":
        value = -value
    return Parsed(value, rest, factor)


def parse_yes_no(value: object) -> bool:
    return read_yes_no(value)[0]


def read_yes_no(value: object) -> tuple[bool, bool]:
    """(the answer, whether it was plain: Có/Không/x or a boolean). Raises ValueProblem."""
    if isinstance(value, bool):
        return value, True
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value), True
    if isinstance(value, str):
        key = " ".join(fold(value).replace(",", " ").strip(" .!").split())
        if key in _YES:
            return True, True
        if key in _NO:
            return False, True
        if key in _YES_WORDS:
            return True, False
        if key in _NO_WORDS:
            return False, False
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
    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        # a decimal comma, as Vietnamese write it: '1.5' would read as fifteen
        return repr(value).replace(".", ",")
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"
