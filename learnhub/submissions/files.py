"""Submitted files: judged by their content (never by their name), kept privately under a
random name in ``<instance>/submissions``, and named for people by what they really are.

Photos are kept as the original bytes (no re-encoding: the province asks for originals).
Documents are PDF, or DOCX/XLSX — ZIP packages that must hold the parts of a Word or Excel
file. A program renamed to ``.pdf`` or ``.docx`` is refused with its own message.
"""

from __future__ import annotations

import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l

from learnhub.config import private_folder
from learnhub.media import head_and_size, megabytes, sniff_format, write_atomically

from .errors import SubmissionError
from .models import ItemKind

# The largest file any item may allow (an item's own limit is at most this).
MAX_ITEM_MB = 500
MAX_UPLOAD_BYTES = MAX_ITEM_MB * 1024 * 1024
# Parts a real Word or Excel file has (Office Open XML): a renamed ZIP lacks them.
OFFICE_PARTS = {
    "docx": ("[Content_Types].xml", "word/document.xml"),
    "xlsx": ("[Content_Types].xml", "xl/workbook.xml"),
}
MIMETYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "mp4": "video/mp4",
}
KIND_EXTENSIONS = {
    ItemKind.PHOTOS: ("jpg", "png"),
    ItemKind.DOCUMENTS: ("pdf", "docx", "xlsx"),
    ItemKind.VIDEO: ("mp4",),
}
WRONG_TYPE = {
    ItemKind.PHOTOS: _l("Choose a photo in JPEG or PNG format."),
    ItemKind.DOCUMENTS: _l("Choose a document in PDF, DOCX or XLSX format."),
    ItemKind.VIDEO: _l("Choose a video in MP4 format."),
}
# First bytes of programs: Windows (MZ), Linux (ELF), macOS (Mach-O), scripts (#!).
PROGRAM_HEADS = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"#!")


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    extension: str
    content_type: str
    size: int


def _office_kind(stream: BinaryIO) -> str | None:
    """'docx' or 'xlsx' if the ZIP in the stream holds that package's parts."""
    start = stream.tell()
    try:
        with zipfile.ZipFile(stream) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    finally:
        stream.seek(start)
    for extension, parts in OFFICE_PARTS.items():
        if all(part in names for part in parts):
            return extension
    return None


def sniff_submission_file(stream: BinaryIO, head: bytes) -> str | None:
    """The extension of what the file is (jpg, png, pdf, docx, xlsx, mp4), or None."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(stream)
    extension = sniff_format(head)
    return extension if extension in ("jpg", "png", "mp4") else None


def check_file(stream: BinaryIO, kind: ItemKind, max_mb: int) -> tuple[str, int]:
    """(extension, size) of a file this item takes; else SubmissionError. The stream is
    left where it was."""
    head, size = head_and_size(stream)
    if not head:
        raise SubmissionError(_l("The file is empty."), "file")
    if head.startswith(PROGRAM_HEADS):
        raise SubmissionError(
            _l("This file is a program, not a photo, document or video: it is refused."), "file"
        )
    extension = sniff_submission_file(stream, head)
    if extension not in KIND_EXTENSIONS[kind]:
        raise SubmissionError(WRONG_TYPE[kind], "file")
    limit = min(max_mb, MAX_ITEM_MB) * 1024 * 1024
    if size > limit:
        raise SubmissionError(
            _l("The file is too large: at most %(size)s MB.", size=megabytes(limit)), "file"
        )
    return extension, size


def files_root() -> Path:
    """The private folder of submitted files (never under static)."""
    return Path(current_app.instance_path) / "submissions"


def stored_path(stored_name: str) -> Path:
    return files_root() / stored_name


def store(stream: BinaryIO, kind: ItemKind, max_mb: int) -> StoredFile:
    """Check a file and keep it under a new random name."""
    extension, size = check_file(stream, kind, max_mb)
    folder = private_folder(files_root())
    name = f"{secrets.token_hex(16)}.{extension}"
    write_atomically(stream, folder / name)
    return StoredFile(name, extension, MIMETYPES[extension], size)


def clean_file_name(name: str | None) -> str:
    """An uploaded file's name, without folders, invisible or quoting characters."""
    name = unicodedata.normalize("NFKC", name or "").replace("\\", "/")
    name = PurePosixPath(name).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>')
    return name.strip()[:200] or "file"


# Characters Windows does not allow in a file name.
WINDOWS_FORBIDDEN = dict.fromkeys(map(ord, '\\/:*?"<>|'), "_")


def safe_name(stem: str, extension: str) -> str:
    """A file name that opens on Windows: no forbidden characters, no trailing dots."""
    stem = unicodedata.normalize("NFC", stem).translate(WINDOWS_FORBIDDEN).strip(" .")
    return f"{stem[:60] or 'file'}.{extension}"
