"""The collecting office's configuration (htsd.toml): who collects, where, which form, who signs.

Nothing about a place, a year, a level or an office lives in the code: it all comes from here and
from the form definition.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from htsd_cli.errors import ConfigError, HtsdError, read_reason
from htsd_cli.form import Form, load_form

CONFIG_NAME = "htsd.toml"


@dataclass(frozen=True)
class Office:
    governing_body: str
    name: str
    short_name: str
    place: str
    send_to: str = ""
    code: str = ""

    @property
    def unit_code(self) -> str:
        """The office's code as a unit of the level above (for roll-up)."""
        return self.code or self.short_name


@dataclass(frozen=True)
class Signer:
    """Who signs: the lines above the title (TM., KT., TL., TUQ., as Nghị định 30 sets them),
    the signer's own title, the name."""

    authority: tuple[str, ...]
    title: str
    name: str

    @property
    def lines(self) -> tuple[str, ...]:
        """The bold lines above the signature, in capitals as printed."""
        return tuple(line.upper() for line in (*self.authority, self.title) if line.strip())


@dataclass(frozen=True)
class Config:
    """Everything a command needs to know about the collecting office and this round."""

    office: Office
    signer: Signer
    form_ref: str
    year: int | None = None  # the campaign's year: a form of another year is not issued
    example: bool = False  # a campaign kept as an example: its past form may still be issued
    deadline: dt.date | None = None
    report_number: str = ""
    report_date: dt.date | None = None
    recipients: tuple[str, ...] = ()
    receipts: Path | None = None
    roster: Path | None = None  # the roster, the folder of returns, of issued forms, of outputs
    returns: Path | None = None
    issued: Path | None = None
    output: Path | None = None
    narrative: Path | None = None
    decisions: Path | None = None  # the clerk's decisions workbook (decisions.py)
    mailbox: str = ""  # where returns arrive: imaps://user@host/Folder, or a path to mail files
    ca_file: Path | None = None  # the mail server's own certificate (trusted besides the system's)
    last_year: Path | None = None  # last year's summary or working folder (yearover.py)
    source: Path | None = None
    base: Path = field(default_factory=Path.cwd)

    def load_form(self, override: str | Path | None = None) -> Form:
        """The form named by `override` (a --form option) or by the configuration."""
        if override is not None:
            return load_form(override)
        return load_form(self.form_ref, self.base)

    def effective_deadline(self, form: Form) -> dt.date:
        return self.deadline or form.deadline


_SCHEMA: dict[str, dict[str, tuple[type, bool]]] = {
    "": {
        "form": (str, True),
        "year": (int, False),
        "example": (bool, False),
        "deadline": (dt.date, False),
        "receipts": (str, False),
        "roster": (str, False),
        "returns": (str, False),
        "issued": (str, False),
        "output": (str, False),
        "narrative": (str, False),
        "decisions": (str, False),
        "mailbox": (str, False),
        "ca_file": (str, False),
        "last_year": (str, False),
    },
    "office": {
        "governing_body": (str, False),
        "name": (str, True),
        "short_name": (str, True),
        "place": (str, True),
        "send_to": (str, False),
        "code": (str, False),
    },
    "report": {
        "number": (str, False),
        "date": (dt.date, False),
        "recipients": (list, False),
    },
    "signer": {"authority": (list, False), "title": (str, True), "name": (str, True)},
}

_TYPE_NAMES = {
    int: "một số (năm, bốn chữ số)",
    bool: "true hoặc false",
    str: "một đoạn chữ trong ngoặc kép",
    dt.date: "một ngày YYYY-MM-DD",
    list: "một danh sách",
}


def find_config(explicit: Path | None) -> Path:
    """The configuration to use: --config, else htsd.toml in the working folder."""
    if explicit is not None:
        from htsd_cli.fsutil import find_path

        explicit = find_path(explicit) or explicit  # typed in decomposed Unicode
        if not explicit.is_file():
            raise ConfigError(f"Không tìm thấy tệp cấu hình {explicit}.")
        return explicit
    candidate = Path.cwd() / CONFIG_NAME
    if candidate.is_file():
        return candidate
    raise ConfigError(
        f"Không tìm thấy {CONFIG_NAME} trong thư mục {Path.cwd()}. "
        "Hãy chạy lệnh trong thư mục có tệp này hoặc chỉ rõ bằng --config TỆP."
    )


_CONFIG_CACHE: dict[tuple[str, int, int], Config] = {}


def load_config(explicit: Path | None = None) -> Config:
    """Read and check the configuration (once per version of the file: a command asks for it
    from several places). Raises ConfigError naming the file and the key."""
    from htsd_cli.fsutil import once_per_version

    path = find_config(explicit)
    return once_per_version(_CONFIG_CACHE, path, lambda: _read_config(path))


def _read_config(path: Path) -> Config:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Không đọc được tệp cấu hình {path}: {read_reason(exc)}.") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {toml_problem(text, exc)}.") from exc
    return parse_config(data, path)


