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
import email.header
import email.policy
import email.utils
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email._policybase import Compat32
from email.message import Message
from pathlib import Path

from htsd_cli.base.errors import HtsdError, os_reason
from htsd_cli.base.textnorm import nfc

MAX_MESSAGE_BYTES = 80 * 1024 * 1024  # a message with several workbooks, in base64
MAX_DEPTH = 20  # parts inside parts (forwarded mail inside forwarded mail …)
MAX_PARTS = 500
MAX_HEADER_CHARS = 8192  # of one header's value; a real one has a few hundred
MAX_PARAMETERS = 100  # ';' in a Content-Type or -Disposition (a long RFC 2231 name has ~30)
MAX_TEXT = 300  # characters of a sender or subject kept (the receipts book, the summary)
EARLIEST = dt.datetime(1970, 1, 2)  # no mail is older than the epoch: such a date is broken

BY_SERVER = "máy chủ thư"
BY_RECEIVED = "tiêu đề Received"
BY_MBOX = "dòng From của mbox"
BY_OUTLOOK = "thời điểm nhận của Outlook"
BY_DATE = "ngày gửi ghi trong thư (Date)"
DATE_UNREADABLE = "ngày gửi không đọc được"
DAEMONS = ("mailer-daemon", "postmaster")  # the senders of delivery reports


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
    date_unreadable: bool = False  # a Date header that no calendar holds (year 10000, …)
    # a delivery report (a bounce): the addresses the office's mail did not reach; None when
    # the message is no report
    undelivered: list[str] | None = None


def local(when: dt.datetime) -> dt.datetime:
    """A time as the clerk's computer shows it (naive, local); naive times are taken as local."""
    if when.tzinfo is None:
        return when
    return when.astimezone().replace(tzinfo=None)


def sane(when: dt.datetime | None) -> dt.datetime | None:
    """A time in local terms, or None when no calendar of ours holds it (it overflows, or it
    lies before the epoch: a year-100 date would be written, then break reading the book)."""
    if when is None:
        return None
    try:
        shown = local(when)
    except (OverflowError, ValueError, OSError):
        return None
    if shown < EARLIEST or shown.year > 9998:
        return None
    return shown


def short(text: str, limit: int = MAX_TEXT) -> str:
    """A sender's words as htsd keeps them: one line, control characters gone, and cut to
    `limit` characters (a 140,000-character subject breaks every CSV reader after it)."""
    text = "".join(c if c.isprintable() else " " for c in text[: limit * 4])
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- MIME ---------------------------------------------------------------------------------------


class _Bounded(Compat32):
    """The standard library's plain (compat32) parsing, with every header value cut to a bounded
    length as it is read: the library's parsers of structured headers grow faster than the
    header (a 2 MB header took minutes), and no header htsd reads needs more."""

    def header_source_parse(self, sourcelines: list[str]) -> tuple[str, str]:
        name, value = super().header_source_parse(sourcelines)
        value = value[:MAX_HEADER_CHARS]
        if name.strip().lower() in ("content-type", "content-disposition"):
            cut = -1
            for _ in range(MAX_PARAMETERS):
                cut = value.find(";", cut + 1)
                if cut < 0:
                    break
            if cut >= 0:
                value = value[:cut]
        return name, value


_POLICY = _Bounded()


def _raw(msg: Message, name: str) -> str:
    """A header's value as it came (the first one of that name), never parsed."""
    wanted = name.lower()
    for key, value in msg.raw_items():
        if key.lower() == wanted:
            return str(value)
    return ""


def _header(msg: Message, name: str) -> str:
    """A header's text: encoded words (=?UTF-8?B?…?=) decoded, raw 8-bit bytes read as UTF-8,
    else Windows-1258."""
    return decode_words(_raw(msg, name))


