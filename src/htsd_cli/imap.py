"""Reading an IMAP mailbox without changing it.

The folder is opened with EXAMINE (read-only) and bodies are fetched with BODY.PEEK, so no
message is deleted, moved or marked read. The password comes from the environment variable
HTSD_MAT_KHAU or is asked at the terminal; it is never written anywhere.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import imaplib
import os
import re
import socket
import ssl
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from htsd_cli.mail import BY_SERVER, MAX_MESSAGE_BYTES, Mail, MailError, local, parse_mime

PASSWORD_ENV = "HTSD_MAT_KHAU"
TIMEOUT = 60.0
_LOOPBACK = ("127.0.0.1", "::1", "localhost")


@dataclass(frozen=True)
class Mailbox:
    scheme: str
    user: str
    host: str
    port: int
    folder: str


def is_address(text: str) -> bool:
    return text.lower().startswith(("imaps://", "imap://"))


def parse_address(text: str) -> Mailbox:
    """imaps://user@host[:port]/Folder (the user may itself be an address: a@gmail.com)."""
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    userinfo, _, hostport = parts.netloc.rpartition("@")
    if ":" in userinfo:
        raise MailError(
            "Không ghi mật khẩu vào địa chỉ hộp thư. Đặt mật khẩu vào biến môi trường "
            f"{PASSWORD_ENV}, hoặc để htsd hỏi khi chạy."
        )
    user = unquote(userinfo)
    host, port = hostport, 993 if scheme == "imaps" else 143
    m = re.fullmatch(r"\[?([^\]]+?)\]?(?::(\d+))?", hostport)
    if m:
        host = m.group(1)
        if m.group(2):
            port = int(m.group(2))
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    if not user or not host:
        raise MailError(
            f"Địa chỉ hộp thư '{text}' chưa đủ: cần dạng imaps://tên-đăng-nhập@máy-chủ/Thư-mục, "
            "ví dụ imaps://vanthu@mail.haiphong.gov.vn/INBOX."
        )
    return Mailbox(scheme, user, host, port, folder)


def password_for(box: Mailbox) -> str:
    given = os.environ.get(PASSWORD_ENV)
    if given:
        return given
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(f"Mật khẩu hộp thư {box.user}@{box.host}: ")
    raise MailError(
        f"Cần mật khẩu hộp thư {box.user}@{box.host}: đặt biến môi trường {PASSWORD_ENV}, hoặc "
        "chạy lệnh trong cửa sổ dòng lệnh để htsd hỏi."
    )


