"""Plain functions behind the CLI commands: they load inputs and call the library."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from htsd_cli.config import Config, load_config
from htsd_cli.form import KINDS, Form, load_form
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
) -> list[Any]:
    from htsd_cli.template import issue_workbooks

    return issue_workbooks(form, config, roster, out, progress, overwrite)


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

    decisions = load_decisions(config.decisions) if config is not None else None
    senders = load_senders(config.receipts) if config is not None else {}
    return validate_paths(
        paths, form, roster, strict, progress, decisions=decisions, senders=senders
    )


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

    return run_status(paths, form, config, roster, as_of, receipts, progress)


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
) -> Any:
    from htsd_cli.pipeline import run_aggregate

    return run_aggregate(
        paths, form, config, roster, out, narrative, receipts, None, progress, overwrite, pdf,
        use_cache,
    )  # fmt: skip


def form_as_dict(form: Form) -> dict[str, Any]:
    """The form definition as plain data (what `htsd form show --json` prints)."""
    return {
        "id": form.id,
        "version": form.version,
        "year": form.year,
        "title": form.title,
        "theme": form.theme,
        "period": {"start": form.period_start.isoformat(), "end": form.period_end.isoformat()},
        "deadline": form.deadline.isoformat(),
        "unit_types": [{"code": t.code, "label": t.label} for t in form.unit_types],
        "changes": [{"version": v, "text": t} for v, t in form.changes],
        "texts": [{"id": t.id, "part": t.part, "heading": t.heading} for t in form.texts],
        "sections": [
            {
                "number": s.number,
                "heading": s.heading,
                "indicators": [
                    {
                        "id": i.id,
                        "label": i.label,
                        "kind": i.kind,
                        "kind_label": KINDS[i.kind],
                        "unit": i.unit,
                        "aggregate": i.aggregate,
                        "applies_to": list(i.applies_to),
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
    }


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
) -> list[Path]:
    """The full table (--out) and the reminders (--remind), each written whole or not at all."""
    from htsd_cli.outputs import OutputSet
    from htsd_cli.remind import status_workbook, write_reminders

    written: list[Path] = []
    if out is not None:
        with OutputSet(out.parent, inputs, "bảng tình hình nộp", overwrite) as outs:
            outs.claim([out.name])
            outs.write(out.name, status_workbook(status))
            written += outs.commit()
    if remind is not None:
        contacts = {u.code: (u.email, u.phone) for u in roster.units}
        written += write_reminders(remind, status, config, form, contacts, inputs, overwrite)[1]
    return written
