"""kernel.uploads.validate_pdf, the one check of every PDF upload: whatever the bytes, it accepts or raises
ValidationError with a message, never anything else (which would be a 500). The refusals themselves, each with
its message and nothing stored, are tested through the agreement upload (tests/matchmaking/test_agreements.py)."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kernel.uploads import validate_pdf
from tests import pdfs

MAX = 10 * 1024 * 1024


def _outcome(data: bytes) -> str:
    try:
        validate_pdf(io.BytesIO(data), max_bytes=MAX)
    except ValidationError as error:
        return error.code or "refused"
    return "accepted"


def test_a_valid_pdf_is_accepted_and_left_at_its_start():
    upload = io.BytesIO(pdfs.document_pdf())
    upload.seek(100)
    validate_pdf(upload, max_bytes=MAX)
    assert upload.tell() == 0


def test_the_size_limit_is_the_callers():
    data = pdfs.blank_pdf()
    validate_pdf(io.BytesIO(data), max_bytes=len(data))
    with pytest.raises(ValidationError) as refused:
        validate_pdf(io.BytesIO(data), max_bytes=len(data) - 1)
    assert refused.value.code == "document_too_large"


def test_a_size_smaller_than_the_file_does_not_let_the_rest_through():
    """The size the browser reports is not trusted to be the number of bytes there are."""
    data = pdfs.blank_pdf() + b"\0" * 2000
    with pytest.raises(ValidationError) as refused:
        validate_pdf(io.BytesIO(data), max_bytes=len(data) - 1, size=10)
    assert refused.value.code == "document_too_large"


@pytest.mark.security("F29")
@pytest.mark.adversarial("F")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(middle=st.binary(max_size=4000))
def test_anything_between_a_pdf_header_and_trailer_is_refused_with_a_message(middle):
    assert _outcome(b"%PDF-1.7\n" + middle + b"\n%%EOF\n") != "accepted"


@pytest.mark.adversarial("F")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    source=st.sampled_from([pdfs.blank_pdf, pdfs.document_pdf, pdfs.object_stream_without_script]),
    edits=st.lists(st.tuples(st.floats(0, 1), st.binary(min_size=0, max_size=8), st.integers(0, 8)), max_size=6),
)
def test_a_damaged_pdf_is_accepted_or_refused_never_an_error(source, edits):
    """Bytes replaced, inserted or cut anywhere in real PDFs (their cross-reference data and compressed
    streams included): the check answers, whatever pypdf meets."""
    data = bytearray(source())
    for position, replacement, cut in edits:
        at = int(position * (len(data) - 1))
        data[at : at + cut] = replacement
    assert _outcome(bytes(data)) in {
        "accepted",
        "document_format",
        "document_unreadable",
        "document_encrypted",
        "document_active_content",
        "document_empty",
    }
