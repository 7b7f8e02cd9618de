"""`htsd init`: a working folder for one collection, ready for template, status and aggregate.

A campaign starts with its year and its dates. Its form is the bundled form of that year when
there is one; otherwise the latest form carried to that year (title, year, dates, theme updated,
every row kept), written into the folder as a form workbook for the clerk to check against the
year's plan. The folder also holds htsd.toml (every path in it relative to the file, so the
folder can be moved or copied), a roster workbook to fill, an empty receipts book, a narrative to
write, and the folders for issued forms, returns and the summary. Nothing that is already there
is replaced: run again in a folder set up before, init offers htsd.toml's answers as defaults and
changes in it only the answers given anew (keeping the clerk's comments and layout, which is why
it edits the file with tomlkit), and writes only the files that are missing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from htsd_cli.base.outputs import Inputs, OutputSet
from htsd_cli.campaign.form import Form, bundled_forms, load_form

if TYPE_CHECKING:
    from collections.abc import MutableMapping

    from htsd_cli.campaign.config import TomlValue
    from htsd_cli.formimport import Draft

CONFIG = "htsd.toml"
ROSTER = "danh-sach-don-vi.xlsx"
RECEIPTS = "so-nhan.csv"
NARRATIVE = "loi-van.md"
FOLDERS = {"issued": "bieu-mau", "returns": "bao-cao-ve", "output": "tong-hop"}


def book_name(year: int) -> str:
    """The form workbook of a campaign's folder."""
    return f"bieu-mau-{year}.xlsx"


@dataclass(frozen=True)
class Campaign:
    """The year and the dates of one collection, as the clerk gives them."""

    year: int
    start: dt.date
    end: dt.date
    deadline: dt.date
    report_date: dt.date | None = None
    theme: str = ""


def base_form(year: int, ref: str | None = None) -> Form:
    """The form a campaign of `year` starts from: the one named, else the bundled form of that
    year, else the latest bundled form."""
    if ref:
        return load_form(ref)
    forms = bundled_forms()
    same = [f for f in forms if f.year == year]
    return (same or forms)[-1]


def shift_year(date: dt.date, years: int) -> dt.date:
    """`date` moved by `years` years (29 February to the 28th in a year without one)."""
    try:
        return date.replace(year=date.year + years)
    except ValueError:
        return date.replace(year=date.year + years, day=28)


def default_dates(base: Form, year: int) -> tuple[dt.date, dt.date, dt.date]:
    """The week and the deadline of `base`, moved to `year`."""
    years = year - base.year
    return (
        shift_year(base.period_start, years),
        shift_year(base.period_end, years),
        shift_year(base.deadline, years),
    )


def _year_replaced(text: str, old: int, new: int) -> str:
    return text.replace(str(old), str(new))


def id_for_year(base: Form, year: int) -> str:
    """The id of `base`'s form for another year: its year changed where it has one."""
    if year == base.year:
        return base.id
    if str(base.year) in base.id:
        return _year_replaced(base.id, base.year, year)
    return f"{base.id}-{year}"


def carry(base: Form, campaign: Campaign) -> Form:
    """`base` made the form of `campaign`: id, title, year, week, deadline and theme updated,
    every row, rule and unit type kept; a new form at version 1 (the same form, at its version,
    when only the dates or the theme change within its year)."""
    old, new = base.year, campaign.year
    same = old == new
    return dataclasses.replace(
        base,
        id=id_for_year(base, new),
        version=base.version if same else 1,
        changes=base.changes if same else (),
        year=new,
        title=_year_replaced(base.title, old, new),
        short_title=_year_replaced(base.short_title, old, new),
        summary_line=_year_replaced(base.summary_line, old, new),
        theme=campaign.theme,
        period_start=campaign.start,
        period_end=campaign.end,
        deadline=campaign.deadline,
        source="",
    )


