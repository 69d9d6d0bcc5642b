"""The ceremony report as a PDF (fpdf2, charts by matplotlib's Agg backend, DejaVu Sans from matplotlib's
package): the statistics report's figures, the histogram and attempts per day, tables by locality and by
unit, the individual winners, the collective winners by the contest's rule and the ranking's digest.

Everything comes from the statistics' counters (quiz.contest.stats) and the ranking's prize places, so a
million attempts cost no more than a thousand."""
from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from fpdf import FPDF

from quiz.contest.collective import LABELS as COLLECTIVE_RULES
from quiz.files.certificates import FONT_DIR, nfc
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


def _chart(kind: str, stats: dict, tr) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 2.6), dpi=110)
    ax = fig.subplots()
    if kind == "histogram":
        scores = list(stats["histogram"])
        ax.bar([int(s) for s in scores], [stats["histogram"][s] for s in scores], color="#9e1c23")
        ax.set_xlabel(tr(N_("Điểm")))
        ax.set_ylabel(tr(N_("Số lượt thi")))
    else:
        days = stats["attempts_per_day"]
        ax.plot(range(len(days)), [d["attempts"] for d in days], color="#9e1c23", marker="o", markersize=3)
        step = max(1, len(days) // 8)
        ax.set_xticks(range(0, len(days), step))
        ax.set_xticklabels([f'{d["date"][8:10]}/{d["date"][5:7]}' for d in days[::step]], fontsize=8)
        ax.set_ylabel(tr(N_("Số lượt thi")))
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    out = BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


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
    pdf.add_font("dv", "", FONT_DIR / "DejaVuSans.ttf")
    pdf.add_font("dv", "B", FONT_DIR / "DejaVuSans-Bold.ttf")
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
        pdf.set_font("dv", "B", 8.5)
        with pdf.table(col_widths=widths, text_align="LEFT", line_height=12, first_row_as_headings=True) as t:
            row = t.row()
            for h in head:
                row.cell(h)
            pdf.set_font("dv", "", 8.5)
            for values in rows:
                row = t.row()
                for v in values:
                    row.cell(nfc(str(v)))

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
    pdf.image(BytesIO(_chart("histogram", s, tr)), w=pdf.epw)
    heading(tr(N_("3. Số lượt thi theo ngày")))
    if s["attempts_per_day"]:
        pdf.image(BytesIO(_chart("days", s, tr)), w=pdf.epw)
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

    from quiz.contest import collective, ranking
    from quiz.contest.certificates import round_title, tiers_of
    from quiz.contest.prizes import prize_for, prize_places
    from quiz.contest.stats import contest_stats
    from quiz.infra.database import reading
    from quiz.models import utcnow

    with reading(s):
        stats = contest_stats(s, contest, rnd, with_items=False)
    tiers = tiers_of(contest, rnd)
    result = ranking.ranking(s, contest, rnd, limit=min(prize_places(tiers) or 10, 1000))
    winners = [(r.rank, r.full_name, r.unit, r.locality, r.score, r.total, prize_for(r.rank, tiers))
               for r in result.rows]
    settings, units = collective.collective(s, contest, rnd)
    made_at = utcnow().astimezone(timezone(timedelta(hours=7))).strftime("%H:%M %d/%m/%Y")
    words = words or Wording()
    return render(ReportData(org, contest.title, round_title(rnd, words.tr), stats, winners,
                             collective.winners(units, settings), result.frozen, result.digest, made_at, words,
                             settings.rule))
