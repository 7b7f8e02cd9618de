"""The command line. Commands parse options, call the library and print; nothing else.

Heavy modules (openpyxl, pandas, python-docx) are imported inside the commands that need them so
that `htsd --help` stays fast.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from htsd_cli import __version__
from htsd_cli.cli_vi import install as _vietnamese
from htsd_cli.errors import HtsdError, os_error_message

_vietnamese()

app = typer.Typer(
    name="htsd",
    help="Phát, kiểm tra và tổng hợp báo cáo Tuần lễ hưởng ứng học tập suốt đời (HTSĐ).",
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
form_app = typer.Typer(
    help="Xem, chuyển đổi biểu mẫu, hoặc lập biểu mẫu từ phụ lục của Kế hoạch.",
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
)
app.add_typer(form_app, name="form")

console = Console()
err_console = Console(stderr=True)
_state = {"debug": False}

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Tệp cấu hình (mặc định: htsd.toml trong thư mục hiện tại).",
        dir_okay=False,
    ),
]
FormOption = Annotated[
    str | None,
    typer.Option(
        "--form",
        "-f",
        help="Biểu mẫu: mã có sẵn (xem htsd form show) hoặc đường dẫn tệp .yaml, .xlsx.",
    ),
]
RosterOption = Annotated[
    Path | None,
    typer.Option(
        "--roster",
        "-r",
        help="Danh sách đơn vị (.xlsx hoặc .csv; mặc định: roster trong htsd.toml).",
        dir_okay=False,
    ),
]
OverwriteOption = Annotated[
    bool,
    typer.Option(
        "--overwrite",
        help="Cho phép thay các tệp trùng tên mà htsd không ghi ra (hoặc đã bị sửa sau khi ghi). "
        "Mặc định htsd không bao giờ ghi đè những tệp đó.",
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="In kết quả dạng JSON (cho máy đọc) thay vì bảng.")
]


def _version(value: bool) -> None:
    if value:
        console.print(f"htsd {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="In phiên bản rồi thoát."),
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="In chi tiết lỗi kỹ thuật (traceback) khi có lỗi.")
    ] = False,
) -> None:
    """Phát, kiểm tra và tổng hợp báo cáo Tuần lễ hưởng ứng học tập suốt đời (HTSĐ)."""
    _state["debug"] = debug


def setting(
    given: Any, configured: Any, option: str, key: str, what: str, many: bool = False
) -> Any:
    """A value from the command line, else from htsd.toml; neither is a usage error (exit 2)."""
    if given is not None and given != []:
        return given
    if configured is not None:
        return [configured] if many else configured
    err_console.print(
        f"[bold red]Lỗi:[/] thiếu {what}: ghi {option} trên dòng lệnh, hoặc dòng "
        f'{key} = "..." trong htsd.toml (htsd init tạo sẵn).',
        highlight=False,
    )
    raise typer.Exit(2)


def optional_config(config: Path | None) -> Any:
    """The configuration when there is one (a command that can do without it gets None)."""
    from htsd_cli.config import CONFIG_NAME, load_config

    try:
        return load_config(config)
    except HtsdError:
        if config is not None or Path(CONFIG_NAME).exists():  # a broken one is said, not skipped
            raise
        return None


def configuration_or_exit(config: Path | None) -> Any:
    """`optional_config`, with a broken configuration said and the command ended (exit 1)."""
    try:
        return optional_config(config)
    except HtsdError as exc:
        raise fail(exc) from None


def require_paths(paths: list[Path], command: str) -> list[Path]:
    """The returns paths as they are on disk (names compared in Unicode NFC); one that does not
    exist is a usage error (exit 2), before anything is read. Pieces of one path with spaces,
    typed without quotes, are said once, with the path as it should be typed."""
    from htsd_cli.fsutil import find_path
    from htsd_cli.paths import unquoted

    found = [find_path(p) for p in paths]
    if all(f is not None for f in found):
        return [f for f in found if f is not None]
    joined = unquoted([str(p) for p in paths])
    if joined:
        err_console.print(
            f"[bold red]Lỗi:[/] {escape(joined.message(f'htsd {command}'))}", highlight=False
        )
        raise typer.Exit(2)
    for path, there in zip(paths, found, strict=True):
        if there is None:
            err_console.print(
                f"[bold red]Lỗi:[/] không có tệp hay thư mục nào tên {escape(str(path))}. Hãy "
                "kiểm tra lại đường dẫn (gõ sai tên thư mục?).",
                highlight=False,
            )
    raise typer.Exit(2)


def _on_disk(path: Any) -> Any:
    """A file named on the command line as it is on disk (names compared in Unicode NFC)."""
    from htsd_cli.fsutil import find_path

    return (find_path(path) or path) if path is not None else None


def fail(exc: HtsdError) -> typer.Exit:
    err_console.print(f"[bold red]Lỗi:[/] {exc}", highlight=False)
    if _state["debug"]:
        err_console.print_exception()
    return typer.Exit(1)


def _print_json(data: Any) -> None:
    """JSON for programs, in UTF-8 whatever the console's code page (Windows' is not UTF-8)."""
    import json

    text = json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a captured stream (tests): text as it is
        sys.stdout.write(text)
        return
    sys.stdout.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


@form_app.command("show")
def form_show(
    form: FormOption = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Liệt kê các mục và chỉ tiêu của biểu mẫu (và kiểm tra tệp biểu mẫu)."""
    from htsd_cli import commands

    try:
        loaded = commands.resolve_form(form, config)
    except HtsdError as exc:
        raise fail(exc) from None
    if as_json:
        _print_json(commands.form_as_dict(loaded))
        return
    from htsd_cli import views

    views.print_form(console, loaded)


@form_app.command("convert")
def form_convert(
    source: Annotated[
        str,
        typer.Argument(
            metavar="NGUỒN",
            help="Biểu mẫu: tệp .yaml, tệp .xlsx hoặc mã có sẵn (xem htsd form show).",
            show_default=False,
        ),
    ],
    target: Annotated[
        Path,
        typer.Argument(
            metavar="ĐÍCH",
            help="Tệp ghi ra: .xlsx (bảng tính để sửa bằng Excel) hoặc .yaml.",
            dir_okay=False,
            show_default=False,
        ),
    ],
    overwrite: OverwriteOption = False,
) -> None:
    """Chuyển biểu mẫu giữa tệp YAML và bảng tính Excel, không mất gì (kể cả ghi chú)."""
    from htsd_cli import commands

    try:
        written = commands.convert_form(source, target, overwrite)
    except HtsdError as exc:
        raise fail(exc) from None
    console.print(f"Đã ghi {written}", highlight=False)


@form_app.command("import")
def form_import(
    plan: Annotated[
        Path,
        typer.Argument(
            metavar="KẾ-HOẠCH",
            help="Tệp Kế hoạch năm nay có phụ lục biểu mẫu (.docx; .doc, .odt cần LibreOffice).",
            dir_okay=False,
            exists=True,
            show_default=False,
        ),
    ],
    form: Annotated[
        str | None,
        typer.Option(
            "--form",
            "-f",
            help="Biểu mẫu trước (mặc định: form trong htsd.toml, không có thì biểu mẫu có sẵn "
            "mới nhất): giữ mã, loại, đơn vị điền của các dòng không đổi.",
        ),
    ] = None,
    config: ConfigOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Tệp .xlsx ghi biểu mẫu (mặc định: bieu-mau-<năm>.xlsx cạnh htsd.toml).",
            dir_okay=False,
            metavar="TỆP",
        ),
    ] = None,
    overwrite: OverwriteOption = False,
) -> None:
    """Lập biểu mẫu năm nay từ phụ lục của Kế hoạch: mỗi dòng "Số …" một chỉ tiêu, chỗ nào
    htsd đoán thì đánh dấu ở cột 'Cần xem'."""
    from htsd_cli import commands
    from htsd_cli.formimport import left_out_lines, summary_line

    try:
        written, draft, previous = commands.import_form(plan, form, config, out, overwrite)
    except HtsdError as exc:
        raise fail(exc) from None
    console.print(escape(summary_line(draft, previous, str(written))), highlight=False)
    for line in left_out_lines(draft):
        console.print(f"[yellow]{escape(line)}[/]", highlight=False)


def _ask(given: str | None, question: str, default: str) -> str:
    """A flag's value, else the clerk's answer at a terminal, else the default."""
    if given is not None:
        return given
    if sys.stdin.isatty():
        return str(typer.prompt(question, default=default, show_default=bool(default)))
    return default


def _ask_date(given: datetime | None, question: str, default: Any) -> Any:
    """A date flag's value, else the clerk's answer (dd/mm/yyyy) at a terminal, else `default`."""
    from htsd_cli.dates import why_not
    from htsd_cli.form import parse_date

    if given is not None:
        return given.date()
    if not sys.stdin.isatty():
        return default
    shown = f"{default:%d/%m/%Y}" if default else ""
    while True:
        text = str(
            typer.prompt(f"{question} (dd/mm/yyyy)", default=shown, show_default=bool(shown))
        )
        if not text.strip() and default is None:
            return None
        found = parse_date(text)
        if found is not None:
            return found
        err_console.print(f"[red]{escape(why_not(text))}; hãy ghi dd/mm/yyyy.[/]")


def _ask_year(given: int | None, default: int) -> int:
    """--nam, else the clerk's answer at a terminal, else this year."""
    if given is not None:
        if not 1000 <= given <= 9999:
            err_console.print(f"[bold red]Lỗi:[/] --nam {given}: một năm có bốn chữ số.")
            raise typer.Exit(2)
        return given
    while True:
        text = _ask(None, "Năm của đợt báo cáo", str(default)).strip()
        if text.isdigit() and len(text) == 4:
            return int(text)
        err_console.print(f"[red]'{escape(text)}' không phải một năm (bốn chữ số).[/]")


