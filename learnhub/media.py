"""Uploaded media: lesson videos and audio, course cover pictures.

Files live in the instance folder as ``media/<kind>/<random>.<ext>``; the database keeps
the part after ``media/``. A file's type is read from its first bytes, never from its
name or from what the browser says, and the name on disk is ours, so nothing an uploader
chooses ends up in a path or a Content-Type.
"""

from __future__ import annotations

import enum
import os
import re
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import abort, current_app, send_from_directory
from flask_babel import lazy_gettext as _l


class MediaKind(enum.StrEnum):
    VIDEO = "video"
    AUDIO = "audio"
    IMAGE = "image"


@dataclass(frozen=True)
class MediaFormat:
    extension: str
    mimetype: str


@dataclass(frozen=True)
class StoredMedia:
    """A file now in the media store; ``path`` is what media_url() and the database take."""

    path: str
    mimetype: str
    size: int


class MediaError(ValueError):
    """A file the store refuses; ``message`` says why in the reader's language."""

    def __init__(self, message):
        super().__init__("file refused")  # the message renders in the reader's language
        self.message = message


FORMATS = {
    f.extension: f
    for f in (
        MediaFormat("mp4", "video/mp4"),
        MediaFormat("webm", "video/webm"),
        MediaFormat("mp3", "audio/mpeg"),
        MediaFormat("m4a", "audio/mp4"),
        MediaFormat("ogg", "audio/ogg"),
        MediaFormat("wav", "audio/wav"),
        MediaFormat("jpg", "image/jpeg"),
        MediaFormat("png", "image/png"),
        MediaFormat("webp", "image/webp"),
    )
}
KIND_FORMATS = {
    MediaKind.VIDEO: ("mp4", "webm"),
    MediaKind.AUDIO: ("mp3", "m4a", "ogg", "wav"),
    MediaKind.IMAGE: ("jpg", "png", "webp"),
}
SIZE_SETTINGS = {
    MediaKind.VIDEO: "MEDIA_MAX_VIDEO_BYTES",
    MediaKind.AUDIO: "MEDIA_MAX_AUDIO_BYTES",
    MediaKind.IMAGE: "MEDIA_MAX_IMAGE_BYTES",
}
WRONG_TYPE_MESSAGES = {
    MediaKind.VIDEO: _l("Choose a video file in MP4 or WebM format."),
    MediaKind.AUDIO: _l("Choose a sound file in MP3, M4A, OGG or WAV format."),
    MediaKind.IMAGE: _l("Choose a picture in JPEG, PNG or WebP format."),
}
# The ISO media brands of audio-only MP4 files (.m4a, audio books).
M4A_BRANDS = frozenset({b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "})
HEAD_BYTES = 512
COPY_CHUNK_BYTES = 1024 * 1024
PUBLIC_CACHE_SECONDS = 24 * 3600  # a day: long enough for players, short after unpublishing
_KINDS, _EXTENSIONS = "|".join(MediaKind), "|".join(FORMATS)
_STORED_PATH = re.compile(rf"^(?:{_KINDS})/[0-9a-f]{{32}}\.(?:{_EXTENSIONS})$")


def sniff_format(head: bytes) -> str | None:
    """The extension of the format these first bytes belong to, or None if not one we take."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] in (b"WEBP", b"WAVE"):
        return "webp" if head[8:12] == b"WEBP" else "wav"
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"ID3") or _is_mp3_frame(head):
        return "mp3"
    if head[4:8] == b"ftyp":
        return "m4a" if _iso_brands(head) & M4A_BRANDS else "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3") and _ebml_doc_type(head) == b"webm":
        return "webm"
    return None


def _is_mp3_frame(head: bytes) -> bool:
    # An MPEG audio layer III frame header: 11 sync bits, a valid version, bitrate and rate.
    if len(head) < 3 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    layer_iii = head[1] & 0x06 == 0x02
    version_known = head[1] & 0x18 != 0x08
    bitrate_index, rate_index = head[2] >> 4, (head[2] >> 2) & 0x03
    return layer_iii and version_known and bitrate_index not in (0, 15) and rate_index != 3


def _iso_brands(head: bytes) -> set[bytes]:
    box_size = int.from_bytes(head[:4], "big")
    box = head[8 : min(box_size, len(head))]
    return {box[i : i + 4] for i in range(0, len(box) - 3, 4)} - {b"\0\0\0\0"}


def _ebml_doc_type(head: bytes) -> bytes | None:
    # The DocType element (ID 0x4282) names the Matroska flavour: "webm" or "matroska".
    start = head.find(b"\x42\x82", 4, 64)
    if start < 0 or start + 3 > len(head) or not head[start + 2] & 0x80:
        return None
    length = head[start + 2] & 0x7F
    return head[start + 3 : start + 3 + length]


def max_bytes(kind: MediaKind) -> int:
    """The largest file of this kind the store takes (from the MEDIA_MAX_*_BYTES settings)."""
    return int(current_app.config[SIZE_SETTINGS[kind]])


def megabytes(size: int) -> str:
    """A byte count as whole or tenths of megabytes, for messages: 5242880 → "5"."""
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


def head_and_size(stream: BinaryIO) -> tuple[bytes, int]:
    """The first bytes of a seekable stream (for sniffing its type) and its size from here.

    Leaves the stream where it was.
    """
    start = stream.tell()
    head = stream.read(HEAD_BYTES)
    stream.seek(0, os.SEEK_END)
    size = stream.tell() - start
    stream.seek(start)
    return head, size


def check_stream(stream: BinaryIO, kind: MediaKind) -> MediaFormat:
    """The format of a seekable stream if the store takes it as ``kind``; else MediaError.

    Leaves the stream where it was.
    """
    head, size = head_and_size(stream)
    if not head:
        raise MediaError(_l("The file is empty."))
    extension = sniff_format(head)
    if extension not in KIND_FORMATS[kind]:
        raise MediaError(WRONG_TYPE_MESSAGES[kind])
    if size > max_bytes(kind):
        raise MediaError(
            _l("The file is too large: at most %(size)s MB.", size=megabytes(max_bytes(kind)))
        )
    return FORMATS[extension]


def check_file(path: Path, kind: MediaKind) -> MediaFormat:
    """check_stream() for a file on disk; a missing file is a MediaError too."""
    try:
        with path.open("rb") as stream:
            return check_stream(stream, kind)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise MediaError(_l("The file %(name)s cannot be read.", name=path.name)) from None


def store_stream(stream: BinaryIO, kind: MediaKind) -> StoredMedia:
    """Check a stream and copy it into the store under a new random name."""
    media_format = check_stream(stream, kind)
    folder = media_root() / kind.value
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{media_format.extension}"
    size = write_atomically(stream, folder / name)
    return StoredMedia(path=f"{kind.value}/{name}", mimetype=media_format.mimetype, size=size)


def write_atomically(stream: BinaryIO, target: Path) -> int:
    """Copy a stream to a new file, whole or not at all; returns its size.

    Copied aside, then renamed: a half-written file never appears under its real name, so
    nothing serves or reads it. Callers give new random names, so nothing is overwritten.
    """
    partial = target.with_name(f".{target.name}.part")
    try:
        with partial.open("xb") as out:
            shutil.copyfileobj(stream, out, COPY_CHUNK_BYTES)
        size = partial.stat().st_size
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return size


def store_file(path: Path, kind: MediaKind) -> StoredMedia:
    """store_stream() for a file on disk (bulk imports, demo content)."""
    check_file(path, kind)
    with path.open("rb") as stream:
        return store_stream(stream, kind)


def discard(path: str | None) -> None:
    """Remove a stored file (after the change that stored it failed); unknown paths are ignored."""
    if path and _STORED_PATH.match(path):
        (media_root() / path).unlink(missing_ok=True)


def media_root() -> Path:
    """The folder of the media store: ``<instance>/media``."""
    return Path(current_app.instance_path) / "media"


def is_stored_path(path: str) -> bool:
    """Whether a path has the shape of a stored file's (``video/<32 hex>.mp4``)."""
    return bool(_STORED_PATH.match(path))


def send_media(path: str, public: bool):
    """Send a stored file: seekable (HTTP ranges), typed by its extension, never sniffed.

    ``public``: anyone may see it, so shared caches may keep it for a day (names are random
    and never reused); otherwise only this browser may keep it, and only for this visit.
    """
    if not is_stored_path(path):
        abort(404)
    media_format = FORMATS[path.rsplit(".", 1)[1]]
    response = send_from_directory(
        media_root(), path, mimetype=media_format.mimetype, conditional=True,
        max_age=PUBLIC_CACHE_SECONDS if public else None,
    )  # fmt: skip
    response.cache_control.public = public
    response.cache_control.private = not public
    response.cache_control.no_store = not public
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
