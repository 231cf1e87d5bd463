"""Evidence uploads: PNG, JPEG or PDF up to 5 MB, judged by their content, never their name.

Files live in a folder outside the static files (the instance folder by default) under
random names. The file is written before the transaction commits: if the commit then
fails, an unreferenced file is left, never a row pointing at nothing.
"""

import hashlib
import os
import secrets
import struct
import zlib
from pathlib import Path

from flask_babel import lazy_gettext as _l

MAX_BYTES = 5 * 1024 * 1024
MAX_FILES_PER_CLAIM = 20
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_START = b"\xff\xd8\xff"
JPEG_END = b"\xff\xd9"
PDF_START = b"%PDF-"
PDF_END = b"%%EOF"
# The PDF standard puts %%EOF in the last 1024 bytes; trailing whitespace is common.
PDF_TAIL = 1024


class EvidenceProblem(Exception):
    """The upload cannot be accepted; the message is for the family."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def content_type_of(data: bytes) -> str | None:
    if data.startswith(PNG_SIGNATURE):
        return "image/png"
    if data.startswith(JPEG_START):
        return "image/jpeg"
    if data.startswith(PDF_START):
        return "application/pdf"
    return None


def _png_is_whole(data: bytes) -> bool:
    """Every chunk is complete with a correct checksum, starting with IHDR and ending with IEND."""
    position, first = len(PNG_SIGNATURE), True
    while position + 12 <= len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        chunk_type = data[position + 4 : position + 8]
        end = position + 12 + length
        if end > len(data) or (first and chunk_type != b"IHDR"):
            return False
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(data[position + 4 : end - 4]) != crc:
            return False
        if chunk_type == b"IEND":
            return end == len(data)
        position, first = end, False
    return False


def _jpeg_is_whole(data: bytes) -> bool:
    # A JPEG starts with a marker segment after the start-of-image and ends at end-of-image
    # (some cameras pad the end with zero bytes).
    return len(data) > 4 and data[3] >= 0xC0 and data.rstrip(b"\x00").endswith(JPEG_END)


def _pdf_is_whole(data: bytes) -> bool:
    header = data[: len(PDF_START) + 3]
    return header[len(PDF_START) : len(PDF_START) + 1].isdigit() and PDF_END in data[-PDF_TAIL:]


WELL_FORMED = {
    "image/png": _png_is_whole,
    "image/jpeg": _jpeg_is_whole,
    "application/pdf": _pdf_is_whole,
}


def check_upload(data: bytes) -> str:
    """The file's content type, or EvidenceProblem saying plainly what is wrong with it."""
    if not data:
        raise EvidenceProblem(_l("The selected file is empty"))
    if len(data) > MAX_BYTES:
        raise EvidenceProblem(_l("The selected file must be smaller than 5 MB"))
    content_type = content_type_of(data)
    if content_type is None:
        raise EvidenceProblem(_l("The selected file must be a PNG, JPG or PDF"))
    if not WELL_FORMED[content_type](data):
        raise EvidenceProblem(
            _l(
                "The selected file is damaged or incomplete. Save it again, or take a new "
                "photo, and upload that."
            )
        )
    return content_type


def folder_for(app) -> Path:
    """EVIDENCE_FOLDER if set, otherwise evidence/ in the instance folder: never under static/."""
    configured = app.config.get("EVIDENCE_FOLDER")
    return Path(configured) if configured else Path(app.instance_path) / "evidence"


def store(folder: Path, data: bytes) -> str:
    """Write the file under a new random name; returns the name."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = secrets.token_hex(32)
    temporary = folder / f".{name}.part"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as stored:
        stored.write(data)
        stored.flush()
        os.fsync(stored.fileno())
    os.replace(temporary, folder / name)
    return name


def path_of(folder: Path, stored_name: str) -> Path:
    if not stored_name.isalnum():
        raise ValueError("not a stored evidence name")
    return folder / stored_name


def delete(folder: Path, stored_name: str) -> None:
    path_of(folder, stored_name).unlink(missing_ok=True)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def safe_download_name(original_name: str, content_type: str) -> str:
    extension = {"image/png": ".png", "image/jpeg": ".jpg", "application/pdf": ".pdf"}
    stem = "".join(c for c in Path(original_name).stem if c.isalnum() or c in "-_ ")[:60]
    return (stem.strip() or "evidence") + extension[content_type]
