"""Evidence files: judged by their content, kept privately under a random name.

See "Evidence files" in docs/recognition.md.
"""

from __future__ import annotations

import secrets
import unicodedata
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l

from learnhub.config import private_folder
from learnhub.creditbank.models import RecognitionApplication, RecognitionEvidence
from learnhub.extensions import db
from learnhub.media import head_and_size, megabytes, sniff_format, write_atomically

from ..errors import RecognitionError
from .states import ensure_editable

MAX_EVIDENCE_FILES = 10
EVIDENCE_MIMETYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}


def sniff_evidence(head: bytes) -> str | None:
    """'pdf', 'jpg' or 'png' from a file's first bytes; None for anything else."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    extension = sniff_format(head)
    return extension if extension in ("jpg", "png") else None


def evidence_root() -> Path:
    """The private folder of evidence files (CREDIT_EVIDENCE_DIR; never under static)."""
    configured = current_app.config.get("CREDIT_EVIDENCE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "credit-evidence"


def evidence_path(evidence: RecognitionEvidence) -> Path:
    """Where an evidence file is kept."""
    return evidence_root() / evidence.stored_name


def _clean_file_name(name: str | None) -> str:
    name = unicodedata.normalize("NFKC", name or "").replace("\\", "/")
    name = PurePosixPath(name).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>')
    return name.strip()[:200] or "evidence"


def download_name(evidence: RecognitionEvidence) -> str:
    """The name a download is saved under: the uploader's name without its own extension,
    and the extension of what the file really is (a PDF uploaded as ``poly.html`` downloads
    as ``poly.pdf``), so no file opens as something it is not."""
    extension = next(
        ext for ext, kind in EVIDENCE_MIMETYPES.items() if kind == evidence.content_type
    )
    stem = PurePosixPath(evidence.original_name).stem.strip(" .") or "evidence"
    return f"{stem[:80]}.{extension}"


def add_evidence(
    application: RecognitionApplication, stream: BinaryIO, file_name: str | None
) -> RecognitionEvidence:
    """Check a file by its content and size, keep it privately, attach it."""
    ensure_editable(application)
    if len(application.evidence) >= MAX_EVIDENCE_FILES:
        raise RecognitionError(
            "file", _l("At most %(count)d files per application.", count=MAX_EVIDENCE_FILES)
        )
    head, size = head_and_size(stream)
    if not head:
        raise RecognitionError("file", _l("The file is empty."))
    extension = sniff_evidence(head)
    if extension is None:
        raise RecognitionError("file", _l("Choose a PDF file or a photo in JPEG or PNG format."))
    limit = int(current_app.config["CREDIT_EVIDENCE_MAX_BYTES"])
    if size > limit:
        raise RecognitionError(
            "file", _l("The file is too large: at most %(size)s MB.", size=megabytes(limit))
        )
    stored_name = f"{secrets.token_hex(16)}.{extension}"
    folder = evidence_root()
    private_folder(folder)
    write_atomically(stream, folder / stored_name)
    evidence = RecognitionEvidence(
        application=application, original_name=_clean_file_name(file_name),
        stored_name=stored_name, content_type=EVIDENCE_MIMETYPES[extension], size_bytes=size,
    )  # fmt: skip
    db.session.add(evidence)
    try:
        db.session.flush()
    except Exception:
        (folder / stored_name).unlink(missing_ok=True)
        raise
    return evidence


def remove_evidence(evidence: RecognitionEvidence) -> Path:
    """Detach a file from a draft or returned application; returns the file to delete
    once the change is committed."""
    application = evidence.application
    ensure_editable(application)
    path = evidence_path(evidence)
    application.evidence.remove(evidence)
    db.session.delete(evidence)
    db.session.flush()
    return path
