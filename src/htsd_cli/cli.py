"""The command line. Commands parse options, resolve them into settings (settings.py), call one
function of the pipeline and print; nothing else. An HtsdError of any command is said once, by the
command group (`Boundary`).

Heavy modules (openpyxl, pandas, python-docx) are imported inside the commands that need them so
that `htsd --help` stays fast.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar, overload

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from htsd_cli import __version__
from htsd_cli.base.errors import HtsdError, ReadError, UsageError, os_error_message
from htsd_cli.cli_coerce import install as _plain_coercion
from htsd_cli.cli_vi import install as _vietnamese

if TYPE_CHECKING:
    from typer._click.core import Context
    from typer.models import OptionInfo

    from htsd_cli.settings import Settings

_vietnamese()
_plain_coercion()
console = Console()
err_console = Console(stderr=True)
_state = {"debug": False}
T = TypeVar("T")


class Boundary(TyperGroup):
    """htsd's command groups: an HtsdError raised by any command or sub-command is said here,
    once, in Vietnamese and without a traceback (unless --debug); a usage error exits 2, any
    other 1."""

    def invoke(self, ctx: Context) -> object:
        try:
            return super().invoke(ctx)
        except HtsdError as exc:
            err_console.print(f"[bold red]Lỗi:[/] {escape(str(exc))}", highlight=False)
            if _state["debug"]:
                err_console.print_exception()
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    name="htsd",
    help="Phát, kiểm tra và tổng hợp báo cáo Tuần lễ hưởng ứng học tập suốt đời (HTSĐ).",
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    cls=Boundary,
)
form_app = typer.Typer(
    help="Xem, chuyển đổi biểu mẫu, hoặc lập biểu mẫu từ phụ lục của Kế hoạch.",
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
)
app.add_typer(form_app, name="form")


def _date_option(name: str, help: str) -> OptionInfo:
    """An option taking a date, typed dd/mm/yyyy or yyyy-mm-dd."""
    option: OptionInfo = typer.Option(  # typer leaves Option's result untyped
        name, formats=["%d/%m/%Y", "%Y-%m-%d"], metavar="NGÀY", help=help
    )
    return option


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


def _print_json(data: object) -> None:
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
    from htsd_cli import settings

    loaded = settings.for_form(config=config, form=form).form
    assert loaded is not None
    if as_json:
        from htsd_cli.campaign.formyaml import form_as_dict

        _print_json(form_as_dict(loaded))
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
    from htsd_cli import pipeline

    written = pipeline.convert_form(source, target, overwrite)
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
    from htsd_cli import pipeline, settings
    from htsd_cli.formimport import left_out_lines, summary_line

    chosen = settings.for_import(config=config, form=form, output=out)
    written, draft, previous = pipeline.import_form(chosen, plan, overwrite)
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


@overload
def _ask_date(given: datetime | None, question: str, default: dt.date) -> dt.date: ...
@overload
def _ask_date(given: datetime | None, question: str, default: None) -> dt.date | None: ...
def _ask_date(given: datetime | None, question: str, default: dt.date | None) -> dt.date | None:
    """A date flag's value, else the clerk's answer (dd/mm/yyyy) at a terminal, else `default`."""
    from htsd_cli.base.dates import parse_date, why_not

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
            raise UsageError(f"--nam {given}: một năm có bốn chữ số.")
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
    from htsd_cli.render import signature as sig

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
            raise UsageError(
                f"--cach-ky {signs}: ghi truong (người đứng đầu ký) hoặc pho (cấp phó ký thay)."
            )
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
        _date_option(
            "--tu-ngay",
            help="Ngày đầu Tuần lễ, dd/mm/yyyy (mặc định: như biểu mẫu năm trước, đổi năm).",
        ),
    ] = None,
    end: Annotated[
        datetime | None,
        _date_option(
            "--den-ngay",
            help="Ngày cuối Tuần lễ, dd/mm/yyyy.",
        ),
    ] = None,
    deadline: Annotated[
        datetime | None,
        _date_option(
            "--han-nop",
            help="Hạn đơn vị nộp báo cáo, dd/mm/yyyy.",
        ),
    ] = None,
    report_date: Annotated[
        datetime | None,
        _date_option(
            "--ngay-bao-cao",
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

    from htsd_cli import init as folders
    from htsd_cli import views

    was = folders.current_answers(folder)  # init run again: the answers given before

    def before(table: str, key: str, kind: type[T]) -> T | None:
        """What init was told before for `table.key`, when it is a `kind` (a switch is not)."""
        value = was.get((table, key))
        return value if isinstance(value, kind) and not isinstance(value, bool) else None

    campaign_year = _ask_year(year, before("", "year", int) or dt.date.today().year)
    folders.same_year(folder, was, campaign_year)
    kept = None if form else folders.existing_form(folder, was)
    origin = folders.origin(campaign_year, form or kept, plan)
    first, last, due, usual_theme = origin.defaults(campaign_year)
    campaign = folders.Campaign(
        year=campaign_year,
        start=_ask_date(start, "Tuần lễ từ ngày", first),
        end=_ask_date(end, "Tuần lễ đến ngày", last),
        deadline=_ask_date(
            deadline, "Hạn đơn vị nộp báo cáo", before("", "deadline", dt.date) or due
        ),
        report_date=_ask_date(
            report_date,
            "Ngày của báo cáo tổng hợp (Enter: ghi sau)",
            before("report", "date", dt.date),
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
        earlier = before(table, name, str)
        return _ask(given, question, default if earlier is None else earlier)

    office_name = answer(
        office, "Tên cơ quan thu báo cáo", "office.name", "Phòng Giáo dục và Đào tạo"
    )
    governing_body = answer(
        governing, "Cơ quan chủ quản (Enter nếu không có)", "office.governing_body", ""
    )
    short = answer(short_name, "Tên viết tắt trong số văn bản", "office.short_name", "PGDĐT")
    where = answer(place, "Địa danh ghi ở dòng ngày tháng", "office.place", "(địa danh)")
    sent_to = answer(send_to, "Đơn vị gửi báo cáo về đâu (email, địa chỉ)", "office.send_to", "")
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
        from htsd_cli.checks.yearover import load_last_year

        load_last_year(last_year)
    done = folders.init_folder(folder, setup, chosen.form, campaign, chosen.book, last_year)
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
    from htsd_cli import pipeline, settings, views

    chosen = settings.for_template(config=config, form=form, roster=roster, output=out, blank=blank)
    with views.progress(console, "Đang tạo biểu mẫu") as step:
        issued, note = pipeline.issue(chosen, progress=step, overwrite=overwrite, anyway=anyway)
    if note:
        console.print(f"[yellow]{escape(note)}[/]", highlight=False)
    assert chosen.output is not None
    views.print_issued(console, issued, chosen.output)


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
    from htsd_cli import pipeline, settings, views

    chosen = settings.for_validate(config=config, form=form, roster=roster, returns=paths)
    if annotate is not None:  # where the copies may go is checked before any file is read
        pipeline.reading(chosen).refuse_folder(annotate, "bản sao cần sửa")
    with views.progress(err_console, "Đang kiểm tra") as step:
        report = pipeline.validate(chosen, strict=strict, progress=step)
    annotated = (
        pipeline.annotate(chosen, report, annotate, overwrite) if annotate is not None else None
    )
    if not report.files:
        raise ReadError(
            "không tìm thấy tệp báo cáo nào (.xlsx, .xlsm, .xls, .ods) trong "
            f"{', '.join(str(p) for p in chosen.returns)}."
        )
    if as_json:
        _print_json(report.to_dict())
    else:
        views.print_validation(console, report, annotated, show_all, _book(chosen))
    raise typer.Exit(0 if report.valid else 1)


AsOfOption = Annotated[
    datetime | None,
    _date_option(
        "--as-of",
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
        _date_option(
            "--han-moi",
            help="Hạn mới ghi trong thư nhắc (mặc định: hạn cũ nếu chưa qua, không thì 5 ngày làm "
            "việc sau ngày của công văn: --as-of, hoặc ngày báo cáo trong htsd.toml).",
        ),
    ] = None,
    overwrite: OverwriteOption = False,
) -> None:
    """Ai đã nộp, ai chưa, tệp nào không dùng được, ai nộp muộn; thư nhắc để gửi đơn vị."""
    from htsd_cli import pipeline, settings, views

    states = _states(only)
    chosen = settings.for_status(
        config=config, form=form, roster=roster, returns=paths, receipts=receipts,
        as_of=as_of.date() if as_of else None,
    )  # fmt: skip
    for folder in (remind, out.parent if out else None):
        if folder is not None:  # said before any file is read
            pipeline.reading(chosen).refuse_folder(folder, "thư nhắc")
    with views.progress(err_console, "Đang đọc") as step:
        _report, result = pipeline.status(chosen, progress=step)
    written = pipeline.write_status_files(
        chosen, result, out=out, remind=remind, overwrite=overwrite,
        new_deadline=new_deadline.date() if new_deadline else None,
    )  # fmt: skip
    if as_json:
        _print_json(result.to_dict())
    else:
        views.print_status(console, result, states, _book(chosen))
        for path in written:
            console.print(f"Đã ghi {escape(views.shown(path))}", highlight=False)


STATES = {
    "chua-nop": "missing", "khong-hop-le": "invalid", "can-xac-nhan": "held", "hop-le": "valid",
    "muon": "late",
}  # fmt: skip


def _book(chosen: Settings) -> str:
    """The decisions workbook's name, as the clerk knows it ('' when none is configured)."""
    return chosen.decisions.name if chosen.decisions is not None else ""


