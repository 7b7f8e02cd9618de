"""A form written as a YAML definition (`htsd form convert … x.yaml`), and the comments of a YAML
form read as notes, so that a form goes to a workbook and back with its reasons kept; the form as
plain data (`htsd form show --json`)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, TypeAlias

from htsd_cli.base.words import Word
from htsd_cli.campaign.form import (
    KINDS,
    NEW_ROW,
    Form,
    Indicator,
    Limits,
    LineDict,
    default_aggregate,
    default_summary_line,
    read_located,
)
from htsd_cli.campaign.formbook import Key, plain_number

if TYPE_CHECKING:
    import yaml

# the form as plain data, for YAML and JSON
Plain: TypeAlias = "str | int | float | list[Plain] | dict[str, Plain] | None"


def _flow(value: object) -> str:
    import yaml

    text: str = yaml.dump(
        value,
        Dumper=_dumper(),
        allow_unicode=True,
        default_flow_style=True,
        width=10**9,
        sort_keys=False,
    )
    return text.removesuffix("\n...\n").strip()


@functools.cache
def _dumper() -> type[yaml.SafeDumper]:
    """YAML's safe dumper, writing a closed-set word (a kind, an aggregation) as its string."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    Dumper.add_multi_representer(Word, lambda dumper, word: dumper.represent_str(word.value))
    return Dumper


def _comment(text: str, indent: str) -> list[str]:
    import textwrap

    out = []
    for paragraph in text.splitlines() or [""]:
        out += [f"{indent}# {line}" for line in textwrap.wrap(paragraph, 96)] or [f"{indent}#"]
    return out


def _limits_yaml(limits: Limits) -> dict[str, Plain]:
    out: dict[str, Plain] = {}
    if limits.minimum is not None:
        out["min"] = plain_number(limits.minimum)
    if limits.by_type:
        most: dict[str, Plain] = {}
        if limits.maximum is not None:
            most["default"] = plain_number(limits.maximum)
        most.update((code, plain_number(n)) for code, n in limits.by_type)
        out["max"] = most
    elif limits.maximum is not None:
        out["max"] = plain_number(limits.maximum)
    return out


def _indicator_yaml(ind: Indicator, section_types: tuple[str, ...]) -> dict[str, Plain]:
    item: dict[str, Plain] = {"id": ind.id, "label": ind.label, "kind": ind.kind}
    if ind.unit:
        item["unit"] = ind.unit
    if ind.aggregate != default_aggregate(ind.kind):
        item["aggregate"] = ind.aggregate
    if ind.level != 1:
        item["level"] = ind.level
    if ind.applies_to != section_types:
        item["applies_to"] = list(ind.applies_to)
    if ind.total_label:
        item["total_label"] = ind.total_label
    item.update(_limits_yaml(ind.limits))
    if ind.last_year is not None:
        item["last_year"] = list(ind.last_year) if len(ind.last_year) != 1 else ind.last_year[0]
        item["last_year"] = item["last_year"] or NEW_ROW
    return item