def _ask_signature(
    office: str,
    governing: str,
    short: str,
    signs: str | None,
    collective: str | None,
    title: str | None,
    name: str | None,
    recipients: list[str] | None,
    before: dict[str, str] | None = None,
) -> tuple[tuple[str, ...], str, str, tuple[str, ...]]:
    """Who signs and who receives (Nghị định 30): asked, or given as flags, with defaults that
    fit the office (`before`: the answers htsd.toml holds, when init runs again). Returns the
    lines above the title, the title, the name, the recipients."""
    from htsd_cli import signature as sig

    before = before or {}
    kind = sig.office_kind(office, governing)
    while True:
        how = sig.signs(
            _ask(
                signs,
                f"Ai ký: 1 = người đứng đầu ({kind.head}) ký; 2 = cấp phó ký thay (KT. {kind.head})",
                before.get("signs", "1"),
            )
        )
        if how is not None:
            break
        if signs is not None:
            err_console.print(
                f"[bold red]Lỗi:[/] --cach-ky {escape(signs)}: ghi truong (người đứng đầu ký) "
                "hoặc pho (cấp phó ký thay).",
                highlight=False,
            )
            raise typer.Exit(2)
        err_console.print("[red]Gõ 1 (người đứng đầu ký) hoặc 2 (cấp phó ký thay).[/]")
    body = _ask(
        collective,
        "Ký thay mặt tập thể (dòng TM.): tên tập thể, hoặc 'không'",
        before.get("collective", kind.collective or "không"),
    )
    body = "" if sig.no_collective(body) else body
    title = _ask(title, "Chức vụ người ký", before.get("title", sig.default_title(kind, how)))
    title = title.strip().upper()
    name = _ask(name, "Họ tên người ký", before.get("name", "(họ tên)"))
    default = " ".join(sig.default_recipients(kind, short))
    if recipients is None:
        question = "Nơi nhận báo cáo (các nơi cách nhau bằng dấu ;)"
        answer = _ask(None, question, before.get("recipients", default))
        recipients = answer.split(";")
    return (
        sig.authority_lines(kind, how, title, body), title, name,
        sig.recipient_lines(recipients, short),
    )  # fmt: skip