def _states(only: str | None) -> set[str] | None:
    if only is None:
        return None
    wanted = {w.strip().lower() for w in only.split(",") if w.strip()}
    unknown = wanted - set(STATES)
    if unknown:
        raise UsageError(
            f"--only không hiểu '{', '.join(sorted(unknown))}'; dùng: {', '.join(STATES)}."
        )
    return {STATES[w] for w in wanted}


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
    from htsd_cli import pipeline, settings, views

    chosen = settings.for_aggregate(
        config=config, form=form, roster=roster, returns=paths, output=out, narrative=narrative,
        receipts=receipts, last_year=last_year,
    )  # fmt: skip
    with views.progress(err_console, "Đang tổng hợp") as step:
        agg, outputs = pipeline.run_aggregate(
            chosen, progress=step, overwrite=overwrite, pdf=pdf, use_cache=not no_cache,
            reuse=not as_json,
        )  # fmt: skip
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
        views.print_aggregate(console, agg, outputs, _book(chosen))
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
        _date_option(
            "--since",
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
    from htsd_cli import pipeline, settings, views
    from htsd_cli.collect import Outcome

    chosen = settings.for_collect(
        config=config, source=source, out=out, receipts=receipts, ca_file=ca_file, roster=roster
    )
    with err_console.status("Đang đọc thư…") as shown:
        outcome = Outcome()
        for outcome in pipeline.collect(chosen, since.date() if since else None):
            shown.update(f"Đang đọc thư: {outcome.messages} thư, {len(outcome.saved)} tệp đã lưu")
    if chosen.unattributed and (
        outcome.saved or outcome.refused or outcome.listed or outcome.bounces
    ):
        err_console.print(
            f"[yellow]Chưa xác định được tệp của đơn vị nào:[/] {escape(chosen.unattributed)}",
            highlight=False,
        )
    if as_json:
        _print_json(outcome.to_dict())
    else:
        views.print_collect(console, outcome, chosen.returns[0])


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
    from htsd_cli.base.stopping import Stopped, install

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