def utf7_folder(name: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 5.1.3): 'Báo cáo' → 'B&AOE-o c&AOE-o'."""
    import base64

    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            data = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(data).decode().rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    return "".join(out)


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


_MONTHS = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}


def _internaldate(text: str) -> dt.datetime | None:
    m = re.fullmatch(r"\s*(\d{1,2})-(\w{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)", text)
    if not m or m.group(2).title() not in _MONTHS:
        return None
    offset = dt.timedelta(hours=int(m.group(8)), minutes=int(m.group(9)))
    zone = dt.timezone(offset if m.group(7) == "+" else -offset)
    when = dt.datetime(
        int(m.group(3)),
        _MONTHS[m.group(2).title()],
        int(m.group(1)),
        int(m.group(4)),
        int(m.group(5)),
        int(m.group(6)),
        tzinfo=zone,
    )
    return local(when)


def _connect(box: Mailbox) -> imaplib.IMAP4:
    context = ssl.create_default_context()
    try:
        if box.scheme == "imaps":
            return imaplib.IMAP4_SSL(box.host, box.port, ssl_context=context, timeout=TIMEOUT)
        conn = imaplib.IMAP4(box.host, box.port, timeout=TIMEOUT)
        if "STARTTLS" in conn.capabilities:
            conn.starttls(context)
        elif box.host not in _LOOPBACK:
            conn.shutdown()
            raise MailError(
                f"Máy chủ {box.host} không mã hóa kết nối (không có STARTTLS): mật khẩu sẽ đi qua "
                "mạng không được bảo vệ. Dùng địa chỉ imaps://."
            )
        return conn
    except ssl.SSLCertVerificationError as exc:
        raise MailError(
            f"Chứng chỉ bảo mật của máy chủ {box.host} không hợp lệ ({exc.verify_message}); "
            "htsd không gửi mật khẩu tới máy chủ này."
        ) from exc
    except socket.gaierror as exc:
        raise MailError(f"Không tìm thấy máy chủ thư {box.host} (kiểm tra tên và mạng).") from exc
    except TimeoutError as exc:
        raise MailError(f"Máy chủ thư {box.host}:{box.port} không trả lời.") from exc
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailError(
            f"Không kết nối được tới máy chủ thư {box.host}:{box.port} ({exc.__class__.__name__})."
        ) from exc


def _ok(result: tuple[str, Any], what: str) -> list[Any]:
    status, data = result
    if status != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
        raise MailError(f"Máy chủ thư từ chối {what}: {detail}")
    return list(data)


def messages(box: Mailbox, password: str, since: dt.date | None = None) -> Iterator[Mail]:
    """Every message of the folder (arrived on or after `since`), oldest first."""
    conn = _connect(box)
    try:
        try:
            conn.login(box.user, password)
        except imaplib.IMAP4.error as exc:
            raise MailError(
                f"Máy chủ thư không nhận tên đăng nhập {box.user} hoặc mật khẩu. Với Gmail, cần "
                "bật IMAP và dùng mật khẩu ứng dụng."
            ) from exc
        status, _data = conn.select(_quoted(utf7_folder(box.folder)), readonly=True)
        if status != "OK":
            raise MailError(f"Hộp thư không có thư mục '{box.folder}'.{_folders(conn)}")
        criteria = ["ALL"]
        if since is not None:
            month = list(_MONTHS)[since.month - 1]
            criteria = ["SINCE", f"{since.day}-{month}-{since.year}"]
        found = _ok(conn.uid("SEARCH", *criteria), "tìm thư")
        uids = [int(u) for chunk in found if chunk for u in chunk.split()]
        for start in range(0, len(uids), 200):
            batch = uids[start : start + 200]
            meta = _ok(
                conn.uid("FETCH", ",".join(map(str, batch)), "(UID RFC822.SIZE INTERNALDATE)"),
                "đọc danh sách thư",
            )
            info = _meta(meta)
            for uid in batch:
                size, arrived = info.get(uid, (0, None))
                label = f"UID {uid}"
                if size > MAX_MESSAGE_BYTES:
                    yield Mail(
                        where=label,
                        arrived=arrived,
                        problem=f"thư quá lớn ({size // (1024 * 1024)} MB); hãy lưu tệp đính kèm "
                        "bằng tay",
                    )
                    continue
                body = _ok(conn.uid("FETCH", str(uid), "(BODY.PEEK[])"), f"đọc thư {label}")
                raw = next((d[1] for d in body if isinstance(d, tuple)), None)
                if raw is None:
                    yield Mail(where=label, arrived=arrived, problem="máy chủ không trả nội dung")
                    continue
                yield parse_mime(raw, label, arrived, BY_SERVER if arrived else "")
    except (OSError, imaplib.IMAP4.abort) as exc:
        raise MailError(
            f"Mất kết nối với máy chủ thư {box.host} ({exc.__class__.__name__})."
        ) from exc
    finally:
        with contextlib.suppress(Exception):
            conn.logout()


def _meta(data: list[Any]) -> dict[int, tuple[int, dt.datetime | None]]:
    out: dict[int, tuple[int, dt.datetime | None]] = {}
    for item in data:
        line = item[0] if isinstance(item, tuple) else item
        if not isinstance(line, bytes):
            continue
        uid = re.search(rb"UID (\d+)", line)
        if not uid:
            continue
        size = re.search(rb"RFC822\.SIZE (\d+)", line)
        when = re.search(rb'INTERNALDATE "([^"]+)"', line)
        out[int(uid.group(1))] = (
            int(size.group(1)) if size else 0,
            _internaldate(when.group(1).decode("ascii", "replace")) if when else None,
        )
    return out


def _folders(conn: imaplib.IMAP4) -> str:
    try:
        status, data = conn.list()
    except Exception:
        return ""
    if status != "OK":
        return ""
    names = []
    for line in data:
        if isinstance(line, bytes):
            m = re.search(rb'"([^"]*)"\s*$|(\S+)\s*$', line)
            if m:
                names.append(_from_utf7((m.group(1) or m.group(2)).decode("ascii", "replace")))
    return f" Các thư mục có: {', '.join(names)}." if names else ""


def _from_utf7(name: str) -> str:
    import base64

    def one(m: re.Match[str]) -> str:
        body = m.group(1)
        if not body:
            return "&"
        data = body.replace(",", "/")
        data += "=" * (-len(data) % 4)
        try:
            return base64.b64decode(data).decode("utf-16-be")
        except ValueError:
            return m.group(0)

    return re.sub(r"&([^-]*)-", one, name)