def form_yaml(form: Form, notes: dict[Key, str] | None = None) -> str:
    """The form as a YAML definition (what `htsd form convert` writes): the same form when read
    back, with the workbook's notes as comments."""
    notes = notes or {}

    def noted(key: Key, indent: str) -> list[str]:
        return _comment(notes[key], indent) if key in notes else []

    out = [
        f"# {form.title}",
        "# Biểu mẫu báo cáo cho htsd (xem `htsd form show --form TỆP`).",
        f"id: {_flow(form.id)}",
        f"version: {form.version}",
    ]
    if form.changes:
        out.append("changes:")
        out += [f"  {v}: {_flow(t)}" for v, t in form.changes]
    out += [f"year: {form.year}", f"title: {_flow(form.title)}"]
    if form.short_title != form.title:
        out.append(f"short_title: {_flow(form.short_title)}")
    if form.theme:
        out.append(f"theme: {_flow(form.theme)}")
    out += [
        "period:",
        f"  start: {form.period_start.isoformat()}",
        f"  end: {form.period_end.isoformat()}",
        f"deadline: {form.deadline.isoformat()}",
        f"report_code: {_flow(form.report_code)}",
    ]
    if form.summary_line != default_summary_line(form.title):
        out.append(f"summary_line: {_flow(form.summary_line)}")
    against = form.plausibility.against_last_year
    if form.plausibility.by_kind or form.plausibility.hold_outliers or against:
        out.append("plausibility:")
        out += [f"  {k}: {_flow(_limits_yaml(lim))}" for k, lim in form.plausibility.by_kind]
        if form.plausibility.hold_outliers:
            out.append(f"  hold_outliers: {plain_number(form.plausibility.hold_outliers)}")
        if against:
            factors = {kind: plain_number(factor) for kind, factor in against}
            out.append(f"  against_last_year: {_flow(factors)}")
    out.append("unit_types:")
    for t in form.unit_types:
        item: dict[str, Plain] = {"code": t.code, "label": t.label}
        if t.aliases:
            item["aliases"] = list(t.aliases)
        out += noted(("unit_type", t.code), "  ")
        out.append(f"  - {_flow(item)}")
    if form.texts:
        out.append("texts:")
        for text in form.texts:
            out += noted(("text", text.id), "  ")
            out.append(f"  - {_flow({'id': text.id, 'part': text.part, 'heading': text.heading})}")
    out += [
        "table:",
        f"  part_heading: {_flow(form.table_part_heading)}",
        f"  heading: {_flow(form.table_heading)}",
        f"  columns: {_flow(list(form.columns))}",
        "sections:",
    ]
    for section in form.sections:
        out += noted(("section", str(section.number)), "  ")
        out += [f"  - number: {section.number}", f"    heading: {_flow(section.heading)}"]
        if section.applies_to:
            out.append(f"    applies_to: {_flow(list(section.applies_to))}")
        out.append("    indicators:")
        for ind in section.indicators:
            out += noted(("indicator", ind.id), "      ")
            out.append(f"      - {_flow(_indicator_yaml(ind, section.applies_to))}")
    if form.rules:
        out.append("rules:")
    for rule in form.rules:
        out += noted(("rule", rule.id), "  ")
        out.append(f"  - id: {_flow(rule.id)}")
        if rule.when is not None:
            out.append(f"    when: {_flow(rule.when.written())}")
        if rule.check is None:
            out.append(f"    {rule.presence}: {_flow(rule.target)}")
        else:
            out += [
                f"    left: {_flow(rule.check.left.text)}",
                f"    operator: {_flow(rule.check.operator)}",
                f"    right: {_flow(rule.check.right.text)}",
            ]
        out += [f"    severity: {rule.severity}", f"    message: {_flow(rule.message)}"]
    return "\n".join(out) + "\n"


def yaml_notes(text: str) -> dict[Key, str]:
    """The comments written just above a unit type, text part, section, row or rule of a YAML
    form (the reasons a form gives for its choices), to travel with them into a workbook."""
    data = read_located(text)
    lines = text.splitlines()

    def above(line: int) -> str:
        found: list[str] = []
        i = line - 2
        while i >= 0 and lines[i].lstrip().startswith("#"):
            found.insert(0, lines[i].lstrip()[1:].strip())
            i -= 1
        return " ".join(found)

    out: dict[Key, str] = {}

    def keep(key: Key, item: object) -> None:
        note = above(int(getattr(item, "line", 0))) if isinstance(item, LineDict) else ""
        if note:
            out[key] = note

    if not isinstance(data, LineDict):
        return out
    for t in _mappings(data.get("unit_types")):
        keep(("unit_type", str(t.get("code"))), t)
    for t in _mappings(data.get("texts")):
        keep(("text", str(t.get("id"))), t)
    for s in _mappings(data.get("sections")):
        keep(("section", str(s.get("number"))), s)
        for ind in _mappings(s.get("indicators")):
            keep(("indicator", str(ind.get("id"))), ind)
    for rule in _mappings(data.get("rules")):
        keep(("rule", str(rule.get("id"))), rule)
    return out


def _mappings(value: object) -> list[LineDict]:
    """The mappings in a list of a YAML form (none when it is not a list, as when absent)."""
    return [item for item in value if isinstance(item, LineDict)] if isinstance(value, list) else []


def _limits_dict(limits: Limits) -> dict[str, Plain]:
    return {
        "min": limits.minimum,
        "max": limits.maximum,
        "max_by_type": dict(limits.by_type),
    }


def form_as_dict(form: Form) -> dict[str, Plain]:
    """The form definition as plain data (what `htsd form show --json` prints)."""
    from htsd_cli.campaign.formbook import kept_ids, made_ids, unchecked

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
            "against_last_year": dict(form.plausibility.against_last_year),
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
                "when": None if r.when is None else r.when.written(),
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
