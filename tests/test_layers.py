"""The layout the README describes for developers: each group of modules imports only the groups
before it, so that a renderer never imports a command and a check never imports a renderer."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "htsd_cli"

# In the order of README.md, "Cho người phát triển". A module placed in none of them (one added
# since) is not checked until it is placed.
GROUPS = [
    (
        "nền",
        "words findings errors textnorm values textwidth dates fsutil paths outputs stopping "
        "isolate pdf",
    ),
    ("ghi tệp", "cellsafe package xlsxfast xlstyle"),
    ("biểu mẫu", "form formyaml formbook layout config roster"),
    ("thu nhận", "receipts mail imap"),
    ("đọc", "workbook archives returns"),
    ("kiểm tra", "checks checkfile batch decisions folding validate cache yearover"),
    ("tổng hợp", "status aggregate fingerprint"),
    (
        "văn bản",
        "document narrative plain signature report docx_report summary remind annotate formsheet formulas"
        " yearbook",
    ),
    (
        "lệnh",
        "template init formimport collect settings pipeline views cli cli_vi cli_coerce fill __main__",
    ),
]

# Arrows that point forward, each for a reason: the mailbox in htsd.toml is checked as IMAP reads
# it; the fast xlsx writer names columns and finds sheet parts as the layout and the reader do.
ALLOWED = {("config", "imap"), ("xlsxfast", "layout"), ("xlsxfast", "workbook")}


def _imports(path: Path) -> set[str]:
    """The htsd modules `path` imports at run time (not those named for the type checker only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING"
        for stmt in block.body
        for node in ast.walk(stmt)
    }
    return {
        node.module.split(".")[1]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and node.module
        and node.module.startswith("htsd_cli.")
        and id(node) not in typing_only
    }


def test_each_group_imports_only_the_groups_before_it():
    rank = {name: at for at, (_, names) in enumerate(GROUPS) for name in names.split()}
    wrong = []
    for path in sorted(SRC.rglob("*.py")):
        own = path.relative_to(SRC).with_suffix("").parts[0]
        for other in _imports(path) - {own}:
            forward = own in rank and other in rank and rank[other] > rank[own]
            if forward and (own, other) not in ALLOWED:
                where = f"{path.relative_to(SRC)} ({GROUPS[rank[own]][0]})"
                wrong.append(f"{where} → {other} ({GROUPS[rank[other]][0]})")
    assert wrong == []


def test_every_group_names_modules_that_exist():
    found = {p.relative_to(SRC).with_suffix("").parts[0] for p in SRC.rglob("*.py")}
    named = {name for _, names in GROUPS for name in names.split()}
    assert named - found == set()