@dataclass(frozen=True)
class Origin:
    """What a campaign's form starts from: a form (the bundled one of the year, one named, last
    year's) and, when the year's plan was given, the form drafted from its appendix."""

    base: Form
    draft: Draft | None = None

    def defaults(self, year: int) -> tuple[dt.date, dt.date, dt.date, str]:
        """The week, the deadline and the theme to offer for a campaign of `year`."""
        source = self.draft.form if self.draft is not None else self.base
        start, end, deadline = default_dates(source, year)
        return start, end, deadline, source.theme if source.year == year else ""


def origin(year: int, ref: str | None = None, plan: Path | None = None) -> Origin:
    """Where a campaign of `year` starts from (see `base_form`), drafted from `plan` if given."""
    base = base_form(year, ref)
    if plan is None:
        return Origin(base)
    from htsd_cli.formimport import import_plan

    return Origin(base, import_plan(plan, base))


@dataclass(frozen=True)
class CampaignForm:
    """The campaign's form, its workbook when the folder holds one of its own, and what to tell
    the clerk about it (the first line always)."""

    form: Form
    book: bytes | None
    lines: tuple[str, ...]

    def reference(self, folder: Path, given: str | None) -> str:
        """How htsd.toml names the form."""
        if self.book is not None:
            return book_name(self.form.year)
        return form_reference(folder, given or self.form.id)


def campaign_form(origin: Origin, campaign: Campaign, kept: str | None = None) -> CampaignForm:
    """The form of `campaign`: drafted from the plan, else the folder's own form workbook
    `kept` (init run again), else `origin`'s form as it is when it serves, else carried to the
    campaign."""
    from htsd_cli.base.errors import ConfigError
    from htsd_cli.campaign.formbook import form_notes, write_book

    if campaign.end < campaign.start:
        raise ConfigError(
            f"Ngày cuối Tuần lễ ({campaign.end:%d/%m/%Y}) đứng trước ngày đầu "
            f"({campaign.start:%d/%m/%Y})."
        )
    base, draft = origin.base, origin.draft
    if draft is None and kept is not None and Path(kept).is_file():
        return CampaignForm(base, None, (keep_form_line(kept, base, campaign),))
    if draft is not None:
        from htsd_cli.formimport import left_out_lines, summary_line

        form = drafted_form(draft, campaign)
        book = write_book(form, draft.notes, draft.marks)
        line = summary_line(draft, base, book_name(campaign.year))
        return CampaignForm(form, book, (line, *left_out_lines(draft)))
    if not needs_own_form(base, campaign):
        return CampaignForm(base, None, (form_line(base, campaign, False),))
    form = carry(base, campaign)
    return CampaignForm(
        form, write_book(form, form_notes(base)), (form_line(base, campaign, True),)
    )


def form_line(base: Form, campaign: Campaign, own: bool) -> str:
    """The one line that tells the clerk where the campaign's form came from and what to check."""
    year = campaign.year
    if not own:
        return f"Biểu mẫu năm {year}: dùng biểu mẫu có sẵn {base.id} ({base.short_title})."
    theme = "" if campaign.theme else ", ghi chủ đề năm nay"
    return (
        f"Biểu mẫu năm {year}: đã chép biểu mẫu {base.id} của năm {base.year} "
        f"({len(base.indicators)} chỉ tiêu, {len(base.rules)} quy tắc) vào {book_name(year)} với "
        f"năm, ngày mới; hãy mở tệp đó, đối chiếu từng dòng với phụ lục Kế hoạch năm {year}"
        f"{theme} và sửa ngay trong Excel, hoặc lập lại từ Kế hoạch: htsd form import "
        "KE-HOACH.docx."
    )