@app.command()
def init(
    folder: Annotated[
        Path,
        typer.Argument(
            help="Thư mục làm việc của đợt thu báo cáo (mặc định: thư mục hiện tại).",
            metavar="THƯ-MỤC",
            file_okay=False,
        ),
    ] = Path("."),
    year: Annotated[
        int | None,
        typer.Option(
            "--nam",
            metavar="NĂM",
            help="Năm của đợt báo cáo (mặc định: năm nay, theo đồng hồ của máy).",
        ),
    ] = None,
    start: Annotated[
        datetime | None,
        typer.Option(
            "--tu-ngay",
            formats=["%d/%m/%Y", "%Y-%m-%d"],
            metavar="NGÀY",
            help="Ngày đầu Tuần lễ, dd/mm/yyyy (mặc định: như biểu mẫu năm trước, đổi năm).",
        ),
    ] = None,
    end: Annotated[
        datetime | None,
        typer.Option(
            "--den-ngay",
            formats=["%d/%m/%Y", "%Y-%m-%d"],
            metavar="NGÀY",
            help="Ngày cuối Tuần lễ, dd/mm/yyyy.",
        ),
    ] = None,
    deadline: Annotated[
        datetime | None,
        typer.Option(
            "--han-nop",
            formats=["%d/%m/%Y", "%Y-%m-%d"],
            metavar="NGÀY",
            help="Hạn đơn vị nộp báo cáo, dd/mm/yyyy.",
        ),
    ] = None,
    report_date: Annotated[
        datetime | None,
        typer.Option(
            "--ngay-bao-cao",
            formats=["%d/%m/%Y", "%Y-%m-%d"],
            metavar="NGÀY",
            help="Ngày của báo cáo tổng hợp, dd/mm/yyyy (để trống: ghi tay sau).",
        ),
    ] = None,
    theme: Annotated[
        str | None, typer.Option("--chu-de", help="Chủ đề Tuần lễ năm nay (như trong Kế hoạch).")
    ] = None,
    plan: Annotated[
        Path | None,
        typer.Option(
            "--ke-hoach",
            help="Lập biểu mẫu từ phụ lục của Kế hoạch năm nay (.docx, .doc, .odt) thay vì chép "
            "biểu mẫu năm trước (như htsd form import).",
            dir_okay=False,
            exists=True,
        ),
    ] = None,
    form: Annotated[
        str | None,
        typer.Option(
            "--form",
            "-f",
            help="Biểu mẫu làm gốc: mã có sẵn hoặc tệp .yaml, .xlsx (ví dụ biểu mẫu năm trước); "
            "mặc định: biểu mẫu có sẵn của năm đó, không có thì biểu mẫu mới nhất.",
        ),
    ] = None,
    office: Annotated[
        str | None, typer.Option("--co-quan", help="Tên cơ quan thu báo cáo.")
    ] = None,
    governing: Annotated[
        str | None, typer.Option("--chu-quan", help="Cơ quan chủ quản (để trống nếu không có).")
    ] = None,
    short_name: Annotated[
        str | None, typer.Option("--viet-tat", help="Tên viết tắt trong số văn bản.")
    ] = None,
    place: Annotated[
        str | None, typer.Option("--dia-danh", help="Địa danh ghi ở dòng ngày tháng.")
    ] = None,
    send_to: Annotated[
        str | None, typer.Option("--noi-nhan", help="Nơi đơn vị gửi báo cáo.")
    ] = None,
    signer: Annotated[str | None, typer.Option("--nguoi-ky", help="Họ tên người ký.")] = None,
    signer_title: Annotated[
        str | None,
        typer.Option(
            "--chuc-vu",
            help="Chức vụ người ký, ví dụ PHÓ TRƯỞNG PHÒNG (mặc định: theo tên cơ quan và --cach-ky).",
        ),
    ] = None,
    signs: Annotated[
        str | None,
        typer.Option(
            "--cach-ky",
            metavar="truong|pho",
            help="Ai ký: truong (người đứng đầu ký) hoặc pho (cấp phó ký thay, dòng 'KT.').",
        ),
    ] = None,
    collective: Annotated[
        str | None,
        typer.Option(
            "--thay-mat",
            metavar="TẬP-THỂ",
            help="Ký thay mặt tập thể (dòng 'TM.'), ví dụ 'ỦY BAN NHÂN DÂN' (mặc định với Ủy ban "
            "nhân dân các cấp); 'không' nếu không.",
        ),
    ] = None,
    recipients: Annotated[
        list[str] | None,
        typer.Option(
            "--nhan-bao-cao",
            metavar="NƠI-NHẬN",
            help="Một nơi nhận báo cáo (ghi nhiều lần), ví dụ 'Sở Giáo dục và Đào tạo (để báo "
            "cáo)'; dòng 'Lưu: VT, <viết tắt>.' được thêm nếu chưa có (mặc định: cấp trên theo "
            "tên cơ quan).",
        ),
    ] = None,
    last_year: Annotated[
        Path | None,
        typer.Option(
            "--nam-truoc",
            help="Thư mục làm việc (hoặc tệp tong-hop.xlsx) của đợt năm trước, để so sánh với "
            "năm trước khi tổng hợp.",
            metavar="THƯ-MỤC",
            exists=True,
        ),
    ] = None,
) -> None:
    """Tạo thư mục làm việc cho một đợt thu báo cáo: năm, ngày, biểu mẫu, htsd.toml, danh sách
    đơn vị, sổ nhận."""
    import datetime as dt

    from htsd_cli import init as folders
    from htsd_cli import views

    try:
        was = folders.current_answers(folder)  # init run again: the answers given before

        def before(table: str, key: str, default: Any) -> Any:
            value = was.get((table, key))
            return default if value is None or isinstance(value, bool) else value

        campaign_year = _ask_year(year, before("", "year", dt.date.today().year))
        folders.same_year(folder, was, campaign_year)
        kept = None if form else folders.existing_form(folder, was)
        origin = folders.origin(campaign_year, form or kept, plan)
        first, last, due, usual_theme = origin.defaults(campaign_year)
        campaign = folders.Campaign(
            year=campaign_year,
            start=_ask_date(start, "Tuần lễ từ ngày", first),
            end=_ask_date(end, "Tuần lễ đến ngày", last),
            deadline=_ask_date(deadline, "Hạn đơn vị nộp báo cáo", before("", "deadline", due)),
            report_date=_ask_date(
                report_date,
                "Ngày của báo cáo tổng hợp (Enter: ghi sau)",
                before("report", "date", None),
            ),
            theme=_ask(
                theme,
                f"Chủ đề Tuần lễ năm {campaign_year} (Enter: ghi sau trong biểu mẫu)",
                usual_theme,
            ).strip(),
        )
        chosen = folders.campaign_form(origin, campaign, kept)

        def answer(given: str | None, question: str, key: str, default: str) -> str:
            table, name = key.split(".")
            return _ask(given, question, str(before(table, name, default)))

        office_name = answer(
            office, "Tên cơ quan thu báo cáo", "office.name", "Phòng Giáo dục và Đào tạo"
        )
        governing_body = answer(
            governing, "Cơ quan chủ quản (Enter nếu không có)", "office.governing_body", ""
        )
        short = answer(short_name, "Tên viết tắt trong số văn bản", "office.short_name", "PGDĐT")
        where = answer(place, "Địa danh ghi ở dòng ngày tháng", "office.place", "(địa danh)")
        sent_to = answer(
            send_to, "Đơn vị gửi báo cáo về đâu (email, địa chỉ)", "office.send_to", ""
        )
        authority, title, name, receiving = _ask_signature(
            office_name, governing_body, short, signs, collective, signer_title, signer,
            recipients, folders.signature_answers(was),
        )  # fmt: skip
        setup = folders.Setup(
            form=chosen.reference(folder, form or kept),
            office=office_name,
            governing_body=governing_body,
            short_name=short,
            place=where,
            send_to=sent_to,
            signer_authority=authority,
            signer_title=title,
            signer_name=name,
            recipients=receiving,
        )
        if last_year is not None:  # said now, not at the first aggregate
            from htsd_cli.yearover import load_last_year

            load_last_year(last_year)
        done = folders.init_folder(folder, setup, chosen.form, campaign, chosen.book, last_year)
    except HtsdError as exc:
        raise fail(exc) from None
    views.print_init(console, done)
    first_line, *more = chosen.lines
    console.print(f"\n[bold]{escape(first_line)}[/]", highlight=False)
    for extra in more:
        console.print(f"[yellow]{escape(extra)}[/]", highlight=False)
    console.print(
        f"\n[bold]Việc tiếp theo[/] (trong thư mục {folder}):\n"
        f"1. Mở {folders.ROSTER}, điền mỗi đơn vị một dòng, lưu lại.\n"
        f"2. htsd template: phát biểu mẫu vào {folders.FOLDERS['issued']}/, gửi cho các đơn vị.\n"
        f"3. Để các tệp đơn vị gửi về vào {folders.FOLDERS['returns']}/, ghi ngày nhận vào sổ nhận.\n"
        "4. htsd status (--remind nhac-nho để có thư nhắc), rồi htsd aggregate.",
        highlight=False,
    )


