"""Properties that hold for every input, checked with hypothesis: a Vietnamese number form reads
as the number it denotes or is refused, never read as another number; folding is stable."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from htsd_cli.textnorm import fold, format_number
from htsd_cli.values import ValueProblem, parse_vn_number


def _grouped(n: int) -> str:
    """1200000 → '1.200.000' as a Vietnamese writes it."""
    return f"{n:,}".replace(",", ".")


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**12))
def test_whole_numbers_in_every_usual_form_read_as_themselves(n):
    for text in (str(n), _grouped(n), f"{_grouped(n)} đồng", f"'{n}", f"{n}.", format_number(n)):
        assert parse_vn_number(text).value == float(n), text


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=1, max_value=99))
def test_decimal_commas_read_as_decimals(whole, part):
    text = f"{whole},{part:02d}"
    assert parse_vn_number(text).value == float(f"{whole}.{part:02d}")


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789., ", min_size=1, max_size=14))
def test_digits_with_separators_are_read_exactly_or_refused(text):
    """Whatever dots, commas and spaces surround the digits, a figure read is one of the numbers
    the text can denote with Vietnamese conventions; anything ambiguous is refused."""
    try:
        value = parse_vn_number(text).value
    except ValueProblem:
        return
    digits = text.strip().rstrip(".")
    plain = digits.replace(".", "").replace(" ", "")
    readings = {float(plain.replace(",", "."))} if plain.count(",") <= 1 and plain else set()
    assert value in readings, (text, value)


@given(st.text(max_size=40))
def test_folding_is_stable(text):
    assert fold(fold(text)) == fold(text)
    assert fold(text).isascii() or not text.isascii()


def _fold_by_decomposing(text: str) -> str:
    """What folding means: decompose, drop the marks, đ → d, lower case, spaces squeezed."""
    import unicodedata

    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(kept.lower().split())


@given(
    st.text(
        alphabet=st.sampled_from(
            "aăâbcdđeêghiklmnoôơpqrstuưvxyàằầèềìòồờùừỳáắấéếíóốớúứýảẳẩẻểỉỏổởủửỷãẵẫẽễĩõỗỡũữỹ"
            "ạặậẹệịọộợụựỵAĂÂĐÊÔƠƯÀẮẶỆỮ \t\u00a0,.-'’\u0301\u0323ñçæ"
        )
    )
)
def test_folding_by_table_is_folding_by_decomposing(text):
    """The fast paths (plain ASCII, the table of Vietnamese letters) fold exactly as the
    decomposition does, for any mix of letters, marks typed apart and other characters."""
    assert fold(text) == _fold_by_decomposing(text)


@given(st.text())
def test_xml_text_is_escaped_as_the_standard_library_escapes_it(text):
    from xml.sax.saxutils import escape

    from htsd_cli.textnorm import xml_escape

    assert xml_escape(text) == escape(text)
    assert xml_escape("a<b>&c&amp;") == "a&lt;b&gt;&amp;c&amp;amp;"
