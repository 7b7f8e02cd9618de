"""Properties that hold for every input, checked with hypothesis: a Vietnamese number form reads
as the number it denotes or is refused, never read as another number; folding is stable."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from htsd_cli.base.textnorm import fold, format_number
from htsd_cli.base.values import ValueProblem, parse_vn_number


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

    from htsd_cli.base.textnorm import xml_escape

    assert xml_escape(text) == escape(text)
    assert xml_escape("a<b>&c&amp;") == "a&lt;b&gt;&amp;c&amp;amp;"


_FIGURES = st.one_of(
    st.just(float("nan")),  # not reported
    st.sampled_from([0.0, 0.1, 1.0, 3.0, 1e16, 12345678.9]),  # sums whose order shows in bits
    st.floats(min_value=0, max_value=1e12, allow_nan=False),
)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 40), st.integers(0, 20), st.data())
def test_totals_summed_a_few_columns_at_a_time_are_pandas_totals_bit_for_bit(rows, cols, data):
    """The country's totals are summed six indicators at a time (to bound memory): every total
    is the one pandas gives for the whole matrix, to the last bit, and blank where nobody
    reported the row."""
    import numpy as np
    import pandas as pd

    from htsd_cli.totals.aggregate import _column_sums

    values = data.draw(st.lists(_FIGURES, min_size=rows * cols, max_size=rows * cols))
    wide = pd.DataFrame(
        np.array(values, dtype=float).reshape(rows, cols), columns=[f"c{i}" for i in range(cols)]
    )
    got, whole = _column_sums(wide), wide.sum(min_count=1)
    assert list(got.index) == list(whole.index)
    assert [np.float64(v).tobytes() for v in got] == [np.float64(v).tobytes() for v in whole]


_MARKDOWN_TEXT = st.lists(
    st.sampled_from(
        [
            *"ab1 9.)\t\n\r\\`*_{}[]()#+-=!|<>~&:;/'\"xyđơn vị",
            "  ",
            "\n\n",
            "&amp;",
            "&#35;",
            "&#x23;",
            "http://a.b",
            "GD&ĐT",
            "a_b",
            "ư_ơ",
        ]
    ),
    max_size=30,
).map("".join)


@settings(max_examples=600, deadline=None)
@given(_MARKDOWN_TEXT, st.sampled_from(["", "- MN01 – ", "### "]))
def test_a_units_words_in_the_markdown_report_render_as_they_were_written(text, before):
    """Whatever a unit writes (list markers, headings, rules, links, HTML, tables, entities,
    emphasis), escaped into the report where the template puts it, it renders as its own
    words, line by line: nothing becomes markup, and the report's list stays one list. A
    heading's words render as themselves on one line."""
    from markdown_it import MarkdownIt

    from htsd_cli.render.report import md_escape, md_heading

    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    escape = md_heading if before == "### " else md_escape
    tokens = md.parse(before + escape(text))
    kinds = {"": ["paragraph"], "- MN01 – ": ["bullet_list", "list_item", "paragraph"]}
    blocks = [t.type.removesuffix("_open") for t in tokens if t.nesting == 1]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if before == "### ":  # a heading is one line
        lines = [" ".join(text.split())] if text.split() else []
    assume(lines)
    assert blocks == kinds.get(before, ["heading"]), (text, tokens)
    (inline,) = [t for t in tokens if t.type == "inline"]
    assert {c.type for c in inline.children or []} <= {"text", "hardbreak", "softbreak"}
    words = "".join("\n" if c.type.endswith("break") else c.content for c in inline.children or [])
    expected = "\n".join(lines)
    assert words.removeprefix("MN01 – ") == expected
