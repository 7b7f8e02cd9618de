"""What a command works on, decided once: each input from its option, else from htsd.toml, else a
usage error naming what is missing and where htsd looked.

The command line turns a command's options into one `Settings` here (`for_validate`,
`for_aggregate`…); everything after takes that object and never looks at an option or at htsd.toml
again. Each setting is decided by one function of this module (`receipts_book` says which receipts
book; `_Picker.pick` says option or htsd.toml for the rest).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from htsd_cli.base.errors import UsageError
from htsd_cli.campaign.config import CONFIG_NAME, Config, load_optional_config, not_found

if TYPE_CHECKING:
    from htsd_cli.campaign.form import Form
    from htsd_cli.campaign.roster import Roster

T = TypeVar("T")
_NAME_THE_FORM = "ghi biểu mẫu bằng --form (mã có sẵn hoặc tệp biểu mẫu)"
FILE_TIMES = "mtime"  # --receipts mtime: date returns by their file times (a copy resets them)


@dataclass(frozen=True)
class Receipts:
    """The receipts book of a run (decided by `receipts_book`)."""

    book: Path | None = None  # the book to read: None when there is none yet, or with file times
    place: Path | None = None  # where the book is kept (its bounce list beside it; never an output)
    file_times: bool = False  # the returns are dated by their files' times (--receipts mtime)


@dataclass(frozen=True)
class Settings:
    """Everything one command works on, each decided once. What a command does not use stays
    empty; the command's `for_…` function guarantees what it uses."""

    form: Form | None = None
    config: Config | None = None  # htsd.toml, when there is one
    roster: Roster | None = None
    returns: tuple[Path, ...] = ()  # files and folders of returns (collect: where to save them)
    output: Path | None = None  # the command's output folder (template: the issued forms)
    narrative: Path | None = None
    receipts: Receipts = field(default_factory=Receipts)
    decisions: Path | None = None  # the clerk's decisions workbook (decisions.py)
    last_year: Path | None = None  # last year's summary workbook (`last_summary`; yearover.py)
    as_of: dt.date | None = None  # status: days counted to the deadline from here; None: today
    letter_date: dt.date | None = None  # status --remind: the letter's date; None: left blank
    mailbox: str = ""  # collect: imaps://… or a path to mail files
    ca_file: Path | None = None  # collect: the mail server's own certificate
    unattributed: str = ""  # collect: why saved files cannot be told whose (they are still saved)


def receipts_book(
    given: Path | None, config: Config | None, beside: Path | None = None
) -> Receipts:
    """Which receipts book: --receipts (read even if it is not there: a typo is said), else
    htsd.toml's `receipts` (read once it exists: a campaign starts without one), else `beside`
    (collect starts one beside the returns). `--receipts mtime` dates returns by file times."""
    if given is not None and str(given) == FILE_TIMES:
        return Receipts(file_times=True)
    if given is not None:
        return Receipts(given, given)
    configured = config.receipts if config is not None else None
    if configured is None:
        return Receipts(beside, beside) if beside is not None else Receipts()
    return Receipts(configured if configured.exists() else None, configured)


def last_summary(given: Path | None) -> Path | None:
    """Last year's summary workbook: the one given, or the one found in the working folder
    given (its htsd.toml read here, once a run; ConfigError when there is none)."""
    if given is None:
        return None
    from htsd_cli.checks.yearover import summary_path

    return summary_path(given)


def of_status(
    config: Config,
    form: Form,
    roster: Roster,
    returns: Sequence[Path],
    *,
    receipts: Path | None = None,
    as_of: dt.date | None = None,
) -> Settings:
    """The settings of `status` from loaded inputs (also for a library caller): the receipts
    book and the decisions workbook of htsd.toml unless given; days counted from `as_of`; the
    reminder letter dated `as_of`, else htsd.toml's report date, never by the clock."""
    return Settings(
        form=form,
        config=config,
        roster=roster,
        returns=tuple(returns),
        receipts=receipts_book(receipts, config),
        decisions=config.decisions,
        last_year=last_summary(config.last_year),
        as_of=as_of,
        letter_date=as_of or config.report_date,
    )


def of_aggregate(
    config: Config,
    form: Form,
    roster: Roster,
    returns: Sequence[Path],
    output: Path,
    *,
    narrative: Path | None = None,
    receipts: Path | None = None,
    last_year: Path | None = None,
) -> Settings:
    """The settings of `aggregate` from loaded inputs: as `of_status`, with the output folder
    and the narrative, counted as of the report's date; compared with `last_year` (last year's
    summary or working folder), else htsd.toml's."""
    return Settings(
        form=form,
        config=config,
        roster=roster,
        returns=tuple(returns),
        output=output,
        narrative=narrative,
        receipts=receipts_book(receipts, config),
        decisions=config.decisions,
        last_year=last_summary(last_year or config.last_year),
        as_of=config.report_date,
    )


