"""The front door: a command's inputs decided once (option, else htsd.toml, else a usage error
saying what is missing and where htsd looked), htsd.toml's mistakes placed by line and column,
and one boundary where every command's HtsdError is said."""

from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

import pytest
from typer.testing import CliRunner

from htsd_cli.cli import app
from htsd_cli.settings import (
    FILE_TIMES,
    Receipts,
    for_aggregate,
    for_collect,
    for_template,
    for_validate,
    receipts_book,
)

from .conftest import SAMPLE_CONFIG, SAMPLE_ROSTER, SAMPLES

runner = CliRunner()


def _said(result) -> str:
    return " ".join(result.output.split())


@pytest.fixture
def work(tmp_path, monkeypatch):
    """A copy of the sample campaign's folder, the working folder of the commands run."""
    folder = tmp_path / "dot"
    shutil.copytree(SAMPLES, folder, ignore=shutil.ignore_patterns("tong-hop", "bieu-mau"))
    monkeypatch.chdir(folder)
    return folder


def _config_text(**replace: str) -> str:
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    for before, after in replace.items():
        assert before in text
        text = text.replace(before, after)
    return text


def test_an_option_beats_htsd_toml_and_htsd_toml_fills_the_rest(work, tmp_path):
    other = tmp_path / "ds.csv"
    shutil.copy(SAMPLE_ROSTER, other)
    (work / "ve").mkdir()
    chosen = for_aggregate(
        config=None, form=None, roster=other, returns=[work / "ve"], output=None,
        narrative=None, receipts=None,
    )  # fmt: skip
    assert chosen.roster is not None and chosen.roster.source == other
    assert chosen.returns == (work / "ve",)
    assert chosen.config is not None and chosen.config.source == work / "htsd.toml"
    assert chosen.output == work / "tong-hop"  # from htsd.toml
    assert chosen.narrative == work / "loi-van.md"
    assert chosen.receipts == Receipts(work / "so-nhan.csv", work / "so-nhan.csv")
    assert chosen.decisions == work / "quyet-dinh.xlsx"
    assert chosen.as_of == chosen.config.report_date
    plain = for_aggregate(
        config=None, form=None, roster=None, returns=None, output=tmp_path / "ra",
        narrative=None, receipts=None,
    )  # fmt: skip
    assert plain.roster is not None and plain.roster.source == work / "roster.csv"
    assert plain.returns == (work / "returns",) and plain.output == tmp_path / "ra"


def test_which_receipts_book_is_decided_in_one_place(work, tmp_path):
    chosen = for_validate(config=None, form=None, roster=None, returns=None)
    config = chosen.config
    assert config is not None and config.receipts == work / "so-nhan.csv"
    given = tmp_path / "so-khac.csv"
    assert receipts_book(given, config) == Receipts(given, given)  # read even if not there
    assert receipts_book(Path(FILE_TIMES), config) == Receipts(file_times=True)
    assert receipts_book(None, config) == Receipts(config.receipts, config.receipts)
    config.receipts.unlink()  # a campaign starts without one: kept in its place, not read
    assert receipts_book(None, config) == Receipts(None, config.receipts)
    assert receipts_book(None, None) == Receipts()
    beside = tmp_path / "so-nhan.csv"
    assert receipts_book(None, None, beside) == Receipts(beside, beside)
    mails = tmp_path / "thu"
    mails.mkdir()
    collecting = for_collect(
        config=None, source=str(mails), out=None, receipts=None, ca_file=None, roster=None
    )
    assert collecting.receipts.place == config.receipts  # htsd.toml's, started by collect
    assert collecting.returns == (work / "returns",) and collecting.form is not None


def test_a_roster_typed_in_decomposed_unicode_is_found_by_every_command(work, tmp_path):
    name = unicodedata.normalize("NFC", "Danh sách đơn vị.csv")
    shutil.copy(SAMPLE_ROSTER, work / name)
    typed = work / unicodedata.normalize("NFD", name)  # as a Mac, or some keyboards, type it
    assert typed.name != name and not typed.exists()
    (tmp_path / "thu").mkdir()
    chosen = [
        for_validate(config=None, form=None, roster=typed, returns=None),
        for_aggregate(
            config=None, form=None, roster=typed, returns=None, output=None, narrative=None,
            receipts=None,
        ),
        for_template(config=None, form=None, roster=typed, output=None, blank=False),
        for_collect(
            config=None, source=str(tmp_path / "thu"), out=None, receipts=None, ca_file=None,
            roster=typed,
        ),
    ]  # fmt: skip
    for settings in chosen:
        assert settings.roster is not None and settings.roster.source == work / name