def drafted_form(draft: Draft, campaign: Campaign) -> Form:
    """A form drafted from the year's plan, with the campaign's dates and theme: what the clerk
    gave is no longer a guess."""
    form = draft.form
    if form.year != campaign.year:
        from htsd_cli.base.errors import ConfigError

        raise ConfigError(
            f"Kế hoạch là của năm {form.year}, còn đợt này là năm {campaign.year}: hãy dùng Kế "
            "hoạch năm nay, hoặc ghi --nam cho đúng."
        )
    given = {
        "period.start": campaign.start != form.period_start or campaign.end != form.period_end,
        "deadline": campaign.deadline != form.deadline,
        "theme": bool(campaign.theme),
    }
    for path, changed in given.items():
        if changed:
            draft.marks.pop(("campaign", path), None)
    return dataclasses.replace(
        form,
        period_start=campaign.start,
        period_end=campaign.end,
        deadline=campaign.deadline,
        theme=campaign.theme or form.theme,
    )


def needs_own_form(base: Form, campaign: Campaign) -> bool:
    """Whether `base` cannot serve the campaign as it is (another year, another week, another
    theme): it is then carried into a form workbook of the folder."""
    same_week = (base.period_start, base.period_end) == (campaign.start, campaign.end)
    same_theme = campaign.theme in ("", base.theme)
    return base.year != campaign.year or not same_week or not same_theme


@dataclass(frozen=True)
class Setup:
    """What the clerk says about the collecting office (asked, or given as flags)."""

    form: str  # as htsd.toml names it: a bundled form's id, or a path from the folder
    office: str
    governing_body: str
    short_name: str
    place: str
    send_to: str
    signer_authority: tuple[str, ...]  # TM., KT. lines above the title (signature.py)
    signer_title: str
    signer_name: str
    recipients: tuple[str, ...] = ("Lưu: VT.",)  # "Nơi nhận", as printed (signature.py)


def _quote(text: str) -> str:
    """A TOML basic string: an answer holding a quote, a backslash, a line break (pasted from
    elsewhere) or another control character stays one value of one line."""
    out = []
    for char in text:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif char < " " or char == "\x7f":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _quoted_list(items: tuple[str, ...]) -> str:
    if not items:
        return "[]"
    return "[\n" + "".join(f"    {_quote(item)},\n" for item in items) + "]"


DECISIONS_LINE = """# Sổ quyết định của cán bộ tổng hợp (tệp nào của đơn vị nào, số liệu cần xác nhận đọc thế nào):
# htsd áp dụng mỗi lần chạy, không bao giờ sửa tệp của đơn vị.
decisions = "{name}"
"""


LAST_YEAR_LINE = """# Đợt năm trước (tệp tong-hop.xlsx năm trước hoặc thư mục làm việc năm trước): htsd aggregate so
# từng dòng, từng đơn vị với năm trước và nhắc số liệu khác xa số của chính đơn vị đó năm trước.
last_year = {path}
"""


