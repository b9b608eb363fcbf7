"""Checklists as data: what the provincial inspectors check (Circular 26/2014/TT-BKHCN, art. 35).

The lines are stored in Vietnamese, the language of the minutes (Mẫu 21 BBKT) they end up in; the English
text is kept beside each point for readers of this file. Clause numbers are TCVN ISO 9001:2015 clauses,
looked up by number when a checklist is filled; points that are legal duties with no matching clause
(declaration, re-declaration, choice of consultant) have none.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ChecklistPoint:
    requirement: str
    english: str
    clause: str | None = None


INSPECTION_CHECKLIST: tuple[ChecklistPoint, ...] = (
    ChecklistPoint(
        "Phạm vi áp dụng HTQLCL bao gồm toàn bộ thủ tục hành chính thuộc thẩm quyền giải quyết của cơ quan",
        "The scope of the QMS covers every administrative procedure the agency handles",
        "4.3",
    ),
    ChecklistPoint(
        "HTQLCL được phổ biến, hướng dẫn cho cán bộ, công chức, viên chức trong phạm vi áp dụng",
        "The QMS is disseminated to and explained to the staff within its scope",
        "7.3",
    ),
    ChecklistPoint(
        "HTQLCL được xây dựng phù hợp với yêu cầu của tiêu chuẩn TCVN ISO 9001:2015",
        "The QMS conforms to the requirements of TCVN ISO 9001:2015",
        "4.4",
    ),
    ChecklistPoint(
        "Chính sách chất lượng được thiết lập, phổ biến và phù hợp với hoạt động của cơ quan",
        "The quality policy is established, communicated and suits the agency's work",
        "5.2",
    ),
    ChecklistPoint(
        "Mục tiêu chất lượng được thiết lập, đo lường được và được theo dõi việc thực hiện",
        "Quality objectives are set, measurable and followed up",
        "6.2",
    ),
    ChecklistPoint(
        "Các quy trình, tài liệu của HTQLCL được ban hành, kiểm soát và phù hợp với thực tế",
        "The processes and documents of the QMS are issued, controlled and match practice",
        "7.5",
    ),
    ChecklistPoint(
        "Các quy trình được thực hiện đúng như đã ban hành; hồ sơ giải quyết TTHC được lưu đầy đủ",
        "Processes are carried out as written; the records of dossiers are kept in full",
        "8.5",
    ),
    ChecklistPoint(
        "Xem xét của lãnh đạo được thực hiện ít nhất một lần trong năm",
        "A management review is held at least once a year",
        "9.3",
    ),
    ChecklistPoint(
        "Đánh giá nội bộ được thực hiện ít nhất một lần trong năm",
        "An internal audit is held at least once a year",
        "9.2",
    ),
    ChecklistPoint(
        "Sự không phù hợp được xử lý và hành động khắc phục được thực hiện, đánh giá hiệu lực",
        "Nonconformities are dealt with and corrective actions carried out and checked for effectiveness",
        "10.2",
    ),
    ChecklistPoint(
        "Phản ánh, kiến nghị, khiếu nại của tổ chức, cá nhân được tiếp nhận và xử lý",
        "Feedback and complaints from citizens and organizations are received and handled",
        "8.2",
    ),
    ChecklistPoint(
        "HTQLCL được duy trì và cải tiến thường xuyên",
        "The QMS is maintained and continually improved",
        "10.3",
    ),
    ChecklistPoint(
        "Người đứng đầu xác nhận hiệu lực của HTQLCL",
        "The head of the agency has confirmed the effectiveness of the QMS",
        "5.1",
    ),
    ChecklistPoint(
        "HTQLCL được công bố phù hợp, thông báo bằng văn bản và niêm yết tại trụ sở, trang thông tin điện tử",
        "The QMS is declared, the lead unit notified in writing, and the declaration posted at the office "
        "and on the website",
    ),
    ChecklistPoint(
        "Thay đổi của văn bản quy phạm pháp luật được cập nhật vào HTQLCL trong vòng 3 tháng kể từ ngày có "
        "hiệu lực",
        "Changes in legal documents are brought into the QMS within 3 months of taking effect",
        "6.3",
    ),
    ChecklistPoint(
        "HTQLCL được công bố lại khi điều chỉnh, mở rộng hoặc thu hẹp phạm vi áp dụng",
        "The QMS is declared again whenever its scope is adjusted, widened or narrowed",
    ),
    ChecklistPoint(
        "Việc lựa chọn tổ chức, chuyên gia tư vấn đáp ứng điều kiện theo quy định",
        "The consultant chosen meets the conditions the rules set",
    ),
)
