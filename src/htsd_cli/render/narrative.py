"""The clerk's own words in the report, and what marks a part as not yet written.

`htsd init` writes each narrative part with DRAFT as its text; a part still holding it, or
missing, is unfinished: the report prints UNFINISHED there, highlighted, and `aggregate` names
the part, so that nothing unfinished is signed by mistake.
"""

from __future__ import annotations

DRAFT = "(Viết lời văn phần này.)"
UNFINISHED = "CẦN ĐIỀN"
UNFINISHED_HINT = ": viết phần này vào tệp lời văn rồi chạy lại htsd aggregate."


def written(text: str) -> str:
    """A part's text without init's draft line ('' when nothing else is written)."""
    return text.replace(DRAFT, "").strip()
