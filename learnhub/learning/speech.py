"""Read-aloud audio made on the server with espeak-ng, for browsers without a Chinese voice.

Each distinct text is spoken once and kept under the instance folder, named by the hash
of the text and voice, so a changed lesson gets new audio and an unchanged one is free.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import nh3
from flask import current_app

_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|blockquote|tr|figcaption)>|<br\s*/?>", re.IGNORECASE)
VOICES = {"zh": "cmn-latn-pinyin", "en": "en"}
MAX_CHARACTERS = 20_000  # longer texts are cut: espeak-ng gets slow and files large


@functools.cache
def espeak_available() -> bool:
    """Looked up once a process (every course and lesson page asks; installing espeak-ng
    takes a restart of the site to show)."""
    return shutil.which("espeak-ng") is not None


@functools.cache
def _espeak() -> str:
    return shutil.which("espeak-ng") or "espeak-ng"


def plain_text(html: str) -> str:
    """The readable words of sanitised lesson HTML, paragraphs on their own lines."""
    text = nh3.clean(_BLOCK_END.sub(lambda m: m.group(0) + "\n", html), tags=set())
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def speech_file(text: str, language: str = "zh") -> Path | None:
    """A WAV file speaking the text (made once), or None when espeak-ng is not installed."""
    if not espeak_available() or not text.strip():
        return None
    voice = VOICES.get(language, VOICES["zh"])
    text = text[:MAX_CHARACTERS]
    digest = hashlib.sha256(f"{voice}\n{text}".encode()).hexdigest()[:32]
    folder = Path(current_app.instance_path) / "speech"
    target = folder / f"{digest}.wav"
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=folder, suffix=".part")
    os.close(handle)
    try:
        # The text goes to stdin, never into the command line.
        subprocess.run(  # noqa: S603 - fixed argv, text on stdin
            [_espeak(), "-v", voice, "-s", "150", "-w", partial, "--stdin"],
            input=text.encode(), check=True, timeout=120, capture_output=True,
        )  # fmt: skip
        os.replace(partial, target)  # atomic: a parallel request never serves half a file
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return target
