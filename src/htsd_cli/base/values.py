"""Reading one cell's value the way a Vietnamese clerk would: '1.200' is 1200, '1,5' is 1.5."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from htsd_cli.base.findings import Code
from htsd_cli.base.textnorm import fold, nfc

_NUMBER_RE = re.compile(r"^([+-]?)\s*([0-9](?:[0-9., ]*[0-9])?)\s*(.*)$", re.S)
# Every kind of space people (and spreadsheet programs) put between groups of digits.
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
_YES = {"co", "yes", "c"}
_NO = {"khong", "k", "no"}
# Marks people tick a yes with; read with a note quoting them (a blank stays no answer).
YES_MARKS = frozenset({"x", "√", "✓", "✔", "☑"})  # not ✗: a cross may mean no
# Answers in words that mean yes or no beyond doubt; read with a note quoting them.
_YES_WORDS = {
    "da co",
    "co ke hoach",
    "da co ke hoach",
    "da ban hanh",
    "co ban hanh",
    "co roi",
    "da xay dung",
    "dat",
}
_NO_WORDS = {
    "khong co",
    "chua co",
    "chua",
    "chua co ke hoach",
    "khong co ke hoach",
    "chua ban hanh",
    "chua dat",
    "khong dat",
}
_ERROR_VALUES = {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#ERROR"}


class ValueProblem(ValueError):
    """The text cannot be read as the expected value; `code` is the finding code."""

    def __init__(self, code: Code, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Parsed:
    value: float
    unit_text: str = ""  # words after the number that are not a multiplier ("lớp", "đồng")
    multiplier: int = 1  # 1_000_000 for "80 triệu"


def _decimal(digits: str) -> Decimal:
    """The digits part of a number: dots group thousands, a comma is the decimal point."""
    if " " in digits:
        if not re.fullmatch(r"[0-9]{1,3}( [0-9]{3})+(,[0-9]+)?", digits):
            raise ValueProblem(
                Code.AMBIGUOUS_NUMBER, "viết số không rõ ràng (khoảng trắng giữa các chữ số)"
            )
        digits = digits.replace(" ", "")
    if "." in digits and "," in digits:
        if not re.fullmatch(r"[0-9]{1,3}(\.[0-9]{3})+,[0-9]+", digits):
            raise ValueProblem(
                Code.AMBIGUOUS_NUMBER, "viết số không rõ ràng (lẫn dấu chấm và phẩy)"
            )
        return Decimal(digits.replace(".", "").replace(",", "."))
    if "." in digits:
        if not re.fullmatch(r"[0-9]{1,3}(\.[0-9]{3})+", digits):
            raise ValueProblem(
                Code.AMBIGUOUS_NUMBER,
                "dấu chấm chỉ dùng để tách hàng nghìn (1.200); số thập phân dùng dấu phẩy (1,5)",
            )
        return Decimal(digits.replace(".", ""))
    if "," in digits:
        if re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+", digits):
            raise ValueProblem(
                Code.AMBIGUOUS_NUMBER,
                "không rõ là số nghìn hay số thập phân; hãy ghi số không có dấu phân cách",
            )
        if not re.fullmatch(r"[0-9]+,[0-9]+", digits):
            raise ValueProblem(Code.AMBIGUOUS_NUMBER, "viết số không rõ ràng")
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
        raise ValueProblem(Code.AMBIGUOUS_NUMBER, "không rõ chữ viết tắt sau con số nghĩa là gì")
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
        raise ValueProblem(Code.NOT_A_NUMBER, "không phải là một con số")
    sign, digits, rest = m.group(1), m.group(2).strip(), m.group(3).strip()
    factor, rest = _multiplier(rest)
    if rest and (
        len(rest) > 20 or not re.fullmatch(r"[^\W\d_][^\W\d_ .]*(?:[ .][^\W\d_]+)*\.?", rest)
    ):
        raise ValueProblem(Code.NOT_A_NUMBER, "không phải là một con số")
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
        if key in YES_MARKS:
            return True, False
        if key in _YES:
            return True, True
        if key in _NO:
            return False, True
        if key in _YES_WORDS:
            return True, False
        if key in _NO_WORDS:
            return False, False
    raise ValueProblem(Code.NOT_YES_NO, "không phải Có hoặc Không")


def is_yes_mark(value: object) -> bool:
    """Whether `value` is a tick or a cross that stands for yes ('√', 'x')."""
    return isinstance(value, str) and fold(value).strip(" .!") in YES_MARKS


_FOOTNOTE_RE = re.compile(r"^(.*?[0-9])\s*(\*+|\(\*+\)|\*+\))$", re.S)


def split_footnote(text: str) -> tuple[str, str]:
    """('180', '*') for '180*': a number followed by a footnote mark; (text, '') otherwise."""
    m = _FOOTNOTE_RE.match(text.strip())
    return (m.group(1), m.group(2)) if m else (text, "")


_NUMBER_IN_TEXT_RE = re.compile(r"[0-9](?:[0-9]|[.,\u00a0\u202f ](?=[0-9]))*")


def numbers_in(text: str) -> list[float]:
    """The numbers written in a free text, in order ('đã phát 1.200 tờ' → [1200.0]); a piece that
    does not read as a number in Vietnamese conventions is skipped."""
    found = []
    for m in _NUMBER_IN_TEXT_RE.finditer(nfc(text).translate(_FULL_WIDTH)):
        try:
            parsed = parse_vn_number(m.group(0))
        except ValueProblem:
            continue
        found.append(parsed.value)
    return found


# An amount followed by the same amount in words, as on a receipt: "1.800.000đ (Một triệu tám
# trăm nghìn đồng chẵn)".
_AMOUNT_WORDS_RE = re.compile(
    r"^(?P<amount>.*?[0-9].*?)\s*(?:[(\[]\s*(?:bằng chữ\s*:?\s*)?(?P<inside>[^()\[\]0-9]+?)\s*[)\]]"
    r"\s*(?:đồng|đ|vnđ)?|[-–—,;:]\s*(?:bằng chữ\s*:?\s*)?(?P<after>[^()\[\]0-9]+?))\s*\.?$",
    re.S | re.I,
)
_DIGIT_WORDS = {
    "khong": 0, "mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "lam": 5,
    "sau": 6, "bay": 7, "tam": 8, "chin": 9,
}  # fmt: skip
_SCALE_WORDS = {"nghin": 1_000, "ngan": 1_000, "trieu": 1_000_000, "ty": 1_000_000_000,
                "ti": 1_000_000_000}  # fmt: skip
_FILLER_WORDS = {"dong", "chan", "vnd", "le", "linh", "bang", "chu", "so", "tien", "va", "d"}


def split_amount_in_words(text: str) -> tuple[str, str] | None:
    """('1.800.000đ', 'Một triệu tám trăm nghìn đồng chẵn') for an amount followed by words in
    brackets, or after a dash or a colon; None for anything else."""
    m = _AMOUNT_WORDS_RE.match(nfc(text).strip())
    if not m:
        return None
    words = m.group("inside") or m.group("after")
    if not re.search(r"[^\W\d_]", words):  # "180 (*)": a footnote mark
        return None
    if m.group("after") and words_to_number(words) is None:
        return None  # "80 triệu, tiền mặt": after a dash or a comma, only an amount in words
    return m.group("amount").strip(), words.strip()


def words_to_number(words: str) -> int | None:
    """A whole number written in Vietnamese words ('một triệu tám trăm nghìn đồng chẵn' →
    1800000); None when a word is not a number word."""
    total = group = 0
    pending: int | None = None
    seen = False
    for word in re.sub(r"[,.;:\-–]", " ", fold(words)).split():
        if word in _DIGIT_WORDS:
            if pending is not None:
                return None  # two digits in a row: "hai ba"
            pending, seen = _DIGIT_WORDS[word], True
        elif word == "muoi":  # mười (ten) or mươi (tens after a digit): folded alike
            group += 10 * (pending if pending is not None else 1)
            pending, seen = None, True
        elif word == "tram":
            group += 100 * (pending if pending is not None else 1)
            pending, seen = None, True
        elif word in _SCALE_WORDS:
            total += (group + (pending or 0) or 1) * _SCALE_WORDS[word]
            group, pending, seen = 0, None, True
        elif word not in _FILLER_WORDS:
            return None
    return total + group + (pending or 0) if seen else None


def is_error_text(value: object) -> bool:
    return isinstance(value, str) and value.strip().upper() in _ERROR_VALUES


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def is_date_like(value: object) -> bool:
    return isinstance(value, (dt.date, dt.datetime, dt.time, dt.timedelta))


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")  # fmt: skip
_DATE_TOKEN_RE = re.compile(
    r'"[^"]*"|\\.|\[[^\]]*\]|am/pm|a/p|y+|m+|d+|h+|s+(?:\.0+)?|[eg]+|.', re.I
)
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def _moment(value: object) -> dt.datetime | None:
    """A date, a time or a serial number as the moment a spreadsheet counts it."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, dt.time):
        return dt.datetime.combine(_EXCEL_EPOCH.date(), value)
    if isinstance(value, dt.timedelta):
        return _EXCEL_EPOCH + value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return _EXCEL_EPOCH + dt.timedelta(days=float(value))
        except OverflowError:
            return None
    return None