def test_a_missing_input_says_what_and_where_htsd_looked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["aggregate"])
    assert result.exit_code == 2, result.output
    said = _said(result)
    for what in ("thiếu báo cáo: ghi BÁO-CÁO", "thiếu danh sách đơn vị: ghi --roster",
                 "thiếu thư mục ghi tổng hợp: ghi --out"):  # fmt: skip
        assert what in said
    assert f"htsd đã tìm trên dòng lệnh và trong thư mục {tmp_path} (nơi chạy lệnh): " in said
    assert "không có tệp htsd.toml" in said and "Traceback" not in said


def test_a_missing_line_names_the_configuration_looked_in(tmp_path):
    config = tmp_path / "htsd.toml"
    config.write_text(_config_text(**{'roster = "roster.csv"\n': ""}), encoding="utf-8")
    result = runner.invoke(app, ["status", str(SAMPLES / "returns"), "-c", str(config)])
    assert result.exit_code == 2, result.output
    said = _said(result)
    assert "thiếu danh sách đơn vị: ghi --roster trên dòng lệnh" in said
    assert f"htsd đã tìm trên dòng lệnh và trong {config}: tệp này không có dòng roster." in said
    assert "thiếu báo cáo" not in said  # given on the command line


@pytest.mark.parametrize("given", [False, True], ids=["htsd.toml", "--config"])
@pytest.mark.parametrize(
    ("typo", "place", "says"),
    [
        ({"deadline = 2022-10-10": "deadline = 10/10/2022"}, "dòng 12, cột 12",
         "ngày '10/10/2022' không đúng"),
        ({'place = "Hải An"': 'plase = "Hải An"'}, "dòng 33, cột 1",
         "[office] mục 'plase' không được biết"),
        ({'roster = "roster.csv"': "roster = roster.csv"}, "dòng 17, cột 10",
         "giá trị không đúng cách ghi"),
        ({"year = 2022": 'year = "2022"'}, "dòng 5, cột 1", "'year' phải là một số"),
    ],
    ids=["date", "unknown key", "syntax", "type"],
)  # fmt: skip
def test_a_mistake_in_htsd_toml_is_placed_with_or_without_config(
    work, tmp_path, given, typo, place, says
):
    """The mistake itself, by line and column, whether htsd.toml was found in the working
    folder or named by --config: never 'missing returns' in its place."""
    (work / "htsd.toml").write_text(_config_text(**typo), encoding="utf-8")
    args = ["status", "-c", str(work / "htsd.toml")] if given else ["status"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    said = _said(result)
    assert f"Lỗi: Tệp cấu hình {work / 'htsd.toml'} có lỗi:" in said
    assert f"- {place}: {says}" in said
    assert "thiếu báo cáo" not in said and "Traceback" not in said


def test_form_show_takes_a_broken_htsd_toml_for_what_it_is(work):
    (work / "htsd.toml").write_text(_config_text(**{"[signer]": "[signer"}), encoding="utf-8")
    result = runner.invoke(app, ["form", "show"])
    assert result.exit_code == 1
    assert "dòng 43, cột 8: thiếu dấu ] sau tên bảng" in _said(result)


def test_a_sub_commands_error_is_said_once_without_traceback(tmp_path):
    result = runner.invoke(app, ["form", "convert", "htsd-2022", str(tmp_path / "bieu-mau.txt")])
    assert result.exit_code == 1
    said = _said(result)
    assert said.startswith("Lỗi: Không biết ghi biểu mẫu thành tệp 'bieu-mau.txt'")
    assert "Traceback" not in said and not (tmp_path / "bieu-mau.txt").exists()


def test_every_command_s_htsd_error_reaches_the_one_boundary(monkeypatch):
    """A sub-command's HtsdError, a usage error of one (exit 2), a message with brackets kept
    as written; --debug adds the traceback."""
    import htsd_cli.settings
    from htsd_cli.base.errors import ConfigError, UsageError

    def broken(**kwargs):
        raise ConfigError("[office] hỏng ở dòng 3")

    monkeypatch.setattr(htsd_cli.settings, "for_form", broken)
    result = runner.invoke(app, ["form", "show"])
    assert (result.exit_code, _said(result)) == (1, "Lỗi: [office] hỏng ở dòng 3")
    debug = runner.invoke(app, ["--debug", "form", "show"])
    assert debug.exit_code == 1 and "Traceback" in debug.output

    def usage(**kwargs):
        raise UsageError("thiếu gì đó")

    monkeypatch.setattr(htsd_cli.settings, "for_import", usage)
    result = runner.invoke(app, ["form", "import", str(SAMPLE_CONFIG)])
    assert (result.exit_code, _said(result)) == (2, "Lỗi: thiếu gì đó")


def test_the_command_layer_catches_htsd_error_once():
    source = (Path(__file__).parents[1] / "src" / "htsd_cli" / "cli.py").read_text("utf-8")
    assert len(re.findall(r"except\s*\(?[^:]*\bHtsdError\b", source)) == 1
