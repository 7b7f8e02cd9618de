"""Reading an IMAP mailbox without changing it.

The folder is opened with EXAMINE (read-only) and bodies are fetched with BODY.PEEK, so no
message is deleted, moved or marked read. The password comes from the environment variable
HTSD_MAT_KHAU or is asked at the terminal; it is never written anywhere, and no message ever
holds any part of it. It goes to the server in UTF-8 (AUTHENTICATE PLAIN, or a LOGIN literal),
so a password in Vietnamese works.

The server's certificate is always verified, against the system's authorities and, for a
server with its own certificate, the file the clerk names (--ca-file, or ca_file in htsd.toml).
A folder is found whatever separator the clerk typed between its levels: the server's own
separator is used.
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
from pathlib import Path
from typing import TypeAlias
from urllib.parse import unquote, urlsplit

from htsd_cli.base.errors import os_reason
from htsd_cli.base.textnorm import nfc
from htsd_cli.intake.mail import BY_SERVER, MAX_MESSAGE_BYTES, Mail, MailError, parse_mime, sane

PASSWORD_ENV = "HTSD_MAT_KHAU"
TIMEOUT = 60.0
_LOOPBACK = ("127.0.0.1", "::1", "localhost")
# One item of what imaplib gives back for a command: a line, a line with the literal it carried
# (a message's bytes), or None (nothing).
Response: TypeAlias = bytes | tuple[bytes, bytes] | None


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
    try:
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
    except (ValueError, OverflowError):  # a date no calendar holds: the message is still read
        return None
    return sane(when)


def _context(ca_file: Path | None) -> ssl.SSLContext:
    """The system's authorities, and the server's own certificate when the clerk gives one (PEM
    or the DER .cer that Windows exports). Verification is never switched off."""
    context = ssl.create_default_context()
    if ca_file is None:
        return context
    try:
        data = ca_file.read_bytes()
    except OSError as exc:
        raise MailError(f"Không đọc được tệp chứng chỉ {ca_file}: {os_reason(exc)}.") from exc
    try:
        if b"-----BEGIN" in data:
            context.load_verify_locations(cadata=data.decode("ascii", "replace"))
        else:
            context.load_verify_locations(cadata=data)
    except (ssl.SSLError, ValueError):
        raise MailError(
            f"Tệp {ca_file} không phải tệp chứng chỉ (cần tệp .pem hoặc .cer do bộ phận quản trị "
            "máy chủ thư cấp)."
        ) from None
    return context


_VERIFY_REASONS = {
    "self-signed certificate": "chứng chỉ tự ký",
    "self signed certificate": "chứng chỉ tự ký",
    "certificate has expired": "chứng chỉ đã hết hạn",
    "unable to get local issuer certificate": "không rõ nơi cấp chứng chỉ",
    "hostname mismatch": "chứng chỉ không cấp cho máy chủ này",
    "ip address mismatch": "chứng chỉ không cấp cho máy chủ này",
}


def certificate_refused(host: str, reason: str, ca_file: Path | None) -> str:
    """Why htsd does not log in to `host`, and how a clerk trusts a server's own certificate."""
    said = next((vi for en, vi in _VERIFY_REASONS.items() if reason.lower().startswith(en)), reason)
    if ca_file is not None:
        return (
            f"Chứng chỉ bảo mật của máy chủ {host} không hợp lệ ({said}), kể cả khi tin thêm "
            f"chứng chỉ trong {ca_file}; htsd không gửi mật khẩu tới máy chủ này. Hãy hỏi bộ "
            f"phận quản trị máy chủ thư xem tệp đó có đúng là chứng chỉ của {host} không."
        )
    return (
        f"Chứng chỉ bảo mật của máy chủ {host} không hợp lệ ({said}); htsd không gửi mật khẩu "
        "tới máy chủ này. Nếu máy chủ dùng chứng chỉ riêng (thường gặp ở máy chủ thư của tỉnh, "
        "sở), hãy xin bộ phận quản trị tệp chứng chỉ của máy chủ (.pem hoặc .cer), rồi chạy lại "
        'với --ca-file <tệp chứng chỉ>, hoặc ghi ca_file = "<tệp chứng chỉ>" vào htsd.toml.'
    )


def _connect(box: Mailbox, ca_file: Path | None = None) -> imaplib.IMAP4:
    context = _context(ca_file)
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
        reason = str(exc.verify_message or exc.reason or "")
        raise MailError(certificate_refused(box.host, reason, ca_file)) from exc
    except socket.gaierror as exc:
        raise MailError(f"Không tìm thấy máy chủ thư {box.host} (kiểm tra tên và mạng).") from exc
    except TimeoutError as exc:
        raise MailError(f"Máy chủ thư {box.host}:{box.port} không trả lời.") from exc
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailError(
            f"Không kết nối được tới máy chủ thư {box.host}:{box.port} ({exc.__class__.__name__})."
        ) from exc


def _ok(result: tuple[str, list[Response]], what: str) -> list[Response]:
    status, data = result
    if status != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
        raise MailError(f"Máy chủ thư từ chối {what}: {detail}")
    return list(data)


