"""Vietnamese text helpers: folding, slugs, number formatting and legacy-encoding repair.

Legacy text comes from the pre-Unicode fonts many offices still use. A cell typed in a TCVN3
(ABC, the ".VnTime" fonts) or VNI ("VNI-Times") font is stored as Latin-1 look-alikes: "Tr­êng"
for "Trường" (TCVN3), "Tröôøng" for "Trường" (VNI). No maintained library converts them, so the
tables are kept here, built from the published layouts of both encodings.
"""

from __future__ import annotations

import functools
import re
import unicodedata

_D_MAP = str.maketrans({"đ": "d", "Đ": "D"})


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower-case ASCII form for comparisons: accents dropped, đ → d, spaces squeezed."""
    text = str(text)
    if text.isascii():  # codes, file names: nothing to drop, and no room taken in the cache
        return " ".join(text.lower().split())
    return _fold_letters(text)


@functools.lru_cache(maxsize=4096)  # labels repeat in every file; unit names do not
def _fold_letters(text: str) -> str:
    plain = text.translate(_letter_bases())  # Vietnamese letters in one C pass, the usual case
    if plain.isascii():
        return " ".join(plain.lower().split())
    decomposed = unicodedata.normalize("NFD", text.translate(_D_MAP))
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(ascii_only.lower().split())


def slug(text: str, max_len: int = 60) -> str:
    """ASCII-safe file-name part: 'Trường THCS Đằng Hải' → 'truong-thcs-dang-hai'."""
    folded = fold(text)
    cleaned = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    return cleaned[:max_len].rstrip("-") or "don-vi"


_XML_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xml_safe(text: str) -> str:
    """Drop the control characters XML cannot hold (a unit's text may contain them)."""
    return _XML_CONTROL.sub("", text)


def xml_escape(text: str) -> str:
    """&, < and > as XML text writes them (what xml.sax.saxutils.escape does, without the
    urllib and email modules that importing it pulls in)."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def format_number(value: float | int | None, decimals: int = 0) -> str:
    """Vietnamese number form: 1500000 → '1.500.000', 2.5 → '2,5'."""
    if value is None:
        return ""
    if decimals == 0 and float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    text = f"{float(value):,.{max(decimals, 2)}f}".rstrip("0").rstrip(".")
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


# --- legacy encodings -----------------------------------------------------------------------------

# TCVN3 (TCVN 5712:1993 VN3): the byte value of each Vietnamese letter, shown through a Latin-1
# font. Uppercase accented letters exist only in the companion ".VnTimeH" fonts, which reuse the
# lowercase codes; we convert to lowercase and let the caller decide.
_TCVN3_LETTERS = (
    "¡Ă ¢Â £Ê ¤Ô ¥Ơ ¦Ư §Đ ¨ă ©â ªê «ô ¬ơ \u00adư ®đ "
    "µà ¶ả ·ã ¸á ¹ạ »ằ ¼ẳ ½ẵ ¾ắ Æặ Çầ Èẩ Éẫ Êấ Ëậ "
    "Ìè Îẻ Ïẽ Ðé Ñẹ Òề Óể Ôễ Õế Öệ ×ì Øỉ Üĩ Ýí Þị "
    "ßò áỏ âõ ãó äọ åồ æổ çỗ èố éộ êờ ëở ìỡ íớ îợ "
    "ïù ñủ òũ óú ôụ õừ öử ÷ữ øứ ùự úỳ ûỷ üỹ ýý þỵ"
)
TCVN3_TO_UNICODE: dict[str, str] = {pair[0]: pair[1] for pair in _TCVN3_LETTERS.split()}
TCVN3_TO_UNICODE["\u00ad"] = "ư"

# VNI Windows: a base letter followed by one or two Latin-1 "mark" characters.
_VNI_TONES_LOWER = "ùøûõï"  # sắc, huyền, hỏi, ngã, nặng
_VNI_TONES_UPPER = "ÙØÛÕÏ"
_VNI_CIRC_LOWER = "âáàåãä"  # mũ, then mũ + each tone
_VNI_CIRC_UPPER = "ÂÁÀÅÃÄ"
_VNI_BREVE_LOWER = "êéèúüë"  # trăng, then trăng + each tone
_VNI_BREVE_UPPER = "ÊÉÈÚÜË"
_TONE_MARKS = ("\u0301", "\u0300", "\u0309", "\u0303", "\u0323")


def _build_vni() -> dict[str, str]:
    table: dict[str, str] = {}
    for upper in (False, True):
        tones = _VNI_TONES_UPPER if upper else _VNI_TONES_LOWER
        circ = _VNI_CIRC_UPPER if upper else _VNI_CIRC_LOWER
        breve = _VNI_BREVE_UPPER if upper else _VNI_BREVE_LOWER

        def case(s: str, up: bool = upper) -> str:
            return s.upper() if up else s

        for base in "aeouy":
            for mark, comb in zip(tones, _TONE_MARKS, strict=True):
                table[case(base) + mark] = nfc(case(base) + comb)
        for base in "aeo":
            table[case(base) + circ[0]] = nfc(case(base) + "\u0302")
            for mark, comb in zip(circ[1:], _TONE_MARKS, strict=True):
                table[case(base) + mark] = nfc(case(base) + "\u0302" + comb)
        table[case("a") + breve[0]] = nfc(case("a") + "\u0306")
        for mark, comb in zip(breve[1:], _TONE_MARKS, strict=True):
            table[case("a") + mark] = nfc(case("a") + "\u0306" + comb)
        # ơ and ư are single characters (ô, ö) that take the tone marks after them.
        for vni_base, letter in (("ô", "o"), ("ö", "u")):
            horn = nfc(case(letter) + "\u031b")
            table[case(vni_base)] = horn
            for mark, comb in zip(tones, _TONE_MARKS, strict=True):
                table[case(vni_base) + mark] = nfc(horn + comb)
        # The i family and the y with a dot below are single characters.
        for vni, letter in zip("íìæóò", (nfc("i" + c) for c in _TONE_MARKS), strict=True):
            table[case(vni)] = case(letter)
        table[case("î")] = case("ỵ")
        table[case("ñ")] = case("đ")
    # y + dot below is "î" alone; "yï" does not occur in VNI text.
    table.pop("yï", None)
    table.pop("YÏ", None)
    return table


VNI_TO_UNICODE: dict[str, str] = _build_vni()

# Letters a Unicode Vietnamese text may contain (beyond ASCII).
_VIET_LETTERS = set(
    nfc(
        "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
        "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ"
    )
)
_VIET_ONLY = {c for c in _VIET_LETTERS if ord(c) > 0xFF}
_TCVN3_SUSPECT = set(TCVN3_TO_UNICODE) - _VIET_LETTERS
_VNI_SUSPECT = {c for key in VNI_TO_UNICODE for c in key[1:]} - _VIET_LETTERS
_VNI_SUSPECT |= {"ñ", "Ñ", "æ", "Æ", "î", "Î", "ö", "Ö"}
_VNI_KEYS_BY_LEN = sorted(VNI_TO_UNICODE, key=len, reverse=True)
_VNI_RE = re.compile("|".join(re.escape(k) for k in _VNI_KEYS_BY_LEN))


def tcvn3_to_unicode(text: str) -> str:
    return nfc("".join(TCVN3_TO_UNICODE.get(c, c) for c in text))


def vni_to_unicode(text: str) -> str:
    return nfc(_VNI_RE.sub(lambda m: VNI_TO_UNICODE[m.group(0)], text))


def _plausible(text: str) -> bool:
    return all(c.isascii() or c in _VIET_LETTERS or c in "–—“”‘’…•°№" for c in text)


@functools.cache
def _letter_bases() -> dict[int, str]:
    """Each Vietnamese letter (composed, as NFC text holds it) → its base letter: what `fold`
    gets from decomposing it and dropping the marks, for the letters it meets most."""
    table = {}
    for c in _VIET_LETTERS:
        base = unicodedata.normalize("NFD", c.translate(_D_MAP))[0]
        if base.isascii():
            table[ord(c)] = base
    return table


def could_be_legacy(text: str) -> bool:
    """Whether `text` could be legacy-encoded, so that its cell's font must be looked at: it is
    not plain ASCII and holds none of the letters only Unicode Vietnamese has (ư, ơ, đ, ạ…),
    which no legacy keyboard can type."""
    return not text.isascii() and not any(c in _VIET_ONLY for c in text)


def detect_legacy(text: str, font: str | None = None) -> str | None:
    """'tcvn3' or 'vni' when `text` looks typed in that legacy encoding, else None.

    A font name (".VnTime", "VNI-Times") decides alone; otherwise the text must hold characters
    that never occur in Unicode Vietnamese, none that occur only there, and convert to plausible
    Vietnamese.
    """
    if font:
        f = font.strip().lower()
        if f.startswith(".vn"):
            return "tcvn3"
        if f.startswith("vni"):
            return "vni"
    if text.isascii() or any(c in _VIET_ONLY for c in text):
        return None
    tcvn_hits = sum(c in _TCVN3_SUSPECT for c in text)
    vni_hits = sum(c in _VNI_SUSPECT for c in text)
    candidates: list[tuple[int, str]] = []
    if tcvn_hits and _plausible(tcvn3_to_unicode(text)):
        candidates.append((tcvn_hits, "tcvn3"))
    if vni_hits and _plausible(vni_to_unicode(text)):
        candidates.append((vni_hits, "vni"))
    if not candidates:
        return None
    return max(candidates)[1]


def repair_legacy(text: str, font: str | None = None) -> tuple[str, str | None]:
    """(Unicode NFC text, the legacy encoding found or None)."""
    encoding = detect_legacy(text, font)
    if encoding == "tcvn3":
        converted = tcvn3_to_unicode(text)
        if font and font.strip().lower().endswith("h"):
            converted = converted.upper()
        return converted, encoding
    if encoding == "vni":
        return vni_to_unicode(text), encoding
    return nfc(text), None


_LEADING_MARKS = re.compile(
    r"^(?:[-+*•–—.]+\s*|\(?(?:[0-9]{1,2}|[ivx]{1,5}|[a-zđ])[.)]\s*|[0-9]{1,2}\s+)+"
)
_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=8192)
def label_key(text: str) -> str:
    """A label as compared: folded, without numbering, dashes, spacing or end punctuation."""
    key = _SPACES.sub(" ", fold(text)).strip()
    key = _LEADING_MARKS.sub("", key)
    return key.strip(" -+:.…;,").strip()
