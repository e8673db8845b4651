"""What a catalogue import reports: what it created or would create, and the problems."""

from __future__ import annotations

from dataclasses import dataclass, field

from learnhub.file_imports import ImportProblem


@dataclass
class ImportReport:
    """What an import did, or on a dry run would do; nothing is written unless ``ok``."""

    courses: list[str] = field(default_factory=list)  # titles created (or to be created)
    lessons: int = 0
    skipped: list[str] = field(default_factory=list)  # titles already in the catalogue
    problems: list[ImportProblem] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems
