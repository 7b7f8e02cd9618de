"""Figures far from their peers of the same unit type: a warning, never an error."""

from __future__ import annotations

import dataclasses
import statistics

from htsd_cli.base.findings import WARNING, Code, FileReport, Finding
from htsd_cli.base.values import show
from htsd_cli.campaign.form import Form, Indicator
from htsd_cli.checks.context import where
from htsd_cli.checks.plausible import how_far, peer_figures

OUTLIER_Z = 3.5
OUTLIER_RATIO = 3.0  # and at least three times above or below the median


def check_outliers(files: list[FileReport], form: Form) -> None:
    """A figure far from its peers of the same unit type is a warning, never an error: a
    modified z-score above 3.5 among at least 8 peers, a non-zero value, and at least three
    times above or below the median."""
    numeric = [ind for ind in form.indicators if ind.numeric]
    for _, ind, numbers in peer_figures(files, numeric, summaries=True):
        values = [v for _, v in numbers]
        median = statistics.median(values)
        mad = statistics.median(abs(v - median) for v in values)
        if mad == 0:
            continue
        for rep, v in numbers:
            z = 0.6745 * (v - median) / mad
            # 0 means "none", a real answer; a typo is usually a factor off (1200 for 12)
            far = v >= OUTLIER_RATIO * median or v * OUTLIER_RATIO <= median
            if abs(z) > OUTLIER_Z and v > 0 and far:
                rep.findings.append(Outlier(rep, ind, v, median))


class Outlier(Finding):
    """A figure far from its peers: a Finding whose message is written when it is read. A
    country's returns can give tens of thousands of these, and their messages, written out,
    would hold about 15 MB for the run; the figure and the median they are worked out from are
    numbers held already. Copied or pickled, it becomes a plain Finding."""

    __slots__ = ("_figure", "_indicator", "_median")
    _figure: float
    _indicator: Indicator
    _median: float

    def __init__(self, rep: FileReport, ind: Indicator, figure: float, median: float) -> None:
        cell = rep.cells.get(ind.id, "")
        held = {
            "code": Code.OUTLIER, "severity": WARNING, "file": rep.path, "sheet": rep.sheet,
            "cell": cell, "indicator": ind.id, "label": ind.label, "value": show(figure),
            "rule": "", "_indicator": ind, "_figure": figure, "_median": median,
        }  # fmt: skip
        for name, value in held.items():  # a frozen dataclass: set as its own __init__ does
            object.__setattr__(self, name, value)

    @property
    def message(self) -> str:  # the field of Finding, worked out
        figure, median = self._figure, self._median
        return (
            f"{where(self.cell, self._indicator)}: {show(figure)} {how_far(figure, median)} "
            f"mức thường gặp của các đơn vị cùng loại ({show(median)}). Kiểm tra lại xem có "
            "gõ nhầm không."
        )

    def __reduce__(self) -> tuple[type[Finding], tuple[object, ...]]:
        return Finding, tuple(getattr(self, f.name) for f in dataclasses.fields(Finding))
