"""Every command as a plain function of its `Settings` (settings.py): issue, validate, account,
render, collect. The command line only resolves the settings, calls one of these and prints.

Heavy modules are imported inside the functions that need them: `htsd validate one.xlsx` does
not pay for pandas, openpyxl, jinja2 or python-docx.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from htsd_cli.settings import Settings

if TYPE_CHECKING:
    from htsd_cli.base.findings import Report
    from htsd_cli.base.outputs import Inputs
    from htsd_cli.campaign.form import Form
    from htsd_cli.checks.cache import ReadCache
    from htsd_cli.checks.yearover import Past
    from htsd_cli.collect import Outcome
    from htsd_cli.formimport import Draft
    from htsd_cli.intake.mail import Mail
    from htsd_cli.render.annotate import Annotated
    from htsd_cli.template import Issued
    from htsd_cli.totals.aggregate import Aggregate
    from htsd_cli.totals.status import StatusReport

Progress = Callable[[int, int], None]
MARKDOWN_NAME = "bao-cao.md"
WORKBOOK_NAME = "tong-hop.xlsx"
DOCX_NAME = "bao-cao.docx"
PDF_NAME = "bao-cao.pdf"


def _preload() -> None:
    """Imports for the rendering step, done while the worker processes read the returns (not
    python-docx: the Word document is rendered in a child process, which imports it)."""
    import jinja2  # noqa: F401
    import openpyxl
    import openpyxl.chart  # noqa: F401
    import pandas  # noqa: F401


def issue(
    settings: Settings,
    *,
    progress: Progress | None = None,
    overwrite: bool = False,
    anyway: bool = False,
) -> tuple[list[Issued], str]:
    """The issued workbooks, and a line to show when the form was issued despite a doubt (its
    year, its deadline): see `template.may_issue`. The clock decides only that line."""
    from htsd_cli.template import issue_workbooks, may_issue

    form, config, out = settings.form, settings.config, settings.output
    assert form is not None and config is not None and out is not None
    note = may_issue(form, config, dt.date.today(), anyway)
    return issue_workbooks(form, config, settings.roster, out, progress, overwrite), note


def validate(
    settings: Settings, *, strict: bool = False, progress: Progress | None = None
) -> Report:
    """Check the returns; the clerk's decisions are applied and the receipts book says who sent
    each file (when htsd.toml names them)."""
    from htsd_cli.checks.decisions import load_decisions
    from htsd_cli.checks.validate import validate_paths
    from htsd_cli.intake.receipts import load_senders

    assert settings.form is not None
    return validate_paths(
        list(settings.returns), settings.form, settings.roster, strict, progress,
        decisions=load_decisions(settings.decisions),
        senders=load_senders(settings.receipts.book), past=last_year(settings),
    )  # fmt: skip


def reading(settings: Settings) -> Inputs:
    """Everything a run reads: no output may land on it or in a folder of returns."""
    from htsd_cli.base.outputs import Inputs

    config = settings.config
    return Inputs.reading(
        list(settings.returns),
        [
            settings.roster.source if settings.roster is not None else None,
            settings.narrative,
            settings.receipts.place,
            config.source if config is not None else None,
            settings.decisions,
            settings.last_year,
        ],
    )


def last_year(settings: Settings) -> Past | None:
    """Last year (`settings.last_year`) matched to this year's form: ConfigError when it cannot
    be read; None without one."""
    if settings.last_year is None:
        return None
    from htsd_cli.checks.yearover import Past, load_last_year

    assert settings.form is not None
    return Past.of(settings.form, load_last_year(settings.last_year))


def status(settings: Settings, *, progress: Progress | None = None) -> tuple[Report, StatusReport]:
    """`htsd status`: what arrived after --as-of had not arrived as of that day; each unit
    checked against last year when htsd.toml names it."""
    return run_status(
        settings, progress=progress, counted_by=settings.as_of, past=last_year(settings)
    )


def annotate(
    settings: Settings, report: Report, out: Path, overwrite: bool = False
) -> list[Annotated]:
    """Annotated copies into `out`, never onto what was read."""
    from htsd_cli.render.annotate import annotate_report

    return annotate_report(report, out, reading(settings), overwrite)


def run_status(
    settings: Settings,
    *,
    progress: Progress | None = None,
    meanwhile: Callable[[], None] | None = None,
    cache: ReadCache | None = None,
    counted_by: dt.date | None = None,
    past: Past | None = None,
) -> tuple[Report, StatusReport]:
    """Validate the returns and account for every unit of the roster (`counted_by`: see
    `build_status`; `past`: last year, see `last_year`)."""
    from htsd_cli.checks.decisions import load_decisions
    from htsd_cli.checks.validate import validate_paths
    from htsd_cli.intake.receipts import load_bounces, load_receipts, undelivered_by_unit
    from htsd_cli.totals.status import build_status, note_undelivered

    form, config, roster = settings.form, settings.config, settings.roster
    assert form is not None and config is not None and roster is not None
    book = settings.receipts.book
    decisions = load_decisions(settings.decisions)
    receipts = load_receipts(book) if book is not None else None  # read once: dates and senders
    report = validate_paths(
        list(settings.returns), form, roster, progress=progress, meanwhile=meanwhile,
        cache=cache, decisions=decisions,
        senders=receipts.senders if receipts is not None else {}, past=past,
    )  # fmt: skip
    status = build_status(
        report,
        roster,
        config.effective_deadline(form),
        settings.as_of or dt.date.today(),
        receipts,
        book.name if book else "",
        form,
        settings.receipts.file_times,
        counted_by,
    )
    bounces = load_bounces(settings.receipts.place)
    note_undelivered(status, undelivered_by_unit(roster, bounces))
    return report, status


def write_status_files(
    settings: Settings,
    status: StatusReport,
    *,
    out: Path | None = None,
    remind: Path | None = None,
    overwrite: bool = False,
    new_deadline: dt.date | None = None,
) -> list[Path]:
    """The full table (--out) and the reminders (--remind), each written whole or not at all;
    the letter dated `settings.letter_date` (None: left blank), never by the clock."""
    from htsd_cli.base.outputs import OutputSet
    from htsd_cli.render.remind import LetterDates, status_workbook, write_reminders

    form, config, roster = settings.form, settings.config, settings.roster
    assert form is not None and config is not None and roster is not None
    inputs = reading(settings)
    written: list[Path] = []
    if out is not None:
        with OutputSet(out.parent, inputs, "bảng tình hình nộp", overwrite) as outs:
            outs.claim([out.name])
            outs.write(out.name, status_workbook(status))
            written += outs.commit()
    if remind is not None:
        contacts = {u.code: (u.email, u.phone) for u in roster.units}
        dates = LetterDates.settle(settings.letter_date, status.deadline, new_deadline)
        written += write_reminders(
            remind, status, config, form, contacts, inputs, overwrite, dates
        )[1]
    return written


@dataclass
class Outputs:
    markdown: Path
    workbook: Path
    docx: Path
    written: list[Path] = field(default_factory=list)
    pdf: Path | None = None
    notes: list[str] = field(default_factory=list)  # said after what was written
    unchanged: bool = False  # nothing read or written: the inputs are those of the outputs there
    unfinished: list[str] = field(default_factory=list)  # narrative parts printed "CẦN ĐIỀN"
    narrative: Path | None = None  # where the clerk writes them


OUTPUT_NAMES = (WORKBOOK_NAME, MARKDOWN_NAME, DOCX_NAME)


def run_aggregate(
    settings: Settings,
    *,
    progress: Progress | None = None,
    overwrite: bool = False,
    pdf: bool = False,
    use_cache: bool = True,
    reuse: bool = False,
) -> tuple[Aggregate | None, Outputs]:
    """Validate, total, and switch the three outputs in together. Returns (Aggregate, Outputs).

    Nothing is written when no return is valid: the previous report stays as it was. Where the
    outputs may not go (onto an input, into a folder of returns, over a file htsd did not write)
    is checked before any file is read. `settings.last_year` adds the comparison with last
    year. With `reuse` (and the cache), a run whose inputs are those the outputs there were
    written from, the outputs untouched since, reads and writes nothing and returns (None,
    outputs with `unchanged`), without importing the renderers.
    """
    from htsd_cli.base.isolate import Background
    from htsd_cli.base.outputs import OutputSet
    from htsd_cli.base.stopping import checkpoint
    from htsd_cli.render.report import read_narrative
    from htsd_cli.totals.fingerprint import aggregate_fingerprint

    form, config, roster, out = settings.form, settings.config, settings.roster, settings.output
    assert form is not None and config is not None and roster is not None and out is not None
    narrative = settings.narrative
    outputs = Outputs(out / MARKDOWN_NAME, out / WORKBOOK_NAME, out / DOCX_NAME)
    soffice = ""
    if pdf:  # said before any file is read
        from htsd_cli.render.pdf import require_soffice

        soffice = require_soffice()
        outputs.pdf = out / PDF_NAME
    past = last_year(settings)  # read before the returns: a wrong path is said at once
    inputs = reading(settings)
    texts = read_narrative(narrative, [(t.id, t.heading) for t in form.texts]) if narrative else {}
    stamp = None
    if use_cache:  # --no-cache: everything is read and written again
        stamp = aggregate_fingerprint(
            returns=settings.returns, form=form, config=config, roster=roster,
            narrative=narrative, receipts=settings.receipts, decisions=settings.decisions,
            as_of=settings.as_of, pdf=pdf, last_year=settings.last_year,
        )  # fmt: skip
    with OutputSet(out, inputs, "báo cáo tổng hợp", overwrite) as outs:
        outs.claim([*OUTPUT_NAMES, PDF_NAME] if pdf else OUTPUT_NAMES)
        if reuse and outs.unchanged(stamp):
            outputs.unchanged = True
            return None, outputs
        from htsd_cli.render.docx_report import render_docx
        from htsd_cli.render.report import render_markdown, report_context
        from htsd_cli.render.summary import build_summary_workbook
        from htsd_cli.totals.aggregate import aggregate

        cache = None
        if use_cache:  # kept with the outputs; a run with nothing to count keeps it too
            from htsd_cli.checks.cache import CACHE_NAME, ReadCache, fingerprint

            cache = ReadCache(outs.scratch(CACHE_NAME), fingerprint(form, False, False))
            if cache.refused:
                outputs.notes.append(cache.refused)
        try:
            report, status = run_status(
                settings, progress=progress, meanwhile=_preload, cache=cache, past=past
            )
        finally:
            if cache is not None:
                cache.close()
        agg = aggregate(form, roster, status)
        if not agg.used:
            return agg, outputs
        if past is not None:
            from htsd_cli.checks.yearover import compare_aggregate

            agg.last_year = compare_aggregate(agg, past.last, roster)
        context = report_context(agg, config, texts)
        outputs.narrative = narrative or config.narrative
        outputs.unfinished = [
            part.heading for part in (*context.texts_before, *context.texts_after) if not part.text
        ]
        # The Word document is rendered in a child process meanwhile: two cores, two renderers.
        document_job = Background(render_docx, context)
        try:
            markdown = render_markdown(context)
            outs.write_with(
                WORKBOOK_NAME, lambda out: build_summary_workbook(agg, config, report, texts, out)
            )
            document = document_job.result()
        finally:
            document_job.close()
        outs.write(MARKDOWN_NAME, markdown.encode("utf-8"))
        outs.write(DOCX_NAME, document)
        if soffice:
            from htsd_cli.render.pdf import docx_to_pdf

            outs.write(PDF_NAME, docx_to_pdf(document, soffice, outs.workspace()))
        checkpoint("rendered")
        outputs.written = outs.commit(stamp)
    return agg, outputs


def mail(settings: Settings, since: dt.date | None = None) -> Iterable[Mail]:
    """The messages of the mailbox (IMAP, read only) or of the mail files."""
    from htsd_cli.base.outputs import is_within
    from htsd_cli.intake import imap
    from htsd_cli.intake import mail as mail_files

    source = settings.mailbox
    if imap.is_address(source):
        box = imap.parse_address(source)
        return imap.messages(box, imap.password_for(box), since, settings.ca_file)
    where = Path(source)
    out = settings.returns[0]
    if where.is_dir() and is_within(out, where):  # the mail source is only ever read
        raise mail_files.MailError(
            f"Thư mục báo cáo {out} nằm trong thư mục thư {where}: htsd không ghi gì vào "
            "nơi chứa thư. Hãy chọn thư mục báo cáo khác."
        )
    return mail_files.files(where)


def collect(settings: Settings, since: dt.date | None = None) -> Iterator[Outcome]:
    """Save the attachments of every message into the folder of returns and book them; yields
    the outcome after each message (for a progress display), then says whose each file is."""
    from htsd_cli.collect import Outcome, attribute
    from htsd_cli.collect import collect as collecting

    book = settings.receipts.place
    assert book is not None
    outcome = Outcome()
    for outcome in collecting(mail(settings, since), settings.returns[0], book, since):
        yield outcome
    if settings.form is not None and (
        outcome.saved or outcome.refused or outcome.listed or outcome.bounces
    ):
        attribute(outcome, settings.returns[0], settings.form, settings.roster)


def convert_form(source: str, target: Path, overwrite: bool = False) -> Path:
    """Write a form as a form workbook (.xlsx) or a YAML definition, by the target's suffix;
    the two read back as the same form, notes and comments kept."""
    from htsd_cli.base.errors import FormError
    from htsd_cli.base.outputs import Inputs, OutputSet
    from htsd_cli.campaign.form import load_form
    from htsd_cli.campaign.formbook import form_notes, write_book
    from htsd_cli.campaign.formyaml import form_yaml
    from htsd_cli.template import form_file

    form = load_form(source)
    suffix = target.suffix.lower()
    if suffix == ".xlsx":
        data = write_book(form, form_notes(form))
    elif suffix in (".yaml", ".yml"):
        data = form_yaml(form, form_notes(form)).encode("utf-8")
    else:
        raise FormError(
            f"Không biết ghi biểu mẫu thành tệp '{target.name}': tên tệp phải kết thúc bằng "
            ".xlsx (bảng tính) hoặc .yaml."
        )
    with OutputSet(target.parent, Inputs([form_file(form)]), "biểu mẫu", overwrite) as outs:
        outs.claim([target.name])
        outs.write(target.name, data)
        outs.commit()
    return target


def import_form(
    settings: Settings, plan: Path, overwrite: bool = False
) -> tuple[Path, Draft, Form]:
    """Draft the year's form workbook from the plan's appendix, after the previous form
    (`for_import`). Written to the output given, else to bieu-mau-<year>.xlsx beside htsd.toml
    (in the working folder without one). Returns where, the draft and the previous form."""
    from htsd_cli.formimport import import_plan
    from htsd_cli.init import book_name

    previous, configured = settings.form, settings.config
    assert previous is not None
    draft = import_plan(plan, previous)
    if configured is not None and configured.year not in (None, draft.form.year):
        draft.marks[("campaign", "year")] = (
            f"Kế hoạch là của năm {draft.form.year}, htsd.toml ghi đợt năm {configured.year}: "
            "kiểm tra lại tệp Kế hoạch."
        )
    folder = configured.base if configured is not None else Path.cwd()
    target = settings.output or folder / book_name(draft.form.year)
    write_draft(draft, target, previous, [plan], overwrite)
    return target, draft, previous


def write_draft(
    draft: Draft, target: Path, previous: Form, read: list[Path], overwrite: bool = False
) -> Path:
    """The draft as a form workbook at `target`. It may take the place of the previous form's
    workbook only when htsd wrote that and nobody changed it since (nothing is lost then)."""
    from htsd_cli.base.errors import FormError
    from htsd_cli.base.outputs import Inputs, OutputSet, is_within, unchanged_since_written
    from htsd_cli.campaign.formbook import write_book
    from htsd_cli.template import form_file

    before = form_file(previous)
    if before is not None and target.exists() and is_within(target, before):
        if not unchanged_since_written(before):
            raise FormError(
                f"{target.name} là biểu mẫu đang dùng và đã được sửa sau khi htsd ghi ra: htsd "
                f"không ghi đè. Hãy ghi bản nháp ra tệp khác (-o {target.stem}-ke-hoach.xlsx) "
                "rồi đổi dòng form trong htsd.toml."
            )
        before = None  # replaced whole by the draft, which took everything from it
    data = write_book(draft.form, draft.notes, draft.marks)
    with OutputSet(target.parent, Inputs([*read, before]), "biểu mẫu", overwrite) as outs:
        outs.claim([target.name])
        outs.write(target.name, data)
        outs.commit()
    return target