def _minutes_here(kinds: list[str], at: int) -> bool:
    """Whether the m token at `at` means minutes: right after hours or right before seconds."""
    before = [k for k in kinds[:at] if k][-1:]
    after = [k for k in kinds[at + 1 :] if k][:1]
    return before == ["h"] or after == ["s"]


def shown_as_date(value: object, code: str) -> str:
    """How a spreadsheet shows `value` under the date or time format `code` ('mm/dd/yy' →
    '03/05/26'); dd/mm/yyyy (hh:mm) when there is no code."""
    moment = _moment(value)
    if moment is None:
        return show(value)
    if not code:
        timed = isinstance(value, (dt.time, dt.timedelta)) or moment.time() != dt.time()
        dated = not isinstance(value, (dt.time, dt.timedelta))
        return " ".join(
            p for p in (moment.strftime("%d/%m/%Y") if dated else "",
                        moment.strftime("%H:%M") if timed else "") if p
        )  # fmt: skip
    tokens = _DATE_TOKEN_RE.findall(code.split(";", 1)[0])
    kinds = [t[0].lower() if t[0].lower() in "ymdhs" and t[0] not in '"\\[' else "" for t in tokens]
    twelve = any(t.lower() in ("am/pm", "a/p") for t in tokens)
    out = []
    for at, token in enumerate(tokens):
        low, size = token.lower(), len(token)
        if token.startswith('"'):
            out.append(token[1:-1])
        elif token.startswith("\\"):
            out.append(token[1:])
        elif token.startswith("["):
            inner = low[1:-1]
            if inner and not inner.strip("hms"):  # elapsed time: [h]:mm
                hours = (moment - _EXCEL_EPOCH).total_seconds() // 3600
                out.append(str(int(hours)) if inner[0] == "h" else "")
        elif low in ("am/pm", "a/p"):
            word = "AM" if moment.hour < 12 else "PM"
            out.append(word if low == "am/pm" else word[0])
        elif kinds[at] == "y":
            out.append(str(moment.year) if size > 2 else f"{moment.year % 100:02d}")
        elif kinds[at] == "m" and _minutes_here(kinds, at):
            out.append(f"{moment.minute:0{min(size, 2)}d}")
        elif kinds[at] == "m":
            name = _MONTHS[moment.month - 1]
            out.append(f"{moment.month:0{size}d}" if size <= 2 else name[:3] if size == 3 else name)
        elif kinds[at] == "d":
            out.append(f"{moment.day:0{size}d}" if size <= 2 else moment.strftime("%a"))
        elif kinds[at] == "h":
            hour = moment.hour % 12 or 12 if twelve else moment.hour
            out.append(f"{hour:0{min(size, 2)}d}")
        elif kinds[at] == "s":
            out.append(f"{moment.second:0{min(len(token.split('.')[0]), 2)}d}")
        elif low[0] in "eg":
            out.append(str(moment.year) if low[0] == "e" else "")
        else:
            out.append(token)
    return "".join(out).strip()


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