class _Picker:
    """Flag, else htsd.toml: every setting a command lacks is gathered, then said at once."""

    def __init__(self, config: Config | None) -> None:
        self.config = config
        self.missing: list[str] = []
        self.keys: list[str] = []

    def pick(
        self, given: T | None, configured: T | None, option: str, key: str, what: str
    ) -> T | None:
        if given is not None:
            return given
        if configured is not None:
            return configured
        self.missing.append(
            f'thiếu {what}: ghi {option} trên dòng lệnh, hoặc dòng {key} = "..." trong '
            f"{CONFIG_NAME} (htsd init tạo sẵn)."
        )
        self.keys.append(key)
        return None

    def done(self) -> None:
        """A usage error (exit 2) when anything is missing, saying where htsd looked."""
        if not self.missing:
            return
        if self.config is None or self.config.source is None:
            looked = f"thư mục {Path.cwd()} (nơi chạy lệnh): không có tệp {CONFIG_NAME}"
        else:
            looked = f"{self.config.source}: tệp này không có dòng {', '.join(self.keys)}"
        raise UsageError(
            "\n".join([*self.missing, f"htsd đã tìm trên dòng lệnh và trong {looked}."])
        )


def _existing(paths: Sequence[Path], command: str) -> tuple[Path, ...]:
    """Paths of returns as they are on disk (names compared in Unicode NFC): one that is not
    there is a usage error (exit 2), said before anything is read. Pieces of one path with
    spaces, typed without quotes, are said once, with the path as it should be typed."""
    from htsd_cli.base.fsutil import find_path
    from htsd_cli.base.paths import unquoted

    found = [find_path(p) for p in paths]
    if all(f is not None for f in found):
        return tuple(f for f in found if f is not None)
    joined = unquoted([str(p) for p in paths])
    if joined:
        raise UsageError(joined.message(f"htsd {command}"))
    raise UsageError(
        "\n".join(
            f"không có tệp hay thư mục nào tên {p}. Hãy kiểm tra lại đường dẫn (gõ sai tên "
            "thư mục?)."
            for p, there in zip(paths, found, strict=True)
            if there is None
        )
    )


def _on_disk(path: Path | None) -> Path | None:
    """A file named on the command line as it is on disk (names compared in Unicode NFC)."""
    from htsd_cli.base.fsutil import find_path

    return (find_path(path) or path) if path is not None else None


def _roster(given: Path | None, config: Config | None) -> Path | None:
    """Which roster: --roster, else htsd.toml's, as it is on disk (names compared in NFC)."""
    return _on_disk(given or (config.roster if config is not None else None))


def _configured_returns(config: Config | None) -> list[Path] | None:
    return [config.returns] if config is not None and config.returns is not None else None


def for_validate(
    *, config: Path | None, form: str | None, roster: Path | None, returns: list[Path] | None
) -> Settings:
    """`htsd validate`: the returns and the form (--form, else htsd.toml's: without either, htsd
    says where it looked for htsd.toml); the roster
    when there is one; with htsd.toml, its decisions and its receipts book (who sent a file)."""
    from htsd_cli.campaign.form import load_form
    from htsd_cli.campaign.roster import load_roster

    cfg = load_optional_config(config)
    picker = _Picker(cfg)
    paths = picker.pick(returns or None, _configured_returns(cfg), "BÁO-CÁO", "returns", "báo cáo")
    picker.done()
    assert paths is not None
    existing = _existing(paths, "validate")
    if cfg is not None:
        loaded = cfg.load_form(form)
    elif form is not None:  # --form alone is enough to check returns
        loaded = load_form(form)
    else:
        raise not_found(_NAME_THE_FORM)
    roster = _roster(roster, cfg)
    return Settings(
        form=loaded,
        config=cfg,
        roster=load_roster(roster, loaded) if roster is not None else None,
        returns=existing,
        receipts=receipts_book(None, cfg),
        decisions=cfg.decisions if cfg is not None else None,
        last_year=last_summary(cfg.last_year) if cfg is not None else None,
    )


def _collecting(
    config: Path | None,
    form: str | None,
    roster: Path | None,
    returns: list[Path] | None,
    command: str,
    output: Path | None = None,
    output_what: str = "",
) -> tuple[Config, Form, Roster, tuple[Path, ...], Path | None]:
    """What status and aggregate both need: returns and roster (and aggregate's output folder),
    given or from htsd.toml, then htsd.toml itself, the form and the roster loaded."""
    from htsd_cli.campaign.roster import load_roster

    cfg = load_optional_config(config)
    picker = _Picker(cfg)
    paths = picker.pick(returns or None, _configured_returns(cfg), "BÁO-CÁO", "returns", "báo cáo")
    roster = picker.pick(
        roster, cfg.roster if cfg else None, "--roster", "roster", "danh sách đơn vị"
    )
    if output_what:
        output = picker.pick(output, cfg.output if cfg else None, "--out", "output", output_what)
    picker.done()
    assert paths is not None and roster is not None
    existing = _existing(paths, command)
    if cfg is None:
        raise not_found()
    loaded = cfg.load_form(form)
    return cfg, loaded, load_roster(_roster(roster, cfg) or roster, loaded), existing, output


