#!/usr/bin/env python3
"""gen-services.py N [URL_BASE] [PROBES...]: a targets_file (CSV) of N online
services of a province, with Vietnamese titles and departments, on stdout.

URL_BASE (default https://dvc.province.example) gets /svc/K appended. With
probe names, every fifth row is checked by the first probe only and every
seventh by the second only (when given); the rest by every probe."""
import csv
import sys

DEPTS = ["Sở Y tế", "Sở Tư pháp", "Sở Xây dựng", "Sở Tài nguyên và Môi trường",
         "Sở Giáo dục và Đào tạo", "Sở Kế hoạch và Đầu tư",
         "Sở Thông tin và Truyền thông", "Sở Lao động – Thương binh và Xã hội",
         "Sở Giao thông vận tải", "Sở Nông nghiệp và Phát triển nông thôn",
         "Sở Công Thương", "Sở Tài chính", "Sở Nội vụ", "Sở Văn hóa, Thể thao và Du lịch",
         "Sở Khoa học và Công nghệ", "Ban Quản lý các khu công nghiệp",
         "UBND huyện Đông Sơn", "UBND huyện Quảng Xương", "UBND thị xã Nghi Sơn",
         "UBND thành phố Sầm Sơn"]
ACTS = ["Cấp giấy phép", "Gia hạn giấy phép", "Đăng ký", "Cấp lại", "Điều chỉnh",
        "Xác nhận", "Thẩm định", "Công nhận", "Cấp đổi", "Thu hồi"]
OBJS = ["xây dựng nhà ở riêng lẻ", "kinh doanh vận tải", "hành nghề khám bệnh, chữa bệnh",
        "lý lịch tư pháp", "hộ kinh doanh", "quyền sử dụng đất", "hoạt động giáo dục",
        "lao động cho người nước ngoài", "bán lẻ thuốc", "tổ chức lễ hội",
        "khai thác khoáng sản", "an toàn thực phẩm", "phòng cháy chữa cháy",
        "biển quảng cáo", "đấu nối giao thông", "tàu cá", "trường mầm non tư thục",
        "văn phòng công chứng", "hợp tác xã", "nhà thuốc"]


def main():
    n = int(sys.argv[1])
    base = sys.argv[2] if len(sys.argv) > 2 else "https://dvc.province.example"
    probes = sys.argv[3:]
    w = csv.writer(sys.stdout, lineterminator="\r\n")
    w.writerow(["url", "title", "group", "probes"])
    for k in range(1, n + 1):
        title = "%s %s (thủ tục %d)" % (ACTS[k % len(ACTS)],
                                        OBJS[(k // len(ACTS)) % len(OBJS)], k)
        who = ""
        if probes and k % 5 == 0:
            who = probes[0]
        elif len(probes) > 1 and k % 7 == 0:
            who = probes[1]
        w.writerow(["%s/svc/%d" % (base, k), title, DEPTS[k % len(DEPTS)], who])


main()
