"""Plain functions behind the CLI commands: they load inputs and call the library."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from htsd_cli.config import Config, load_config
from htsd_cli.form import KINDS, Form, Limits, load_form
from htsd_cli.roster import Roster, load_roster


def resolve_form(form: str | None, config: Path | None) -> Form:
    """The form named by --form, else the configuration's form."""
    if form is not None:
        return load_form(form)
    return load_config(config).load_form()


def prepare(
    config: Path | None, form: str | None, roster: Path | None
) -> tuple[Config, Form, Roster | None]:
    """Load configuration, form and (optional) roster, checking each."""
    cfg = load_config(config)
    loaded = cfg.load_form(form)
    units = load_roster(roster, loaded) if roster is not None else None
    return cfg, loaded, units


def prepare_collecting(
    config: Path | None, form: str | None, roster: Path
) -> tuple[Config, Form, Roster]:
    """Configuration, form and roster for status and aggregate (the roster is required there)."""
    cfg = load_config(config)
    loaded = cfg.load_form(form)
    return cfg, loaded, load_roster(roster, loaded)


def prepare_check(
    config: Path | None, form: str | None, roster: Path | None
) -> tuple[Form, Roster | None]:
    """Form and roster for checking returns: `--form` alone is enough, without a configuration."""
    loaded = (
        load_form(form)
        if form is not None and config is None
        else load_config(config).load_form(form)
    )
    units = load_roster(roster, loaded) if roster is not None else None
    return loaded, units


def issue(
    form: Form,
    config: Config,
    roster: Roster | None,
    out: Path,
    progress: Callable[[int, int], None] | None = None,
    overwrite: bool = False,
    anyway: bool = False,
) -> tuple[list[Any], str]:
    """The issued workbooks, and a line to show when the form was issued despite a doubt (its
    year, its deadline): see `template.may_issue`. The clock decides only that line."""
    import datetime as dt

    from htsd_cli.template import issue_workbooks, may_issue

    note = may_issue(form, config, dt.date.today(), anyway)
    return issue_workbooks(form, config, roster, out, progress, overwrite), note


def validate(
    paths: list[Path],
    form: Form,
    roster: Roster | None,
    strict: bool,
    progress: Callable[[int, int], None] | None = None,
    config: Config | None = None,
) -> Any:
    """Check the returns; with a configuration, the clerk's decisions are applied and the
    receipts book says who sent each file."""
    from htsd_cli.decisions import load_decisions
    from htsd_cli.status import load_senders
    from htsd_cli.validate import validate_paths
    from htsd_cli.yearover import configured_past

    decisions = load_decisions(config.decisions) if config is not None else None
    senders = load_senders(config.receipts) if config is not None else {}
    return validate_paths(
        paths, form, roster, strict, progress, decisions=decisions, senders=senders,
        past=configured_past(config, form),
    )  # fmt: skip


def check_annotate_folder(out: Path, paths: list[Path]) -> None:
    """Refuse, before reading, annotated copies inside a folder of returns."""
    from htsd_cli.outputs import Inputs

    Inputs.reading(paths).refuse_folder(out, "bản sao cần sửa")


def annotate(
    report: Any, out: Path, paths: list[Path], read: list[Path | None], overwrite: bool
) -> Any:
    """Annotated copies into `out`, never onto what was read (`paths` and the `read` files)."""
    from htsd_cli.annotate import annotate_report
    from htsd_cli.outputs import Inputs

    return annotate_report(report, out, Inputs.reading(paths, read), overwrite)


def status(
    paths: list[Path],
    form: Form,
    config: Config,
    roster: Roster,
    as_of: Any,
    receipts: Path | None,
    progress: Callable[[int, int], None] | None = None,
) -> Any:
    from htsd_cli.pipeline import run_status
    from htsd_cli.yearover import configured_past

    # status --as-of D: what arrived after D had not arrived as of D
    past = configured_past(config, form)
    return run_status(
        paths, form, config, roster, as_of, receipts, progress, counted_by=as_of, past=past
    )


def aggregate(
    paths: list[Path],
    form: Form,
    config: Config,
    roster: Roster,
    out: Path,
    narrative: Path | None,
    receipts: Path | None,
    progress: Callable[[int, int], None] | None = None,
    overwrite: bool = False,
    pdf: bool = False,
    use_cache: bool = True,
    last_year: Path | None = None,
    reuse: bool = False,
) -> Any:
    from htsd_cli.pipeline import run_aggregate

    return run_aggregate(
        paths, form, config, roster, out, narrative, receipts, None, progress, overwrite, pdf,
        use_cache, last_year, reuse,
    )  # fmt: skip


def _limits_dict(limits: Limits) -> dict[str, Any]:
    return {
        "min": limits.minimum,
        "max": limits.maximum,
        "max_by_type": dict(limits.by_type),
    }


