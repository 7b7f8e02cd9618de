"""`htsd init`: a working folder for one collection, ready for template, status and aggregate.

It holds htsd.toml (every path in it relative to the file, so the folder can be moved or copied),
a roster workbook to fill, an empty receipts book, a narrative to write, and the folders for
issued forms, returns and the summary. Nothing that is already there is replaced.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from htsd_cli.form import Form
from htsd_cli.outputs import Inputs, OutputSet

CONFIG = "htsd.toml"
ROSTER = "danh-sach-don-vi.xlsx"
RECEIPTS = "so-nhan.csv"
NARRATIVE = "loi-van.md"
FOLDERS = {"issued": "bieu-mau", "returns": "bao-cao-ve", "output": "tong-hop"}


@dataclass(frozen=True)
class Setup:
    """What the clerk says about the collecting office (asked, or given as flags)."""

    form: str
    office: str
    governing_body: str
    short_name: str
    place: str
    send_to: str
    signer_authority: str
    signer_title: str
    signer_name: str


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def config_text(setup: Setup, form: Form) -> str:
    q = _quote
    return f"""# Cấu hình đợt thu báo cáo: {form.short_title}.
# Mọi đường dẫn dưới đây tính từ thư mục chứa tệp này: chép hoặc chuyển cả thư mục vẫn dùng được.

# Biểu mẫu: mã biểu mẫu có sẵn (xem `htsd form show`) hoặc đường dẫn tới tệp .yaml.
form = {q(setup.form)}
# Hạn đơn vị nộp báo cáo (năm-tháng-ngày); bỏ dòng này thì dùng hạn ghi trong biểu mẫu.
deadline = {form.deadline.isoformat()}

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

[office]
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
# Số và ngày của báo cáo tổng hợp; để trống thì in chỗ trống để ghi tay.
number = ""
recipients = ["Lưu: VT."]

[signer]
authority = {q(setup.signer_authority)}
title = {q(setup.signer_title)}
name = {q(setup.signer_name)}
"""


def roster_workbook(form: Form) -> bytes:
    """An empty roster with its headings, a list of unit types to pick from, and a guide."""
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    from htsd_cli.cellsafe import append, put
    from htsd_cli.package import normalise_package
    from htsd_cli.template import new_workbook

    wb = new_workbook()
    ws = wb.active
    ws.title = "Danh sách"
    heads = ("ma_don_vi", "ten_don_vi", "loai_don_vi", "nhom", "email", "dien_thoai")
    bold = Font(name="Times New Roman", bold=True)
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
    parts = [f"# {t.heading}\n\n(Viết lời văn phần này.)\n" for t in form.texts]
    return "\n".join(parts)


DECISIONS_LINE = """# Sổ quyết định của cán bộ tổng hợp (tệp nào của đơn vị nào, số liệu cần xác nhận đọc thế nào):
# htsd áp dụng mỗi lần chạy, không bao giờ sửa tệp của đơn vị.
decisions = "{name}"
"""


def add_decisions(files: dict[str, bytes]) -> None:
    """The clerk's decisions workbook, and the line of htsd.toml that names it (before the
    first table, where the other paths are)."""
    from htsd_cli.decisions import DECISIONS_NAME, decisions_workbook

    files[DECISIONS_NAME] = decisions_workbook()
    text = files[CONFIG].decode("utf-8")
    at = text.index("\n[")
    line = DECISIONS_LINE.format(name=DECISIONS_NAME)
    files[CONFIG] = (text[: at + 1] + line + text[at:]).encode("utf-8")


def init_folder(folder: Path, setup: Setup, form: Form) -> list[Path]:
    """Write the working folder; refuses (naming them) files already there that htsd did not
    write. Returns what was written."""
    files = {
        CONFIG: config_text(setup, form).encode("utf-8"),
        ROSTER: roster_workbook(form),
        RECEIPTS: "tep,ngay_nhan\n".encode("utf-8-sig"),
        NARRATIVE: narrative_text(form).encode("utf-8"),
    }
    add_decisions(files)
    with OutputSet(folder, Inputs(), "thư mục làm việc") as outs:
        outs.claim(files)
        for name, data in files.items():
            outs.write(name, data)
        written = outs.commit()
    for sub in FOLDERS.values():
        (folder / sub).mkdir(exist_ok=True)
    return written