@app.command()
def template(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Thư mục ghi các tệp biểu mẫu (mặc định: issued trong htsd.toml).",
            file_okay=False,
            metavar="THƯ-MỤC",
        ),
    ] = None,
    roster: RosterOption = None,
    form: FormOption = None,
    config: ConfigOption = None,
    overwrite: OverwriteOption = False,
    blank: Annotated[
        bool,
        typer.Option(
            "--mau-trang", help="Tạo một mẫu trắng (đơn vị tự ghi tên), không theo danh sách."
        ),
    ] = False,
    anyway: Annotated[
        bool,
        typer.Option(
            "--van-phat",
            help="Vẫn phát khi hạn nộp đã qua hoặc biểu mẫu không phải của năm ghi trong "
            "htsd.toml (htsd vẫn nói rõ một dòng).",
        ),
    ] = False,
) -> None:
    """Phát biểu mẫu: mỗi đơn vị trong danh sách một tệp Excel đã khóa ô, sẵn sàng để điền."""
    from htsd_cli import commands, views

    try:
        configured = optional_config(config)
        out = setting(
            out, configured and configured.issued, "--out", "issued", "thư mục ghi biểu mẫu"
        )
        roster = None if blank else roster or (configured.roster if configured else None)
        cfg, loaded, units = commands.prepare(config, form, roster)
        with views.progress(console, "Đang tạo biểu mẫu") as step:
            issued, note = commands.issue(loaded, cfg, units, out, step, overwrite, anyway)
    except HtsdError as exc:
        raise fail(exc) from None
    assert out is not None
    if note:
        console.print(f"[yellow]{escape(note)}[/]", highlight=False)
    views.print_issued(console, issued, out)


PathsArgument = Annotated[
    list[Path] | None,
    typer.Argument(
        help="Tệp hoặc thư mục báo cáo, tìm trong cả thư mục con (mặc định: returns trong "
        "htsd.toml).",
        show_default=False,
        metavar="BÁO-CÁO",
    ),
]
StrictOption = Annotated[
    bool, typer.Option("--strict", help="Coi ô bỏ trống là lỗi (mặc định chỉ là lưu ý).")
]


@app.command()
def validate(
    paths: PathsArgument = None,
    roster: RosterOption = None,
    config: ConfigOption = None,
    form: FormOption = None,
    strict: StrictOption = False,
    as_json: JsonOption = False,
    annotate: Annotated[
        Path | None,
        typer.Option(
            "--annotate",
            "-a",
            help="Thư mục ghi bản sao có đánh dấu ô cần sửa (để gửi lại đơn vị).",
            file_okay=False,
        ),
    ] = None,
    overwrite: OverwriteOption = False,
    show_all: Annotated[
        bool,
        typer.Option(
            "--all",
            help="In mọi tệp và từng lưu ý (mặc định: chỉ tệp có lỗi hoặc lưu ý; hơn 100 lưu ý thì đếm theo loại).",
        ),
    ] = False,
) -> None:
    """Kiểm tra các báo cáo đơn vị gửi về: chỉ ra từng ô cần sửa."""
    from htsd_cli import commands, views

    configured = configuration_or_exit(config)
    paths = setting(
        paths, configured and configured.returns, "BÁO-CÁO", "returns", "báo cáo", many=True
    )
    assert paths is not None
    paths = require_paths(paths, "validate")
    roster = _on_disk(roster or (configured.roster if configured else None))
    try:
        loaded, units = commands.prepare_check(config, form, roster)
        if annotate is not None:  # where the copies may go is checked before any file is read
            commands.check_annotate_folder(annotate, paths)
        with views.progress(err_console, "Đang kiểm tra") as step:
            report = commands.validate(paths, loaded, units, strict, step, configured)
        decided = configured.decisions if configured else None
        annotated = (
            commands.annotate(report, annotate, paths, [roster, config, decided], overwrite)
            if annotate is not None
            else None
        )
    except HtsdError as exc:
        raise fail(exc) from None
    if not report.files:
        err_console.print(
            f"[bold red]Lỗi:[/] không tìm thấy tệp báo cáo nào (.xlsx, .xlsm, .xls, .ods) trong "
            f"{', '.join(str(p) for p in paths)}.",
            highlight=False,
        )
        raise typer.Exit(1)
    if as_json:
        _print_json(report.to_dict())
    else:
        views.print_validation(console, report, annotated, show_all, _book(configured))
    raise typer.Exit(0 if report.valid else 1)


