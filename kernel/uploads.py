"""Safe PDF uploads (docs/security-checks.md F29–F32), for every upload that must be a PDF document.

An upload is judged by its content only, never by its name or the content type the browser sent:

* at most `max_bytes` bytes, and not empty;
* it starts with the PDF magic `%PDF-` and has an `%%EOF` marker near its end (a cheap first gate);
* it parses as a PDF (pypdf): a cross-reference table or stream, a document catalogue and at least one page,
  and every object in the file can be read — objects inside compressed object streams included;
* it is not encrypted (a password-protected or encrypted file cannot be checked, and may not open for the
  other parties);
* it has no active content anywhere in its object graph: no JavaScript (`/JS`, `/JavaScript` in the names
  tree or in an action), no Launch actions (start a program), no embedded files (`/EmbeddedFiles`, `/EF`,
  `/EmbeddedFile`), no RichMedia (Flash, video with scripts), no XFA forms. `/OpenAction` and `/AA` are
  refused when, and because, they hold such an action; an opening view or a link stays allowed.

The object graph is walked as pypdf reads it, because bytes alone miss what sits in compressed object streams
or hides behind name escapes (`/J#61vaScript`); a scan of the raw bytes for `/JavaScript` and `/JS` stays as a
second belt for objects outside the cross-reference table, which a lenient viewer may still find.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from collections.abc import Iterator
from typing import IO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, PdfObject

PDF_MAGIC = b"%PDF-"
EOF_WINDOW = 2048  # `%%EOF` must appear within the last bytes (trailing whitespace and NULs are common)
# More objects than any honest document of 10 MB has (a 300-page report has a few thousand): past this the
# check itself would take too long, so the file is refused.
MAX_OBJECTS = 200_000

# Keys that carry active content wherever they are.
ACTIVE_KEYS = frozenset(
    {
        "/JS",  # an action's script
        "/JavaScript",  # the document-level scripts in the names tree
        "/EmbeddedFiles",  # the names tree of attached files
        "/EF",  # a file specification's embedded file streams
        "/RichMediaContent",
        "/RichMediaSettings",
        "/XFA",  # an XML Forms Architecture form (scriptable) in the AcroForm dictionary
    }
)
# Names that, as a value (/S of an action, /Type or /Subtype of an object), mean active content.
ACTIVE_NAMES = frozenset(
    {
        "/JavaScript",  # /S /JavaScript: a script action, in /OpenAction, /AA, a link or a form field
        "/Launch",  # /S /Launch: start a program or open a file
        "/EmbeddedFile",  # /Type /EmbeddedFile: an attached file's stream
        "/GoToE",  # go to an embedded document
        "/RichMedia",  # /Subtype /RichMedia annotation
        "/RichMediaExecute",
    }
)
_RAW_ACTIVE = re.compile(rb"/J(?:avaScript|S)(?![A-Za-z0-9#._-])")

logger = logging.getLogger(__name__)


def _refuse_format() -> ValidationError:
    return ValidationError(_("Upload the document as a PDF file."), code="document_format")


def _refuse_unreadable() -> ValidationError:
    return ValidationError(
        _("The PDF file cannot be read: it may be damaged. Save or export it as a PDF again and upload that file."),
        code="document_unreadable",
    )


def _refuse_encrypted() -> ValidationError:
    return ValidationError(
        _("The PDF file is encrypted or protected by a password. Upload a copy without protection."),
        code="document_encrypted",
    )


def _refuse_active() -> ValidationError:
    return ValidationError(
        _(
            "The PDF file contains scripts, attached files or interactive forms, which are not allowed. "
            "Print or export it to a new PDF without them and upload that file."
        ),
        code="document_active_content",
    )


def validate_pdf(upload: IO[bytes], *, max_bytes: int, size: int | None = None) -> None:
    """Raise ValidationError, with a message for the person uploading, unless `upload` is a PDF document
    without active content of at most `max_bytes` bytes. Leaves the upload at its start."""
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
    if size > max_bytes:
        raise ValidationError(
            _("The file is too large: at most %(mb)s MB.") % {"mb": max_bytes // (1024 * 1024)},
            code="document_too_large",
        )
    if size == 0:
        raise ValidationError(_("The file is empty."), code="document_empty")
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    upload.seek(0)
    if len(data) > max_bytes:
        raise ValidationError(
            _("The file is too large: at most %(mb)s MB.") % {"mb": max_bytes // (1024 * 1024)},
            code="document_too_large",
        )
    if not data.startswith(PDF_MAGIC) or b"%%EOF" not in data[-EOF_WINDOW:]:
        raise _refuse_format()
    if _RAW_ACTIVE.search(data):
        raise _refuse_active()
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise _refuse_encrypted()
        if len(reader.pages) == 0:  # reads the catalogue and the page tree; a document has a page
            raise _refuse_unreadable()
        for obj in _all_objects(reader):
            if _is_active(obj):
                raise _refuse_active()
    except ValidationError:
        raise
    except Exception as error:  # pypdf's PdfReadError and the errors of a parser fed hostile bytes alike
        logger.info("PDF upload refused as unreadable: %s", type(error).__name__)
        raise _refuse_unreadable() from None


def clean_display_name(name: str) -> str:
    """The uploaded file's name for display only: no directories, no control or bidi-override characters,
    at most 100 characters, ending in .pdf."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")  # Cc, Cf (RLO…), Cs, Co, Cn
    name = re.sub(r"\s+", " ", name).strip()
    stem = re.sub(r"\.pdf$", "", name, flags=re.IGNORECASE).strip(" .")[:96].strip(" .")
    return f"{stem or _('document')}.pdf"


def _all_objects(reader: PdfReader) -> Iterator[PdfObject]:
    """Every object in the file: the trailer, each object of the cross-reference table or stream (those in
    compressed object streams too), and each object reachable from those, with the dictionaries and arrays
    nested in them. Each indirect object once."""
    seen: set[tuple[int, int]] = set()
    pending: list[PdfObject] = [reader.trailer]
    for generation, table in reader.xref.items():
        pending.extend(IndirectObject(idnum, generation, reader) for idnum in table)
    pending.extend(IndirectObject(idnum, 0, reader) for idnum in reader.xref_objStm)
    while pending:
        obj = pending.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            if len(seen) > MAX_OBJECTS:
                raise _refuse_unreadable()
            resolved = reader.get_object(obj)
            if resolved is None:
                continue
            obj = resolved
        yield obj
        if isinstance(obj, DictionaryObject):  # a stream's dictionary too
            pending.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            pending.extend(obj)


def _is_active(obj: PdfObject) -> bool:
    """A dictionary with an active key, or an active name anywhere (the /S of an action, the /Type of an
    embedded file's stream — whether written in place or as an indirect object)."""
    if isinstance(obj, NameObject):
        return obj in ACTIVE_NAMES
    if isinstance(obj, DictionaryObject):
        return any(key in ACTIVE_KEYS for key in obj)
    return False
