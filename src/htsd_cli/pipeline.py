"""`htsd status` and `htsd aggregate` as plain functions: validate, then account, then render."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from htsd_cli.config import Config
from htsd_cli.decisions import load_decisions
from htsd_cli.findings import Report
from htsd_cli.form import Form
from htsd_cli.isolate import Background
from htsd_cli.outputs import Inputs, OutputSet
from htsd_cli.receipts import load_bounces, undelivered_by_unit
from htsd_cli.roster import Roster
from htsd_cli.status import (
    StatusReport,
    build_status,
    load_receipts,
    load_senders,
    note_undelivered,
)
from htsd_cli.stopping import checkpoint
from htsd_cli.validate import validate_paths

if TYPE_CHECKING:
    from htsd_cli.aggregate import Aggregate

FILE_TIMES = "mtime"  # --receipts mtime: date returns by their file times (a copy resets them)
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


def run_status(
    paths: list[Path],
    form: Form,
    config: Config,
    roster: Roster,
    as_of: dt.date | None = None,
    receipts: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    meanwhile: Callable[[], None] | None = None,
    cache: Any = None,
    counted_by: dt.date | None = None,
    past: Any = None,
) -> tuple[Report, StatusReport]:
    """Validate the returns and account for every unit (`counted_by`: see `build_status`)."""
    file_times = receipts is not None and str(receipts) == FILE_TIMES
    book_path = None if file_times else receipts or config.receipts
    if book_path is not None and receipts is None and not book_path.exists():
        book_path = None  # configured but not started yet: no dates, no lateness guessed
    book = load_receipts(book_path) if book_path is not None else None
    report = validate_paths(
        paths, form, roster, progress=progress, meanwhile=meanwhile, cache=cache,
        decisions=load_decisions(config.decisions), senders=load_senders(book_path), past=past,
    )  # fmt: skip
    status = build_status(
        report,
        roster,
        config.effective_deadline(form),
        as_of or dt.date.today(),
        book,
        book_path.name if book_path else "",
        form,
        file_times,
        counted_by,
    )
    beside = book_path or (None if file_times else config.receipts)
    note_undelivered(status, undelivered_by_unit(roster, load_bounces(beside)))
    return report, status


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


def aggregate_inputs(
    paths: list[Path],
    config: Config,
    roster: Roster,
    narrative: Path | None = None,
    receipts: Path | None = None,
    last_year: Path | None = None,
) -> Inputs:
    """Everything `aggregate` reads: no output may land on it or in a folder of returns."""
    return Inputs.reading(
        paths,
        [roster.source, narrative, receipts or config.receipts, config.source, config.decisions,
         last_year],
    )  # fmt: skip


def run_aggregate(
    paths: list[Path],
    form: Form,
    config: Config,
    roster: Roster,
    out: Path,
    narrative: Path | None = None,
    receipts: Path | None = None,
    as_of: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
    overwrite: bool = False,
    pdf: bool = False,
    use_cache: bool = True,
    last_year: Path | None = None,
    reuse: bool = False,
) -> tuple[Aggregate | None, Outputs]:
    """Validate, total, and switch the three outputs in together. Returns (Aggregate, Outputs).

    Nothing is written when no return is valid: the previous report stays as it was. Where the
    outputs may not go (onto an input, into a folder of returns, over a file htsd did not write)
    is checked before any file is read. `last_year` (last year's summary or working folder,
    else htsd.toml's `last_year`) adds the comparison with last year. With `reuse` (and the
    cache), a run whose inputs are those the outputs there were written from, the outputs
    untouched since, reads and writes nothing and returns (None, outputs with `unchanged`),
    without importing the renderers.
    """
    from htsd_cli.fingerprint import aggregate_fingerprint
    from htsd_cli.report import read_narrative

    outputs = Outputs(out / MARKDOWN_NAME, out / WORKBOOK_NAME, out / DOCX_NAME)
    soffice = ""
    if pdf:  # said before any file is read
        from htsd_cli.pdf import require_soffice

        soffice = require_soffice()
        outputs.pdf = out / PDF_NAME
    past = None
    last_year = last_year or config.last_year
    if last_year is not None:  # read before the returns: a wrong path is said at once
        from htsd_cli.yearover import Past, load_last_year, summary_path

        past = Past.of(form, load_last_year(last_year))
        last_year = summary_path(last_year)
    inputs = aggregate_inputs(paths, config, roster, narrative, receipts, last_year)
    texts = read_narrative(narrative, [(t.id, t.heading) for t in form.texts]) if narrative else {}
    stamp = None
    if use_cache:  # --no-cache: everything is read and written again
        stamp = aggregate_fingerprint(
            paths=paths, form=form, config=config, roster=roster, narrative=narrative,
            receipts=receipts, as_of=as_of, pdf=pdf, last_year=last_year,
        )  # fmt: skip
    with OutputSet(out, inputs, "báo cáo tổng hợp", overwrite) as outs:
        outs.claim([*OUTPUT_NAMES, PDF_NAME] if pdf else OUTPUT_NAMES)
        if reuse and outs.unchanged(stamp):
            outputs.unchanged = True
            return None, outputs
        from htsd_cli.aggregate import aggregate
        from htsd_cli.docx_report import render_docx
        from htsd_cli.report import render_markdown, report_context
        from htsd_cli.summary import build_summary_workbook

        cache = None
        if use_cache:  # kept with the outputs; a run with nothing to count keeps it too
            from htsd_cli.cache import CACHE_NAME, ReadCache, fingerprint

            cache = ReadCache(outs.scratch(CACHE_NAME), fingerprint(form, False, False))
            if cache.refused:
                outputs.notes.append(cache.refused)
        try:
            report, status = run_status(
                paths, form, config, roster, as_of or config.report_date, receipts, progress,
                _preload, cache, past=past,
            )  # fmt: skip
        finally:
            if cache is not None:
                cache.close()
        agg = aggregate(form, roster, status)
        if not agg.used:
            return agg, outputs
        if past is not None:
            from htsd_cli.yearover import compare_aggregate

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
            from htsd_cli.pdf import docx_to_pdf

            outs.write(PDF_NAME, docx_to_pdf(document, soffice, outs.workspace()))
        checkpoint("rendered")
        outputs.written = outs.commit(stamp)
    return agg, outputs