AsOfOption = Annotated[
    datetime | None,
    typer.Option(
        "--as-of",
        formats=["%d/%m/%Y", "%Y-%m-%d"],
        metavar="NGÀY",
        help="Tính số ngày còn lại đến hạn từ ngày này, ví dụ 08/10/2025 (mặc định: hôm nay).",
    ),
]
ReceiptsOption = Annotated[
    Path | None,
    typer.Option(
        "--receipts",
        help="Sổ nhận (CSV: tep, ngay_nhan). Không có sổ thì không xét nộp muộn; ghi 'mtime' để "
        "lấy thời điểm sửa tệp làm ngày nhận.",
        dir_okay=False,
    ),
]


@app.command()
def status(
    paths: PathsArgument = None,
    roster: RosterOption = None,
    config: ConfigOption = None,
    form: FormOption = None,
    as_of: AsOfOption = None,
    receipts: ReceiptsOption = None,
    as_json: JsonOption = False,
    only: Annotated[
        str | None,
        typer.Option(
            "--only",
            metavar="TÌNH-TRẠNG",
            help="Chỉ in các đơn vị: chua-nop, khong-hop-le, can-xac-nhan, muon, hop-le (ngăn "
            "cách bằng dấu phẩy).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Ghi cả bảng tình hình nộp vào tệp .xlsx này.",
            dir_okay=False,
            metavar="TỆP",
        ),
    ] = None,
    remind: Annotated[
        Path | None,
        typer.Option(
            "--remind",
            help="Thư mục ghi thư nhắc: danh sách (xlsx), tin nhắn từng đơn vị (txt), công văn "
            "đôn đốc (docx).",
            file_okay=False,
            metavar="THƯ-MỤC",
        ),
    ] = None,
    new_deadline: Annotated[
        datetime | None,
        typer.Option(
            "--han-moi",
            formats=["%d/%m/%Y", "%Y-%m-%d"],
            metavar="NGÀY",
            help="Hạn mới ghi trong thư nhắc (mặc định: hạn cũ nếu chưa qua, không thì 5 ngày làm "
            "việc sau ngày của công văn: --as-of, hoặc ngày báo cáo trong htsd.toml).",
        ),
    ] = None,
    overwrite: OverwriteOption = False,
) -> None:
    """Ai đã nộp, ai chưa, tệp nào không dùng được, ai nộp muộn; thư nhắc để gửi đơn vị."""
    from htsd_cli import commands, views

    states = _states(only)
    paths, roster, _configured = _collecting(config, paths, roster, "status")
    try:
        cfg, loaded, units = commands.prepare_collecting(config, form, roster)
        inputs = commands.collecting_inputs(paths, cfg, units, receipts)
        for folder in (remind, out.parent if out else None):
            if folder is not None:  # said before any file is read
                inputs.refuse_folder(folder, "thư nhắc")
        with views.progress(err_console, "Đang đọc") as step:
            _report, result = commands.status(
                paths, loaded, cfg, units, as_of.date() if as_of else None, receipts, step
            )
        written = commands.write_status_files(
            result, cfg, loaded, units, inputs, out, remind, overwrite,
            letter_date=as_of.date() if as_of else cfg.report_date,
            new_deadline=new_deadline.date() if new_deadline else None,
        )  # fmt: skip
    except HtsdError as exc:
        raise fail(exc) from None
    if as_json:
        _print_json(result.to_dict())
    else:
        views.print_status(console, result, states, _book(cfg))
        for path in written:
            console.print(f"Đã ghi {escape(views.shown(path))}", highlight=False)


STATES = {
    "chua-nop": "missing", "khong-hop-le": "invalid", "can-xac-nhan": "held", "hop-le": "valid",
    "muon": "late",
}  # fmt: skip


def _book(configured: Any) -> str:
    """The decisions workbook's name, as the clerk knows it ('' when none is configured)."""
    decisions = configured.decisions if configured is not None else None
    return decisions.name if decisions is not None else ""


