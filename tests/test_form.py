"""The form definition: the bundled 2022 form, and mistakes in form files."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from htsd_cli.base.errors import FormError
from htsd_cli.campaign.form import excel_name_problem, load_form, parse_form
from htsd_cli.campaign.formyaml import form_as_dict
from htsd_cli.cli import app

from .conftest import FORMS, SAMPLE_CONFIG

runner = CliRunner()


def test_bundled_2022_form_is_complete(form):
    assert form.id == "htsd-2022"
    assert form.year == 2022
    assert (form.period_start.isoformat(), form.period_end.isoformat()) == (
        "2022-10-01",
        "2022-10-07",
    )
    assert form.deadline.isoformat() == "2022-10-10"
    assert [s.number for s in form.sections] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert len(form.indicators) == 42
    assert [t.heading for t in form.texts] == [
        "I. Công tác chỉ đạo",
        "2. Những thuận lợi và khó khăn.",
        "III. Kế hoạch tiếp theo",
    ]
    # Packed lines of the appendix are split into two figures each.
    section4 = [i.id for i in form.sections[3].indicators]
    assert section4 == [
        "s4_hoi_thao",
        "s4_nguoi_hoi_thao",
        "s4_trien_lam",
        "s4_nguoi_trien_lam",
        "s4_van_nghe",
    ]
    section5 = form.sections[4].indicators
    assert len(section5) == 14
    assert [i.kind for i in section5[:2]] == ["count", "people"]
    assert form.indicator("s8_kinh_phi").kind == "money"
    assert form.indicator("s1_ke_hoach").aggregate == "count_yes"


def test_every_indicator_id_is_a_valid_excel_name(form):
    for ind in form.indicators:
        assert excel_name_problem(ind.id) is None, ind.id
        assert excel_name_problem(ind.note_id) is None, ind.note_id


@pytest.mark.parametrize(
    "name", ["C14", "AB12", "xfd1", "R1C1", "r", "C", "1abc", "có_dấu", "a-b", "TRUE"]
)
def test_names_excel_refuses_are_rejected(name):
    assert excel_name_problem(name) is not None


def test_required_rules_exist(form):
    rules = {r.id: r for r in form.rules}
    kinds = ["cmnv", "nn_th", "day_nghe", "ksn", "nhu_cau", "xmc", "khac"]
    for kind in kinds:
        at_least = rules[f"s5_{kind}_nguoi_it_nhat_bang_lop"]
        assert (at_least.check.left.ids, at_least.check.operator, at_least.check.right.ids) == (
            (f"s5_nguoi_{kind}",),
            ">=",
            (f"s5_lop_{kind}",),
        )
        assert rules[f"s5_{kind}_co_nguoi_phai_co_lop"].when is not None
    section7 = [r for r in form.rules if r.id.startswith("s7_")]
    assert len(section7) == 5
    assert all(r.check.right.ids == ("s7_tthtcd",) and r.check.operator == "<=" for r in section7)


VALID = (FORMS / "htsd-2023-test.yaml").read_text(encoding="utf-8")


def _error(text: str) -> str:
    with pytest.raises(FormError) as info:
        parse_form(text, "nam-sau.yaml")
    return str(info.value)


def test_yaml_syntax_error_names_file_and_line():
    broken = VALID.replace("  - number: 2\n", "  - number: 2\n   bad: [\n", 1)
    message = _error(broken)
    assert "nam-sau.yaml, dòng" in message
    assert "YAML" in message


def test_unknown_key_is_reported_with_its_line():
    lines = VALID.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("theme:"))
    lines.insert(index, "thme: sai chính tả")
    message = _error("\n".join(lines))
    assert f"nam-sau.yaml, dòng {index + 1}: mục 'thme' không được biết" in message


def test_bad_kind_and_rule_on_unknown_indicator_are_reported():
    text = VALID.replace("kind: count, unit: lớp", "kind: cout, unit: lớp").replace(
        "left: hoc_vien", "left: hoc_vein"
    )
    message = _error(text)
    assert "loại 'cout' không có" in message
    assert "chỉ tiêu 'hoc_vein' không có trong biểu mẫu" in message


def test_duplicate_id_and_cell_like_id_are_reported():
    text = VALID.replace("id: hoc_vien,", "id: lop_hoc,").replace("id: kinh_phi,", "id: KP2023,")
    message = _error(text)
    assert "mã 'lop_hoc' bị trùng" in message
    assert "mã 'KP2023' không dùng làm tên ô Excel được" in message


def test_missing_required_field_is_reported():
    message = _error(VALID.replace("deadline: 2023-10-12\n", ""))
    assert "thiếu mục bắt buộc 'deadline'" in message


def test_a_date_written_with_a_time_is_reported_not_thrown():
    """YAML reads `2023-10-08 12:00:00` as a date and time: said with its line, never compared
    with a plain date (TypeError)."""
    text = VALID.replace("end: 2023-10-08}", "end: 2023-10-08 12:00:00}").replace(
        "deadline: 2023-10-12\n", "deadline: 2023-10-12 17:00:00\n"
    )
    message = _error(text)
    assert (
        "nam-sau.yaml, dòng 8: 'end' phải là một ngày dạng YYYY-MM-DD, đang là "
        "'2023-10-08 12:00:00'" in message
    )
    assert "dòng 9: 'deadline' phải là một ngày dạng YYYY-MM-DD, đang là '2023-10-12 17:00:00'" in (
        message
    )


def test_a_date_no_calendar_has_is_reported_not_thrown():
    """YAML refuses 2023-02-30 with a ValueError of its own: said with its line and why, as
    htsd.toml says it."""
    message = _error(VALID.replace("deadline: 2023-10-12\n", "deadline: 2023-02-30\n"))
    assert "nam-sau.yaml, dòng 9: ngày 2023-02-30 không có thật (tháng 2 chỉ có 28 ngày)" in message
    message = _error(VALID.replace("end: 2023-10-08}", "end: 2023-13-08}"))
    assert "dòng 8: ngày 2023-13-08 không có thật (không có tháng 13" in message


def test_a_key_written_as_a_list_is_reported_not_thrown():
    """`[x]: 1` makes a list the name of a key, which no mapping holds: said with its line."""
    message = _error(VALID + "[x]: 1\n")
    line = len(VALID.splitlines()) + 1
    assert f"nam-sau.yaml, dòng {line}: sai cú pháp YAML (tên mục phải là chữ hoặc số" in message


def test_sections_written_as_pairs_are_reported_not_thrown():
    """`!!omap` makes a list of pairs, not of tables: said as a mistake with its line."""
    text = VALID.replace("sections:\n", "sections: !!omap\n  - khong_phai: 1\nold_sections:\n", 1)
    assert "mỗi mục phải có 'number', 'heading' và 'indicators'" in _error(text)
    text = VALID.replace("    indicators:\n", "    indicators: !!omap\n      - a: 1\n    x:\n", 1)
    assert "mỗi chỉ tiêu phải là một bảng id, label, kind…" in _error(text)


def test_rule_expression_mistake_is_reported():
    message = _error(VALID.replace("when: lop_hoc > 0", "when: lop_hoc >"))
    assert "không trọn vẹn" in message


def test_plausibility_is_read_per_kind_and_per_row():
    text = VALID.replace(
        "unit_types:\n",
        "plausibility:\n  money: {min: 1000}\n  count: {max: 200}\n  hold_outliers: 40\n"
        "unit_types:\n",
    ).replace(
        '{id: hoc_vien, label: "Số học viên:", kind: people, unit: người}',
        '{id: hoc_vien, label: "Số học viên:", kind: people, unit: người, '
        "max: {default: 5000, truong: 900}}",
    )
    form = parse_form(text, "nam-sau.yaml")
    assert form.plausibility.hold_outliers == 40
    assert form.limits(form.indicator("kinh_phi")).minimum == 1000
    assert form.limits(form.indicator("lop_hoc")).maximum_for("xa") == 200
    people = form.limits(form.indicator("hoc_vien"))
    assert (people.maximum_for("truong"), people.maximum_for("xa")) == (900, 5000)
    assert not form.limits(form.indicator("ten_chuong_trinh"))


def test_what_the_yaml_says_of_plausibility_json_says_too():
    """`form show --json` carries every plausibility setting the YAML can hold."""
    text = VALID.replace(
        "unit_types:\n",
        "plausibility:\n  money: {min: 1000}\n  hold_outliers: 40\n"
        "  against_last_year: {count: 5}\nunit_types:\n",
    )
    said = form_as_dict(parse_form(text, "nam-sau.yaml"))["plausibility"]
    assert isinstance(said, dict)
    assert said["hold_outliers"] == 40 and said["against_last_year"] == {"count": 5.0}
    assert said["by_kind"] == {"money": {"min": 1000.0, "max": None, "max_by_type": {}}}


@pytest.mark.parametrize("written", [".nan", ".inf", "-.inf"])
def test_a_limit_that_is_no_number_is_refused(written):
    """YAML reads .nan and .inf as floats: a NaN limit would hold nothing, an infinite floor
    everything."""
    text = VALID.replace(
        "unit_types:\n", f"plausibility:\n  money: {{min: {written}}}\nunit_types:\n"
    )
    assert "phải là một số không âm" in _error(text)


def test_plausibility_mistakes_are_reported_with_their_lines():
    text = (
        VALID.replace(
            "unit_types:\n", "plausibility:\n  money: {min: -5}\n  tien: {max: 3}\nunit_types:\n"
        )
        .replace(
            '{id: ten_chuong_trinh, label: "Tên chương trình", kind: text}',
            '{id: ten_chuong_trinh, label: "Tên chương trình", kind: text, max: 3}',
        )
        .replace("kind: count, unit: lớp}", "kind: count, unit: lớp, max: {mam_non: 5}, min: 9}")
    )
    message = _error(text)
    assert "'min' phải là một số không âm, đang là -5" in message
    assert "mục 'tien' không được biết trong plausibility" in message
    assert "chỉ tiêu 'ten_chuong_trinh' không phải số nên không có 'min', 'max'" in message
    assert "loại đơn vị 'mam_non' không có trong 'unit_types'" in message


def test_second_form_loads(tmp_path):
    other = load_form(FORMS / "htsd-2023-test.yaml")
    assert other.id == "htsd-2023-thu"
    assert [i.id for i in other.indicators] == [
        "lop_hoc",
        "hoc_vien",
        "co_hoi_nghi",
        "kinh_phi",
        "ten_chuong_trinh",
    ]


def test_an_earlier_version_is_read_from_its_history_file_only_when_it_is_that_version(tmp_path):
    """A return stamped with version 1 of a form now at version 2 is read by the v1 definition
    kept in history/; never by a file of another form or another version."""
    text = (FORMS / "htsd-2023-test.yaml").read_text(encoding="utf-8")
    (tmp_path / "history").mkdir()
    path = tmp_path / "htsd-2023-thu.yaml"
    path.write_text(text, encoding="utf-8")
    v1 = text.replace("version: 2", "version: 1").replace('"Số lớp học:"', '"Số lớp:"')
    (tmp_path / "history" / "htsd-2023-thu-v1.yaml").write_text(v1, encoding="utf-8")
    other_version = v1.replace("version: 1", "version: 0")  # named v3, says 0
    (tmp_path / "history" / "htsd-2023-thu-v3.yaml").write_text(other_version, encoding="utf-8")
    other_form = v1.replace("id: htsd-2023-thu", "id: khac").replace("version: 1", "version: 4")
    (tmp_path / "history" / "htsd-2023-thu-v4.yaml").write_text(other_form, encoding="utf-8")
    form = load_form(path)
    old = form.earlier(1)
    assert old is not None and (old.id, old.version) == ("htsd-2023-thu", 1)
    assert old.indicators[0].label == "Số lớp:" and form.indicators[0].label == "Số lớp học:"
    assert form.earlier(2) is None  # its own version: no other definition
    assert form.earlier(3) is None and form.earlier(4) is None and form.earlier(5) is None
    assert parse_form(text, "").earlier(1) is None  # not from a file: no history beside it


def test_form_show_json_equals_library(form):
    result = runner.invoke(app, ["form", "show", "--config", str(SAMPLE_CONFIG), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == json.loads(json.dumps(form_as_dict(form)))


def test_form_show_table_lists_indicators():
    result = runner.invoke(app, ["form", "show", "--form", str(FORMS / "htsd-2023-test.yaml")])
    assert result.exit_code == 0, result.output
    assert "hoc_vien" in result.output and "Số học viên" in result.output


def test_form_show_reports_bad_form_file(tmp_path):
    bad = tmp_path / "hong.yaml"
    bad.write_text(VALID.replace("kind: money", "kind: tien"), encoding="utf-8")
    result = runner.invoke(app, ["form", "show", "--form", str(bad)])
    assert result.exit_code == 1
    assert "hong.yaml, dòng" in result.output and "loại 'tien' không có" in result.output
    assert "Traceback" not in result.output
