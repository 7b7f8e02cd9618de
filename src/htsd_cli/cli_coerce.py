"""Options turned into values without pydantic, for the plain types htsd's options have.

typer 0.29 builds a pydantic TypeAdapter for every parameter of the command that runs: importing
pydantic and building the first adapter cost a command about as much as importing typer itself,
to turn a few words into a path, a date, a number. The values and the messages are typer's own
(the path checks are typer's `coerce_cli_path`; a date names its formats as typer does); any
other type goes to typer's coercion as before. Installed once, before the command line runs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typer._click.core import Context
    from typer._coercion import RuntimeParam
    from typer.core import _TyperParameter
    from typer.models import ParameterInfo

_PLAIN = (str, int, bool, Path, datetime)


def _plain(annotation: object, info: ParameterInfo) -> bool:
    """A type coerced here: str, int, a switch (bool), Path, list[Path], datetime with its
    formats, and no
    parser, range, choice, file or path type of typer's own."""
    from typing import get_args, get_origin

    if get_origin(annotation) is list:
        return get_args(annotation) == (Path,) and _plain(Path, info)
    if annotation not in _PLAIN or info.parser is not None or info.path_type is not None:
        return False
    if annotation is int and (info.min is not None or info.max is not None):
        return False
    return annotation is not datetime or bool(info.formats)


def install() -> None:
    """Coerce htsd's plain option types here, everything else as typer does (idempotent)."""
    import typer.core as tcore
    from typer._click.exceptions import BadParameter
    from typer._coercion import RuntimeParam, build_runtime_param, resolve_type_descriptor
    from typer._param_types import coerce_cli_path

    if getattr(tcore._TyperParameter.get_runtime_param, "htsd", False):
        return

    @dataclass(frozen=True)
    class PlainRuntimeParam(RuntimeParam):
        def _coerce_value(self, value: object, param: _TyperParameter, ctx: Context) -> object:
            if isinstance(value, (list, tuple)):
                return type(value)(self._one(Path, item, param, ctx) for item in value)
            return self._one(self.annotation, value, param, ctx)

        def _one(
            self, annotation: object, value: object, param: _TyperParameter, ctx: Context
        ) -> object:
            if isinstance(value, bytes):
                value = os.fsdecode(value)
            if annotation is bool:  # a switch is True or False; anything else as typer says
                if isinstance(value, bool):
                    return value
                typer_own = build_runtime_param(resolve_type_descriptor(bool, self.parameter_info))
                return typer_own._coerce_value(value, param=param, ctx=ctx)
            if annotation is str:
                return str(value)
            if annotation is Path:  # typer's own checks (exists, file or folder…), then a Path
                given = value if isinstance(value, (str, os.PathLike)) else str(value)
                checked = coerce_cli_path(
                    given, self.parameter_info, path_type=None, param=param, ctx=ctx
                )
                return Path(os.fsdecode(checked))
            if annotation is int:
                try:
                    return int(value if isinstance(value, (str, int)) else str(value))
                except (TypeError, ValueError):
                    raise BadParameter(
                        f"{value!r} is not a valid integer.", ctx=ctx, param=param
                    ) from None
            if isinstance(value, datetime):
                return value
            formats = self.parameter_info.formats or []
            for form in formats:
                try:
                    return datetime.strptime(str(value), form)
                except ValueError:
                    continue
            shown = ", ".join(map(repr, formats))
            raise BadParameter(
                f"{value!r} does not match the formats {shown}.", ctx=ctx, param=param
            )

    def get_runtime_param(self: _TyperParameter) -> RuntimeParam:
        if self._runtime_param is None:
            descriptor = self.type_descriptor
            if _plain(descriptor.annotation, descriptor.parameter_info):
                self._runtime_param = PlainRuntimeParam(
                    parameter_info=descriptor.parameter_info, annotation=descriptor.annotation
                )
            else:
                self._runtime_param = build_runtime_param(descriptor)
        return self._runtime_param

    get_runtime_param.htsd = True  # type: ignore[attr-defined]
    tcore._TyperParameter.get_runtime_param = get_runtime_param  # type: ignore[method-assign]
