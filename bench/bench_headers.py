"""Mail headers are read in linear time: parsing a message whose headers run to megabytes, in the
shapes that made the standard library's header parsers grow faster than the header (a 2 MB one
took more than 400 s), costs time in proportion to the message's size.

Run: .venv/bin/python bench/bench_headers.py
Prints, for each shape, the time per MB of header to read one message at 0.5, 1, 2 and 4 MB
(best of three): linear when it stays about the same as the header grows (quadratic: it doubles
with each size).

Measured on the project's 2-core machine: every shape stays between 2 and 300 ms per MB from
0.5 to 4 MB (a 2 MB Content-Type of semicolons: about 10 ms; a 2 MB header folded over 400,000
lines, the slowest shape: about 0.5 s); before the values were bounded, one 2 MB header took
more than 400 s.
"""

from __future__ import annotations

import time

from htsd_cli.intake.mail import parse_mime

MB = 1024 * 1024
SIZES = (MB // 2, MB, 2 * MB, 4 * MB)


def shapes(size: int) -> dict[str, bytes]:
    return {
        "Subject: từ mã hóa (=?UTF-8?B?…?=)": b"Subject: " + b"=?UTF-8?B?w6E=?= " * (size // 17),
        "Content-Type: ';' trong ngoặc kép": b'Content-Type: text/plain; a="' + b";" * size,
        "Content-Disposition: tham số": b"Content-Disposition: inline; " + b'a="b";' * (size // 6),
        "From: chú thích lồng nhau": b"From: "
        + b"(" * (size // 2)
        + b"x@y.vn"
        + b")" * (size // 2),
        "To: nhiều địa chỉ": b"To: " + b"a <b@c.vn>, " * (size // 12),
        "Received: nhiều dòng": b"Received: from a by b; Mon, 3 Oct 2022 08:00:00 +0700\r\n"
        * (size // 52),
        "Subject: dòng gập": b"Subject: " + b"ab\r\n " * (size // 5),
    }


def message(header: bytes) -> bytes:
    return (
        b"From: a@b.vn\r\nDate: Mon, 3 Oct 2022 08:00:00 +0700\r\n"
        + header.rstrip(b"\r\n")
        + b"\r\nMIME-Version: 1.0\r\n\r\nbody\r\n"
    )


def main() -> None:
    names = list(shapes(1))
    for name in names:
        times = []
        for size in SIZES:
            raw = message(shapes(size)[name])
            best = float("inf")
            for _ in range(3):
                started = time.perf_counter()
                parse_mime(raw, "bench", None, "")
                best = min(best, time.perf_counter() - started)
            times.append(best * MB / size)
        shown = "  ".join(
            f"{s / MB:3.1f} MB: {t * 1000:6.1f}" for s, t in zip(SIZES, times, strict=True)
        )
        print(f"{name:<36} ms/MB  {shown}")


if __name__ == "__main__":
    main()