def config_text(
    setup: Setup, form: Form, campaign: Campaign | None = None, last_year: str = ""
) -> str:
    """htsd.toml as init writes it; `last_year` is last year's summary or folder as the file
    names it ("" for none)."""
    from htsd_cli.checks.decisions import DECISIONS_NAME

    q = _quote
    decisions = DECISIONS_LINE.format(name=DECISIONS_NAME)
    past = LAST_YEAR_LINE.format(path=q(last_year)) + "\n" if last_year else ""
    deadline = campaign.deadline if campaign else form.deadline
    report_date = (
        f"date = {campaign.report_date.isoformat()}\n" if campaign and campaign.report_date else ""
    )
    return f"""# Cấu hình đợt thu báo cáo: {form.short_title}.
# Mọi đường dẫn dưới đây tính từ thư mục chứa tệp này: chép hoặc chuyển cả thư mục vẫn dùng được.

# Năm của đợt báo cáo: htsd template không phát biểu mẫu của năm khác, hay khi hạn nộp đã qua.
year = {campaign.year if campaign else form.year}
# Biểu mẫu: tệp .xlsx (mở bằng Excel để sửa), mã biểu mẫu có sẵn (xem `htsd form show`) hoặc tệp .yaml.
form = {q(setup.form)}
# Hạn đơn vị nộp báo cáo (năm-tháng-ngày); bỏ dòng này thì dùng hạn ghi trong biểu mẫu.
deadline = {deadline.isoformat()}

# Danh sách đơn vị phải nộp (mở bằng Excel, điền mỗi đơn vị một dòng).
roster = {q(ROSTER)}
# Thư mục phát biểu mẫu, thư mục để các tệp đơn vị gửi về, thư mục ghi báo cáo tổng hợp.
issued = {q(FOLDERS["issued"])}
returns = {q(FOLDERS["returns"])}
output = {q(FOLDERS["output"])}
# Sổ nhận: mỗi tệp nhận được một dòng (tên tệp, ngày nhận dd/mm/yyyy hh:mm); dùng để xét nộp muộn.
receipts = {q(RECEIPTS)}
# Hộp thư nhận báo cáo, cho lệnh htsd collect (bỏ dấu # ở đầu dòng và sửa). Mật khẩu không ghi ở đây:
# đặt biến môi trường HTSD_MAT_KHAU, hoặc để htsd hỏi khi chạy.
# mailbox = "imaps://ten-dang-nhap@may-chu-thu/INBOX"
# Máy chủ thư dùng chứng chỉ riêng (htsd báo "Chứng chỉ bảo mật ... không hợp lệ"): xin bộ phận quản trị
# tệp chứng chỉ (.pem hoặc .cer), chép vào thư mục này rồi bỏ dấu # ở dòng dưới.
# ca_file = "chung-chi-may-chu-thu.pem"
# Lời văn của báo cáo tổng hợp (các phần I, II.2, III).
narrative = {q(NARRATIVE)}

{decisions}
{past}[office]
# Cơ quan chủ quản (bỏ trống nếu không có, như Ủy ban nhân dân các cấp) và cơ quan thu báo cáo.
governing_body = {q(setup.governing_body)}
name = {q(setup.office)}
# Tên viết tắt dùng trong số văn bản "Số: …/BC-<viết tắt>".
short_name = {q(setup.short_name)}
# Địa danh ghi ở dòng "<địa danh>, ngày … tháng … năm …".
place = {q(setup.place)}
# Nơi đơn vị gửi báo cáo (ghi trong biểu mẫu và trong thư nhắc).
send_to = {q(setup.send_to)}

[report]
# Số và ngày (năm-tháng-ngày) của báo cáo tổng hợp; để trống thì in chỗ trống để ghi tay.
number = ""
{report_date}# Nơi nhận, in ở cuối báo cáo (công văn đôn đốc in "Như trên;" và dòng Lưu): mỗi nơi một dòng,
# kết thúc bằng dấu chấm phẩy, cơ quan cấp trên ghi "(để báo cáo)"; dòng cuối là bản lưu của cơ quan,
# "Lưu: VT, <viết tắt của bộ phận soạn thảo>." (Nghị định 30/2020/NĐ-CP, Phụ lục I).
recipients = {_quoted_list(setup.recipients)}

[signer]
# Người ký. Các dòng in đậm trên chữ ký theo Nghị định 30/2020/NĐ-CP: authority là các dòng trên chức
# vụ, title là chức vụ của người ký. Người đứng đầu ký: authority = [], title = "TRƯỞNG PHÒNG" (hay
# "GIÁM ĐỐC", "HIỆU TRƯỞNG"); cấp phó ký thay: authority = ["KT. TRƯỞNG PHÒNG"], title = "PHÓ TRƯỞNG
# PHÒNG"; Ủy ban nhân dân ký thay mặt tập thể: authority = ["TM. ỦY BAN NHÂN DÂN"], title = "CHỦ TỊCH",
# hoặc authority = ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"], title = "PHÓ CHỦ TỊCH"; quyền cấp trưởng:
# title = "Q. GIÁM ĐỐC"; thừa lệnh: authority = ["TL. GIÁM ĐỐC"], title = "CHÁNH VĂN PHÒNG"; thừa ủy
# quyền: authority = ["TUQ. GIÁM ĐỐC"], title = chức vụ của người được ủy quyền.
authority = {_quoted_list(setup.signer_authority)}
title = {q(setup.signer_title)}
name = {q(setup.signer_name)}
"""


