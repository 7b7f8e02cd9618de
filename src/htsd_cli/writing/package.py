"""Workbook and document packages written byte for byte the same from the same content.

Kept apart from `template` so that a process that only renders (the Word report's) does not
import the whole form machinery.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, BinaryIO, TypeAlias

from htsd_cli.base.textnorm import xml_escape, xml_safe

if TYPE_CHECKING:
    from htsd_cli.campaign.roster import Unit

FONT_NAME = "Times New Roman"
FIXED_TIME = dt.datetime(2000, 1, 1)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

TOKENS = {
    "code": "@@HTSD_UNIT_CODE@@",
    "name": "@@HTSD_UNIT_NAME@@",
    "name_upper": "@@HTSD_UNIT_NAME_UPPER@@",
    "type": "@@HTSD_UNIT_TYPE@@",
    "group": "@@HTSD_UNIT_GROUP@@",
}


# a member written as it is made: the XML before the rows, the rows chunk by chunk, the rest
Insert: TypeAlias = tuple[bytes, Iterable[bytes], bytes]

_MODIFIED_RE = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


class Stamper:
    """Turns the template package into one unit's file by replacing the tokens."""

    def __init__(self, package: bytes) -> None:
        with zipfile.ZipFile(io.BytesIO(package)) as zf:
            self.members = [(i.filename, zf.read(i.filename)) for i in zf.infolist()]
        fixed = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
        self.members = [
            (
                name,
                _MODIFIED_RE.sub(rb"\g<1>" + fixed + rb"\g<2>", data),
            )
            for name, data in self.members
        ]
        self.tokenised = {name for name, data in self.members if b"@@HTSD_" in data}

    def stamp(
        self,
        unit: Unit | None,
        inserts: Mapping[str, Insert] | None = None,
        out: BinaryIO | None = None,
    ) -> bytes:
        values = (
            {
                TOKENS["code"]: unit.code,
                TOKENS["name_upper"]: unit.name.upper(),
                TOKENS["name"]: unit.name,
                TOKENS["type"]: unit.unit_type,
                TOKENS["group"]: unit.group,
            }
            if unit
            else {}
        )
        members = []
        for name, data in self.members:
            if name in self.tokenised:
                for token, value in values.items():
                    data = data.replace(token.encode(), xml_escape(xml_safe(value)).encode())
            members.append((name, data))
        return write_package(members, inserts, out)


def write_package(
    members: list[tuple[str, bytes]],
    inserts: Mapping[str, Insert] | None = None,
    out: BinaryIO | None = None,
) -> bytes:
    """A zip package with fixed timestamps, in the given member order. A member named in
    `inserts` is written as (head, chunks, tail) instead, chunk by chunk as they are made.
    Written into `out` when given (and b"" returned), else returned."""
    buffer = io.BytesIO()
    target = out if out is not None else buffer
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            if inserts and name in inserts:
                head, chunks, tail = inserts[name]
                with zf.open(info, "w") as handle:
                    handle.write(head)
                    for chunk in chunks:
                        handle.write(chunk)
                    handle.write(tail)
            else:
                zf.writestr(info, data, compresslevel=6)
    return buffer.getvalue()  # empty when written into `out`


def normalise_package(
    package: bytes,
    extra_rows: Mapping[str, Iterable[bytes]] | None = None,
    out: BinaryIO | None = None,
) -> bytes:
    """Fixed document dates and zip timestamps: the same content gives the same bytes.

    `extra_rows` (sheet title → serialised rows as chunks of bytes, see xlsxfast) are written
    in the same pass, as they are made. Written into `out` when given (b"" returned).
    """
    stamper = Stamper(package)
    if not extra_rows:
        return stamper.stamp(None, out=out)
    from htsd_cli.writing.xlsxfast import insert_rows

    return stamper.stamp(None, insert_rows(stamper.members, extra_rows), out)