def for_status(
    *,
    config: Path | None,
    form: str | None,
    roster: Path | None,
    returns: list[Path] | None,
    receipts: Path | None,
    as_of: dt.date | None,
) -> Settings:
    """`htsd status`: returns, roster and htsd.toml; days counted from --as-of (else today)."""
    cfg, loaded, units, paths, _ = _collecting(config, form, roster, returns, "status")
    return of_status(cfg, loaded, units, paths, receipts=receipts, as_of=as_of)


def for_aggregate(
    *,
    config: Path | None,
    form: str | None,
    roster: Path | None,
    returns: list[Path] | None,
    output: Path | None,
    narrative: Path | None,
    receipts: Path | None,
    last_year: Path | None = None,
) -> Settings:
    """`htsd aggregate`: as `status`, with the output folder and the narrative (--narrative,
    else htsd.toml's once it is written), and last year (--nam-truoc, else htsd.toml's)."""
    cfg, loaded, units, paths, out = _collecting(
        config, form, roster, returns, "aggregate", output, "thư mục ghi tổng hợp"
    )
    assert out is not None
    if narrative is None and cfg.narrative is not None and cfg.narrative.exists():
        narrative = cfg.narrative  # written later in a campaign: none yet is no mistake
    return of_aggregate(
        cfg, loaded, units, paths, out, narrative=narrative, receipts=receipts,
        last_year=_on_disk(last_year),
    )  # fmt: skip


def for_template(
    *, config: Path | None, form: str | None, roster: Path | None, output: Path | None, blank: bool
) -> Settings:
    """`htsd template`: the folder for the issued forms, htsd.toml (who issues them), the form,
    and the roster unless a blank form is asked for."""
    from htsd_cli.campaign.roster import load_roster

    cfg = load_optional_config(config)
    picker = _Picker(cfg)
    out = picker.pick(
        output, cfg.issued if cfg else None, "--out", "issued", "thư mục ghi biểu mẫu"
    )
    picker.done()
    if cfg is None:
        raise not_found()
    loaded = cfg.load_form(form)
    roster = None if blank else _roster(roster, cfg)
    units = load_roster(roster, loaded) if roster is not None else None
    return Settings(form=loaded, config=cfg, roster=units, output=out)


def for_form(*, config: Path | None, form: str | None) -> Settings:
    """`htsd form show`: the form named by --form, else htsd.toml's."""
    from htsd_cli.campaign.form import load_form

    if form is not None:
        return Settings(form=load_form(form))
    cfg = load_optional_config(config)
    if cfg is None:
        raise not_found(_NAME_THE_FORM)
    return Settings(form=cfg.load_form(), config=cfg)


def for_import(*, config: Path | None, form: str | None, output: Path | None) -> Settings:
    """`htsd form import`: the previous form (--form, else htsd.toml's, else the latest bundled
    one) and htsd.toml when there is one; the output file as given (else chosen by the plan's
    year, `pipeline.import_form`)."""
    from htsd_cli.campaign.form import bundled_forms, load_form

    cfg = load_optional_config(config)
    if form is not None:
        previous = load_form(form)
    elif cfg is not None:
        previous = cfg.load_form()
    else:
        previous = bundled_forms()[-1]
    return Settings(form=previous, config=cfg, output=output)


def for_collect(
    *,
    config: Path | None,
    source: str | None,
    out: Path | None,
    receipts: Path | None,
    ca_file: Path | None,
    roster: Path | None,
) -> Settings:
    """`htsd collect`: the mailbox and the folder of returns, given or from htsd.toml; the
    receipts book to add to (`receipts_book`: else so-nhan.csv beside the returns); the form and
    roster to tell whose each saved file is, when they load (else the files are saved anyway)."""
    from htsd_cli.base.errors import HtsdError
    from htsd_cli.campaign.roster import load_roster
    from htsd_cli.intake import imap

    cfg = load_optional_config(config)
    picker = _Picker(cfg)
    mailbox = picker.pick(
        source, (cfg.mailbox or None) if cfg else None, "NGUỒN", "mailbox", "hộp thư"
    )
    folder = picker.pick(out, cfg.returns if cfg else None, "--out", "returns", "thư mục báo cáo")
    picker.done()
    assert mailbox is not None and folder is not None
    if not imap.is_address(mailbox) and not Path(mailbox).exists():
        raise UsageError(f"không có tệp hay thư mục nào tên {mailbox}.")
    book = receipts_book(receipts, cfg, folder.parent / "so-nhan.csv")
    if book.place is None:
        raise UsageError(
            f"--receipts {FILE_TIMES} chỉ dùng cho status và aggregate; collect cần tệp sổ nhận "
            "để ghi thêm."
        )
    form = units = None
    unattributed = ""
    if cfg is not None:
        try:  # only to tell whose each saved file is: the mail is collected all the same
            form = cfg.load_form()
            roster = _roster(roster, cfg)
            units = load_roster(roster, form) if roster is not None and roster.exists() else None
        except HtsdError as exc:
            form, unattributed = None, str(exc)
    return Settings(
        form=form,
        config=cfg,
        roster=units,
        returns=(folder,),
        receipts=book,
        mailbox=mailbox,
        ca_file=ca_file or (cfg.ca_file if cfg is not None else None),
        unattributed=unattributed,
    )