def roster_workbook(form: Form) -> bytes:
    """An empty roster with its headings, a list of unit types to pick from, and a guide."""
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    from htsd_cli.writing.cellsafe import append, put
    from htsd_cli.writing.package import FONT_NAME, normalise_package
    from htsd_cli.writing.xlstyle import first_sheet, new_workbook

    wb = new_workbook()
    ws = first_sheet(wb)
    ws.title = "Danh sách"
    heads = ("ma_don_vi", "ten_don_vi", "loai_don_vi", "nhom", "email", "dien_thoai")
    bold = Font(name=FONT_NAME, bold=True)
    for c, title in enumerate(heads, start=1):
        put(ws.cell(row=1, column=c), title).font = bold
    for col, width in zip("ABCDEF", (14, 44, 30, 24, 30, 16), strict=True):
        ws.column_dimensions[col].width = width
    types = wb.create_sheet("Loại đơn vị")
    append(types, ["Loại đơn vị (chọn ở cột loai_don_vi)", "Mã"])
    for t in form.unit_types:
        append(types, [t.label, t.code])
    types.column_dimensions["A"].width = 44
    end = 1 + len(form.unit_types)
    listing = DataValidation(type="list", formula1=f"='Loại đơn vị'!$A$2:$A${end}")
    listing.error = "Chọn loại đơn vị trong danh sách."
    listing.prompt = "Chọn loại đơn vị trong danh sách."
    listing.showErrorMessage = listing.showInputMessage = True
    listing.add("C2:C5000")
    ws.add_data_validation(listing)
    text = wb.create_sheet("Hướng dẫn")
    for line in (
        "Mỗi đơn vị phải nộp báo cáo một dòng ở trang 'Danh sách'.",
        "ma_don_vi: mã ngắn, không trùng (ví dụ MN01, TH02); định dạng cột là Văn bản nếu mã có "
        "số 0 ở đầu.",
        "ten_don_vi: tên đầy đủ; loai_don_vi: chọn trong danh sách; nhom: phường, xã hay cụm.",
        "email, dien_thoai: để htsd ghi vào danh sách nhắc nộp (không bắt buộc).",
    ):
        append(text, [line])
    text.column_dimensions["A"].width = 110
    buffer = io.BytesIO()
    wb.save(buffer)
    return normalise_package(buffer.getvalue())


def narrative_text(form: Form) -> str:
    from htsd_cli.render.narrative import DRAFT

    parts = [f"# {t.heading}\n\n{DRAFT}\n" for t in form.texts]
    return "\n".join(parts)


def form_reference(folder: Path, ref: str, any_path: bool = False) -> str:
    """How htsd.toml in `folder` names a form given on the command line: a bundled form by its
    id, a file by its path from the folder (absolute when there is none, another drive)."""
    path = Path(ref)
    if not (path.is_file() or (any_path and path.exists())):
        return ref
    try:
        return Path(os.path.relpath(path.resolve(), Path(folder).resolve())).as_posix()
    except ValueError:
        return str(path.resolve())


@dataclass(frozen=True)
class Done:
    """What `init_folder` did: files written, files already there and kept as they are, and the
    keys of an existing htsd.toml given a new answer."""

    written: list[Path]
    kept: list[Path] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


