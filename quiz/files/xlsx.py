"""A small streaming XLSX writer: sheets of plain rows, a bold frozen header, date cells, nothing else.

openpyxl builds an object per cell and needs minutes for a 700,000-row winner
list; this writes the sheet XML straight into the zip as rows arrive.
Strings are inline (no shared-string table), which every spreadsheet reads.
"""
from __future__ import annotations

import queue
import re
import threading
import zipfile
from typing import IO, Iterable
from xml.sax.saxutils import escape

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class XlsxDate(float):
    """A date-time cell: an Excel serial date (days since 1899-12-30, wall time), written with a date style
    (yyyy-mm-dd hh:mm:ss) so spreadsheets sort and format it as a date (quiz.timeutil.excel_serial)."""

    __slots__ = ()


_DATE_STYLE = ' s="2"'

_CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                  '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                  '<Default Extension="xml" ContentType="application/xml"/>'
                  '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                  'spreadsheetml.sheet.main+xml"/>'
                  '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                  'spreadsheetml.styles+xml"/>{sheets}</Types>')
_SHEET_TYPE = ('<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-'
               'officedocument.spreadsheetml.worksheet+xml"/>')
_ROOT_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
              '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
              'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_STYLES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
           '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
           '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
           '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
           '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
           '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
           '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
           '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
           '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
           '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
           '</styleSheet>')


def _cell(value, style: str = "") -> str:
    """One cell. No ``r`` reference: cells without one follow each other (an empty one is ``<c/>``)."""
    if value is None or value == "":
        return "<c/>"
    if isinstance(value, bool):
        return f'<c{style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, XlsxDate):
        return f"<c{style or _DATE_STYLE}><v>{float(value)!r}</v></c>"
    if isinstance(value, (int, float)):
        return f"<c{style}><v>{value}</v></c>"
    text = escape(_ILLEGAL.sub("", str(value)))
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _sheet(out: IO[bytes], header: list, rows: Iterable[list]) -> None:
    out.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetViews>'
              b'<sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
              b'state="frozen"/></sheetView></sheetViews><sheetData>')
    out.write(("<row>" + "".join(_cell(v, ' s="1"') for v in header) + "</row>").encode())
    buffer = []
    for row in rows:
        # The hot loop of big exports: _cell's work inlined, escaping only what needs it.
        parts = ["<row>"]
        for v in row:
            kind = type(v)
            if kind is int or kind is float:
                parts.append(f"<c><v>{v}</v></c>")
            elif kind is XlsxDate:
                parts.append(f'<c s="2"><v>{float(v)!r}</v></c>')
            elif kind is not str or not v:
                parts.append(_cell(v))
            else:
                if not v.isprintable():
                    v = _ILLEGAL.sub("", v)
                if "&" in v or "<" in v or ">" in v:
                    v = escape(v)
                space = ' xml:space="preserve"' if v[:1].isspace() or v[-1:].isspace() else ""
                parts.append(f'<c t="inlineStr"><is><t{space}>{v}</t></is></c>')
        parts.append("</row>")
        buffer.append("".join(parts))
        if len(buffer) >= 5000:
            out.write("".join(buffer).encode())
            buffer.clear()
    out.write("".join(buffer).encode())
    out.write(b"</sheetData></worksheet>")


class _Deflater:
    """Writes to a zip entry from a thread of its own: zlib compresses without the GIL,
    so a big sheet is compressed on the second core while the next rows are built."""

    def __init__(self, out: IO[bytes]):
        self.queue: queue.Queue = queue.Queue(maxsize=16)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(out,), daemon=True)
        self.thread.start()

    def _run(self, out: IO[bytes]) -> None:
        while (chunk := self.queue.get()) is not None:
            if self.error is None:
                try:
                    out.write(chunk)
                except BaseException as exc:  # reported by close(), in the caller's thread
                    self.error = exc

    def write(self, chunk: bytes) -> None:
        self.queue.put(chunk)

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


def write_workbook(target: IO[bytes], sheets: list[tuple[str, list, Iterable[list]]]) -> None:
    """Write sheets of (name, header, rows) as an .xlsx file to a binary stream."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES.format(
            sheets="".join(_SHEET_TYPE.format(n=n) for n in range(1, len(sheets) + 1))))
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr("xl/styles.xml", _STYLES)
        zf.writestr("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
                    + "".join(f'<sheet name="{escape(name[:31])}" sheetId="{n}" r:id="rId{n}"/>'
                              for n, (name, _h, _r) in enumerate(sheets, start=1)) + "</sheets></workbook>")
        zf.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                    + "".join(f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/'
                              f'2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>'
                              for n in range(1, len(sheets) + 1))
                    + f'<Relationship Id="rId{len(sheets) + 1}" Type="http://schemas.openxmlformats.org/'
                      'officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>')
        for n, (_name, header, rows) in enumerate(sheets, start=1):
            with zf.open(f"xl/worksheets/sheet{n}.xml", "w", force_zip64=True) as out:
                deflater = _Deflater(out)
                try:
                    _sheet(deflater, header, rows)
                finally:
                    deflater.close()
