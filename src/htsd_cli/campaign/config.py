"""The collecting office's configuration (htsd.toml): who collects, where, which form, who signs.

Nothing about a place, a year, a level or an office lives in the code: it all comes from here and
from the form definition.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias, TypeVar

from htsd_cli.base.dates import impossible
from htsd_cli.base.errors import ConfigError, ConfigMissing, HtsdError, read_reason
from htsd_cli.campaign.form import Form, load_form

CONFIG_NAME = "htsd.toml"

# A value as tomllib reads it: a table is a dict, an array a list.
TomlValue: TypeAlias = (
    "str | int | float | bool | dt.datetime | dt.date | dt.time | list[TomlValue]"
    " | dict[str, TomlValue]"
)
V = TypeVar("V")
D = TypeVar("D")


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


def find_config(explicit: Path | None) -> Path | None:
    """The configuration to use: --config (which must exist), else htsd.toml in the working
    folder, else None (a command that needs one says so, naming where htsd looked)."""
    if explicit is not None:
        from htsd_cli.base.fsutil import find_path

        explicit = find_path(explicit) or explicit  # typed in decomposed Unicode
        if not explicit.is_file():
            raise ConfigMissing(
                f"Không tìm thấy tệp cấu hình {explicit} (ghi sau --config). Hãy kiểm tra lại "
                "đường dẫn."
            )
        return explicit
    candidate = Path.cwd() / CONFIG_NAME
    return candidate if candidate.is_file() else None


def not_found(instead: str = "") -> ConfigMissing:
    """No --config, and no htsd.toml in the working folder: a usage error saying where htsd
    looked (and `instead`, what else the command could be given)."""
    other = f", hoặc {instead}" if instead else ""
    return ConfigMissing(
        f"Không tìm thấy {CONFIG_NAME} trong thư mục {Path.cwd()} (nơi chạy lệnh), và lệnh không "
        f"có --config. Hãy chạy lệnh trong thư mục có tệp này (htsd init tạo sẵn), chỉ rõ bằng "
        f"--config TỆP{other}."
    )


def load_config(explicit: Path | None = None) -> Config:
    """Read and check the configuration. Raises ConfigError naming the file, and the line and
    column of what is wrong."""
    found = load_optional_config(explicit)
    if found is None:
        raise not_found()
    return found


def load_optional_config(explicit: Path | None = None) -> Config | None:
    """The configuration when there is one. A configuration that is there but wrong is always
    an error, whether or not --config named it: its mistake is never hidden behind another."""
    path = find_config(explicit)
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Không đọc được tệp cấu hình {path}: {read_reason(exc)}.") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Tệp cấu hình {path} có lỗi:\n- {toml_problem(text, exc)}") from exc
    return parse_config(data, path, text)


# tomllib's words → what the clerk reads (tomllib words its errors "<what> (at line L, column C)")
_SYNTAX = (
    ("Invalid value", "giá trị không đúng cách ghi (chữ đặt trong ngoặc kép \"...\", ngày ghi "
     "YYYY-MM-DD, đúng/sai ghi true/false)"),
    ("Illegal character '\\n'", "thiếu dấu ngoặc kép đóng trước khi hết dòng"),
    ("Unterminated string", "thiếu dấu ngoặc kép đóng"),
    ("Unescaped '\\' in a string", "dấu \\ trong ngoặc kép phải ghi hai lần (\\\\), hoặc đặt "
     "đường dẫn trong ngoặc đơn '...'"),
    ("Expected newline or end of document after a statement", "còn chữ thừa sau giá trị (mỗi "
     "dòng một mục: tên = giá trị)"),
    ("Expected '=' after a key in a key/value pair", "thiếu dấu = sau tên mục"),
    ("Expected ']' at the end of a table declaration", "thiếu dấu ] sau tên bảng"),
    ("Cannot overwrite a value", "mục này đã ghi ở trên (mỗi mục chỉ ghi một lần)"),
    ("Cannot declare", "bảng này đã ghi ở trên (mỗi bảng chỉ ghi một lần)"),
    ("Unclosed array", "danh sách thiếu dấu ] đóng"),
    ("Invalid date or datetime", "ngày không có thật (ghi YYYY-MM-DD, ví dụ 2025-10-10)"),
    ("Invalid initial character for a key part", "tên mục bắt đầu bằng ký tự không dùng được"),
    ("Invalid statement", "dòng không đúng cách ghi (tên = giá trị, hoặc [tên bảng])"),
)  # fmt: skip
_AT = re.compile(
    r"^(?P<what>.*) \(at (?:line (?P<line>\d+), column (?P<column>\d+)|end of document)\)$", re.S
)
_DATE_TYPED = re.compile(r"([\w-]+)\s*=\s*(\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4})\s*(?:#.*)?$")


def toml_problem(text: str, exc: tomllib.TOMLDecodeError) -> str:
    """A TOML syntax error in Vietnamese, with its line and column; a date no calendar has
    (2025-02-29: TOML says only "Invalid date") named with its key and why."""
    error = str(exc)
    found = _AT.match(error)
    what = found.group("what") if found else error
    if found is not None and found.group("line"):
        line, column = int(found.group("line")), int(found.group("column"))
    else:  # at the end of the document
        lines = text.splitlines() or [""]
        line, column = len(lines), len(lines[-1]) + 1
    typed = text.splitlines()[line - 1] if line <= len(text.splitlines()) else ""
    date = _DATE_TYPED.search(typed)
    why = impossible(date.group(2)) if date is not None else ""
    if date is not None and why:  # 2025-02-29: shaped like a date, but no calendar has it
        column = date.start(2) + 1
        said = (
            f"{date.group(1)} = {date.group(2)} không phải ngày có thật ({why}); ghi "
            "năm-tháng-ngày, ví dụ 2025-10-10"
        )
    elif date is not None:  # 10/10/2025: a date as the clerk writes it, not as TOML does
        column = date.start(2) + 1
        said = (
            f"ngày '{date.group(2)}' không đúng: ghi năm-tháng-ngày YYYY-MM-DD có thật, không "
            "có ngoặc kép (ví dụ 2025-10-10)"
        )
    else:
        said = next(
            (vi for en, vi in _SYNTAX if what.startswith(en)),
            f"sai cú pháp TOML ({what})",
        )
    return f"dòng {line}, cột {column}: {said}"


def _places(text: str) -> dict[tuple[str, str], tuple[int, int]]:
    """Where each key is written: (table, key) → (line, column); (table, "") for a table's own
    line. Enough of TOML for htsd.toml's shape (tables of plain keys, `office.name = …`)."""
    out: dict[tuple[str, str], tuple[int, int]] = {}
    table = ""
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header is not None:
            table = header.group("name").strip().strip("\"'")
            out.setdefault((table, ""), (number, header.start("name") + 1))
            continue
        key = _KEY.match(line)
        if key is None:
            continue
        parts = [p.strip().strip("\"'") for p in key.group("key").split(".")]
        where = (table, parts[0]) if len(parts) == 1 or table else (parts[0], parts[-1])
        out.setdefault(where, (number, key.start("key") + 1))
        if len(parts) > 1 and not table:
            out.setdefault(("", parts[0]), (number, key.start("key") + 1))
    return out