def init_folder(
    folder: Path,
    setup: Setup,
    form: Form,
    campaign: Campaign | None = None,
    book: bytes | None = None,
    last_year: Path | None = None,
) -> Done:
    """Write the working folder (with the campaign's form workbook `book`, when it has one of
    its own). A file already there is never replaced; an htsd.toml already there gets only the
    answers that changed (`updated_config`)."""
    from htsd_cli.checks.decisions import DECISIONS_NAME, decisions_workbook

    # last year's summary or working folder, named from this folder
    past = "" if last_year is None else form_reference(folder, str(last_year), any_path=True)
    files = {
        CONFIG: config_text(setup, form, campaign, past).encode("utf-8"),
        ROSTER: roster_workbook(form),
        RECEIPTS: "tep,ngay_nhan\n".encode("utf-8-sig"),
        NARRATIVE: narrative_text(form).encode("utf-8"),
        DECISIONS_NAME: decisions_workbook(),
    }
    if book is not None and campaign is not None:
        files[book_name(campaign.year)] = book
    kept = [folder / name for name in files if name != CONFIG and (folder / name).exists()]
    for path in kept:
        del files[path.name]
    changed: list[str] = []
    existing = folder / CONFIG
    if existing.exists():
        text, changed = updated_config(existing, files[CONFIG].decode("utf-8"))
        if changed:
            files[CONFIG] = text.encode("utf-8")
        else:
            del files[CONFIG]
            kept.insert(0, existing)
    written: list[Path] = []
    if files:

        def replaceable(paths: list[Path]) -> set[Path]:  # htsd.toml: its own text, updated
            return {p for p in paths if p.name == CONFIG}

        with OutputSet(folder, Inputs(), "thư mục làm việc", replaceable=replaceable) as outs:
            outs.claim(files)
            for name, data in files.items():
                outs.write(name, data)
            written = outs.commit()
    for sub in FOLDERS.values():
        (folder / sub).mkdir(exist_ok=True)
    return Done(written, kept, changed)


# The keys of htsd.toml that init asks about: offered as defaults when it runs again, and the
# only ones it changes there (paths, mailbox and anything the clerk added stay as they are).
ANSWERS: tuple[tuple[str, str], ...] = (
    ("", "year"), ("", "form"), ("", "deadline"), ("report", "date"),
    ("office", "governing_body"), ("office", "name"), ("office", "short_name"),
    ("office", "place"), ("office", "send_to"),
    ("signer", "authority"), ("signer", "title"), ("signer", "name"), ("report", "recipients"),
)  # fmt: skip
ADDED_WHEN_MISSING = (("", "decisions"),)  # a folder set up before the decisions workbook


def _read_existing(path: Path) -> tuple[str, dict[str, TomlValue]]:
    """The text of the htsd.toml at `path` and what it holds; said in Vietnamese when it cannot
    be read."""
    from htsd_cli.base.errors import ConfigError, read_reason
    from htsd_cli.campaign.config import toml_problem, wrong_kinds

    text = ""
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = tomllib.loads(text)
        # a value of the wrong kind cannot be offered nor edited; a key an older htsd.toml
        # lacks is what init adds
        wrong = wrong_kinds(data, text)
        if not wrong:
            return text, data
        reason = "; ".join(wrong)
    except (OSError, UnicodeDecodeError) as exc:
        reason = read_reason(exc)
    except tomllib.TOMLDecodeError as exc:
        reason = toml_problem(text, exc)
    raise ConfigError(
        f"Thư mục đã có {path} nhưng htsd không dùng được tệp đó ({reason}). htsd init không "
        "viết lại tệp người dùng đã sửa: hãy mở nó bằng Notepad, sửa dòng bị lỗi rồi chạy lại "
        "htsd init; hoặc đổi tên tệp (ví dụ thành htsd-cu.toml) để htsd init tạo tệp mới."
    )


def current_answers(folder: Path) -> dict[tuple[str, str], TomlValue]:
    """The answers an htsd.toml already in `folder` holds, to offer as defaults ({} when the
    folder has none)."""
    path = folder / CONFIG
    if not path.exists():
        return {}
    _, data = _read_existing(path)
    out: dict[tuple[str, str], TomlValue] = {}
    for table, key in ANSWERS:
        where = data.get(table) if table else data
        if isinstance(where, dict) and key in where:
            out[(table, key)] = where[key]
    return out


