"""The form's rule language on its own: sums with signs, comparisons at their boundaries,
conditions, blanks, yes/no words and presence rules; and the text guards of every writer."""

from __future__ import annotations

import pytest

from htsd_cli.campaign.form import Comparison, Rule, parse_comparison, parse_expr


def test_a_sum_keeps_its_signs_and_constants():
    expr = parse_expr("a + b - c - 2")
    assert expr.ids == ("a", "b", "c")
    assert expr.evaluate({"a": 10, "b": 5, "c": 3}) == 10.0
    assert parse_expr("-a + 3").evaluate({"a": 4}) == -1.0
    assert parse_expr("a - -b").evaluate({"a": 1, "b": 2}) == 3.0


def test_a_blank_or_text_makes_a_sum_unknown_not_zero():
    expr = parse_expr("a + b")
    assert expr.evaluate({"a": 1}) is None
    assert expr.evaluate({"a": 1, "b": None}) is None
    assert expr.evaluate({"a": 1, "b": "Số 5/KH"}) is None
    assert expr.evaluate({"a": True, "b": 0}) == 1.0  # a "Có" counts one


@pytest.mark.parametrize(
    ("op", "results"),
    [(">=", (True, True, False)), (">", (False, True, False)), ("<=", (True, False, True)),
     ("<", (False, False, True)), ("==", (True, False, False)), ("!=", (False, True, True))],
)  # fmt: skip
def test_every_operator_at_its_boundary(op, results):
    check = parse_comparison(f"a {op} b")
    cases = ({"a": 5, "b": 5}, {"a": 6, "b": 5}, {"a": 4, "b": 5})
    assert tuple(check.holds(v) for v in cases) == results
    assert check.holds({"a": 5}) is None


def test_yes_no_words_compare_as_one_and_zero():
    check = parse_comparison("k == Có")
    assert check.holds({"k": True}) is True and check.holds({"k": False}) is False
    assert parse_comparison("k == Không").holds({"k": False}) is True


def _rule(check: str | None, when: str | None = None, presence: str = "", target: str = "") -> Rule:
    return Rule(
        "r",
        parse_comparison(check) if check else None,
        "error",
        "m",
        parse_comparison(when) if when else None,
        presence,
        target,
    )


def test_a_rule_is_judged_only_when_its_condition_holds_on_figures_given():
    rule = _rule("people >= classes", when="classes > 0")
    assert rule.broken({"classes": 5, "people": 2}) is True
    assert rule.broken({"classes": 5, "people": 5}) is False  # >= at its boundary
    assert rule.broken({"classes": 0, "people": 0}) is False  # condition false
    assert rule.broken({"classes": None, "people": 0}) is False  # condition on a blank
    assert rule.broken({"classes": 5, "people": None}) is False  # the check on a blank


def test_presence_rules():
    require = _rule(None, "plan == Có", "require", "number")
    forbid = _rule(None, "plan == Không", "forbid", "number")
    assert require.broken({"plan": True, "number": None}) is True
    assert require.broken({"plan": True, "number": ""}) is True
    assert require.broken({"plan": True, "number": "Số 5"}) is False
    assert require.broken({"plan": False, "number": None}) is False
    assert forbid.broken({"plan": False, "number": "Số 5"}) is True
    assert forbid.broken({"plan": False, "number": None}) is False
    assert require.ids == ("number", "plan") and require.first == "number"


def test_malformed_expressions_are_refused_in_words():
    for text, words in (("a +", "không trọn vẹn"), ("a b", "thiếu dấu"), ("a > > b", "phép so")):
        with pytest.raises(ValueError, match=words):
            parse_comparison(text) if ">" in text else parse_expr(text)
    assert isinstance(parse_comparison("a + 1 > b"), Comparison)


def test_unit_text_never_becomes_a_formula_in_a_workbook_htsd_writes():
    import openpyxl

    from htsd_cli.writing.cellsafe import put

    ws = openpyxl.Workbook().active
    for n, text in enumerate(("=HYPERLINK(1)", "+1", "-5 lớp", "@x", "bình thường"), start=1):
        cell = put(ws.cell(row=n, column=1), text)
        assert cell.data_type == "s" and cell.value == text
        assert cell.quotePrefix == (text != "bình thường")  # editing it keeps it text


def test_markdown_escaping_keeps_a_table_whole():
    from htsd_cli.render.report import md_escape

    escaped = md_escape("a | b\n# tiêu đề [x](y) <b>")
    assert "|" not in escaped.replace("\\|", "")
    assert "\\#" in escaped and "\\[" in escaped and "\\<" in escaped


def test_sums_in_any_order_and_unary_signs():
    assert parse_expr("2 + a - 1 + b").evaluate({"a": 3, "b": 4}) == 8.0  # constants anywhere
    assert parse_expr("a + +b").evaluate({"a": 1, "b": 2}) == 3.0
    assert parse_expr("  a +  b ").text == "a +  b"  # as written, for messages and --json
    check = parse_comparison("a > b + 1 - c")
    assert check.right.ids == ("b", "c")
    assert check.holds({"a": 5, "b": 3, "c": 0}) is True
    assert check.holds({"a": 4, "b": 3, "c": 0}) is False