_HEADER = re.compile(r"^\s*\[(?P<name>[^\[\]]+)\]\s*(?:#.*)?$")
_KEY = re.compile(r"^\s*(?P<key>[\w\"'.\- ]+?)\s*=")


def _checked(values: dict[str, TomlValue], key: str, kind: type[V], default: D) -> V | D:
    """`values[key]`, of the type `kind` parse_config has checked it has; `default` when the
    key is not written."""
    value = values.get(key)
    return value if isinstance(value, kind) else default


def _strings(values: dict[str, TomlValue], key: str) -> tuple[str, ...]:
    """`values[key]`, a list of texts as parse_config has checked it is; () when not written."""
    value = values.get(key)
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _beside(config: Path, value: object) -> Path | None:
    """A path written in the configuration, taken from the configuration's own folder (so the
    working folder can be moved or copied whole)."""
    if not isinstance(value, str) or not value.strip():
        return None
    return config.parent / value.strip()


def _mailbox(config: Path, value: str, where: str) -> str:
    """An IMAP address as written; a path to mail files is relative to the configuration."""
    if not value.strip():
        return ""
    from htsd_cli.intake.imap import is_address, parse_address  # the mail modules: for collect only

    if is_address(value):
        try:
            parse_address(value)
        except HtsdError as exc:
            raise ConfigError(f"Tệp cấu hình {config}{where}: mục 'mailbox': {exc}") from None
        return value.strip()
    return str(_beside(config, value))


def wrong_kinds(data: dict[str, TomlValue], text: str) -> list[str]:
    """What in htsd.toml's data is of the wrong kind (a table written as a value, a number where
    a text belongs…), placed by line and column; a missing or unknown key is not counted (htsd
    init adds what an older htsd.toml lacks)."""
    return _checked_tables(data, _placer(text), complete=False)[0]


def _placer(text: str) -> Callable[[str, str], str]:
    """Where `text` (htsd.toml as written) has a table's key, as said before its problem:
    "dòng L, cột C: "; "" when it is not written there."""
    places = _places(text)

    def at(table: str, key: str) -> str:
        place = places.get((table, key))
        return f"dòng {place[0]}, cột {place[1]}: " if place else ""

    return at