def decode_words(value: str) -> str:
    last = value.rfind("=?")
    if last >= 0 and value.find("?=", value.find("?", value.find("?", last + 2) + 1) + 1) < 0:
        value = value[:last]  # an encoded word cut off by the length kept: the words before it
    if "=?" in value:
        with contextlib.suppress(Exception):  # a broken encoded word: the text as it came
            value = str(email.header.make_header(email.header.decode_header(value)))
    return _raw_text(value)


def _raw_text(value: str) -> str:
    """A header value as it was on the wire: 8-bit bytes in UTF-8, else Windows-1258."""
    if any("\udc80" <= c <= "\udcff" for c in value):
        raw = value.encode("utf-8", "surrogateescape")
        try:
            value = raw.decode("utf-8")
        except UnicodeDecodeError:
            value = raw.decode("cp1258", errors="replace")
    return nfc(" ".join(value.split()))


def _date(text: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return sane(when)


def _received(msg: Message) -> dt.datetime | None:
    """The time in the top Received header: when the last server took the message in."""
    text = _raw(msg, "Received")
    if ";" in text:
        return _date(" ".join(text.rsplit(";", 1)[1].split()))
    return None


_NAME_PARAM = re.compile(r"""(?:^|;)\s*(?:file)?name\s*=\s*(?:"([^"]*)"|([^;\s]+))""", re.I)


def attachment_name(part: Message) -> str:
    """The file name a mail program gave an attachment, decoded: RFC 2231 (filename*=), RFC 2047
    (=?UTF-8?B?…?=), in UTF-8 or Windows-1258, or raw 8-bit bytes as some programs send."""
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    name = str(name)
    if not name or "\ufffd" in name:
        for key, raw in part.raw_items():
            if key.lower() in ("content-disposition", "content-type"):
                m = _NAME_PARAM.search(str(raw))
                if m:
                    name = m.group(1) or m.group(2) or ""
                    if name:
                        break
    return nfc(" ".join(decode_words(name).split()))


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


_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")


def _addresses(text: str) -> list[str]:
    """The addresses in a list of them ('a@x, B <b@y>'), lower case, each once."""
    text = text[:MAX_HEADER_CHARS]
    try:
        found = [address for _name, address in email.utils.getaddresses([text])]
    except (RecursionError, ValueError, IndexError, TypeError):  # comments nested thousands deep
        found = _ADDRESS.findall(text)
    out: list[str] = []
    for address in found:
        address = address.strip().strip("<>").lower()
        if "@" in address and address not in out:
            out.append(address)
    return out


def _display_name(text: str) -> str:
    try:
        return email.utils.parseaddr(text[:MAX_HEADER_CHARS])[0]
    except (RecursionError, ValueError, IndexError, TypeError):
        return ""


def _recipient(value: str) -> str:
    """'rfc822; a@x.vn' (a delivery report's Final-Recipient) → 'a@x.vn'."""
    found = _addresses(value.rsplit(";", 1)[-1])
    return found[0] if found else ""


def _report_blocks(part: Message) -> list[Message]:
    payload = part.get_payload()
    return [b for b in payload if isinstance(b, Message)] if isinstance(payload, list) else []


def undelivered(msg: Message, sender: str) -> list[str] | None:
    """The addresses a delivery report says were not reached (empty when it does not say which);
    None when the message is no delivery report. A report is a multipart/report of delivery
    status (RFC 3464), or a message from mailer-daemon or postmaster."""
    parts = [msg]
    if msg.is_multipart():
        payload = msg.get_payload()
        parts += [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []
    reports = [p for p in parts if p.get_content_type() == "message/delivery-status"]
    is_report = (
        msg.get_content_type() == "multipart/report"
        and str(msg.get_param("report-type") or "").lower() == "delivery-status"
    ) or bool(reports)
    if not is_report and sender.split("@", 1)[0].lower() not in DAEMONS:
        return None
    failed: list[str] = []
    for report in reports:
        for block in _report_blocks(report):
            action = _raw(block, "Action").strip().lower()
            who = _recipient(_raw(block, "Final-Recipient") or _raw(block, "Original-Recipient"))
            if who and action in ("", "failed") and who not in failed:
                failed.append(who)
    if not failed:
        failed = _addresses(_raw(msg, "X-Failed-Recipients"))
    if not failed:  # the office's own message, sent back inside the report
        for part in parts:
            kind = part.get_content_type()
            inner = part.get_payload()
            if kind == "message/rfc822" and isinstance(inner, list) and inner:
                original = inner[0]
                failed = _addresses(_raw(original, "To")) if isinstance(original, Message) else []
            elif kind == "text/rfc822-headers":
                text = part.get_payload(decode=True)
                if isinstance(text, bytes):
                    headers = email.message_from_bytes(text[:65536], policy=_POLICY)
                    failed = _addresses(_raw(headers, "To"))
            if failed:
                break
    return failed


def parse_mime(raw: bytes, where: str, arrived: dt.datetime | None, how: str) -> Mail:
    """A message from its bytes; whatever is broken in it becomes a `problem`, never an error:
    a message source yields one message after another, and one that raised would end them all."""
    try:
        return _parse_mime(raw, where, arrived, how)
    except Exception as exc:
        return Mail(
            where=where,
            arrived=sane(arrived),
            arrived_how=how,
            problem=(f"thư hỏng, không đọc được ({exc.__class__.__name__}); đã bỏ qua"),
        )


def _parse_mime(raw: bytes, where: str, arrived: dt.datetime | None, how: str) -> Mail:
    mail = Mail(where=where)
    if len(raw) > MAX_MESSAGE_BYTES:
        mail.problem = (
            f"thư quá lớn ({len(raw) // (1024 * 1024)} MB); hãy lưu tệp đính kèm bằng tay"
        )
        return mail
    try:
        msg = email.message_from_bytes(raw, policy=_POLICY)
    except RecursionError:
        mail.problem = "thư lồng nhau quá sâu (nghi thư độc); đã bỏ qua"
        return mail
    except Exception as exc:  # the parser is lenient; anything else is a broken message
        mail.problem = f"thư hỏng, không đọc được ({exc.__class__.__name__})"
        return mail
    sender = _header(msg, "From")
    found = _addresses(sender)
    mail.sender = found[0] if found else short(sender)
    mail.sender_name = short(_display_name(sender))
    mail.subject = short(_header(msg, "Subject"))
    written = _raw(msg, "Date").strip()
    sent = _date(" ".join(written.split())) if written else None
    mail.date_unreadable = bool(written) and sent is None
    when, mail.arrived_how = sane(arrived), how
    if when is None:
        when, mail.arrived_how = _received(msg), BY_RECEIVED
    if when is None:
        when, mail.arrived_how = sent, BY_DATE
    mail.arrived = when
    if when is None:
        mail.arrived_how = ""
    try:
        mail.undelivered = undelivered(msg, mail.sender)
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
        msg = extract_msg.openMsg(str(path), delayAttachments=False)
    except Exception as exc:
        mail.problem = (
            f"không đọc được tệp Outlook .msg ({exc.__class__.__name__}); hãy mở trong Outlook "
            "và lưu tệp đính kèm, hoặc lưu thư dạng .eml"
        )
        return mail
    try:
        mail.subject = short(nfc(str(getattr(msg, "subject", "") or "")))
        sender = getattr(msg, "sender", None)  # a plain item (class "IPM") has none
        name, address = email.utils.parseaddr(str(sender or "")[:MAX_HEADER_CHARS])
        mail.sender_name, mail.sender = short(name), short(address.lower())
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


def _msg_time(msg: object, attr: str) -> dt.datetime | None:
    try:
        when = getattr(msg, attr, None)
    except Exception:
        return None
    return sane(when) if isinstance(when, dt.datetime) else None


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
            with contextlib.suppress(OverflowError, ValueError, OSError):
                arrived = sane(dt.datetime.fromtimestamp(int(m.group(1))))
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
            return sane(dt.datetime.strptime(" ".join(text.split()), fmt))
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
