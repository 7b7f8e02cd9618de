"""Paths as the clerk types them: the pieces of one path with spaces, typed without quotes, told
back as the one path they are, quoted as it should be typed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


def quoted(path: str) -> str:
    """A path as it is typed at a prompt: in double quotes when it holds a space (cmd.exe,
    PowerShell, and the shells of macOS and Linux all take "…")."""
    return f'"{path}"' if any(c.isspace() for c in path) else path


@dataclass(frozen=True)
class Unquoted:
    """Arguments that are the pieces of paths with spaces: each path and its pieces."""

    paths: list[str]  # every argument, the pieces joined back into their paths
    joined: list[tuple[str, list[str]]]  # (path, its pieces as the shell split them)

    def message(self, command: str) -> str:
        pieces = "; ".join(
            f"{quoted(path)} bị hiểu thành {len(parts)} tệp riêng ({', '.join(parts)})"
            for path, parts in self.joined
        )
        typed = " ".join(quoted(p) for p in self.paths)
        return (
            f"đường dẫn có dấu cách phải gõ trong ngoặc kép; không có ngoặc, {pieces}. Hãy gõ "
            f"lại: {command} {typed}"
        )


def unquoted(args: list[str]) -> Unquoted | None:
    """The arguments read as paths with spaces, when some of them are pieces of one (their
    join, with single spaces, exists and a piece alone does not) and every path then exists;
    None otherwise."""
    from htsd_cli.base.fsutil import find_path

    out: list[str] = []
    joined: list[tuple[str, list[str]]] = []
    i = 0
    while i < len(args):
        for j in range(len(args), i + 1, -1):  # the longest run first
            candidate = " ".join(args[i:j])
            if find_path(Path(candidate)) is not None:
                out.append(candidate)
                joined.append((candidate, args[i:j]))
                i = j
                break
        else:
            if find_path(Path(args[i])) is None:
                return None
            out.append(args[i])
            i += 1
    return Unquoted(out, joined) if joined else None
