"""A workbook with several sheets of the form: copies of one unit's form, sheets of other units.

Each sheet that carries the form is read on its own (see checkfile.check_file); what a sheet says
of whose it is (its own stamp, the name typed at its top) groups the readings. Copies of one
unit's form count once when one of them holds all that the others hold; else each is held for
the clerk. A sheet whose marks name another unit is that unit's reading (the roster says whose:
batch.check_roster).
"""

from __future__ import annotations

from htsd_cli.base.findings import ERROR, WARNING, Code, Figure, FileReport, Finding
from htsd_cli.base.values import show
from htsd_cli.campaign.roster import name_key, normalise_code


def unread_sheet(path: str, sheet: str, main: str) -> Finding:
    return Finding(
        Code.UNREADABLE_FILE,
        WARNING,
        f"Không đọc được trang '{sheet}' của tệp (trang bị hỏng); chỉ đọc trang '{main}'. Nếu "
        "trang đó có số liệu, hãy đề nghị đơn vị gửi lại tệp.",
        path,
        sheet=sheet,
    )


def sheet_readings(sheets: list[tuple[str, FileReport]]) -> list[FileReport]:
    """The readings of one file's form sheets, the main sheet first: the copies of one unit's
    form (the same stamp and header) become one reading when one copy holds every figure and
    word the others hold, the same (the others are named in a warning); else every copy is
    held, naming the sheets and the cells that differ. A sheet with other marks than the main
    sheet's is the reading of another unit (`other_unit`)."""
    groups: dict[tuple[str, str], list[tuple[str, FileReport]]] = {}
    for sheet, rep in sheets:
        groups.setdefault(_own_marks(rep), []).append((sheet, rep))
    out: list[FileReport] = []
    for at, copies in enumerate(groups.values()):
        kept = _resolve_copies(copies)
        for rep in kept:
            rep.other_unit = at > 0
        out += kept
    return out


def _own_marks(rep: FileReport) -> tuple[str, str]:
    """What a sheet itself says of whose it is: the code stamped, the name typed at its top."""
    return normalise_code(rep.unit_code) if rep.unit_code else "", name_key(rep.header)


def _filled(rep: FileReport) -> dict[str, Figure]:
    out = {k: v for k, v in rep.values.items() if v is not None}
    out.update((f"text:{k}", v) for k, v in rep.texts.items() if v)
    return out


def _resolve_copies(copies: list[tuple[str, FileReport]]) -> list[FileReport]:
    if len(copies) == 1:
        return [copies[0][1]]
    filled = [_filled(rep) for _, rep in copies]
    for (sheet, kept), whole in zip(copies, filled, strict=True):
        if all(part.items() <= whole.items() for part in filled):
            others = ", ".join(f"'{name}'" for name, rep in copies if rep is not kept)
            kept.findings.append(
                Finding(
                    Code.SHEET_COPY,
                    WARNING,
                    f"Tệp có {len(copies)} trang cùng biểu mẫu của cùng đơn vị: đã tính trang "
                    f"'{sheet}'. Mọi số liệu và lời văn đã điền ở trang {others} đều có ở trang "
                    f"'{sheet}' và giống hệt, nên trang {others} không được tính thêm. Lần sau "
                    "chỉ điền một trang.",
                    kept.path,
                    sheet=sheet,
                    value=others,
                )
            )
            return [kept]
    names = ", ".join(f"'{name}'" for name, _ in copies)
    differ = _differing_cells([rep for _, rep in copies])
    for sheet, rep in copies:
        rep.findings.append(
            Finding(
                Code.SHEET_COPIES_DISAGREE,
                ERROR,
                f"Tệp có {len(copies)} trang cùng biểu mẫu của cùng đơn vị mà số liệu khác nhau: "
                f"trang {names} ({differ}). Chưa tính trang nào. Hãy hỏi đơn vị trang nào đúng, "
                "rồi ghi vào sổ quyết định một dòng 'Để riêng' cho trang sai (ghi tên trang ở "
                "cột Trang), hoặc đề nghị đơn vị gửi lại tệp chỉ còn một trang.",
                rep.path,
                sheet=sheet,
                value=names,
            )
        )
    return [rep for _, rep in copies]


def _differing_cells(copies: list[FileReport]) -> str:
    """'ô C22: 5 và 7; ô C25: trống và 3' (at most three): where the first copy and another
    differ."""
    shown: list[str] = []
    first = _filled(copies[0])
    for other in copies[1:]:
        then = _filled(other)
        for key in dict.fromkeys([*first, *then]):
            x, y = first.get(key), then.get(key)
            if x == y or key.startswith("text:"):
                continue
            cell = copies[0].cells.get(key) or other.cells.get(key) or key
            text = f"ô {cell}: {show(x) if x is not None else 'trống'} và "
            text += show(y) if y is not None else "trống"
            if text not in shown:
                shown.append(text)
    return "; ".join(shown[:3]) or "lời văn khác nhau"
