"""PDF files for upload tests, made here: real documents (pypdf, WeasyPrint) and documents with the active
content uploads refuse (JavaScript, Launch, embedded files, RichMedia, XFA), encrypted or broken ones."""

from __future__ import annotations

import io
import zlib
from functools import cache

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject


def _written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _one_page() -> PdfWriter:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    return writer


@cache
def blank_pdf() -> bytes:
    """A valid one-page PDF (pypdf)."""
    return _written(_one_page())


@cache
def document_pdf() -> bytes:
    """A valid PDF as a real document is: text with Swedish letters, an embedded font, a web link, compressed
    object streams and a cross-reference stream (WeasyPrint)."""
    import weasyprint

    html = "<h1>Överenskommelse om arbetsträning</h1><p>Parter: Returen Återbruk och Luleå kommun. "
    html += '<a href="https://example.se/avtal">Bilaga</a></p>'
    return weasyprint.HTML(string=html).write_pdf()


def with_catalog_entries(entries: dict[str, object]) -> bytes:
    """A one-page PDF whose catalogue has these entries (names and dictionaries as plain Python)."""
    writer = _one_page()
    for key, value in entries.items():
        writer.root_object[NameObject(key)] = _pdf_value(value)
    return _written(writer)


def _pdf_value(value: object):  # type: ignore[no-untyped-def]
    if isinstance(value, dict):
        return DictionaryObject({NameObject(k): _pdf_value(v) for k, v in value.items()})
    if isinstance(value, list):
        return ArrayObject(_pdf_value(v) for v in value)
    if isinstance(value, int):
        return NumberObject(value)
    if isinstance(value, str) and value.startswith("/"):
        return NameObject(value)
    return TextStringObject(str(value))


def open_action_javascript() -> bytes:
    return with_catalog_entries({"/OpenAction": {"/S": "/JavaScript", "/JS": "app.alert('hej')"}})


def document_level_javascript() -> bytes:
    """A script in the names tree, run by readers when the document opens."""
    script = {"/S": "/JavaScript", "/JS": "app.alert('hej');"}
    return with_catalog_entries({"/Names": {"/JavaScript": {"/Names": ["hej", script]}}})


def launch_action() -> bytes:
    return with_catalog_entries({"/OpenAction": {"/S": "/Launch", "/F": "calc.exe"}})


def page_additional_action_javascript() -> bytes:
    writer = _one_page()
    writer.pages[0][NameObject("/AA")] = _pdf_value({"/O": {"/S": "/JavaScript", "/JS": "app.alert(1)"}})
    return _written(writer)


def embedded_file() -> bytes:
    writer = _one_page()
    writer.add_attachment("lista.txt", b"namn;personnummer\n")
    return _written(writer)


def rich_media() -> bytes:
    writer = _one_page()
    writer.add_annotation(0, _pdf_value({"/Type": "/Annot", "/Subtype": "/RichMedia", "/Rect": [0, 0, 10, 10]}))
    return _written(writer)


def xfa_form() -> bytes:
    return with_catalog_entries({"/AcroForm": {"/Fields": [], "/XFA": "<xdp:xdp/>"}})


def encrypted(*, user_password: str, algorithm: str) -> bytes:
    writer = _one_page()
    writer.encrypt(user_password=user_password, owner_password="ägare", algorithm=algorithm)
    return _written(writer)


def truncated() -> bytes:
    data = document_pdf()
    return data[: len(data) // 2]


def header_and_trailer_around_garbage() -> bytes:
    """Passes a check of the first and last bytes only."""
    return b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"<html><script>alert(1)</script></html>\n%%EOF\n"


PAGES = [
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
]


def handmade(objects: list[bytes], *, in_object_stream: bool) -> bytes:
    """A PDF 1.5 file of these objects (numbered from 1), with a cross-reference stream, the objects either
    written plainly or all packed into one compressed object stream."""
    count = len(objects)
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    rows = [b"\x00" + (0).to_bytes(4, "big") + (65535).to_bytes(2, "big")]  # W [1 4 2]: type, offset/stream, gen/index
    if in_object_stream:
        body, offsets = b"", []
        for obj in objects:
            offsets.append(len(body))
            body += obj + b"\n"
        header = b" ".join(b"%d %d" % (n, offset) for n, offset in enumerate(offsets, start=1)) + b"\n"
        packed = zlib.compress(header + body)
        stream_number = count + 1
        rows += [b"\x02" + stream_number.to_bytes(4, "big") + index.to_bytes(2, "big") for index in range(count)]
        rows.append(b"\x01" + len(out).to_bytes(4, "big") + b"\x00\x00")
        out += b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (
            stream_number,
            count,
            len(header),
            len(packed),
        )
        out += packed + b"\nendstream\nendobj\n"
        xref_number = count + 2
    else:
        for number, obj in enumerate(objects, start=1):
            rows.append(b"\x01" + len(out).to_bytes(4, "big") + b"\x00\x00")
            out += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
        xref_number = count + 1
    xref_offset = len(out)
    rows.append(b"\x01" + xref_offset.to_bytes(4, "big") + b"\x00\x00")
    table = zlib.compress(b"".join(rows))
    out += b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length %d >>\n" % (
        xref_number,
        xref_number + 1,
        len(table),
    )
    out += b"stream\n" + table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_offset
    return bytes(out)


def object_stream_without_script() -> bytes:
    return handmade([b"<< /Type /Catalog /Pages 2 0 R >>", *PAGES], in_object_stream=True)


def without_pages() -> bytes:
    return handmade(
        [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"], in_object_stream=False
    )


def javascript_in_object_stream() -> bytes:
    """An /OpenAction with JavaScript inside a compressed object stream: the raw bytes contain neither
    `/JavaScript` nor `/JS`."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        *PAGES,
        b"<< /S /JavaScript /JS (app.alert\\('hej'\\)) >>",
    ]
    return handmade(objects, in_object_stream=True)


def escaped_javascript_name() -> bytes:
    """`/J#61vaScript` and `/J#53` are `/JavaScript` and `/JS` written with name escapes: bytes alone do not
    show them."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /J#61vaScript /J#53 (app.alert\\(1\\)) >> >>",
        *PAGES,
    ]
    return handmade(objects, in_object_stream=False)
