"""The ceremony report as a PDF (fpdf2, DejaVu Sans from matplotlib's package cut to the letters it needs), in
Vietnamese or English (a quiz.i18n.Wording): the statistics report's figures, the histogram and attempts per day
as vector bar charts, tables by locality and by unit, the individual winners, the collective winners by the
contest's rule and the ranking's digest.

Everything comes from the statistics' counters (quiz.contest.stats) and the ranking's prize places, so a
million attempts cost no more than a thousand."""
from __future__ import annotations

from dataclasses import dataclass

from fpdf import FPDF

from quiz.contest.collective import LABELS as COLLECTIVE_RULES
from quiz.files.certificates import CHARS, font_file, nfc
from quiz.i18n import N_, Wording


@dataclass
class ReportData:
    org: str
    contest: str
    round_title: str | None
    stats: dict  # quiz.contest.stats.contest_stats without items
    winners: list  # (rank, name, unit, locality, score, total, prize)
    units: list  # the collective winners (quiz.contest.collective.UnitRow)
    frozen: bool
    digest: str
    made_at: str  # HH:MM dd/mm/yyyy, Viet Nam
    words: Wording = Wording()  # the report's language
    collective_rule: str = "participants"  # the rule the units were ranked by


def _bars(pdf: FPDF, values: list, labels: list, x_title: str, number, height: float = 150) -> None:
    """A bar chart drawn as vector paths at the current position (milliseconds, where a matplotlib image took
    most of a second): bars, the 0 and largest values on the y axis, at most a dozen x labels."""
    left, top, width = pdf.l_margin + 36, pdf.get_y() + 6, pdf.epw - 40
    peak = max(values, default=0) or 1
    pdf.set_draw_color(120, 120, 120)
    pdf.set_line_width(0.5)
    pdf.line(left, top + height, left + width, top + height)
    pdf.line(left, top, left, top + height)
    pdf.set_font("dv", "", 7.5)
    for value, y in ((0, top + height), (peak, top)):
        text = number(value)
        pdf.text(left - 4 - pdf.get_string_width(text), y + 2.5, text)
    slot = width / max(len(values), 1)
    step = max(1, -(-len(values) // 12))
    pdf.set_fill_color(158, 28, 35)
    for i, (value, label) in enumerate(zip(values, labels, strict=True)):
        bar = height * value / peak
        if bar > 0:
            pdf.rect(left + i * slot + slot * 0.15, top + height - bar, slot * 0.7, bar, style="F")
        if i % step == 0:
            pdf.text(left + (i + 0.5) * slot - pdf.get_string_width(label) / 2, top + height + 10, label)
    pdf.text(left + width / 2 - pdf.get_string_width(x_title) / 2, top + height + 22, x_title)
    pdf.set_xy(pdf.l_margin, top + height + 28)


def _unusual_letters(d: ReportData) -> str:
    """The report's letters beyond ASCII and Vietnamese, added to the font's subset (DejaVu Sans cut down once
    per process: parsing and subsetting the whole font took a second a report)."""
    texts = [d.org, d.contest, d.round_title or ""]
    texts += [str(v) for row in d.winners for v in row] + [str(u.unit) for u in d.units]
    texts += [r["name"] or "" for key in ("by_locality", "by_unit") for r in d.stats[key][:40]]
    return "".join(sorted(set(nfc("".join(texts))) - set(CHARS)))


def _fit(pdf: FPDF, text: str, width: float) -> str:
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


class _Pdf(FPDF):
    tr = staticmethod(Wording().tr)

    def footer(self):
        self.set_y(-28)
        self.set_font("dv", "", 8)
        self.cell(0, 10, self.tr(N_("Trang %(page)s/%(pages)s"), page=self.page_no(), pages="{nb}"), align="C")


def render(d: ReportData) -> bytes:
    w = d.words
    tr, number = w.tr, w.number
    pdf = _Pdf("P", "pt", "A4")
    pdf.tr = tr
    pdf.set_title(tr(N_("Báo cáo tổng kết cuộc thi")))
    extra = _unusual_letters(d)
    pdf.add_font("dv", "", font_file("DejaVuSans.ttf", extra))
    pdf.add_font("dv", "B", font_file("DejaVuSans-Bold.ttf", extra))
    pdf.set_margins(48, 48, 48)
    pdf.set_auto_page_break(True, 48)
    pdf.add_page()
    s = d.stats

    def mc(height: float, text: str, **kw) -> None:
        pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT", **kw)

    def heading(text: str, size: int = 13) -> None:
        pdf.ln(8)
        pdf.set_font("dv", "B", size)
        mc(size + 5, nfc(text))
        pdf.ln(2)

    def para(text: str, size: int = 10) -> None:
        pdf.set_font("dv", "", size)
        mc(size + 4, nfc(text))

    def table(head: list, rows: list, widths: list) -> None:
        """One line a row, cells cut to their width with an ellipsis (fpdf2's table() wraps every cell: seconds
        for a few hundred rows)."""
        sizes = [pdf.epw * w / sum(widths) for w in widths]
        for style, values in [("B", head), *(("", r) for r in rows)]:
            pdf.set_font("dv", style, 8.5)
            if pdf.will_page_break(14):
                pdf.add_page()
            for size, value in zip(sizes, values, strict=True):
                pdf.cell(size, 14, _fit(pdf, nfc(str(value)), size - 4), border=1)
            pdf.ln(14)

    pdf.set_font("dv", "B", 11)
    mc(15, nfc(d.org).upper(), align="C")
    pdf.ln(6)
    pdf.set_font("dv", "B", 18)
    mc(24, tr(N_("BÁO CÁO TỔNG KẾT CUỘC THI")), align="C")
    pdf.set_font("dv", "B", 13)
    mc(18, nfc(d.contest) + (f" – {nfc(d.round_title)}" if d.round_title else ""), align="C")
    pdf.set_font("dv", "", 9)
    mc(13, tr(N_("Lập lúc %(at)s (giờ Việt Nam)"), at=d.made_at), align="C")

    heading(tr(N_("1. Số liệu chung")))
    for line in _general_figures(s, w):
        para("• " + line)

    heading(tr(N_("2. Phân bố điểm")))
    _bars(pdf, list(s["histogram"].values()), list(s["histogram"]), tr(N_("Điểm")), number)
    heading(tr(N_("3. Số lượt thi theo ngày")))
    if s["attempts_per_day"]:
        days = s["attempts_per_day"]
        _bars(pdf, [d["attempts"] for d in days], [f'{d["date"][8:10]}/{d["date"][5:7]}' for d in days],
              tr(N_("Ngày")), number)
    else:
        para(tr(N_("Chưa có lượt thi nào.")))

    heads = [tr(N_("Người dự thi")), tr(N_("Lượt thi")), tr(N_("Điểm TB")), tr(N_("Điểm tối đa"))]
    unnamed = tr(N_("(không ghi)"))
    heading(tr(N_("4. Theo địa phương")))
    table([tr(N_("Địa phương")), *heads],
          [(r["name"] or unnamed, number(r["participants"]), number(r["attempts"]),
            w.decimal(r["mean"]), number(r["perfect"])) for r in s["by_locality"][:40]],
          (40, 15, 15, 15, 15))
    heading(tr(N_("5. Theo đơn vị")))
    table([tr(N_("Đơn vị")), *heads],
          [(r["name"] or unnamed, number(r["participants"]), number(r["attempts"]),
            w.decimal(r["mean"]), number(r["perfect"])) for r in s["by_unit"][:40]],
          (40, 15, 15, 15, 15))

    heading(tr(N_("6. Giải cá nhân")))
    if not d.frozen:
        para(tr(N_("Lưu ý: bảng xếp hạng chưa được chốt chính thức; danh sách dưới đây là tạm tính.")))
    if d.winners:
        table([tr(N_("Hạng")), tr(N_("Họ và tên")), tr(N_("Đơn vị")), tr(N_("Địa phương")), tr(N_("Điểm")),
               tr(N_("Giải"))],
              [(rank, name, unit, locality, f"{score}/{total}", prize)
               for rank, name, unit, locality, score, total, prize in d.winners],
              (8, 26, 26, 16, 10, 14))
    else:
        para(tr(N_("Chưa có người đạt giải.")))
    heading(tr(N_("7. Giải tập thể: %(rule)s"), rule=tr(COLLECTIVE_RULES[d.collective_rule])))
    if d.units:
        table([tr(N_("Hạng")), tr(N_("Đơn vị")), tr(N_("Người dự thi")), tr(N_("Tỷ lệ tham gia")), tr(N_("Điểm TB")),
               tr(N_("Giải"))],
              [(u.rank, u.unit, number(u.participants), "" if u.rate is None else w.share(u.rate),
                w.decimal(u.mean_best), u.prize) for u in d.units],
              (8, 36, 14, 14, 14, 14))
    else:
        para(tr(N_("Chưa có đơn vị nào được xếp hạng.")))
    heading(tr(N_("8. Mã băm của bảng xếp hạng")))
    para(tr(N_("Bảng xếp hạng đã chốt, mã SHA-256 (dùng để đối chiếu danh sách công bố):")) if d.frozen else
         tr(N_("Bảng xếp hạng tạm tính, mã SHA-256 (dùng để đối chiếu danh sách công bố):")))
    pdf.set_font("dv", "", 9)
    mc(13, d.digest)
    return bytes(pdf.output())


def _general_figures(s: dict, w: Wording) -> list[str]:
    tr, number, share, best = w.tr, w.number, w.share, s["best_attempts"]
    lines = [
        tr(N_("Số người dự thi: %(n)s"), n=number(s["participants"])),
        tr(N_("Số lượt thi: %(n)s"), n=number(s["attempts"])),
        tr(N_("Số lượt đạt điểm tối đa (%(total)s/%(total)s): %(n)s, chiếm %(share)s số lượt thi"),
           total=s["question_count"], n=number(s["perfect"]["count"]), share=share(s["perfect"]["share"])),
        tr(N_("Số lượt đạt từ %(threshold)s điểm trở lên: %(n)s, chiếm %(share)s số lượt thi"),
           threshold=s["at_least"]["threshold"], n=number(s["at_least"]["count"]), share=share(s["at_least"]["share"])),
        tr(N_("Số người đạt điểm tối đa: %(n)s, chiếm %(share)s số người dự thi"),
           n=number(best["perfect"]["count"]), share=share(best["perfect"]["share"])),
        tr(N_("Số người đạt từ %(threshold)s điểm trở lên: %(n)s, chiếm %(share)s số người dự thi"),
           threshold=best["at_least"]["threshold"], n=number(best["at_least"]["count"]),
           share=share(best["at_least"]["share"])),
    ]
    if s["mean"] is not None:
        lines.append(tr(N_("Điểm trung bình: %(mean)s; trung vị: %(median)s"), mean=w.decimal(s["mean"]),
                        median=w.decimal(s["median"], 1)))
    return lines


def ceremony_report(s, contest, rnd, org: str, words: Wording | None = None) -> bytes:
    """The report of a contest or one of its rounds (a read: nothing is written)."""
    from datetime import timedelta, timezone

    from quiz.contest import collective
    from quiz.contest.ceremony import ceremony
    from quiz.contest.certificates import round_title
    from quiz.models import utcnow

    c = ceremony(s, contest, rnd)
    winners = [(w.rank, w.full_name, w.unit, w.locality, w.score, w.total, w.prize) for w in c.winners]
    settings, units = collective.collective(s, contest, rnd)
    made_at = utcnow().astimezone(timezone(timedelta(hours=7))).strftime("%H:%M %d/%m/%Y")
    words = words or Wording()
    return render(ReportData(org, contest.title, round_title(rnd, words.tr), c.stats, winners,
                             collective.winners(units, settings), c.frozen, c.digest, made_at, words,
                             settings.rule))
