"""Certificates as A4 PDFs (fpdf2, a QR code by segno, DejaVu Sans from matplotlib's package with its licence).

fpdf2 takes some 40 ms a page, mostly subsetting the font. 20,000 certificates must be written in under a
minute, so the page that is the same for everyone (border, organization, contest, round, title) is rendered
once per batch as a ``Template``, with a font subset holding every Vietnamese letter; each certificate is
that file plus an incremental update (PDF 1.3, section 7.5.6): a second content stream with the person's
own text (the same embedded font, so the name stays real, searchable text), the QR code as an image
(quiz.files.qr: tens of microseconds a code) and the page object pointing at both. A name with a letter outside
the subset gets a template of its own.
"""
from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.enums import TextMode

from quiz.files import qr
from quiz.i18n import N_, vietnamese

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT_LICENCE = FONT_DIR / "LICENSE_DEJAVU"
W, H = 595.28, 841.89  # A4 in points
_VIET = ("ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúýĂăĐđĨĩŨũƠơƯưẠạẢảẤấẦầẨẩẪẫẬậẮắ"
         "ẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹ")
CHARS = "".join(chr(c) for c in range(32, 127)) + _VIET + "–—“”‘’…·•«»°ÄÖÜäöüßÇçÑñ"
DEFAULT_ORG = N_("Ban tổ chức cuộc thi")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text or "")


@lru_cache(maxsize=16)
def font_file(name: str, extra: str = "") -> Path:
    """DejaVu Sans cut down to ASCII and Vietnamese (plus ``extra``): about 20 kB instead of 700; a file in
    the temporary directory (fpdf2 reads fonts from files), made once per process."""
    import hashlib
    import os
    import tempfile

    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(FONT_DIR / name)
    options = subset.Options()
    options.hinting = False
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=CHARS + extra)
    subsetter.subset(font)
    folder = Path(tempfile.gettempdir()) / f"quiz-fonts-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    key = hashlib.sha256((name + "\0" + extra).encode()).hexdigest()[:16]
    path = folder / f"{Path(name).stem}-{key}.ttf"
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    font.save(partial)
    partial.replace(path)  # atomic: another process may be writing the same file
    return path


@dataclass
class Stamp:
    """What differs from one certificate to the next."""
    name: str
    prize: str  # "" for participation
    rank: int | None
    score: int | None
    total: int | None
    date: str  # dd/mm/yyyy
    code: str
    url: str  # the verification address, also in the QR code


def _wrap(text: str, width: float, measure) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and measure(candidate) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return [*lines, line] if line else lines


