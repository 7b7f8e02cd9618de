"""The layout the README describes for developers: each group of modules imports only the groups
before it, so that a renderer never imports a command and a check never imports a renderer."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "htsd_cli"

# In the order of README.md, "Cho người phát triển": each folder of src/htsd_cli is one step, and the
# modules at the top (the commands) come last.
GROUPS = [
    ("nền", "base"),
    ("ghi tệp", "writing"),
    ("đợt báo cáo", "campaign"),
    ("thu nhận", "intake"),
    ("đọc", "reading"),
    ("kiểm tra", "checks"),
    ("tổng hợp", "totals"),
    ("văn bản", "render"),
    (
        "lệnh",
        "template init formimport collect settings pipeline views cli cli_vi cli_coerce fill __main__",
    ),
]

# Arrows that point forward, each for a reason: the mailbox in htsd.toml is checked as IMAP reads
# it (campaign/config → intake/imap); the fast xlsx writer names columns and finds sheet parts as
# the layout and the reader do (writing/xlsxfast → campaign/layout, reading/parts).
ALLOWED = {("campaign", "intake"), ("writing", "campaign"), ("writing", "reading")}


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
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or not node.module or id(node) in typing_only:
            continue
        if node.module.startswith("htsd_cli."):
            found.add(node.module.split(".")[1])
        elif node.module == "htsd_cli":  # from htsd_cli import views
            found.update(alias.name for alias in node.names)
    return found


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


def test_every_module_is_in_a_group_and_every_group_exists():
    found = {p.relative_to(SRC).with_suffix("").parts[0] for p in SRC.rglob("*.py")}
    named = {name for _, names in GROUPS for name in names.split()}
    assert named - found == set()
    assert found - named == {"__init__"}  # a new module or folder is placed in README's order
