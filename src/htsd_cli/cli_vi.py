"""Vietnamese for every word typer and its click print: help headings, usage lines, the help
option, value types and usage errors. One place, installed once before the command line runs.

Typer keeps some of these strings as module constants and builds others inside click's code, so
the constants are replaced and the few functions that build the rest are wrapped.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import re
import sys
from collections.abc import Callable, Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typer._click.core import Command, Context
    from typer._click.exceptions import ClickException
    from typer._click.formatting import HelpFormatter
    from typer.core import TyperArgument, TyperOption

    Pieces = Callable[[Command, Context], list[str]]
    Message = Callable[[ClickException], str]

HELP_TEXT = "In hướng dẫn này rồi thoát."
USAGE_PREFIX = "Cách dùng: "

CONSTANTS = {
    "ARGUMENTS_PANEL_TITLE": "Tham số",
    "OPTIONS_PANEL_TITLE": "Tùy chọn",
    "COMMANDS_PANEL_TITLE": "Lệnh",
    "ERRORS_PANEL_TITLE": "Lỗi",
    "ABORTED_TEXT": "Đã dừng.",
    "RICH_HELP": "Gõ [blue]'{command_path} {help_option}'[/] để xem hướng dẫn.",
    "DEFAULT_STRING": "[mặc định: {}]",
    "ENVVAR_STRING": "[biến môi trường: {}]",
    "REQUIRED_LONG_STRING": "[bắt buộc]",
    "DEPRECATED_STRING": "(không dùng nữa) ",
}

# value types as typer names them → what the clerk reads
TYPES = {
    "<file>": "TỆP",
    "<directory>": "THƯ-MỤC",
    "<dir>": "THƯ-MỤC",  # typer 0.29 names a folder so
    "<path>": "ĐƯỜNG-DẪN",
    "<str>": "CHỮ",
    "<int>": "SỐ",
    "<float>": "SỐ",
    "<list[Path]>": "TỆP-HOẶC-THƯ-MỤC",
    "<list[str]>": "CHỮ",
}

_PATH = "(?i:file|path|directory|dir)"  # how typer (0.29: in lower case) names what it checked

# usage errors: (pattern of click's English message, Vietnamese with the pattern's groups)
ERRORS: tuple[tuple[str, str], ...] = (
    (r"Missing option '(.+?)'(?: / '(.+?)')?\.?$", "Thiếu tùy chọn bắt buộc {0}."),
    (r"Missing argument '(.+?)'\.?$", "Thiếu tham số {0}: tệp hoặc thư mục báo cáo."),
    (r"Missing command\.?$", "Thiếu tên lệnh. Gõ 'htsd -h' để xem các lệnh."),
    (r"No such command '(.+?)'\.(?: Did you mean '(.+?)'\?)?$", "Không có lệnh '{0}'.{1}"),
    (r"No such option: (\S+?)\.?(?: Did you mean (\S+?)\?)?$", "Không có tùy chọn {0}.{1}"),
    (r"No such option: (\S+?)\s*\(Possible options: (.+)\)$", "Không có tùy chọn {0}.{1}"),
    (
        r"Invalid value for '(.+?)': (?:Value error, )?'(.*)' does not match the formats? .*$",
        "Ngày '{1}' ở {0} không đúng: hãy ghi dạng 08/10/2025 (ngày/tháng/năm) hoặc 2025-10-08.",
    ),
    (
        rf"Invalid value for '(.+?)': {_PATH} '(.*)' is a directory\.?$",
        "'{1}' ở {0} là một thư mục; ở đây cần một tệp.",
    ),
    (
        rf"Invalid value for '(.+?)': {_PATH} '(.*)' is a file\.?$",
        "'{1}' ở {0} là một tệp; ở đây cần một thư mục.",
    ),
    (
        rf"Invalid value for '(.+?)': {_PATH} '(.*)' does not exist\.?$",
        "Không có '{1}' (ở {0}). Hãy kiểm tra lại đường dẫn.",
    ),
    (
        rf"Invalid value for '(.+?)': {_PATH} '(.*)' is not (?:readable|writable)\.?$",
        "Không được phép mở '{1}' (ở {0}): hãy kiểm tra quyền truy cập tệp, hoặc đóng chương "
        "trình đang mở nó.",
    ),
    (r"Invalid value for '(.+?)': '(.*)' is not a valid integer.*$", "'{1}' ở {0} phải là số."),
    (r"Invalid value for '(.+?)': (.*)$", "Giá trị ở {0} không hợp lệ ({1})."),
    (
        r"Got unexpected extra argument(?:s|\(s\))? \((.+)\)$",
        "Thừa tham số: {0}. Nếu đó là phần sau của một đường dẫn có dấu cách, hãy gõ cả đường "
        'dẫn trong ngoặc kép, ví dụ "Báo cáo về".',
    ),
    (r"Option '(.+?)' requires an argument\.?$", "Tùy chọn {0} cần một giá trị."),
    (r"Option '(.+?)' does not take a value\.?$", "Tùy chọn {0} không nhận giá trị."),
)
_COMPILED = [(re.compile(p, re.S), t) for p, t in ERRORS]


_BOTH_NAMES = re.compile(r"'(-[^']*)' / '(-[^']*)'")
_NOT_A_DATE = re.compile(
    r"Invalid value for '(.+?)': (?:Value error, )?'(.*)' does not match", re.S
)


def translate(message: str) -> str:
    """A click usage message in Vietnamese (unchanged when it is not one of click's)."""
    from htsd_cli.base.dates import impossible

    if message.startswith("Invalid value for "):  # '--roster' / '-r' → '--roster / -r'
        message = _BOTH_NAMES.sub(r"'\1 / \2'", message, count=1)
    date = _NOT_A_DATE.match(message.strip())
    why = impossible(date.group(2)) if date else ""
    if date and why:  # shaped like a date, but no calendar has it
        return f"Ngày '{date.group(2)}' ở {date.group(1)} không có thật: {why}."
    for pattern, template in _COMPILED:
        m = pattern.match(message.strip())
        if not m:
            continue
        groups = [g or "" for g in m.groups()]
        if template.endswith("{1}") and "{1}" not in template[:-3]:
            # the optional second group is a suggestion
            hint = f" Có phải ý bạn là {groups[1]}?" if len(groups) > 1 and groups[1] else ""
            return template[:-3].format(*groups) + hint
        return template.format(*groups)
    return message


PIECES = {"[OPTIONS]": "[TÙY-CHỌN]", "COMMAND [ARGS]...": "LỆNH [THAM-SỐ]..."}


def _pieces(collect: Pieces) -> Pieces:
    def vi_usage_pieces(self: Command, ctx: Context) -> list[str]:
        return [PIECES.get(piece, piece) for piece in collect(self, ctx)]

    return vi_usage_pieces


def _translated(format_message: Message) -> Message:
    def vi_format_message(self: ClickException) -> str:
        return translate(format_message(self))

    return vi_format_message


_installed = {"done": False}
RICH_HELP_MODULE = "typer.rich_utils"


def _rich_words(rich_utils: ModuleType) -> None:
    for name, text in CONSTANTS.items():
        if hasattr(rich_utils, name):
            setattr(rich_utils, name, text)


class _ThenLoader(importlib.abc.Loader):
    """A module's own loader, and one more step once the module has run."""

    def __init__(self, loader: importlib.abc.Loader, then: Callable[[ModuleType], None]) -> None:
        self.loader, self.then = loader, then

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        created: ModuleType | None = self.loader.create_module(spec)
        return created

    def exec_module(self, module: ModuleType) -> None:
        self.loader.exec_module(module)
        self.then(module)


class _OnImport(importlib.abc.MetaPathFinder):
    """Finds one module as Python would, so that `then` runs once it is imported."""

    def __init__(self, name: str, then: Callable[[ModuleType], None]) -> None:
        self.name, self.then = name, then

    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if name != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = _ThenLoader(spec.loader, self.then)
        return spec


def _when_imported(name: str, then: Callable[[ModuleType], None]) -> None:
    """`then(module)` as soon as `name` is imported, or now if it is already. typer imports its
    rich help module only to show help or a usage error; importing it for its words would cost
    every command rich's Markdown renderer and markdown-it."""
    if name in sys.modules:
        then(sys.modules[name])
    else:
        sys.meta_path.insert(0, _OnImport(name, then))


def install() -> None:
    """Replace typer's and click's English words by Vietnamese ones (idempotent)."""
    if _installed["done"]:
        return
    _installed["done"] = True
    import typer.core as tcore
    from typer._click import core, exceptions, formatting

    _when_imported(RICH_HELP_MODULE, _rich_words)

    write_usage = formatting.HelpFormatter.write_usage

    def vi_write_usage(
        self: HelpFormatter, prog: str, args: str = "", prefix: str | None = None
    ) -> None:
        write_usage(self, prog, args, USAGE_PREFIX if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = vi_write_usage  # type: ignore[method-assign]

    get_help_option = core.Command.get_help_option

    def vi_help_option(self: Command, ctx: Context) -> TyperOption | None:
        option = get_help_option(self, ctx)
        if option is not None:
            option.help = HELP_TEXT
        return option

    core.Command.get_help_option = vi_help_option  # type: ignore[method-assign]

    for exc in vars(exceptions).values():  # every class that words its own message
        if isinstance(exc, type) and "format_message" in vars(exc):
            exc.format_message = _translated(vars(exc)["format_message"])  # type: ignore[attr-defined]

    for command in (core.Command, tcore.TyperGroup):
        command.collect_usage_pieces = _pieces(vars(command)["collect_usage_pieces"])  # type: ignore[method-assign, assignment]

    for param in (tcore.TyperOption, tcore.TyperArgument):
        display = param.display_type_rich

        def vi_display(
            self: TyperOption | TyperArgument,
            ctx: Context,
            _display: Callable[..., str | None] = display,
        ) -> str | None:
            if getattr(self, "is_flag", False):
                return None  # a switch takes no value: nothing to show
            text: str | None = _display(self, ctx)
            if text is None:
                return None
            many = text.endswith("...")
            base = text[:-3] if many else text
            shown = TYPES.get(base, base)
            return shown + ("..." if many else "")

        param.display_type_rich = vi_display  # type: ignore[method-assign]
