"""Where returns arrive by e-mail: an IMAP mailbox, a folder of .eml or Outlook .msg files, an
.mbox file or a Maildir. Every source is read without changing it: the IMAP folder is opened
read-only (EXAMINE, and BODY.PEEK so nothing is marked read), files are only opened for reading.

Each message becomes a `Mail`: its sender, subject, the time it arrived and its attachments. The
arrival time is the server's where the source keeps one (IMAP INTERNALDATE, the Maildir file
name, the mbox "From " line, the top Received header, Outlook's delivery time); the Date header,
which the sender's computer writes, is used only when there is nothing better, and `arrived_how`
says which one it is.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.policy
import email.utils
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from pathlib import Path
from typing import Any

from htsd_cli.errors import HtsdError, os_reason
from htsd_cli.textnorm import nfc

MAX_MESSAGE_BYTES = 80 * 1024 * 1024  # a message with several workbooks, in base64
MAX_DEPTH = 20  # parts inside parts (forwarded mail inside forwarded mail …)
MAX_PARTS = 500

BY_SERVER = "máy chủ thư"
BY_RECEIVED = "tiêu đề Received"
BY_MBOX = "dòng From của mbox"
BY_OUTLOOK = "thời điểm nhận của Outlook"
BY_DATE = "ngày gửi ghi trong thư (Date)"


class MailError(HtsdError):
    """The mail source as a whole cannot be read (no such folder, login refused, …)."""


@dataclass
class Attachment:
    name: str
    data: bytes | None  # None when it could not be taken (problem says why)
    problem: str = ""


@dataclass
class Mail:
    where: str  # where the clerk finds it: "UID 12", a file name, "thư thứ 3 trong x.mbox"
    sender: str = ""
    sender_name: str = ""
    subject: str = ""
    arrived: dt.datetime | None = None  # local time, naive
    arrived_how: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    problem: str = ""  # the message as a whole could not be read


def local(when: dt.datetime) -> dt.datetime:
    """A time as the clerk's computer shows it (naive, local); naive times are taken as local."""
    if when.tzinfo is None:
        return when
    return when.astimezone().replace(tzinfo=None)


# --- MIME ---------------------------------------------------------------------------------------