def _states(only: str | None) -> set[str] | None:
    if only is None:
        return None
    wanted = {w.strip().lower() for w in only.split(",") if w.strip()}
    unknown = wanted - set(STATES)
    if unknown:
        err_console.print(
            f"[bold red]Lỗi:[/] --only không hiểu '{', '.join(sorted(unknown))}'; dùng: "
            f"{', '.join(STATES)}.",
            highlight=False,
        )
        raise typer.Exit(2)
    return {STATES[w] for w in wanted}


def _collecting(
    config: Path | None, paths: list[Path] | None, roster: Path | None, command: str
) -> tuple[list[Path], Path, Any]:
    """Returns and roster for status and aggregate (given, else from htsd.toml), and the
    configuration they came from (None when there is none)."""
    configured = configuration_or_exit(config)
    paths = setting(
        paths, configured and configured.returns, "BÁO-CÁO", "returns", "báo cáo", many=True
    )
    roster = setting(
        roster, configured and configured.roster, "--roster", "roster", "danh sách đơn vị"
    )
    assert paths is not None and roster is not None
    paths = require_paths(paths, command)
    return paths, _on_disk(roster), configured


@app.command()
def aggregate(
    paths: PathsArgument = None,
    roster: RosterOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Thư mục ghi báo cáo tổng hợp (mặc định: output trong htsd.toml).",
            file_okay=False,
            metavar="THƯ-MỤC",
        ),
    ] = None,
    config: ConfigOption = None,
    form: FormOption = None,
    narrative: Annotated[
        Path | None,
        typer.Option(
            "--narrative",
            "-n",
            help="Tệp lời văn của báo cáo (các phần I, II.2, III), mỗi phần mở đầu bằng '# <tiêu đề>'.",
            dir_okay=False,
        ),
    ] = None,
    receipts: ReceiptsOption = None,
    as_json: JsonOption = False,
    overwrite: OverwriteOption = False,
    pdf: Annotated[
        bool,
        typer.Option("--pdf", help="Ghi thêm bao-cao.pdf (cần LibreOffice trên máy)."),
    ] = False,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help="Đọc lại mọi tệp (mặc định: tệp không đổi từ lần trước thì dùng kết quả đã đọc).",
        ),
    ] = False,
    last_year: Annotated[
        Path | None,
        typer.Option(
            "--nam-truoc",
            help="So với năm trước: tệp tong-hop.xlsx năm trước, hoặc thư mục làm việc năm trước "
            "(mặc định: last_year trong htsd.toml).",
            metavar="TỆP-HOẶC-THƯ-MỤC",
            exists=True,
        ),
    ] = None,
) -> None:
    """Tổng hợp các báo cáo hợp lệ: tong-hop.xlsx, bao-cao.md và bao-cao.docx (và bao-cao.pdf)."""
    from htsd_cli import commands, views

    paths, roster, configured = _collecting(config, paths, roster, "aggregate")
    out = setting(out, configured and configured.output, "--out", "output", "thư mục ghi tổng hợp")
    if narrative is None and configured is not None and configured.narrative is not None:
        narrative = configured.narrative if configured.narrative.exists() else None
    try:
        cfg, loaded, units = commands.prepare_collecting(config, form, roster)
        with views.progress(err_console, "Đang tổng hợp") as step:
            agg, outputs = commands.aggregate(
                paths, loaded, cfg, units, out, narrative, receipts, step, overwrite, pdf,
                not no_cache, last_year, not as_json,
            )  # fmt: skip
    except HtsdError as exc:
        raise fail(exc) from None
    if agg is None:  # the inputs of the outputs there, untouched: nothing to do
        views.print_unchanged(console, outputs)
        raise typer.Exit(0)
    if as_json:
        _print_json(
            {
                **agg.to_dict(),
                "outputs": [str(p) for p in outputs.written],
                "unfinished": outputs.unfinished,
            }
        )
    else:
        views.print_aggregate(console, agg, outputs, _book(cfg))
    raise typer.Exit(0 if agg.used else 1)


