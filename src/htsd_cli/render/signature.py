"""Who signs and who receives, as Nghị định 30/2020/NĐ-CP (Phụ lục I) sets them out.

The signature block is the lines above the signature (TM., KT., Q., TL., TUQ. when they
apply), the signer's own title, room for the signature and seal, then the name. "Nơi nhận" lists
the bodies the document goes to, each line ending in ';', the office's own filing copy ("Lưu:
VT, …") last, ending in '.'. `htsd init` derives both from the office's name and the clerk's
answers; htsd.toml holds them as printed, and the report and the reminder letter print the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from htsd_cli.base.textnorm import fold
from htsd_cli.render.document import Signer as SignatureBlock

if TYPE_CHECKING:
    from htsd_cli.campaign.config import Signer

HEAD, DEPUTY = "truong", "pho"  # the head signs; a deputy signs for the head (KT.)
SIGNS = {HEAD: HEAD, "1": HEAD, DEPUTY: DEPUTY, "2": DEPUTY, "kt": DEPUTY}
NONE_WORDS = ("", "khong", "-", "k")
MINISTRY = "Bộ Giáo dục và Đào tạo"
DEPARTMENT = "Sở Giáo dục và Đào tạo"
FOR_REPORT = " (để báo cáo)"
FILING = "Lưu: VT"


@dataclass(frozen=True)
class OfficeKind:
    """What the office's name tells about how it signs: its head's title, the collective body a
    committee signs on behalf of, and the bodies it reports to."""

    head: str
    collective: str = ""
    reports_to: tuple[str, ...] = ()


def office_kind(name: str, governing_body: str = "") -> OfficeKind:
    """How an office named `name` signs (UBND xã/phường/tỉnh…, Phòng, Sở, a school, a centre)."""
    folded = fold(name)
    above = (governing_body.strip(),) if governing_body.strip() else ()
    for prefix in ("uy ban nhan dan ", "ubnd "):
        if folded.startswith(prefix):
            rest = folded[len(prefix) :]
            top = rest.startswith(("tinh ", "thanh pho "))
            return OfficeKind("CHỦ TỊCH", "ỦY BAN NHÂN DÂN", (MINISTRY if top else DEPARTMENT,))
    if folded.startswith("so "):
        return OfficeKind("GIÁM ĐỐC", "", (MINISTRY, *above))
    if folded.startswith("phong "):
        return OfficeKind("TRƯỞNG PHÒNG", "", (DEPARTMENT, *above))
    if folded.startswith("truong "):
        return OfficeKind("HIỆU TRƯỞNG", "", above or (DEPARTMENT,))
    if folded.startswith("trung tam "):
        return OfficeKind("GIÁM ĐỐC", "", above or (DEPARTMENT,))
    return OfficeKind("THỦ TRƯỞNG ĐƠN VỊ", "", above or (DEPARTMENT,))


def signs(answer: str) -> str | None:
    """HEAD or DEPUTY from what the clerk typed ('1', '2', 'truong', 'pho', 'KT'), else None."""
    return SIGNS.get(fold(answer).strip().rstrip("."))


def no_collective(answer: str) -> bool:
    """Whether the clerk said the office signs on behalf of no collective body."""
    return fold(answer).strip() in NONE_WORDS


def default_title(kind: OfficeKind, how: str) -> str:
    """The signer's title: the head's, or the head's deputy's."""
    return f"PHÓ {kind.head}" if how == DEPUTY else kind.head


def authority_lines(kind: OfficeKind, how: str, title: str, collective: str) -> tuple[str, ...]:
    """The lines above the signer's title: "TM. <collective body>" when the office signs on
    behalf of one, "KT. <head's title>" when a deputy signs for the head."""
    lines = [f"TM. {collective.strip().upper()}"] if collective.strip() else []
    if how == DEPUTY:
        title = " ".join(title.upper().split())
        head = title[len("PHÓ ") :] if title.startswith("PHÓ ") else kind.head
        lines.append(f"KT. {head}")
    return tuple(lines)


def recipient_lines(items: Iterable[str], short_name: str) -> tuple[str, ...]:
    """'Nơi nhận' as printed: each body on its line ending in ';', the filing copy last ending in
    '.' (added, "Lưu: VT, <short name>.", when the clerk's list has none)."""
    bodies: list[str] = []
    filing = ""
    for item in items:
        text = " ".join(item.split()).lstrip("-").strip().rstrip(";.").strip()
        if not text:
            continue
        if fold(text).startswith("luu:") or fold(text).startswith("luu "):
            filing = text
        else:
            bodies.append(text)
    filing = filing or (f"{FILING}, {short_name.strip()}" if short_name.strip() else FILING)
    return (*(f"{b};" for b in bodies), f"{filing}.")


def default_recipients(kind: OfficeKind, short_name: str) -> tuple[str, ...]:
    """The bodies the office reports to ("để báo cáo"), and its filing copy."""
    return recipient_lines([f"{body}{FOR_REPORT}" for body in kind.reports_to], short_name)


def filing_line(recipients: Iterable[str]) -> str:
    """The filing copy of a list of recipients, read as `recipient_lines` reads it ("Lưu: VT."
    when it has none)."""
    return recipient_lines(recipients, "")[-1]


def signature_block(signer: Signer) -> SignatureBlock:
    """The signature block as the report and the reminder letter print it."""
    return SignatureBlock(tuple(signer.lines), signer.name)
