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


def number(n: int) -> str:
    """15.900 (Vietnamese thousands)."""
    return f"{n:,}".replace(",", ".")


def share(x: float) -> str:
    """0.159 -> 15,90%."""
    return f"{x * 100:.2f}%".replace(".", ",")


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
    collective_rule: str = "participants"  # the rule the units were ranked by


def _chart(kind: str, stats: dict) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 2.6), dpi=110)
    ax = fig.subplots()
    if kind == "histogram":
        scores = list(stats["histogram"])
        ax.bar([int(s) for s in scores], [stats["histogram"][s] for s in scores], color="#9e1c23")
        ax.set_xlabel("Điểm")
        ax.set_ylabel("Số lượt thi")
    else:
        days = stats["attempts_per_day"]
        ax.plot(range(len(days)), [d["attempts"] for d in days], color="#9e1c23", marker="o", markersize=3)
        step = max(1, len(days) // 8)
        ax.set_xticks(range(0, len(days), step))
        ax.set_xticklabels([f'{d["date"][8:10]}/{d["date"][5:7]}' for d in days[::step]], fontsize=8)
        ax.set_ylabel("Số lượt thi")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    out = BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


class _Pdf(FPDF):
    def footer(self):
        self.set_y(-28)
        self.set_font("dv", "", 8)
        self.cell(0, 10, f"Trang {self.page_no()}/{{nb}}", align="C")


def render(d: ReportData) -> bytes:
    pdf = _Pdf("P", "pt", "A4")
    pdf.set_title("Báo cáo tổng kết cuộc thi")
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
    mc(24, "BÁO CÁO TỔNG KẾT CUỘC THI", align="C")
    pdf.set_font("dv", "B", 13)
    mc(18, nfc(d.contest) + (f" – {nfc(d.round_title)}" if d.round_title else ""), align="C")
    pdf.set_font("dv", "", 9)
    mc(13, f"Lập lúc {d.made_at} (giờ Việt Nam)", align="C")

    heading("1. Số liệu chung")
    best = s["best_attempts"]
    lines = [
        f"Số người dự thi: {number(s['participants'])}",
        f"Số lượt thi: {number(s['attempts'])}",
        f"Số lượt đạt điểm tối đa ({s['question_count']}/{s['question_count']}): "
        f"{number(s['perfect']['count'])}, chiếm {share(s['perfect']['share'])} số lượt thi",
        f"Số lượt đạt từ {s['at_least']['threshold']} điểm trở lên: {number(s['at_least']['count'])}, "
        f"chiếm {share(s['at_least']['share'])} số lượt thi",
        f"Số người đạt điểm tối đa: {number(best['perfect']['count'])}, chiếm {share(best['perfect']['share'])} "
        f"số người dự thi",
        f"Số người đạt từ {best['at_least']['threshold']} điểm trở lên: {number(best['at_least']['count'])}, "
        f"chiếm {share(best['at_least']['share'])} số người dự thi",
    ]
    if s["mean"] is not None:
        lines.append(f"Điểm trung bình: {s['mean']:.2f}".replace(".", ",") +
                     f"; trung vị: {s['median']:.1f}".replace(".", ","))
    for line in lines:
        para("• " + line)

    heading("2. Phân bố điểm")
    pdf.image(BytesIO(_chart("histogram", s)), w=pdf.epw)
    heading("3. Số lượt thi theo ngày")
    if s["attempts_per_day"]:
        pdf.image(BytesIO(_chart("days", s)), w=pdf.epw)
    else:
        para("Chưa có lượt thi nào.")

    heading("4. Theo địa phương")
    table(["Địa phương", "Người dự thi", "Lượt thi", "Điểm TB", "Điểm tối đa"],
          [(r["name"] or "(không ghi)", number(r["participants"]), number(r["attempts"]),
            f"{r['mean']:.2f}".replace(".", ","), number(r["perfect"])) for r in s["by_locality"][:40]],
          (40, 15, 15, 15, 15))
    heading("5. Theo đơn vị")
    table(["Đơn vị", "Người dự thi", "Lượt thi", "Điểm TB", "Điểm tối đa"],
          [(r["name"] or "(không ghi)", number(r["participants"]), number(r["attempts"]),
            f"{r['mean']:.2f}".replace(".", ","), number(r["perfect"])) for r in s["by_unit"][:40]],
          (40, 15, 15, 15, 15))

    heading("6. Giải cá nhân")
    if not d.frozen:
        para("Lưu ý: bảng xếp hạng chưa được chốt chính thức; danh sách dưới đây là tạm tính.")
    if d.winners:
        table(["Hạng", "Họ và tên", "Đơn vị", "Địa phương", "Điểm", "Giải"],
              [(rank, name, unit, locality, f"{score}/{total}", prize)
               for rank, name, unit, locality, score, total, prize in d.winners],
              (8, 26, 26, 16, 10, 14))
    else:
        para("Chưa có người đạt giải.")
    heading("7. Giải tập thể: " + COLLECTIVE_RULES[d.collective_rule])
    if d.units:
        table(["Hạng", "Đơn vị", "Người dự thi", "Tỷ lệ tham gia", "Điểm TB", "Giải"],
              [(u.rank, u.unit, number(u.participants), "" if u.rate is None else share(u.rate),
                f"{u.mean_best:.2f}".replace(".", ","), u.prize) for u in d.units],
              (8, 36, 14, 14, 14, 14))
    else:
        para("Chưa có đơn vị nào được xếp hạng.")
    heading("8. Mã băm của bảng xếp hạng")
    para(("Bảng xếp hạng đã chốt" if d.frozen else "Bảng xếp hạng tạm tính") +
         ", mã SHA-256 (dùng để đối chiếu danh sách công bố):")
    pdf.set_font("dv", "", 9)
    mc(13, d.digest)
    return bytes(pdf.output())


def ceremony_report(s, contest, rnd, org: str) -> bytes:
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
    return render(ReportData(org, contest.title, round_title(rnd), stats, winners,
                             collective.winners(units, settings), result.frozen, result.digest, made_at,
                             settings.rule))
