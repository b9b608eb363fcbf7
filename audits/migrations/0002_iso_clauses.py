"""The clauses of TCVN ISO 9001:2015 and TCVN ISO 9001:2008 (main clauses and their first subclauses).

Vietnamese titles as printed in the national standards (TCVN ISO 9001:2015, TCVN ISO 9001:2008), English
titles as in ISO 9001:2015 and ISO 9001:2008. update_or_create on (standard, number): clauses entered by hand
before keep their rows, so findings and checklist lines citing them stay attached.
"""

from django.db import migrations

ISO_2015 = [
    ("4", "Bối cảnh của tổ chức", "Context of the organization"),
    ("4.1", "Hiểu tổ chức và bối cảnh của tổ chức", "Understanding the organization and its context"),
    (
        "4.2",
        "Hiểu nhu cầu và mong đợi của các bên quan tâm",
        "Understanding the needs and expectations of interested parties",
    ),
    (
        "4.3",
        "Xác định phạm vi của hệ thống quản lý chất lượng",
        "Determining the scope of the quality management system",
    ),
    (
        "4.4",
        "Hệ thống quản lý chất lượng và các quá trình của hệ thống",
        "Quality management system and its processes",
    ),
    ("5", "Sự lãnh đạo", "Leadership"),
    ("5.1", "Sự lãnh đạo và cam kết", "Leadership and commitment"),
    ("5.2", "Chính sách", "Policy"),
    (
        "5.3",
        "Vai trò, trách nhiệm và quyền hạn trong tổ chức",
        "Organizational roles, responsibilities and authorities",
    ),
    ("6", "Hoạch định", "Planning"),
    ("6.1", "Hành động giải quyết rủi ro và cơ hội", "Actions to address risks and opportunities"),
    (
        "6.2",
        "Mục tiêu chất lượng và hoạch định để đạt được mục tiêu",
        "Quality objectives and planning to achieve them",
    ),
    ("6.3", "Hoạch định thay đổi", "Planning of changes"),
    ("7", "Hỗ trợ", "Support"),
    ("7.1", "Nguồn lực", "Resources"),
    ("7.2", "Năng lực", "Competence"),
    ("7.3", "Nhận thức", "Awareness"),
    ("7.4", "Trao đổi thông tin", "Communication"),
    ("7.5", "Thông tin dạng văn bản", "Documented information"),
    ("8", "Thực hiện", "Operation"),
    ("8.1", "Hoạch định và kiểm soát việc thực hiện", "Operational planning and control"),
    ("8.2", "Yêu cầu đối với sản phẩm và dịch vụ", "Requirements for products and services"),
    ("8.3", "Thiết kế và phát triển sản phẩm, dịch vụ", "Design and development of products and services"),
    (
        "8.4",
        "Kiểm soát quá trình, sản phẩm và dịch vụ do bên ngoài cung cấp",
        "Control of externally provided processes, products and services",
    ),
    ("8.5", "Sản xuất và cung cấp dịch vụ", "Production and service provision"),
    ("8.6", "Thông qua sản phẩm và dịch vụ", "Release of products and services"),
    ("8.7", "Kiểm soát đầu ra không phù hợp", "Control of nonconforming outputs"),
    ("9", "Đánh giá kết quả thực hiện", "Performance evaluation"),
    (
        "9.1",
        "Theo dõi, đo lường, phân tích và đánh giá",
        "Monitoring, measurement, analysis and evaluation",
    ),
    ("9.2", "Đánh giá nội bộ", "Internal audit"),
    ("9.3", "Xem xét của lãnh đạo", "Management review"),
    ("10", "Cải tiến", "Improvement"),
    ("10.1", "Khái quát", "General"),
    ("10.2", "Sự không phù hợp và hành động khắc phục", "Nonconformity and corrective action"),
    ("10.3", "Cải tiến liên tục", "Continual improvement"),
]

ISO_2008 = [
    ("4", "Hệ thống quản lý chất lượng", "Quality management system"),
    ("4.1", "Yêu cầu chung", "General requirements"),
    ("4.2", "Yêu cầu về hệ thống tài liệu", "Documentation requirements"),
    ("5", "Trách nhiệm của lãnh đạo", "Management responsibility"),
    ("5.1", "Cam kết của lãnh đạo", "Management commitment"),
    ("5.2", "Hướng vào khách hàng", "Customer focus"),
    ("5.3", "Chính sách chất lượng", "Quality policy"),
    ("5.4", "Hoạch định", "Planning"),
    ("5.5", "Trách nhiệm, quyền hạn và trao đổi thông tin", "Responsibility, authority and communication"),
    ("5.6", "Xem xét của lãnh đạo", "Management review"),
    ("6", "Quản lý nguồn lực", "Resource management"),
    ("6.1", "Cung cấp nguồn lực", "Provision of resources"),
    ("6.2", "Nguồn nhân lực", "Human resources"),
    ("6.3", "Cơ sở hạ tầng", "Infrastructure"),
    ("6.4", "Môi trường làm việc", "Work environment"),
    ("7", "Tạo sản phẩm", "Product realization"),
    ("7.1", "Hoạch định việc tạo sản phẩm", "Planning of product realization"),
    ("7.2", "Các quá trình liên quan đến khách hàng", "Customer-related processes"),
    ("7.3", "Thiết kế và phát triển", "Design and development"),
    ("7.4", "Mua hàng", "Purchasing"),
    ("7.5", "Sản xuất và cung cấp dịch vụ", "Production and service provision"),
    ("7.6", "Kiểm soát thiết bị theo dõi và đo lường", "Control of monitoring and measuring equipment"),
    ("8", "Đo lường, phân tích và cải tiến", "Measurement, analysis and improvement"),
    ("8.1", "Khái quát", "General"),
    ("8.2", "Theo dõi và đo lường", "Monitoring and measurement"),
    ("8.3", "Kiểm soát sản phẩm không phù hợp", "Control of nonconforming product"),
    ("8.4", "Phân tích dữ liệu", "Analysis of data"),
    ("8.5", "Cải tiến", "Improvement"),
]

CLAUSES = {"2015": ISO_2015, "2008": ISO_2008}


def sort_key_of(number):
    # The historical model has no save() override: the same key as Clause.sort_key_of, so "10.1" follows "9.3".
    return ".".join(f"{int(part):03d}" for part in number.split("."))


def forward(apps, schema_editor):
    Clause = apps.get_model("audits", "Clause")
    for standard, clauses in CLAUSES.items():
        for number, title_vi, title_en in clauses:
            Clause.objects.update_or_create(
                standard=standard,
                number=number,
                defaults={"title_vi": title_vi, "title_en": title_en, "sort_key": sort_key_of(number)},
            )


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