def form_as_dict(form: Form) -> dict[str, Any]:
    """The form definition as plain data (what `htsd form show --json` prints)."""
    from htsd_cli.formbook import kept_ids, made_ids, unchecked

    return {
        "id": form.id,
        "version": form.version,
        "year": form.year,
        "title": form.title,
        "short_title": form.short_title,
        "theme": form.theme,
        "period": {"start": form.period_start.isoformat(), "end": form.period_end.isoformat()},
        "deadline": form.deadline.isoformat(),
        "report_code": form.report_code,
        "summary_line": form.summary_line,
        "unit_types": [
            {"code": t.code, "label": t.label, "aliases": list(t.aliases)} for t in form.unit_types
        ],
        "changes": [{"version": v, "text": t} for v, t in form.changes],
        "plausibility": {
            "by_kind": {kind: _limits_dict(limits) for kind, limits in form.plausibility.by_kind},
            "hold_outliers": form.plausibility.hold_outliers,
        },
        "texts": [{"id": t.id, "part": t.part, "heading": t.heading} for t in form.texts],
        "sections": [
            {
                "number": s.number,
                "heading": s.heading,
                "applies_to": list(s.applies_to),
                "indicators": [
                    {
                        "id": i.id,
                        "label": i.label,
                        "total_label": i.total_label,
                        "kind": i.kind,
                        "kind_label": KINDS[i.kind],
                        "unit": i.unit,
                        "level": i.level,
                        "aggregate": i.aggregate,
                        "applies_to": list(i.applies_to),
                        "limits": _limits_dict(i.limits),  # the row's own
                        "plausible": _limits_dict(form.limits(i)),  # what is held outside
                    }
                    for i in s.indicators
                ],
            }
            for s in form.sections
        ],
        "rules": [
            {
                "id": r.id,
                "when": None
                if r.when is None
                else f"{r.when.left.text} {r.when.operator} {r.when.right.text}",
                "left": r.check.left.text if r.check else None,
                "operator": r.check.operator if r.check else r.presence,
                "right": r.check.right.text if r.check else r.target,
                "severity": r.severity,
                "message": r.message,
            }
            for r in form.rules
        ],
        "unchecked": [{"where": str(cell), "text": text} for cell, text in unchecked(form)],
        "made_ids": [{"where": str(cell), "id": made} for cell, made in made_ids(form)],
        "kept_ids": [{"where": str(cell), "id": kept} for cell, kept in kept_ids(form)],
    }


def convert_form(source: str, target: Path, overwrite: bool = False) -> Path:
    """Write a form as a form workbook (.xlsx) or a YAML definition, by the target's suffix;
    the two read back as the same form, notes and comments kept."""
    from htsd_cli.errors import FormError
    from htsd_cli.formbook import form_notes, write_book
    from htsd_cli.formyaml import form_yaml
    from htsd_cli.outputs import Inputs, OutputSet
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
    plan: Path,
    form: str | None,
    config: Path | None,
    out: Path | None,
    overwrite: bool = False,
) -> tuple[Path, Any, Form]:
    """Draft the year's form workbook from the plan's appendix, after the previous form (--form,
    else the configuration's, else the latest bundled one). Returns where it was written, the
    draft and the previous form."""
    from htsd_cli.errors import ConfigError
    from htsd_cli.form import bundled_forms
    from htsd_cli.formimport import import_plan
    from htsd_cli.init import book_name

    configured: Config | None = None
    try:
        configured = load_config(config)
    except ConfigError:
        if config is not None:
            raise
    if form is not None:
        previous = load_form(form)
    elif configured is not None:
        previous = configured.load_form()
    else:
        previous = bundled_forms()[-1]
    draft = import_plan(plan, previous)
    if configured is not None and configured.year not in (None, draft.form.year):
        draft.marks[("campaign", "year")] = (
            f"Kế hoạch là của năm {draft.form.year}, htsd.toml ghi đợt năm {configured.year}: "
            "kiểm tra lại tệp Kế hoạch."
        )
    folder = configured.base if configured is not None else Path.cwd()
    target = out or folder / book_name(draft.form.year)
    write_draft(draft, target, previous, [plan], overwrite)
    return target, draft, previous


def write_draft(
    draft: Any, target: Path, previous: Form, read: list[Path], overwrite: bool = False
) -> Path:
    """The draft as a form workbook at `target`. It may take the place of the previous form's
    workbook only when htsd wrote that and nobody changed it since (nothing is lost then)."""
    from htsd_cli.errors import FormError
    from htsd_cli.formbook import write_book
    from htsd_cli.outputs import Inputs, OutputSet, is_within, unchanged_since_written
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


def collecting_inputs(
    paths: list[Path], config: Config, roster: Roster, receipts: Path | None
) -> Any:
    """What status and aggregate read: no output may land on it."""
    from htsd_cli.pipeline import aggregate_inputs

    book = receipts if receipts is not None and receipts.exists() else None
    return aggregate_inputs(paths, config, roster, None, book)


def write_status_files(
    status: Any,
    config: Config,
    form: Form,
    roster: Roster,
    inputs: Any,
    out: Path | None,
    remind: Path | None,
    overwrite: bool,
    letter_date: Any = None,
    new_deadline: Any = None,
) -> list[Path]:
    """The full table (--out) and the reminders (--remind), each written whole or not at all;
    the letter dated `letter_date` (None: left blank), never by the clock."""
    from htsd_cli.outputs import OutputSet
    from htsd_cli.remind import LetterDates, status_workbook, write_reminders

    written: list[Path] = []
    if out is not None:
        with OutputSet(out.parent, inputs, "bảng tình hình nộp", overwrite) as outs:
            outs.claim([out.name])
            outs.write(out.name, status_workbook(status))
            written += outs.commit()
    if remind is not None:
        contacts = {u.code: (u.email, u.phone) for u in roster.units}
        dates = LetterDates.settle(letter_date, status.deadline, new_deadline)
        written += write_reminders(
            remind, status, config, form, contacts, inputs, overwrite, dates
        )[1]
    return written
