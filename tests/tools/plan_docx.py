"""A year's plan (Kế hoạch) as a Word document, the way the district printed it in 2022: the plan's
paragraphs, then the appendix every unit fills (title, outline, a table broken across two pages,
several figures in one cell, "+"/"-" lines, dots left for writing in).

`SEED_ROWS` is the appendix table of samples/…/2022 plan word for word (TT, then the lines of the
"Nội dung hoạt động" cell); a test changes a copy of it to make next year's plan.
"""

from __future__ import annotations

import copy
from pathlib import Path

# (TT, [lines of the content cell]): a row without TT continues the section above
SEED_ROWS: list[tuple[str, list[str]]] = [
    ("1", ["Kế hoạch tổ chức tuần lễ HTSD"]),
    ("2", ["Các phương tiện thông tin về chuyển đổi số:", "- Số bài viết trên các báo:",
           "- Số tin, phóng sự phát trên đài truyền hình",
           "- Số bài, tin đã phát trên đài phát thanh",
           "- Số tờ báo tường, số bài viết liên quan đến chuyển đổi số và học tập suốt đời"]),
    ("3", ["Các hoạt động tuyên truyền về chuyển đổi số, học tập suốt đời và xây dựng xã hội học tập",
           "- Số lượng tờ rơi đã phát hành:", "- Số lượng sách, tài liệu đã phát hành:",
           "- Số băng zôn, panô, khẩu hiệu đã thực hiện:"]),
    ("4", ["Hội thảo, tọa đàm, triển lãm...về chuyển đổi số; các nội dung về học tập suốt đời, xây dựng XHHT",
           "- Số lần hội thảo, tọa đàm:", "- Số người tham gia:",
           "- Triển lãm, số lượt người tham dự:", "- Hội diễn văn nghệ:"]),
    ("5", ["Các lớp bồi dưỡng đã tổ chức liên quan đến chuyển đổi số:"]),
    ("", ["+ Số lớp bồi dưỡng nâng cao trình độ chuyên môn nghiệp vụ cho cán bộ, công chức, viên chức, công nhân lao động về chuyển đổi số:.....",
          "- Số lượt người tham gia:..."]),
    ("", ["+ Số lớp bồi dưỡng nâng cao trình độ ngoại ngữ, tin học:....."]),
    # the second page of the table
    ("", ["- Số lượt người tham gia:....."]),
    ("", ["+ Số lớp dạy nghề cho lao động nông thôn:.....", "- Số lượt người tham gia:....."]),
    ("", ["+ Số lớp giáo dục kỹ năng sống:.....", "- Số lượt người tham gia:....."]),
    ("", ["+ Số lớp học theo chương trình giáo dục đáp ứng yêu cầu người học, cập nhật kiến thức, kỹ năng chuyên giao công nghệ:.....",
          "- Số lượt người tham gia:....."]),
    ("", ["+ Số lớp xóa mù chữ:.....", "- Số lượng người tham gia:....."]),
    ("", ["+ Các lớp khác:.....", "- Số lượng người tham gia:....."]),
    ("6", ["Thư viện:", "- Số cơ sở giáo dục có thư viện:",
           "- Số sách báo điện tử, tài liệu số và trang web đã khai thác.",
           "- Số lượng hoạt động tập huấn, hướng dẫn, giới thiệu....",
           "- Số lượng tham gia đọc sách online trên blogs nhà trường:....."]),
    ("7", ["Số Trung tâm HTCĐ trên địa bàn đã thực hiện theo quy định và công văn hướng dẫn của Sở GD&ĐT:",
           "- Có đủ cơ sở vật chất:", "- Về tổ chức bộ máy theo quy định:",
           "- Về hồ sơ của Trung tâm:", "- Về tài chính:", "- Có nội dung hoạt động hàng tháng:....."]),
    ("8", ["Tổng kết, khen thưởng:", "- Số đơn vị được khen thưởng:.....",
           "- Số cá nhân được khen thưởng:.....", "- Tổng kinh phí khen thưởng:....."]),
]  # fmt: skip
FIRST_PAGE = 7  # rows of SEED_ROWS on the table's first page