@app.command()
def collect(
    source: Annotated[
        str | None,
        typer.Argument(
            metavar="NGUỒN",
            help="Hộp thư imaps://tên@máy-chủ/Thư-mục, thư mục tệp .eml/.msg, tệp .mbox hoặc "
            "hộp thư Maildir (mặc định: mailbox trong htsd.toml).",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Thư mục báo cáo để lưu tệp đính kèm (mặc định: returns trong htsd.toml).",
            file_okay=False,
        ),
    ] = None,
    receipts: Annotated[
        Path | None,
        typer.Option(
            "--receipts",
            help="Sổ nhận để ghi thêm (mặc định: receipts trong htsd.toml, nếu không thì "
            "so-nhan.csv cạnh thư mục báo cáo).",
            dir_okay=False,
        ),
    ] = None,
    since: Annotated[
        datetime | None,
        typer.Option(
            "--since",
            formats=["%d/%m/%Y", "%Y-%m-%d"],
            metavar="NGÀY",
            help="Chỉ lấy thư đến từ ngày này, ví dụ 01/10/2025.",
        ),
    ] = None,
    ca_file: Annotated[
        Path | None,
        typer.Option(
            "--ca-file",
            help="Tệp chứng chỉ riêng của máy chủ thư (.pem hoặc .cer, xin bộ phận quản trị), khi "
            "htsd báo chứng chỉ không hợp lệ (mặc định: ca_file trong htsd.toml). Chứng chỉ luôn "
            "được kiểm tra.",
            dir_okay=False,
            metavar="TỆP",
        ),
    ] = None,
    config: ConfigOption = None,
    roster: RosterOption = None,
    as_json: JsonOption = False,
) -> None:
    """Lấy báo cáo từ hộp thư: lưu tệp đính kèm vào thư mục báo cáo, ghi sổ nhận ngày giờ thư đến."""
    from htsd_cli import collect as collecting
    from htsd_cli import imap, mail, views
    from htsd_cli.outputs import is_within

    configured = configuration_or_exit(config)
    source = setting(
        source, (configured and configured.mailbox) or None, "NGUỒN", "mailbox", "hộp thư"
    )
    out = setting(out, configured and configured.returns, "--out", "returns", "thư mục báo cáo")
    assert source is not None and out is not None
    book = receipts or (configured.receipts if configured else None) or out.parent / "so-nhan.csv"
    try:
        if imap.is_address(source):
            box = imap.parse_address(source)
            ca_file = ca_file or (configured.ca_file if configured else None)
            letters = imap.messages(
                box, imap.password_for(box), since.date() if since else None, ca_file
            )
        else:
            where = Path(source)
            if not where.exists():
                err_console.print(f"[bold red]Lỗi:[/] không có tệp hay thư mục nào tên {where}.")
                raise typer.Exit(2)
            if where.is_dir() and is_within(out, where):  # the mail source is only ever read
                raise mail.MailError(
                    f"Thư mục báo cáo {out} nằm trong thư mục thư {where}: htsd không ghi gì vào "
                    "nơi chứa thư. Hãy chọn thư mục báo cáo khác."
                )
            letters = mail.files(where)
        with err_console.status("Đang đọc thư…") as shown:
            outcome = collecting.Outcome()
            for outcome in collecting.collect(letters, out, book, since.date() if since else None):
                shown.update(
                    f"Đang đọc thư: {outcome.messages} thư, {len(outcome.saved)} tệp đã lưu"
                )
    except HtsdError as exc:
        raise fail(exc) from None
    if configured is not None and (
        outcome.saved or outcome.refused or outcome.listed or outcome.bounces
    ):
        _attribute(outcome, out, configured, roster)
    if as_json:
        _print_json(outcome.to_dict())
    else:
        views.print_collect(console, outcome, out)


def _attribute(outcome: Any, folder: Path, configured: Any, roster: Path | None) -> None:
    """The units the saved files belong to; without them the files are still saved and booked."""
    from htsd_cli.collect import attribute
    from htsd_cli.roster import load_roster

    try:
        form = configured.load_form()
        roster = roster or configured.roster
        units = load_roster(roster, form) if roster is not None and roster.exists() else None
        attribute(outcome, folder, form, units)
    except HtsdError as exc:
        err_console.print(
            f"[yellow]Chưa xác định được tệp của đơn vị nào:[/] {exc}", highlight=False
        )


# The commands by their Vietnamese names, as a clerk may type them: the same commands, hidden
# from the help so that it shows one name for each.
ALIASES: dict[str, Callable[..., None]] = {
    "kiem-tra": validate, "tong-hop": aggregate, "phat-bieu-mau": template, "bieu-mau": template,
    "tinh-hinh": status, "thu": collect, "lay-thu": collect, "khoi-tao": init,
}  # fmt: skip
for _name, _command in ALIASES.items():
    app.command(_name, hidden=True)(_command)


def main() -> None:
    """Entry point of the `htsd` command."""
    from htsd_cli.stopping import Stopped, install

    install()
    try:
        app()
    except (Stopped, KeyboardInterrupt) as exc:
        code = exc.exit_code if isinstance(exc, Stopped) else 130
        err_console.print(
            "[red]Đã dừng theo yêu cầu. Không có tệp nào bị ghi dở: các tệp kết quả cũ vẫn giữ "
            "nguyên.[/]"
        )
        sys.exit(code)
    except OSError as exc:  # a full disk, a folder taken away: said in Vietnamese, with the path
        if _state["debug"]:
            err_console.print_exception()
        err_console.print(os_error_message(exc), highlight=False, markup=False)
        sys.exit(1)
    except Exception as exc:
        if _state["debug"]:
            err_console.print_exception()
        err_console.print(
            f"[bold red]Lỗi ngoài dự kiến của htsd[/] ({exc.__class__.__name__}: {exc}). "
            "Chạy lại lệnh với --debug ngay sau 'htsd' để xem chi tiết, và gửi cho người phát triển.",
            highlight=False,
        )
        sys.exit(1)
