"""A minimal Outlook winmail.dat (TNEF, [MS-OXTNEF]) as Outlook writes one around its attachments:
the version and code page of the message, then per attachment its rendering record, its short
title in the code page, its bytes, and its long name as a Unicode MAPI property."""

from __future__ import annotations

import struct

SIGNATURE = 0x223E9F78
MESSAGE, ATTACHMENT = 1, 2
# attribute ids: (type << 16) | name
TNEF_VERSION = 0x00089006
OEM_CODEPAGE = 0x00069007
ATTACH_REND_DATA = 0x00069002
ATTACH_TITLE = 0x00018010
ATTACH_DATA = 0x0006800F
ATTACHMENT_PROPS = 0x00069005
PR_ATTACH_LONG_FILENAME = 0x3707
PT_UNICODE = 0x001F


def _attribute(level: int, ident: int, data: bytes) -> bytes:
    checksum = sum(data) & 0xFFFF
    return struct.pack("<BII", level, ident, len(data)) + data + struct.pack("<H", checksum)


def _long_name(name: str) -> bytes:
    text = name.encode("utf-16-le") + b"\0\0"
    padded = text + b"\0" * (-len(text) % 4)
    return struct.pack("<IHHII", 1, PT_UNICODE, PR_ATTACH_LONG_FILENAME, 1, len(text)) + padded


def winmail(attachments: list[tuple[str, bytes]], codepage: int = 1258) -> bytes:
    out = struct.pack("<IH", SIGNATURE, 0x1234)
    out += _attribute(MESSAGE, TNEF_VERSION, struct.pack("<I", 0x00010000))
    out += _attribute(MESSAGE, OEM_CODEPAGE, struct.pack("<II", codepage, 0))
    for name, data in attachments:
        out += _attribute(ATTACHMENT, ATTACH_REND_DATA, struct.pack("<HIIIH", 1, 0, 0, 0, 0))
        short = name.encode(f"cp{codepage}", errors="replace") + b"\0"
        out += _attribute(ATTACHMENT, ATTACH_TITLE, short)
        out += _attribute(ATTACHMENT, ATTACH_DATA, data)
        out += _attribute(ATTACHMENT, ATTACHMENT_PROPS, _long_name(name))
    return out
