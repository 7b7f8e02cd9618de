"""What the checks of one file share: the read-only view, the form, and the report they fill."""

from __future__ import annotations

from dataclasses import dataclass, field

from htsd_cli.base.findings import Code, Figure, FileReport, Finding, ReadingKind, Severity
from htsd_cli.base.values import show
from htsd_cli.campaign.form import Form, Indicator
from htsd_cli.campaign.layout import label_text
from htsd_cli.reading.view import CellValue, SheetView


@dataclass
class Context:
    """What the per-file checks share."""

    view: SheetView
    form: Form
    strict: bool
    report: FileReport
    values: dict[str, Figure | None] = field(default_factory=dict)
    want_names: bool = True  # read unit names from the file (no roster to give them)
    own_sheet: bool = False  # a further sheet of the workbook: only its own marks say whose it is
    checked: bool = False  # the form was found and every check ran (checkfile.check_view)

    def value(self, ind_or_id: str) -> CellValue:
        """The raw value of a located cell ('' when the cell was not located)."""
        ref = self.report.cells.get(ind_or_id, "")
        return self.view.value(ref) if ref else ""

    def plain_answers(self) -> bool:
        """Whether a yes/no cell holding an answer from the list reads as that answer without
        more ado: nothing in the workbook looks special, and this is not an office's summary
        (which counts the units that answered yes)."""
        return self.report.kind != ReadingKind.SUMMARY and self.view.plain_looks()

    def add(
        self,
        code: Code,
        severity: Severity,
        message: str,
        cell: str = "",
        ind: Indicator | None = None,
        value: object = "",
        rule: str = "",
    ) -> None:
        self.report.findings.append(
            Finding(
                code=code,
                severity=severity,
                message=message,
                file=self.report.path,
                sheet=self.view.sheet if cell else "",
                cell=cell,
                indicator=ind.id if ind else "",
                label=ind.label if ind else "",
                value="" if value == "" or value is None else show(value),
                rule=rule,
            )
        )


def where(cell: str, ind: Indicator) -> str:
    """How a message names a cell: 'Ô C22 (Số lượng tờ rơi đã phát hành)', without the label's
    own trailing colon or dots."""
    return f"Ô {cell} ({label_text(ind).strip(' -').rstrip(' :.…')})"
