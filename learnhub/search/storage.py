"""A Whoosh index generation's folder as Whoosh reads it (for index.py)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from whoosh.filedb.filestore import FileStorage


class GenerationStorage(FileStorage):
    """One generation's folder, read without mmap, closing on demand what it opened.

    No mmap: a segment file cut short under a mapping kills the process with SIGBUS,
    while a plain read of it raises an error that search turns into IndexUnavailable.
    Whoosh leaves files open when it fails half-way; close_all() closes them then.
    """

    def __init__(self, generation: Path):
        super().__init__(str(generation), supports_mmap=False)
        self._opened: list = []  # strong references: a dropped file would close noisily

    def _remember(self, handle):
        if len(self._opened) > 64:
            self._opened = [h for h in self._opened if not h.is_closed]
        self._opened.append(handle)
        return handle

    def open_file(self, name, **kwargs):
        return self._remember(super().open_file(name, **kwargs))

    def create_file(self, name, **kwargs):
        return self._remember(super().create_file(name, **kwargs))

    def close_all(self) -> None:
        opened, self._opened = self._opened, []
        for handle in opened:
            if not handle.is_closed:
                with contextlib.suppress(Exception):
                    handle.close()