def updated_config(path: Path, fresh: str) -> tuple[str, list[str]]:
    """The text of htsd.toml at `path` with the answers of `fresh` (the file init would write
    anew) where they differ, every other line, comment and key as it was; and the keys changed."""
    import tomlkit

    old, _ = _read_existing(path)
    doc = tomlkit.parse(old)
    new: dict[str, TomlValue] = tomllib.loads(fresh)
    changed: list[str] = []
    for table, key in (*ANSWERS, *ADDED_WHEN_MISSING):
        source = new.get(table, {}) if table else new
        if not isinstance(source, dict) or key not in source:  # init's own text: tables
            continue
        if table and table not in doc:
            doc.add(table, tomlkit.table())
        # the document or one of its tables (tomlkit leaves untyped what it finds in a document)
        target: MutableMapping[str, object] = doc[table] if table else doc
        if key in target and (
            (table, key) in ADDED_WHEN_MISSING or _plain(target[key]) == source[key]
        ):
            continue
        target[key] = source[key]
        changed.append(f"[{table}] {key}" if table else key)
    return tomlkit.dumps(doc), changed


def _plain(item: object) -> object:
    return item.unwrap() if hasattr(item, "unwrap") else item


def signature_answers(answers: dict[tuple[str, str], TomlValue]) -> dict[str, str]:
    """Who signs and who receives as htsd.toml says, in the words init asks them with (the
    defaults of its questions when it runs again)."""
    out: dict[str, str] = {}
    authority = answers.get(("signer", "authority"))
    if ("signer", "title") in answers:  # a folder set up before: its signature block
        # htsd.toml was checked (_read_existing): the authority is a line or a list of lines
        lines = (
            [authority]
            if isinstance(authority, str)
            else (authority if isinstance(authority, list) else [])
        )
        deputy = any(str(line).strip().upper().startswith("KT.") for line in lines)
        out["signs"] = "2" if deputy else "1"
        body = next(
            (str(x).strip()[3:].strip() for x in lines if str(x).strip().upper().startswith("TM.")),
            "",
        )
        out["collective"] = body or "không"
        out["title"] = str(answers[("signer", "title")])
    if ("signer", "name") in answers:
        out["name"] = str(answers[("signer", "name")])
    recipients = answers.get(("report", "recipients"))
    if isinstance(recipients, list) and recipients:
        out["recipients"] = "; ".join(str(r).strip().rstrip(";.") for r in recipients)
    return out


def same_year(folder: Path, answers: dict[tuple[str, str], TomlValue], year: int) -> None:
    """A folder set up for one year stays that year's: another year is another folder."""
    from htsd_cli.base.errors import ConfigError

    was = answers.get(("", "year"))
    if isinstance(was, int) and was != year:
        raise ConfigError(
            f"Thư mục {folder} đã là đợt báo cáo năm {was} (year = {was} trong htsd.toml); htsd "
            f"init không đổi năm của một đợt đã lập. Đợt năm {year}: hãy lập ở một thư mục mới, "
            f"ví dụ htsd init dot-{year} --nam {year}."
        )


def existing_form(folder: Path, answers: dict[tuple[str, str], TomlValue]) -> str | None:
    """The form an existing htsd.toml names, as `base_form` takes it (a file of the folder by its
    path)."""
    ref = answers.get(("", "form"))
    if not isinstance(ref, str) or not ref.strip():
        return None
    path = folder / ref
    return str(path) if path.is_file() else ref


def keep_form_line(ref: str, form: Form, campaign: Campaign) -> str:
    """What init run again says of the folder's form: kept as it is; when the week or the theme
    given differ from what its workbook says, where the clerk changes them (htsd never edits a
    workbook the clerk may have edited)."""
    name = os.path.basename(ref)
    if not needs_own_form(form, campaign):
        return f"Biểu mẫu: giữ nguyên {name} như đang có."
    return (
        f"Biểu mẫu: giữ nguyên {name}; htsd không sửa tệp đó. Ngày của Tuần lễ "
        f"({campaign.start:%d/%m/%Y} – {campaign.end:%d/%m/%Y}) và chủ đề ghi ở trang "
        f"'Đợt báo cáo' của tệp đó: hãy mở {name} bằng Excel, sửa ở trang đó rồi lưu."
    )