class Template:
    """The page shared by a batch (same organization, contest, round and kind), rendered once."""

    def __init__(self, org: str, contest: str, round_title: str | None, kind: str, logo: bytes | None = None,
                 extra: str = "", tr=vietnamese):
        self.kind, self.tr = kind, tr
        # Letters of this page beyond ASCII and Vietnamese: into the font subset too.
        self.extra = "".join(sorted(set(nfc(extra + org + contest + (round_title or ""))) - set(CHARS)))
        self.letters = frozenset(CHARS + self.extra)
        pdf = FPDF("P", "pt", "A4")
        pdf.set_title(tr(N_("Giấy chứng nhận")))
        pdf.set_creator(tr(N_("Cuộc thi tìm hiểu Luật Hợp tác xã 2023")))
        pdf.add_page()
        pdf.add_font("dv", "", font_file("DejaVuSans.ttf", self.extra))
        pdf.add_font("dv", "B", font_file("DejaVuSans-Bold.ttf", self.extra))
        self.pdf = pdf
        pdf.set_draw_color(158, 28, 35)
        pdf.set_line_width(3)
        pdf.rect(24, 24, W - 48, H - 48)
        pdf.set_line_width(0.8)
        pdf.rect(34, 34, W - 68, H - 68)
        y = 90
        if logo:
            pdf.image(BytesIO(logo), x=W / 2 - 32, y=56, h=64, keep_aspect_ratio=True)
            y = 150
        pdf.set_text_color(158, 28, 35)
        for line in _wrap(nfc(org).upper(), W - 140, lambda t: self.width(t, 13, True)):
            self._center(line, y, 13, True)
            y += 18
        pdf.set_text_color(0, 0, 0)
        self._center(tr(N_("GIẤY CHỨNG NHẬN")), 215, 32, True)
        self._center(tr(N_("Ban tổ chức trân trọng chứng nhận")), 262, 14)
        self.name_y = 318
        y = 400 if kind == "prize" else 362
        self._center(tr(N_("đã đạt")) if kind == "prize" else tr(N_("đã tham gia và hoàn thành bài thi")), 362, 14)
        y = 440 if kind == "prize" else 402
        for line in _wrap(nfc(contest), W - 140, lambda t: self.width(t, 16, True)):
            self._center(line, y, 16, True)
            y += 22
        if round_title:
            self._center(nfc(round_title), y + 4, 14)
            y += 26
        self.detail_y = y + 24
        # Every letter the stamps may use, invisible, so the embedded subset holds them all.
        pdf.text_mode = TextMode.INVISIBLE
        for style in ("", "B"):
            pdf.set_font("dv", style, 8)
            pdf.text(40, 60, CHARS + self.extra)
        pdf.text_mode = TextMode.FILL
        self._prepare(bytes(pdf.output()))

    def width(self, text: str, size: float, bold: bool = False) -> float:
        font = self.pdf.fonts["dvB" if bold else "dv"]
        return sum(font.cw[ord(c)] for c in text) * size / 1000

    def _center(self, text: str, y: float, size: float, bold: bool = False) -> None:
        self.pdf.set_font("dv", "B" if bold else "", size)
        self.pdf.text((W - self.width(text, size, bold)) / 2, y, text)

    def covers(self, text: str) -> bool:
        return set(text) <= self.letters

    def _prepare(self, data: bytes) -> None:
        """Find what an incremental update needs: the page object, its content and resources, the trailer."""
        self.base = data
        self.prev = int(re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", data).group(1))
        trailer = re.search(rb"trailer\s*<<(.*?)>>\s*startxref", data, re.S).group(1)
        self.size = int(re.search(rb"/Size (\d+)", trailer).group(1))
        keep = [m.group(0) for m in re.finditer(rb"/(?:Root|Info) \d+ 0 R|/ID \[[^\]]*\]", trailer)]
        self.trailer_keep = b" ".join(keep)
        at = data.index(b"/Type /Page\n")
        start = data.rfind(b" 0 obj", 0, at)
        self.page_no = int(data[data.rfind(b"\n", 0, start) + 1:start])
        page = data[start + len(b" 0 obj"):data.index(b"endobj", at)].strip()
        contents = re.search(rb"/Contents (\d+ 0 R)", page).group(1)
        res_no = int(re.search(rb"/Resources (\d+) 0 R", page).group(1))
        res_at = data.index(b"\n%d 0 obj" % res_no) + 1
        resources = data[res_at:data.index(b"endobj", res_at)].split(b"obj", 1)[1].strip()
        if b"/XObject <<" in resources:
            self.resources = resources.replace(b"/XObject <<", b"/XObject << /QR {qr} 0 R", 1)
        else:
            self.resources = resources.replace(b"<<", b"<< /XObject << /QR {qr} 0 R >>", 1)
        self.page = re.sub(rb"/Contents \d+ 0 R", b"/Contents [" + contents + b" {content} 0 R]", page)
        self.page = re.sub(rb"/Resources \d+ 0 R", b"/Resources {res} 0 R", self.page)
        self.fonts = {bold: self.pdf.fonts["dvB" if bold else "dv"] for bold in (False, True)}

    def _text(self, text: str, y: float, size: float, bold: bool = False, x: float | None = None) -> str:
        text = nfc(text)
        if x is None:
            x = (W - self.width(text, size, bold)) / 2
        font = self.fonts[bold]
        return f"BT /F{font.i} {size:.2f} Tf {x:.2f} {H - y:.2f} Td {font.encode_text(text)} ET\n"

    def render(self, stamp: Stamp) -> bytes:
        """The certificate of one person: the template and an incremental update with their part."""
        ops = ["q 0 0 0 rg\n", "0.62 0.11 0.14 rg\n", self._text(stamp.name, self.name_y, 26, True), "0 0 0 rg\n"]
        if self.kind == "prize":
            ops.append("0.62 0.11 0.14 rg\n" + self._text(stamp.prize, 400, 24, True) + "0 0 0 rg\n")
        tr, details = self.tr, []
        if stamp.rank is not None and self.kind == "prize":
            details.append(tr(N_("Xếp hạng: %(rank)s"), rank=stamp.rank))
        if stamp.score is not None:
            details.append(tr(N_("Điểm: %(score)s/%(total)s"), score=stamp.score, total=stamp.total))
        if details:
            ops.append(self._text(" · ".join(details), self.detail_y, 13))
        ops.append(self._text(tr(N_("Ngày cấp: %(date)s"), date=stamp.date), self.detail_y + 22, 12))
        ops.append(self._text(tr(N_("Mã xác thực: %(code)s"), code=stamp.code), 700, 11, True, x=180))
        ops.append(self._text(tr(N_("Quét mã QR hoặc mở địa chỉ dưới đây để kiểm tra:")), 720, 9, x=180))
        ops.append(self._text(stamp.url, 736, 8, x=180))
        ops.append(f"q 110 0 0 110 60 {H - 760:.2f} cm /QR Do Q\nQ\n")
        content = zlib.compress("".join(ops).encode("latin-1"))
        side, qr_data = _qr_image(stamp.url)
        n = self.size
        objects = [
            (n, b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream"),
            (n + 1, b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
                    b"/BitsPerComponent 1 /Filter /FlateDecode /Length %d >>\nstream\n" % (side, side, len(qr_data))
             + qr_data + b"\nendstream"),
            (n + 2, self.resources.replace(b"{qr}", b"%d" % (n + 1))),
            (self.page_no, self.page.replace(b"{content}", b"%d" % n).replace(b"{res}", b"%d" % (n + 2))),
        ]
        out = bytearray(self.base)
        if not out.endswith(b"\n"):
            out += b"\n"
        offsets = {}
        for number, body in objects:
            offsets[number] = len(out)
            out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
        xref = len(out)
        out += b"xref\n"
        for number in sorted(offsets):
            out += b"%d 1\n%010d 00000 n \n" % (number, offsets[number])
        out += (b"trailer\n<< /Size %d %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
                % (n + 3, self.trailer_keep, self.prev, xref))
        return bytes(out)


def _qr_image(url: str) -> tuple[int, bytes]:
    """The QR code as a compressed 1-bit grey image (quiet zone of 4, 4 pixels a module; quiz.files.qr)."""
    side, rows = qr.image(url)
    return side, zlib.compress(rows)


class Renderer:
    """Certificates of one batch; templates made on first use (one per kind, one more per unusual name)."""

    def __init__(self, org: str, contest: str, round_title: str | None, logo: bytes | None = None,
                 tr=vietnamese):
        """``tr``: the translator of the certificates' language (quiz.i18n.vietnamese by default)."""
        self.args = (nfc(org) or tr(DEFAULT_ORG), contest, round_title)
        self.logo, self.tr = logo, tr
        self.templates: dict[str, Template] = {}

    def render(self, kind: str, stamp: Stamp) -> bytes:
        template = self.templates.get(kind)
        if template is None:
            template = self.templates[kind] = Template(*self.args, kind, self.logo, tr=self.tr)
        text = nfc(stamp.name + stamp.prize + stamp.url + stamp.code)
        if not template.covers(text):
            template = Template(*self.args, kind, self.logo, extra=text, tr=self.tr)
        return template.render(stamp)


def stamp_of(cert, base_url: str) -> Stamp:
    """What a certificate row prints (quiz.models.Certificate)."""
    from quiz.contest.certificates import issued_date

    return Stamp(cert.full_name, cert.prize, cert.rank, cert.score, cert.total, issued_date(cert.issued_at),
                 cert.code, verify_url(base_url, cert.code))


def verify_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/verify/{code}"


def file_name(cert, index: int | None = None) -> str:
    """An ASCII file name: 0001-giai-nhat-CODE.pdf, participation: 0001-tham-gia-CODE.pdf."""
    from quiz.search import fold

    label = re.sub(r"[^a-z0-9]+", "-", fold(cert.prize).lower()).strip("-") if cert.prize else "tham-gia"
    prefix = f"{index:05d}-" if index is not None else ""
    return f"{prefix}{label or 'giai'}-{cert.code}.pdf"


def write_zip(out, certs, renderer: Renderer, base_url: str, progress=None) -> int:
    """One PDF per certificate into the zip file object ``out`` (stored: PDFs are compressed already);
    ``progress(n)`` after each. Returns how many."""
    import zipfile

    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for i, cert in enumerate(certs, start=1):
            zf.writestr(file_name(cert, i), renderer.render(cert.kind, stamp_of(cert, base_url)))
            if progress:
                progress(1)
    return len(certs)