def toml_problem(text: str, exc: tomllib.TOMLDecodeError) -> str:
    """What is wrong with an htsd.toml that does not parse: an impossible date named with its
    line and why (TOML says only "Invalid date"), else the parser's own words."""
    import re

    from htsd_cli.dates import impossible

    for number, line in enumerate(text.splitlines(), start=1):
        m = re.match(r"\s*([\w-]+)\s*=\s*(\d{4}-\d{1,2}-\d{1,2})\s*(?:#|$)", line)
        if m and impossible(m.group(2)):
            return (
                f"dòng {number}: {m.group(1)} = {m.group(2)} không phải ngày có thật "
                f"({impossible(m.group(2))}); ghi năm-tháng-ngày, ví dụ 2025-10-10"
            )
    at = re.search(r"at line (\d+), column (\d+)", str(exc))
    where = f"dòng {at.group(1)}, cột {at.group(2)}" if at else "cuối tệp"
    return (
        f"sai cú pháp TOML ở {where} (thường do thiếu dấu ngoặc kép quanh chữ, thiếu dấu ] hay "
        'dấu ", hoặc ngày ghi kiểu 10/10/2025 thay vì 2025-10-10)'
    )


def _beside(config: Path, value: object) -> Path | None:
    """A path written in the configuration, taken from the configuration's own folder (so the
    working folder can be moved or copied whole)."""
    if not isinstance(value, str) or not value.strip():
        return None
    return config.parent / value.strip()


def _mailbox(config: Path, value: str) -> str:
    """An IMAP address as written; a path to mail files is relative to the configuration."""
    from htsd_cli.imap import is_address, parse_address

    if not value.strip():
        return ""
    if is_address(value):
        try:
            parse_address(value)
        except HtsdError as exc:
            raise ConfigError(f"Tệp cấu hình {config}: mục 'mailbox': {exc}") from None
        return value.strip()
    return str(_beside(config, value))


def parse_config(data: dict[str, Any], path: Path) -> Config:
    problems: list[str] = []
    tables: dict[str, dict[str, Any]] = {"": {}}
    for key, value in data.items():
        if key in _SCHEMA and key != "":
            if not isinstance(value, dict):
                problems.append(f"[{key}] phải là một bảng")
                continue
            tables[key] = value
        else:
            tables[""][key] = value
    signer_table = tables.get("signer", {})
    if isinstance(signer_table.get("authority"), str):  # one line, as written before lists
        signer_table["authority"] = [signer_table["authority"]]
    for table, fields in _SCHEMA.items():
        values = tables.get(table, {})
        where = f"[{table}] " if table else ""
        for key in values:
            if key not in fields:
                problems.append(
                    f"{where}mục '{key}' không được biết (các mục hợp lệ: {', '.join(fields)})"
                )
        for key, (kind, required) in fields.items():
            if key not in values:
                if required:
                    problems.append(f"{where}thiếu mục bắt buộc '{key}'")
                continue
            value = values[key]
            wrong = isinstance(value, dt.datetime) or (kind is int and isinstance(value, bool))
            if wrong or not isinstance(value, kind):
                problems.append(f"{where}'{key}' phải là {_TYPE_NAMES[kind]}, đang là {value!r}")
            elif isinstance(value, str) and not value.strip() and required:
                problems.append(f"{where}'{key}' đang để trống")
    recipients = tables.get("report", {}).get("recipients", [])
    if isinstance(recipients, list) and not all(isinstance(r, str) for r in recipients):
        problems.append("[report] 'recipients' phải là danh sách các đoạn chữ")
    authority = signer_table.get("authority", [])
    if isinstance(authority, list) and not all(isinstance(a, str) for a in authority):
        problems.append("[signer] 'authority' phải là danh sách các dòng chữ")
    if problems:
        raise ConfigError(f"Tệp cấu hình {path} có lỗi:\n" + "\n".join(f"- {p}" for p in problems))
    office, signer, report = tables["office"], tables["signer"], tables.get("report", {})
    return Config(
        office=Office(
            governing_body=office.get("governing_body", "").strip(),
            name=office["name"],
            short_name=office["short_name"],
            place=office["place"],
            send_to=office.get("send_to", ""),
            code=office.get("code", ""),
        ),
        signer=Signer(
            tuple(a for a in signer.get("authority", []) if a.strip()),
            signer["title"],
            signer["name"],
        ),
        form_ref=tables[""]["form"],
        year=tables[""].get("year"),
        example=tables[""].get("example", False),
        deadline=tables[""].get("deadline"),
        report_number=report.get("number", ""),
        report_date=report.get("date"),
        recipients=tuple(report.get("recipients", ())),
        receipts=_beside(path, tables[""].get("receipts")),
        roster=_beside(path, tables[""].get("roster")),
        returns=_beside(path, tables[""].get("returns")),
        issued=_beside(path, tables[""].get("issued")),
        output=_beside(path, tables[""].get("output")),
        narrative=_beside(path, tables[""].get("narrative")),
        decisions=_beside(path, tables[""].get("decisions")),
        mailbox=_mailbox(path, tables[""].get("mailbox", "")),
        ca_file=_beside(path, tables[""].get("ca_file")),
        last_year=_beside(path, tables[""].get("last_year")),
        source=path,
        base=path.parent,
    )
