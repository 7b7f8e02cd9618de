"""Returns filled in a workbook of an earlier version of the form.

Such a return is located, read and checked by its own version (kept in `history/` beside the form
file), then its figures are carried over to the current version by indicator id. A row whose kind
changed is converted only where the meaning is plain (a number of things becomes "Có" when it is
above 0, "Không" when it is 0), with a warning that says so; a row the current version no longer
has is listed, never dropped silently.
"""

from __future__ import annotations

from htsd_cli.base.findings import WARNING, Code, Figure
from htsd_cli.base.values import show
from htsd_cli.campaign.form import KINDS, Form, Kind
from htsd_cli.checks.context import Context, where


def carry_over(ctx: Context, current: Form) -> dict[str, Figure | None]:
    old = ctx.form
    out: dict[str, Figure | None] = {}
    for ind in old.indicators:
        value = ctx.values.get(ind.id)
        cell = ctx.report.cells.get(ind.id, "")
        new = current._by_id.get(ind.id)
        if new is None:
            if value not in (None, ""):
                ctx.add(
                    Code.OLDER_FORM,
                    WARNING,
                    f"{where(cell, ind)}: biểu mẫu phiên bản {current.version} không còn dòng này "
                    f"nên số liệu '{show(value)}' không được tính.",
                    cell,
                    ind,
                    value,
                )
            continue
        if value is None or new.kind == ind.kind:
            out[ind.id] = value
        elif ind.numeric and new.kind == Kind.YESNO and isinstance(value, (int, float)):
            answer = value > 0
            out[ind.id] = answer
            ctx.add(
                Code.OLDER_FORM,
                WARNING,
                f"{where(cell, ind)}: tệp theo biểu mẫu phiên bản {old.version} ghi số "
                f"'{show(value)}'; phiên bản {current.version} hỏi Có/Không ({new.label}), "
                f"nên đã đọc là {'Có' if answer else 'Không'}.",
                cell,
                new,
                value,
            )
        else:
            ctx.add(
                Code.OLDER_FORM,
                WARNING,
                f"{where(cell, ind)}: dòng này đổi từ loại '{KINDS[ind.kind]}' sang '{KINDS[new.kind]}' ở biểu mẫu "
                f"phiên bản {current.version}; số liệu '{show(value)}' không được tính.",
                cell,
                new,
                value,
            )
    return out
