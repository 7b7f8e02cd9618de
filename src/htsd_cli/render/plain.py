"""Findings said in plain words, for documents read outside the office (the report's annexes,
the reminder letter): what is wrong, by the row's own words, without cell references or file
names, which mean nothing on paper."""

from __future__ import annotations

import re

# "Ô C22 (Số lượng tờ rơi…): …" → "Số lượng tờ rơi…: …"
_CELL_WITH_LABEL = re.compile(r"\b[Ôô] \$?[A-Z]{1,3}\$?[0-9]+ \(([^()]*)\)")
# "trang 'Báo cáo', ô C22", "ô C22", "Báo cáo!C22", "(ô C22)"
_SHEET = re.compile(r",?\s*\b[Tt]rang '[^']*'(?=[,:;.)]|\s)")
_CELL = re.compile(r"(?:,\s*)?\(?\b[Ôô]\s\$?[A-Z]{1,3}\$?[0-9]+\b\)?|\b\S+![A-Z]{1,3}[0-9]+\b")
# a file name without spaces: "th02-truong-tieu-hoc.xlsx"
_FILE = re.compile(
    r"(?:\b[Tt]ệp\s)?\b[\w.,()\-]+\.(?:xlsx|xlsm|xls|ods|csv|zip|docx|doc|pdf|eml|msg)\b", re.I
)


def plain_words(text: str) -> str:
    """`text` without cell references, sheet names or file names."""
    text = _CELL_WITH_LABEL.sub(r"\1", text)
    text = _SHEET.sub("", text)
    text = _CELL.sub("", text)
    text = _FILE.sub("tệp", text)
    text = re.sub(r"\s+([,.;:)])", r"\1", text)
    text = re.sub(r"^[,;:]\s*", "", " ".join(text.split()))
    return text[:1].upper() + text[1:]