def _checked_tables(
    data: dict[str, TomlValue], at: Callable[[str, str], str], complete: bool
) -> tuple[list[str], dict[str, dict[str, TomlValue]]]:
    """htsd.toml's data split into its tables, and its problems: values of the wrong kind, and
    (`complete`) unknown, missing or blank keys."""
    problems: list[str] = []
    tables: dict[str, dict[str, TomlValue]] = {"": {}}
    for key, value in data.items():
        if key in _SCHEMA and key != "":
            if not isinstance(value, dict):
                problems.append(f"{at('', key)}[{key}] phải là một bảng")
                continue
            tables[key] = value
        else:
            tables[""][key] = value
    signer_table = tables.get("signer", {})
    authority = signer_table.get("authority")
    if isinstance(authority, str):  # one line, as written before lists (the data left as read)
        signer_table = tables["signer"] = {**signer_table, "authority": [authority]}
    for table, fields in _SCHEMA.items():
        values = tables.get(table, {})
        where = f"[{table}] " if table else ""
        for key in values if complete else ():
            if key not in fields:
                problems.append(
                    f"{at(table, key)}{where}mục '{key}' không được biết (các mục hợp lệ: "
                    f"{', '.join(fields)})"
                )
        for key, (kind, required) in fields.items():
            if key not in values:
                if required and complete:
                    problems.append(f"{at(table, '')}{where}thiếu mục bắt buộc '{key}'")
                continue
            value = values[key]
            wrong = isinstance(value, dt.datetime) or (kind is int and isinstance(value, bool))
            if wrong or not isinstance(value, kind):
                problems.append(
                    f"{at(table, key)}{where}'{key}' phải là {_TYPE_NAMES[kind]}, đang là {value!r}"
                )
            elif isinstance(value, str) and not value.strip() and required and complete:
                problems.append(f"{at(table, key)}{where}'{key}' đang để trống")
    recipients = tables.get("report", {}).get("recipients", [])
    if isinstance(recipients, list) and not all(isinstance(r, str) for r in recipients):
        problems.append(
            f"{at('report', 'recipients')}[report] 'recipients' phải là danh sách các đoạn chữ"
        )
    authority = signer_table.get("authority", [])
    if isinstance(authority, list) and not all(isinstance(a, str) for a in authority):
        problems.append(
            f"{at('signer', 'authority')}[signer] 'authority' phải là danh sách các dòng chữ"
        )
    return problems, tables


def parse_config(data: dict[str, TomlValue], path: Path, text: str = "") -> Config:
    """The configuration from its TOML data; `text` (the file as written) places each problem
    at its line and column."""
    at = _placer(text)
    problems, tables = _checked_tables(data, at, complete=True)
    if problems:
        raise ConfigError(f"Tệp cấu hình {path} có lỗi:\n" + "\n".join(f"- {p}" for p in problems))
    mailbox_at = at("", "mailbox")
    # each value below was checked against _SCHEMA above: it has the type it is read as
    top, office, signer = tables[""], tables["office"], tables["signer"]
    report = tables.get("report", {})
    return Config(
        office=Office(
            governing_body=_checked(office, "governing_body", str, "").strip(),
            name=_checked(office, "name", str, ""),
            short_name=_checked(office, "short_name", str, ""),
            place=_checked(office, "place", str, ""),
            send_to=_checked(office, "send_to", str, ""),
            code=_checked(office, "code", str, ""),
        ),
        signer=Signer(
            tuple(a for a in _strings(signer, "authority") if a.strip()),
            _checked(signer, "title", str, ""),
            _checked(signer, "name", str, ""),
        ),
        form_ref=_checked(top, "form", str, ""),
        year=_checked(top, "year", int, None),
        example=_checked(top, "example", bool, False),
        deadline=_checked(top, "deadline", dt.date, None),
        report_number=_checked(report, "number", str, ""),
        report_date=_checked(report, "date", dt.date, None),
        recipients=_strings(report, "recipients"),
        receipts=_beside(path, top.get("receipts")),
        roster=_beside(path, top.get("roster")),
        returns=_beside(path, top.get("returns")),
        issued=_beside(path, top.get("issued")),
        output=_beside(path, top.get("output")),
        narrative=_beside(path, top.get("narrative")),
        decisions=_beside(path, top.get("decisions")),
        mailbox=_mailbox(
            path, _checked(top, "mailbox", str, ""), f", {mailbox_at[:-2]}" if mailbox_at else ""
        ),
        ca_file=_beside(path, top.get("ca_file")),
        last_year=_beside(path, top.get("last_year")),
        source=path,
        base=path.parent,
    )
