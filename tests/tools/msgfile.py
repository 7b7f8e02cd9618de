"""Write a small Outlook .msg file, as Outlook's "Save as" does, for the tests of `htsd collect`.

A .msg is a Compound File (MS-CFB, version 3: 512-byte sectors, streams under 4096 bytes in the
mini stream) holding the message's MAPI properties (MS-OXMSG): string properties as
`__substg1.0_<tag>` streams, fixed-size ones in `__properties_version1.0`, each attachment in an
`__attach_version1.0_#<n>` storage. No library writes this format, so the tests carry the writer.
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass, field

SECTOR = 512
MINI = 64
CUTOFF = 4096
FREE, END, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF


@dataclass
class Node:
    name: str
    data: bytes | None = None  # a stream; None: a storage
    children: list[Node] = field(default_factory=list)
    start: int = END
    id: int = 0


def _key(node: Node) -> tuple[int, str]:
    return (len(node.name), node.name.upper())  # the order MS-CFB sorts siblings in


def _pack(
    nodes: list[Node], fat: list[int], mini_fat: list[int], mini: bytearray, big: list[bytes]
):
    for node in nodes:
        if node.data is not None and node.data:
            if len(node.data) < CUTOFF:
                first = len(mini) // MINI
                count = -(-len(node.data) // MINI)
                mini_fat.extend([*list(range(first + 1, first + count)), END])
                mini.extend(node.data.ljust(count * MINI, b"\0"))
                node.start = first
            else:
                big.append(node.data)
        _pack(node.children, fat, mini_fat, mini, big)


def write_cfb(root: Node) -> bytes:
    entries: list[Node] = []

    def number(node: Node) -> None:
        node.id = len(entries)
        entries.append(node)
        for child in node.children:
            number(child)

    number(root)
    mini_fat: list[int] = []
    mini = bytearray()
    big_streams: list[bytes] = []
    _pack(root.children, [], mini_fat, mini, big_streams)
    # sectors: mini stream, big streams, mini FAT, directory, then the FAT itself
    blobs: list[tuple[str, bytes]] = [("mini", bytes(mini))]
    big_nodes = [n for n in entries if n.data is not None and len(n.data) >= CUTOFF]
    blobs += [("big", n.data or b"") for n in big_nodes]
    blobs.append(("minifat", b"".join(struct.pack("<I", v) for v in mini_fat)))
    dir_count = len(entries)
    blobs.append(("dir", b"\0" * (128 * dir_count)))
    sectors_of = [-(-len(b) // SECTOR) for _, b in blobs]
    data_sectors = sum(sectors_of)
    fat_sectors = 1
    while fat_sectors * (SECTOR // 4) < data_sectors + fat_sectors:
        fat_sectors += 1
    fat = [FREE] * (fat_sectors * (SECTOR // 4))
    starts: list[int] = []
    at = 0
    for count in sectors_of:
        if count == 0:
            starts.append(END)
            continue
        starts.append(at)
        for i in range(count):
            fat[at + i] = at + i + 1 if i < count - 1 else END
        at += count
    for i in range(fat_sectors):
        fat[at + i] = FATSECT
    mini_start, *big_starts, minifat_start, dir_start = starts
    root.start, root_size = (mini_start, len(mini)) if mini else (END, 0)
    for node, start in zip(big_nodes, big_starts, strict=True):
        node.start = start
    # the directory: siblings as a balanced tree (every node black)
    left = [NOSTREAM] * dir_count
    right = [NOSTREAM] * dir_count
    child = [NOSTREAM] * dir_count

    def tree(nodes: list[Node]) -> int:
        if not nodes:
            return NOSTREAM
        mid = len(nodes) // 2
        left[nodes[mid].id] = tree(nodes[:mid])
        right[nodes[mid].id] = tree(nodes[mid + 1 :])
        return nodes[mid].id

    for node in entries:
        child[node.id] = tree(sorted(node.children, key=_key))
    directory = bytearray()
    for node in entries:
        name = node.name.encode("utf-16-le")
        kind = 5 if node is root else (1 if node.data is None else 2)
        size = root_size if node is root else (len(node.data) if node.data else 0)
        start = node.start if (node is root or node.data) else END
        if node.data is not None and not node.data:
            start = END
        directory += name.ljust(64, b"\0")
        directory += struct.pack("<HBB", len(name) + 2, kind, 1)
        directory += struct.pack("<III", left[node.id], right[node.id], child[node.id])
        directory += b"\0" * 16 + b"\0" * 4 + b"\0" * 16
        directory += struct.pack("<IQ", start if kind != 1 else 0, size)
    blobs[-1] = ("dir", bytes(directory))
    header = bytearray(SECTOR)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<I", header, 0x2C, fat_sectors)
    struct.pack_into("<I", header, 0x30, dir_start)
    struct.pack_into("<I", header, 0x38, CUTOFF)
    struct.pack_into("<II", header, 0x3C, minifat_start if mini_fat else END, sectors_of[-2])
    struct.pack_into("<II", header, 0x44, END, 0)
    difat = [at + i for i in range(fat_sectors)] + [FREE] * (109 - fat_sectors)
    struct.pack_into("<109I", header, 0x4C, *difat)
    body = b"".join(b.ljust(c * SECTOR, b"\0") for (_, b), c in zip(blobs, sectors_of, strict=True))
    fat_bytes = b"".join(struct.pack("<I", v) for v in fat)
    return bytes(header) + body + fat_bytes


def _filetime(when: dt.datetime) -> int:
    epoch = dt.datetime(1601, 1, 1, tzinfo=dt.UTC)
    return int((when - epoch).total_seconds() * 10_000_000)


def _text(tag: str, value: str) -> Node:
    return Node(f"__substg1.0_{tag}001F", value.encode("utf-16-le"))


def _props(header: bytes, fixed: list[tuple[int, bytes]]) -> Node:
    body = b"".join(struct.pack("<II", tag, 6) + value.ljust(8, b"\0") for tag, value in fixed)
    return Node("__properties_version1.0", header + body)


def write_msg(
    sender: str,
    subject: str,
    received: dt.datetime,
    attachments: list[tuple[str, bytes]],
    sent: dt.datetime | None = None,
    message_class: str = "IPM.Note",
) -> bytes:
    """An .msg of a received message: sender 'Name <addr>', subject, delivery time and files
    (`message_class` "IPM": a plain item, which extract-msg opens without a sender)."""
    sent = sent or received
    headers = (
        f"From: {sender}\r\nSubject: {subject}\r\n"
        f"Date: {sent.strftime('%a, %d %b %Y %H:%M:%S %z')}\r\nMIME-Version: 1.0\r\n\r\n"
    )
    top_header = struct.pack("<8xIIII8x", 0, len(attachments), 0, len(attachments))
    root = Node(
        "Root Entry",
        children=[
            _text("001A", message_class),
            _text("0037", subject),
            _text("007D", headers),
            _text("1000", "Kính gửi, đơn vị gửi báo cáo."),
            _props(
                top_header,
                [
                    (0x0E060040, struct.pack("<Q", _filetime(received))),
                    (0x00390040, struct.pack("<Q", _filetime(sent))),
                ],
            ),
            Node(
                "__nameid_version1.0",
                children=[Node(f"__substg1.0_000{n}0102", b"") for n in (2, 3, 4)],
            ),
        ],
    )
    for index, (name, data) in enumerate(attachments):
        root.children.append(
            Node(
                f"__attach_version1.0_#{index:08X}",
                children=[
                    _props(
                        b"\0" * 8,
                        [
                            (0x37050003, struct.pack("<I", 1)),
                            (0x0E210003, struct.pack("<I", index)),
                        ],
                    ),
                    _text("3707", name),
                    _text("3704", name[:12]),
                    Node("__substg1.0_37010102", data),
                ],
            )
        )
    return write_cfb(root)