def seed_rows() -> list[tuple[str, list[str]]]:
    return copy.deepcopy(SEED_ROWS)


def make_plan(
    path: Path,
    rows: list[tuple[str, list[str]]] | None = None,
    year: int = 2022,
    theme: str = "Thúc đẩy chuyển đổi số phục vụ cho học tập suốt đời sau đại dịch COVID-19",
    week: tuple[str, str] = ("01/10/2022", "07/10/2022"),
    deadline: str = "ngày 10 tháng 10 năm 2022",
    split_at: int = FIRST_PAGE,
) -> Path:
    """Write the plan with its appendix to `path` (.docx)."""
    import docx
    from docx.enum.text import WD_BREAK

    rows = SEED_ROWS if rows is None else rows
    doc = docx.Document()
    for text in (
        "Số: /KH-UBND",
        f"Hải An, ngày tháng 9 năm {year}",
        "KẾ HOẠCH",
        f"Tổ chức “Tuần lễ hưởng ứng học tập suốt đời năm {year}” quận Hải An",
        "I. MỤC ĐÍCH - YÊU CẦU",
        "II. NỘI DUNG",
        "1. Chủ đề",
        f"Chủ đề của tuần lễ năm {year}: “{theme}”.",
        "2. Thời gian tổ chức",
        f"Tuần lễ hưởng ứng học tập suốt đời tại quận được tổ chức từ ngày {week[0]} đến hết ngày "
        f"{week[1]}. Các đơn vị tổ chức khai mạc Tuần lễ vào ngày {week[0]}.",
        "III. TỔ CHỨC THỰC HIỆN",
        "Kết thúc Tuần lễ yêu cầu các đơn vị báo cáo kết quả thực hiện (theo phụ lục đính kèm) về "
        "Ủy ban nhân dân quận - qua Phòng Giáo dục và Đào tạo để tổng hợp báo cáo Sở Giáo dục và "
        f"Đào tạo. Thời hạn gửi báo cáo vào {deadline}.",
        "Nơi nhận:",
        "TM. ỦY BAN NHÂN DÂN",
    ):
        doc.add_paragraph(text)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.add_paragraph("Số: /BC-.....")
    doc.add_paragraph(f"Hải An, ngày tháng năm {year}")
    title = doc.add_paragraph()
    run = title.add_run("BÁO CÁO TỔNG HỢP SỐ LIỆU KẾT QUẢ TỔ CHỨC")
    run.bold = True
    run.add_break()
    title.add_run(f"TUẦN LỄ HƯỞNG ỨNG HỌC TẬP SUỐT ĐỜI NĂM {year}").bold = True
    for text in (
        "I. Công tác chỉ đạo",
        "II. Kết quả cụ thể",
        "1. Các kết quả theo từng hoạt động đã được thực hiện nhằm hưởng ứng Tuần lễ",
    ):
        doc.add_paragraph(text)

    def table(part: list[tuple[str, list[str]]], header: bool) -> None:
        t = doc.add_table(rows=1, cols=4)
        t.style = "Table Grid"
        heads = ("", "Nội dung hoạt động", "Kết quả, Số lượng", "Ghi chú") if header else ("",) * 4
        for cell, text in zip(t.rows[0].cells, heads, strict=True):
            cell.text = text
        for i, (number, lines) in enumerate(part):
            cells = t.add_row().cells
            cells[0].text = number
            content = cells[1]
            first = content.paragraphs[0]
            first.add_run(lines[0]).bold = bool(number) and i % 2 == 0
            if i % 3 == 0:  # some cells hold one paragraph a line, others line breaks
                for line in lines[1:]:
                    content.add_paragraph(line)
            else:
                for line in lines[1:]:
                    run = first.add_run()
                    run.add_break()
                    run.add_text(line)

    table(rows[:split_at], header=True)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    table(rows[split_at:], header=False)
    for text in ("2. Những thuận lợi và khó khăn.", "III. Kế hoạch tiếp theo", "Nơi nhận:",
                 "THỦ TRƯỞNG ĐƠN VỊ"):  # fmt: skip
        doc.add_paragraph(text)
    doc.save(path)
    return path
