"""The default rubric (../shared/domain/rubric-default.md) as data: a province starts from it, the demo
uses it, and the editor can change any of it afterwards. Texts are the rubric's own, in Vietnamese."""

from decimal import Decimal

from django.db import transaction

from .models import Band, Criterion, CriterionGroup, Metric, Rubric, Rule

NAME = "Bộ tiêu chí đánh giá việc xây dựng, áp dụng HTQLCL"

# (code, title, [(code, text, max, metric, rule, thresholds)])
GROUPS = [
    (
        "A",
        "Phạm vi và hệ thống tài liệu",
        [
            (
                "A1",
                "Phạm vi áp dụng bao gồm toàn bộ TTHC cơ quan giải quyết "
                "(mỗi TTHC có quy trình đang hiệu lực)",
                6,
                Metric.COVERAGE,
                Rule.PROPORTIONAL,
                [],
            ),
            (
                "A2",
                "Chính sách chất lượng và mục tiêu chất lượng của năm được phê duyệt và phổ biến",
                4,
                Metric.OBJECTIVES_DEFINED,
                Rule.YES_NO,
                [],
            ),
            (
                "A3",
                "Các quy trình hệ thống đang hiệu lực: kiểm soát thông tin dạng văn bản, đánh giá nội bộ, "
                "kiểm soát sự không phù hợp và hành động khắc phục, xem xét của lãnh đạo, rủi ro và cơ hội",
                4,
                Metric.SYSTEM_PROCESSES,
                Rule.PROPORTIONAL,
                [],
            ),
            (
                "A4",
                "Quy trình đầy đủ: các bước có trách nhiệm và thời gian, biểu mẫu, hồ sơ và thời gian lưu; "
                "tuân thủ mô hình khung",
                3,
                "",
                "",
                [],
            ),
            (
                "A5",
                "Quy trình được cập nhật trong 3 tháng khi căn cứ pháp lý thay đổi",
                3,
                Metric.LEGAL_UPDATES,
                Rule.PROPORTIONAL,
                [],
            ),
        ],
    ),
    (
        "B",
        "Lãnh đạo và tổ chức thực hiện",
        [
            ("B1", "Ban chỉ đạo ISO và thư ký ISO được thành lập, kiện toàn kịp thời", 3, "", "", []),
            (
                "B2",
                "Ban chỉ đạo ISO họp trong năm",
                4,
                Metric.STEERING_MEETINGS,
                Rule.THRESHOLDS,
                [["1", "2"], ["2", "4"]],
            ),
            (
                "B3",
                "Phổ biến HTQLCL cho cán bộ; tổ chức đào tạo trong năm",
                3,
                Metric.TRAININGS,
                Rule.THRESHOLDS,
                [["1", "3"]],
            ),
        ],
    ),
    (
        "C",
        "Vận hành hệ thống",
        [
            (
                "C1",
                "Hồ sơ TTHC được giải quyết đúng hạn (tỷ lệ đúng hạn tại bộ phận một cửa)",
                8,
                Metric.ONTIME_RATE,
                Rule.THRESHOLDS,
                [["0.80", "2"], ["0.90", "4"], ["0.95", "6"], ["0.98", "8"]],
            ),
            (
                "C2",
                "Thực hiện đúng quy trình; hồ sơ được lưu theo quy định (kiểm tra xác suất)",
                6,
                "",
                "",
                [],
            ),
            ("C3", "Mục tiêu chất lượng đạt được", 6, Metric.OBJECTIVES_MET, Rule.PROPORTIONAL, []),
        ],
    ),
    (
        "D",
        "Đánh giá nội bộ",
        [
            ("D1", "Tổ chức đánh giá nội bộ trong năm", 6, Metric.INTERNAL_AUDIT, Rule.YES_NO, []),
            (
                "D2",
                "Kế hoạch, danh mục kiểm tra, phát hiện và báo cáo đánh giá đầy đủ; các quy trình được "
                "đánh giá trong chu kỳ",
                6,
                "",
                "",
                [],
            ),
        ],
    ),
    (
        "E",
        "Sự không phù hợp và hành động khắc phục",
        [
            (
                "E1",
                "Sự không phù hợp được khắc phục đúng hạn",
                8,
                Metric.NC_CLOSED_ON_TIME,
                Rule.PROPORTIONAL,
                [],
            ),
            (
                "E2",
                "Báo cáo khắc phục sau kiểm tra của tỉnh trong vòng 2 tháng",
                5,
                Metric.INSPECTION_FOLLOWUP,
                Rule.YES_NO,
                [],
            ),
        ],
    ),
    (
        "F",
        "Xem xét của lãnh đạo",
        [
            ("F1", "Tổ chức xem xét của lãnh đạo trong năm", 6, Metric.MANAGEMENT_REVIEW, Rule.YES_NO, []),
            (
                "F2",
                "Các quyết định sau xem xét được thực hiện đúng hạn",
                4,
                Metric.REVIEW_ACTIONS,
                Rule.PROPORTIONAL,
                [],
            ),
        ],
    ),
    (
        "G",
        "Công bố và công khai",
        [
            (
                "G1",
                "Công bố HTQLCL phù hợp TCVN ISO 9001:2015 còn hiệu lực; người đứng đầu xác nhận hiệu lực",
                4,
                Metric.DECLARATION,
                Rule.YES_NO,
                [],
            ),
            (
                "G2",
                "Thông báo bằng văn bản cho cơ quan chủ trì; niêm yết tại trụ sở "
                "và đăng trên trang thông tin điện tử",
                3,
                "",
                "",
                [],
            ),
            (
                "G3",
                "Công bố lại khi có thay đổi phạm vi (kể cả sắp xếp tổ chức)",
                3,
                Metric.REDECLARED,
                Rule.YES_NO,
                [],
            ),
        ],
    ),
    (
        "H",
        "Cải tiến và báo cáo",
        [
            ("H1", "Giải quyết phản ánh, kiến nghị; thực hiện cải tiến", 3, "", "", []),
            ("H2", "Nộp tự đánh giá đúng thời hạn của tỉnh", 2, Metric.SELF_ASSESSMENT, Rule.YES_NO, []),
        ],
    ),
]

# (label, lower bound, inclusive)
BANDS = [
    ("Rất tốt", 90, True),
    ("Tốt", 80, True),
    ("Khá", 70, True),
    ("Trung bình", 50, True),
    ("Yếu", 0, True),
]


@transaction.atomic
def create_default_rubric(province, year: int, *, name: str = NAME, **fields) -> Rubric:
    """A draft rubric with the default groups, criteria and bands; publish it to use it."""
    rubric = Rubric.objects.create(province=province, year=year, name=name, **fields)
    for group_order, (group_code, title, criteria) in enumerate(GROUPS, start=1):
        group = CriterionGroup.objects.create(rubric=rubric, code=group_code, title=title, order=group_order)
        Criterion.objects.bulk_create(
            Criterion(
                rubric=rubric,
                group=group,
                code=code,
                text=text,
                max_points=Decimal(maximum),
                metric=metric,
                rule=rule,
                thresholds=thresholds,
                order=order,
            )
            for order, (code, text, maximum, metric, rule, thresholds) in enumerate(criteria, start=1)
        )
    Band.objects.bulk_create(
        Band(rubric=rubric, label=label, lower_bound=Decimal(bound), inclusive=inclusive)
        for label, bound, inclusive in BANDS
    )
    return rubric