def _header(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
        return nfc(str(value)) if value is not None else ""
    except Exception:  # a broken header must not lose the message: the raw value instead
        for key, raw in msg.raw_items():
            if key.lower() == name.lower():
                return _raw_text(str(raw))
        return ""


def _raw_text(value: str) -> str:
    """A header value as it was on the wire: 8-bit bytes in UTF-8, else Windows-1258."""
    raw = value.encode("ascii", "surrogateescape")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1258", errors="replace")
    return nfc(" ".join(text.split()))


def _date(text: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return local(when)


def _received(msg: Message) -> dt.datetime | None:
    """The time in the top Received header: when the last server took the message in."""
    try:
        values = msg.get_all("Received") or []
    except Exception:
        return None
    for value in values[:1]:
        text = str(value)
        if ";" in text:
            return _date(text.rsplit(";", 1)[1].strip())
    return None


_NAME_PARAM = re.compile(r"""(?:^|;)\s*(?:file)?name\s*=\s*(?:"([^"]*)"|([^;\s]+))""", re.I)


def attachment_name(part: Message) -> str:
    """The file name a mail program gave an attachment, decoded: RFC 2231 (filename*=), RFC 2047
    (=?UTF-8?B?…?=), in UTF-8 or Windows-1258, or raw 8-bit bytes as some programs send."""
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    if not name or "\ufffd" in name:
        for key, raw in part.raw_items():
            if key.lower() in ("content-disposition", "content-type"):
                m = _NAME_PARAM.search(str(raw))
                if m:
                    name = _raw_text(m.group(1) or m.group(2) or "")
                    if name:
                        break
    return nfc(" ".join(name.split()))


_BAD_BASE64 = ("InvalidBase64CharactersDefect", "InvalidBase64LengthDefect")


def _leaves(msg: Message) -> Iterator[Message]:
    """The parts that carry content, without recursion; deeper than MAX_DEPTH is refused."""
    stack: list[tuple[Message, int]] = [(msg, 0)]
    count = 0
    while stack:
        part, depth = stack.pop()
        count += 1
        if count > MAX_PARTS:
            raise ValueError(f"thư có quá {MAX_PARTS} phần")
        if depth > MAX_DEPTH:
            raise ValueError(f"thư lồng nhau quá {MAX_DEPTH} tầng")
        if part.is_multipart():
            payload = part.get_payload()
            children = payload if isinstance(payload, list) else []
            stack.extend((c, depth + 1) for c in reversed(children) if isinstance(c, Message))
        else:
            yield part


def parse_mime(raw: bytes, where: str, arrived: dt.datetime | None, how: str) -> Mail:
    """A message from its bytes; whatever is broken in it becomes a `problem`, never an error."""
    mail = Mail(where=where)
    if len(raw) > MAX_MESSAGE_BYTES:
        mail.problem = (
            f"thư quá lớn ({len(raw) // (1024 * 1024)} MB); hãy lưu tệp đính kèm bằng tay"
        )
        return mail
    try:
        msg = email.message_from_bytes(raw, _class=EmailMessage, policy=email.policy.default)
    except RecursionError:
        mail.problem = "thư lồng nhau quá sâu (nghi thư độc); đã bỏ qua"
        return mail
    except Exception as exc:  # the parser is lenient; anything else is a broken message
        mail.problem = f"thư hỏng, không đọc được ({exc.__class__.__name__})"
        return mail
    sender = _header(msg, "From")
    mail.sender_name, mail.sender = email.utils.parseaddr(sender)
    mail.sender = mail.sender.lower() or sender
    mail.subject = _header(msg, "Subject")
    when, mail.arrived_how = arrived, how
    if when is None:
        when, mail.arrived_how = _received(msg), BY_RECEIVED
    if when is None:
        when, mail.arrived_how = _date(_header(msg, "Date")), BY_DATE
    mail.arrived = when
    try:
        for part in _leaves(msg):
            name = attachment_name(part)
            if not name:
                continue  # the text of the message
            try:
                data = part.get_payload(decode=True)
            except Exception:
                data = None
            broken = [d for d in part.defects if d.__class__.__name__ in _BAD_BASE64]
            if not isinstance(data, bytes) or broken:
                mail.attachments.append(
                    Attachment(name, None, "tệp đính kèm bị hỏng khi gửi (mã hóa base64 sai)")
                )
            else:
                mail.attachments.append(Attachment(name, data))
    except (ValueError, RecursionError) as exc:
        mail.problem = f"{exc} (nghi thư độc); đã bỏ qua"
        mail.attachments.clear()
    return mail


# --- files: .eml, .msg, .mbox, Maildir ------------------------------------------------------------


def _read(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_MESSAGE_BYTES:
            raise MailError(f"{path}: thư quá lớn; hãy lưu tệp đính kèm bằng tay")
        return path.read_bytes()
    except OSError as exc:
        raise MailError(f"Không đọc được {path}: {os_reason(exc)}.") from exc


def eml_file(path: Path, label: str) -> Mail:
    try:
        raw = _read(path)
    except MailError as exc:
        return Mail(where=label, problem=str(exc))
    return parse_mime(raw, label, None, "")


def msg_file(path: Path, label: str) -> Mail:
    """An Outlook .msg file, through extract-msg."""
    mail = Mail(where=label)
    try:
        import extract_msg
    except ImportError:
        mail.problem = "cần gói extract-msg để đọc tệp .msg (cài lại htsd)"
        return mail
    try:
        msg: Any = extract_msg.openMsg(str(path), delayAttachments=False)
    except Exception as exc:
        mail.problem = (
            f"không đọc được tệp Outlook .msg ({exc.__class__.__name__}); hãy mở trong Outlook "
            "và lưu tệp đính kèm, hoặc lưu thư dạng .eml"
        )
        return mail
    try:
        mail.subject = nfc(str(getattr(msg, "subject", "") or ""))
        mail.sender_name, mail.sender = email.utils.parseaddr(str(msg.sender or ""))
        mail.sender = mail.sender.lower()
        received = _msg_time(msg, "receivedTime")
        mail.arrived, mail.arrived_how = received, BY_OUTLOOK
        if received is None:
            mail.arrived, mail.arrived_how = _msg_time(msg, "date"), BY_DATE
        for att in msg.attachments:
            name = nfc(str(getattr(att, "longFilename", None) or getattr(att, "name", "") or ""))
            data = getattr(att, "data", None)
            if name:
                if isinstance(data, bytes):
                    mail.attachments.append(Attachment(name, data))
                else:
                    mail.attachments.append(
                        Attachment(name, None, "tệp đính kèm lồng trong thư khác (mở bằng Outlook)")
                    )
    except Exception as exc:
        mail.problem = f"tệp Outlook .msg hỏng ({exc.__class__.__name__})"
        mail.attachments.clear()
    finally:
        with contextlib.suppress(Exception):
            msg.close()
    return mail


def _msg_time(msg: Any, attr: str) -> dt.datetime | None:
    try:
        when = getattr(msg, attr, None)
    except Exception:
        return None
    return local(when) if isinstance(when, dt.datetime) else None


def _message_files(folder: Path) -> list[Path]:
    return sorted(
        (
            p
            for p in folder.rglob("*")
            if p.suffix.lower() in (".eml", ".msg") and p.is_file() and not p.name.startswith(".")
        ),
        key=lambda p: str(p.relative_to(folder)).lower(),
    )


def is_maildir(path: Path) -> bool:
    return path.is_dir() and (path / "cur").is_dir() and (path / "new").is_dir()


def maildir(folder: Path) -> Iterator[Mail]:
    """A Maildir: cur/ and new/ are read, tmp/ (half-delivered) is not. A file name starts with
    the time the server delivered it, in seconds."""
    files = sorted(
        (p for sub in ("new", "cur") for p in (folder / sub).iterdir() if p.is_file()),
        key=lambda p: p.name,
    )
    for path in files:
        label = f"{path.parent.name}/{path.name}"
        m = re.match(r"(\d{9,11})\.", path.name)
        arrived = None
        if m:
            arrived = dt.datetime.fromtimestamp(int(m.group(1)))
        try:
            raw = _read(path)
        except MailError as exc:
            yield Mail(where=label, problem=str(exc))
            continue
        yield parse_mime(raw, label, arrived, BY_SERVER if arrived else "")


_FROM_LINE = re.compile(rb"^From \S*\s+(.*?)\s*$")


def _from_line_time(line: bytes) -> dt.datetime | None:
    m = _FROM_LINE.match(line)
    if not m:
        return None
    text = m.group(1).decode("ascii", "replace")
    for fmt in ("%a %b %d %H:%M:%S %Y", "%a %b %d %H:%M:%S %z %Y"):
        try:
            return local(dt.datetime.strptime(" ".join(text.split()), fmt))
        except ValueError:
            continue
    return None


def mbox(path: Path) -> Iterator[Mail]:
    """An .mbox file, read as a stream (a mailbox of gigabytes is never held in memory)."""
    number = 0

    def finish(lines: list[bytes], size: int, when: dt.datetime | None) -> Mail:
        label = f"thư thứ {number} trong {path.name}"
        if size > MAX_MESSAGE_BYTES:
            return Mail(where=label, problem="thư quá lớn; hãy lưu tệp đính kèm bằng tay")
        return parse_mime(b"".join(lines), label, when, BY_MBOX if when else "")

    try:
        handle = path.open("rb")
    except OSError as exc:
        raise MailError(f"Không đọc được {path}: {os_reason(exc)}.") from exc
    with handle:
        lines: list[bytes] = []
        size, when, started, blank = 0, None, False, True
        for line in handle:
            if line.startswith(b"From ") and blank:
                if started:
                    yield finish(lines, size, when)
                number += 1
                lines, size, when, started = [], 0, _from_line_time(line), True
                blank = False
                continue
            blank = line in (b"\n", b"\r\n")
            if not started:
                continue
            if re.match(rb"^>+From ", line):
                line = line[1:]  # mboxrd quoting
            size += len(line)
            if size <= MAX_MESSAGE_BYTES:
                lines.append(line)
        if started:
            yield finish(lines, size, when)


def files(path: Path) -> Iterator[Mail]:
    """Messages from a path: a Maildir, a folder of .eml/.msg, an .mbox, or one .eml/.msg."""
    if is_maildir(path):
        yield from maildir(path)
    elif path.is_dir():
        found = _message_files(path)
        if not found:
            raise MailError(
                f"Không có thư nào trong {path}: cần tệp .eml hoặc .msg, một hộp thư Maildir "
                "(thư mục có cur/ và new/), hoặc một tệp .mbox."
            )
        for item in found:
            label = str(item.relative_to(path))
            yield msg_file(item, label) if item.suffix.lower() == ".msg" else eml_file(item, label)
    elif path.suffix.lower() == ".msg":
        yield msg_file(path, path.name)
    elif path.suffix.lower() == ".eml":
        yield eml_file(path, path.name)
    elif path.is_file():
        try:
            with path.open("rb") as handle:
                head = handle.read(5)
        except OSError as exc:
            raise MailError(f"Không đọc được {path}: {os_reason(exc)}.") from exc
        if head != b"From " and path.suffix.lower() != ".mbox":
            raise MailError(
                f"{path} không phải hộp thư: cần tệp .mbox, .eml hoặc .msg, một thư mục chứa "
                "chúng, hoặc địa chỉ imaps://tên@máy-chủ/Thư-mục."
            )
        yield from mbox(path)
    else:
        raise MailError(f"Không tìm thấy {path}.")