def _login(conn: imaplib.IMAP4, user: str, password: str) -> None:
    """Log in with the credentials in UTF-8: AUTHENTICATE PLAIN where the server offers it (it
    carries any bytes), else LOGIN, the password sent as a literal when it is not ASCII (RFC 3501
    lets any string be one). Nothing of the password ever reaches a message: every failure is
    one sentence of ours, chained to nothing."""
    refused = (
        f"Máy chủ thư không nhận tên đăng nhập {user} hoặc mật khẩu. Với Gmail, cần bật IMAP và "
        "dùng mật khẩu ứng dụng."
    )
    failed = False
    try:
        if "AUTH=PLAIN" in conn.capabilities:
            payload = b"\0" + user.encode("utf-8") + b"\0" + password.encode("utf-8")
            conn.authenticate("PLAIN", lambda _challenge: payload)
        elif password.isascii() and user.isascii():
            conn.login(user, password)
        elif user.isascii():
            conn.literal = password.encode("utf-8")  # type: ignore[assignment]  # bytes are sent as they are
            status, _ = conn._simple_command("LOGIN", _quoted(user))
            if status != "OK":
                failed = True
            else:
                conn.state = "AUTH"
        else:
            failed = True
    except (imaplib.IMAP4.error, UnicodeError, ValueError, TypeError):
        failed = True
    if failed:
        raise MailError(refused)


def messages(
    box: Mailbox, password: str, since: dt.date | None = None, ca_file: Path | None = None
) -> Iterator[Mail]:
    """Every message of the folder (arrived on or after `since`), oldest first. The server is
    reached, the login made and the folder opened now, before anything is written anywhere."""
    conn = _connect(box, ca_file)
    try:
        _login(conn, box.user, password)
        _select(conn, box.folder)
    except BaseException as exc:
        with contextlib.suppress(Exception):
            conn.logout()
        if isinstance(exc, (OSError, imaplib.IMAP4.abort)):
            raise MailError(
                f"Mất kết nối với máy chủ thư {box.host} ({exc.__class__.__name__})."
            ) from None
        raise
    return _fetch(conn, box, since)


def _fetch(conn: imaplib.IMAP4, box: Mailbox, since: dt.date | None) -> Iterator[Mail]:
    try:
        criteria = ["ALL"]
        if since is not None:
            month = list(_MONTHS)[since.month - 1]
            criteria = ["SINCE", f"{since.day}-{month}-{since.year}"]
        uids = _uids(_ok(conn.uid("SEARCH", *criteria), "tìm thư"), box)
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


def _uids(found: list[Response], box: Mailbox) -> list[int]:
    """The message numbers SEARCH found: lines of numbers (RFC 3501); anything else (a literal,
    a word) means the mailbox cannot be read, said with the server's name."""
    out: list[int] = []
    for chunk in found:
        if not chunk:
            continue
        words = chunk.split() if isinstance(chunk, bytes) else [b"{literal}"]
        if not all(w.isdigit() for w in words):
            raise MailError(
                f"Máy chủ thư {box.host} trả lời lệnh tìm thư không đúng chuẩn IMAP; htsd không "
                "đọc được hộp thư này. Hãy báo người quản trị hộp thư."
            )
        out += map(int, words)
    return out


def _meta(data: list[Response]) -> dict[int, tuple[int, dt.datetime | None]]:
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


@dataclass(frozen=True)
class Folder:
    raw: str  # as the server spells it (modified UTF-7), to select it
    name: str  # decoded
    separator: str  # the server's separator between levels ('' when it has none)


_LIST_LINE = re.compile(
    r'\((?P<flags>[^)]*)\)\s+(?P<sep>"(?:\\.|[^"])*"|NIL)\s+(?P<name>.*)$', re.I
)


def _folder_list(conn: imaplib.IMAP4) -> list[Folder]:
    """Every folder of the mailbox, with the server's separator."""
    try:
        status, data = conn.list()
    except Exception:
        return []
    if status != "OK":
        return []
    out: list[Folder] = []
    for item in data:
        literal = None
        if isinstance(item, tuple):  # a name sent as a literal
            item, literal = item[0], item[1]
        if not isinstance(item, bytes):
            continue
        m = _LIST_LINE.match(item.decode("utf-8", "replace").strip())
        if not m:
            continue
        sep = m.group("sep")
        separator = "" if sep.upper() == "NIL" else sep[1:-1].replace("\\\\", "\\")
        raw = literal.decode("utf-8", "replace") if isinstance(literal, bytes) else m.group("name")
        raw = raw.strip()
        if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
            raw = raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        out.append(Folder(raw, _from_utf7(raw), separator))
    return out


def _levels(name: str, separators: str) -> list[str]:
    parts = re.split("[" + re.escape(separators) + "]", name) if separators else [name]
    return [p.casefold() if i == 0 and p.casefold() == "inbox" else p for i, p in enumerate(parts)]


def _select(conn: imaplib.IMAP4, wanted: str) -> None:
    """Open the folder read-only: as typed, else the server's folder with the same levels,
    whatever separator the clerk typed ('INBOX/Báo cáo' on a server that writes 'INBOX.Báo cáo')."""
    status, _data = conn.select(_quoted(utf7_folder(wanted)), readonly=True)
    if status == "OK":
        return
    folders = _folder_list(conn)
    typed = [_levels(nfc(wanted), "/\\."), _levels(nfc(wanted), "/\\")]
    for folder in folders:
        if folder.separator and _levels(nfc(folder.name), folder.separator) in typed:
            status, _data = conn.select(_quoted(folder.raw), readonly=True)
            if status == "OK":
                return
    names = ", ".join(f.name for f in folders)
    listed = f" Các thư mục có: {names}." if names else ""
    raise MailError(f"Hộp thư không có thư mục '{wanted}'.{listed}")


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
