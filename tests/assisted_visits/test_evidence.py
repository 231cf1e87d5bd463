"""Uploads are judged by what is in them, and kept where no web address reaches them."""

import os
import stat
import struct

import pytest

from assisted_visits import evidence
from assisted_visits.evidence import MAX_BYTES, EvidenceProblem, check_upload
from tests.assisted_visits.conftest import JPEG, PDF, PNG, png_bytes

GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,"
HTML = b"<html><script>alert(1)</script></html>"


def message_for(data, app) -> str:
    with pytest.raises(EvidenceProblem) as refused, app.test_request_context():
        check_upload(data)
    with app.test_request_context():
        return str(refused.value.message)


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (PDF, "application/pdf"),
        (JPEG + b"\x00\x00", "image/jpeg"),
        (PDF + b"\n\n", "application/pdf"),
    ],
)
def test_png_jpeg_and_pdf_files_are_accepted(data, content_type):
    assert check_upload(data) == content_type


def test_a_file_of_exactly_5_mb_is_accepted():
    data = png_bytes(padding=0)
    big = png_bytes(padding=MAX_BYTES - len(data) - len(b"Comment\x00") - 12)

    assert len(big) == MAX_BYTES
    assert check_upload(big) == "image/png"


BAD_CRC = bytearray(PNG)
BAD_CRC[29] ^= 0xFF  # the IHDR checksum


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The selected file is empty"),
        (GIF, "The selected file must be a PNG, JPG or PDF"),
        (HTML, "The selected file must be a PNG, JPG or PDF"),
        (b"PK\x03\x04 a zip renamed to .pdf", "The selected file must be a PNG, JPG or PDF"),
        (png_bytes(padding=MAX_BYTES), "The selected file must be smaller than 5 MB"),
        (PNG[:-12], "damaged or incomplete"),  # cut off before IEND
        (PNG[:40], "damaged or incomplete"),
        (bytes(BAD_CRC), "damaged or incomplete"),
        (PNG[:8] + struct.pack(">I", 13) + b"IDAT" + PNG[16:], "damaged or incomplete"),
        (PNG + b"trailing rubbish", "damaged or incomplete"),
        (JPEG[:-2], "damaged or incomplete"),
        (b"\xff\xd8\xff", "damaged or incomplete"),
        (PDF.replace(b"%%EOF", b""), "damaged or incomplete"),
        (b"%PDF-", "damaged or incomplete"),
        (b"%PDF-x.y\n%%EOF", "damaged or incomplete"),
    ],
    ids=[
        "empty",
        "gif",
        "html",
        "zip",
        "oversize",
        "png-truncated",
        "png-header-only",
        "png-bad-checksum",
        "png-no-ihdr",
        "png-trailing",
        "jpeg-no-end",
        "jpeg-marker-only",
        "pdf-no-eof",
        "pdf-header-only",
        "pdf-bad-version",
    ],
)
def test_wrong_oversize_and_malformed_files_are_refused_with_a_clear_message(app, data, message):
    assert message in message_for(data, app)


def test_the_name_of_a_file_never_decides_its_type(app):
    # Content is all check_upload ever sees: there is no name to trust.
    assert check_upload(PNG) == "image/png"
    assert "PNG, JPG or PDF" in message_for(HTML, app)


def test_files_are_kept_under_random_names_readable_only_by_the_service(tmp_path):
    folder = tmp_path / "evidence"

    first = evidence.store(folder, PNG)
    second = evidence.store(folder, PNG)

    assert first != second
    assert len(first) == 64 and first.isalnum()
    assert (folder / first).read_bytes() == PNG
    assert stat.S_IMODE(os.stat(folder / first).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert sorted(p.name for p in folder.iterdir()) == sorted([first, second])


def test_stored_names_cannot_reach_outside_the_folder(tmp_path):
    with pytest.raises(ValueError):
        evidence.path_of(tmp_path, "../secret_key")
    with pytest.raises(ValueError):
        evidence.path_of(tmp_path, "")


def test_evidence_is_stored_in_the_instance_folder_outside_the_static_files(app):
    from pathlib import Path

    from assisted_visits.routes import _evidence_folder

    with app.app_context():
        folder = _evidence_folder()

    assert folder == Path(app.instance_path) / "evidence"
    assert not folder.resolve().is_relative_to(Path(app.static_folder).resolve())
