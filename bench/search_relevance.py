"""Search relevance: the judged queries of bench/search_judgments.tsv against the demo catalogue.

    .venv/bin/python -m bench.search_relevance                 # SQLite in a temporary folder
    .venv/bin/python -m bench.search_relevance --database-url postgresql://postgres@127.0.0.1:5432/postgres

Loads the demo catalogue (learnhub/data/demo-courses, as `flask demo load` does) into a fresh
temporary instance built by the migrations (so the starter synonym list is there), builds the
search index, and asks every judged query of the results page's own service
(``learnhub.search.services.search``: synonyms, and "some of the words" when nothing has them
all). For each kind of query and overall it prints:

- **top-3 hit rate**: the share of queries with a document judged 2 or 3 among the first three;
- **mean nDCG@10**: gains 2^grade − 1, discount log2(rank + 1), divided by the best order of the
  judged documents (unjudged documents count 0).

Goals (issue 17): top-3 ≥ 95 %, nDCG@10 ≥ 0.9. The failing queries follow, each with what came
first. tests/search/test_relevance.py runs the same functions and holds the floor reached.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, redirect_stderr
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: bench/search_relevance.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import select

from bench.catalogue_bench import _create_postgres_database, _drop_postgres_database
from learnhub import create_app
from learnhub.catalogue.demo import load_demo_courses
from learnhub.catalogue.models import Course, CourseStatus, Lesson
from learnhub.catalogue.services import ensure_modules
from learnhub.extensions import db
from learnhub.regions.services import load_regions
from learnhub.search import services, sync

JUDGMENTS = Path(__file__).resolve().parent / "search_judgments.tsv"
GOAL_TOP3 = 0.95
GOAL_NDCG = 0.9
TOP = 3  # a query hits when a document judged RELEVANT or better is among the first TOP
RELEVANT = 2
DEPTH = 10  # nDCG@DEPTH: the first results page


@dataclass(frozen=True)
class JudgedQuery:
    query: str
    kind: str
    language: str
    grades: dict[str, int]  # document key (course:<title> / lesson:<title>) → grade


@dataclass(frozen=True)
class Outcome:
    judged: JudgedQuery
    ranked: tuple[str, ...]  # document keys of the first page, best first
    hit: bool  # a grade >= RELEVANT document among the first TOP
    ndcg: float
    suggestion: str | None = None  # the page's "did you mean"


# ---- the judgments ------------------------------------------------------------------------


def read_judgments(path: Path = JUDGMENTS) -> list[JudgedQuery]:
    """The judged queries in file order (rows of one query gathered; # lines are comments)."""
    with path.open(encoding="utf-8", newline="") as file:
        lines = (line for line in file if line.strip() and not line.startswith("#"))
        rows = list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
    queries: dict[str, JudgedQuery] = {}
    for row in rows:
        judged = queries.setdefault(
            row["query"], JudgedQuery(row["query"], row["kind"], row["language"], {})
        )
        if (row["kind"], row["language"]) != (judged.kind, judged.language):
            raise ValueError(f"{row['query']!r} is judged as two kinds or languages")
        judged.grades[row["document"]] = int(row["grade"])
    return list(queries.values())


# ---- the measures -------------------------------------------------------------------------


def dcg(grades: Iterable[int]) -> float:
    return sum((2**g - 1) / math.log2(rank + 1) for rank, g in enumerate(grades, start=1))


def ndcg(ranked: Iterable[str], grades: dict[str, int], depth: int = DEPTH) -> float:
    """nDCG@depth of a ranking against graded judgments (1.0 is the best possible order)."""
    got = dcg(grades.get(key, 0) for key in list(ranked)[:depth])
    ideal = dcg(sorted(grades.values(), reverse=True)[:depth])
    return got / ideal if ideal else 0.0


def top_hit(ranked: Iterable[str], grades: dict[str, int], top: int = TOP) -> bool:
    return any(grades.get(key, 0) >= RELEVANT for key in list(ranked)[:top])


def outcome(judged: JudgedQuery, ranked: Iterable[str], suggestion: str | None = None) -> Outcome:
    ranked = tuple(ranked)
    return Outcome(judged, ranked, top_hit(ranked, judged.grades), ndcg(ranked, judged.grades),
                   suggestion)  # fmt: skip


def summary(outcomes: list[Outcome]) -> dict[str, tuple[int, float, float]]:
    """kind → (queries, top-3 hit rate, mean nDCG@10), in first-seen order, then "all"."""
    kinds = [*dict.fromkeys(o.judged.kind for o in outcomes), "all"]
    figures = {}
    for kind in kinds:
        some = [o for o in outcomes if kind in ("all", o.judged.kind)]
        figures[kind] = (len(some), sum(o.hit for o in some) / len(some),
                         sum(o.ndcg for o in some) / len(some))  # fmt: skip
    return figures


# ---- the demo catalogue, searched as the results page does ----------------------------------


@contextmanager
def demo_search(database_url: str | None = None, backend: str = "whoosh") -> Iterator[Flask]:
    """An application on a fresh instance holding the demo catalogue, its index built.

    ``database_url``: a PostgreSQL server to make a temporary database on; SQLite otherwise.
    ``backend``: the search backend (``SEARCH_BACKEND``); "postgresql" needs ``database_url``.
    """
    instance = Path(tempfile.mkdtemp(prefix="learnhub-relevance-"))
    database = _create_postgres_database(database_url) if database_url else None
    url = database[1] if database else f"sqlite:///{instance / 'relevance.sqlite3'}"
    previous = os.environ.get("LEARNHUB_INSTANCE_PATH")
    os.environ["LEARNHUB_INSTANCE_PATH"] = str(instance)  # read once, as the app is made
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "relevance-bench",
                          "SEARCH_DIR": str(instance / "search-index"),
                          "SEARCH_BACKEND": backend})  # fmt: skip
    finally:
        if previous is None:
            os.environ.pop("LEARNHUB_INSTANCE_PATH", None)
        else:
            os.environ["LEARNHUB_INSTANCE_PATH"] = previous
    try:
        with app.app_context():
            with redirect_stderr(io.StringIO()):  # alembic logs every migration
                flask_migrate.upgrade()  # the schema and the starter synonym list
            load_regions()
            ensure_modules()
            load_demo_courses()
            db.session.commit()
            sync.rebuild_index()
            db.session.remove()
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if database:
            _drop_postgres_database(*database)
        shutil.rmtree(instance, ignore_errors=True)


def document_keys() -> dict[tuple[str, int], str]:
    """(kind, id) → the judgments' stable key, for every published course and its lessons."""
    published = Course.status == CourseStatus.PUBLISHED
    courses = select(Course.id, Course.title).where(published)
    keys = {("course", id_): f"course:{title}" for id_, title in db.session.execute(courses)}
    lessons = select(Lesson.id, Lesson.title).join(Course).where(published)
    keys.update({("lesson", id_): f"lesson:{title}" for id_, title in db.session.execute(lessons)})
    return keys


def run_judged(app: Flask, judged: list[JudgedQuery]) -> list[Outcome]:
    """Each judged query through services.search, in its interface language."""
    outcomes = []
    with app.test_request_context():
        keys = document_keys()
        unknown = {k for j in judged for k in j.grades} - set(keys.values())
        if unknown:
            raise ValueError(f"judged documents not in the demo catalogue: {sorted(unknown)}")
        for each in judged:
            with force_locale(each.language):
                found = services.search(each.query)
            ranked = [keys.get((h.kind, h.object_id), f"{h.kind}:{h.object_id}")
                      for h in found.hits]  # fmt: skip
            outcomes.append(outcome(each, ranked, found.suggestion))
        db.session.remove()
    return outcomes


# ---- the report ---------------------------------------------------------------------------


def report(outcomes: list[Outcome]) -> str:
    lines = [f"{'kind':<15}{'queries':>8}{'top-3':>9}{'nDCG@10':>10}"]
    for kind, (count, hits, mean) in summary(outcomes).items():
        lines.append(f"{kind:<15}{count:>8}{hits:>9.1%}{mean:>10.3f}")
    lines.append(f"goals: top-3 >= {GOAL_TOP3:.0%}, nDCG@10 >= {GOAL_NDCG}")
    failing = [o for o in outcomes if not o.hit or o.ndcg < GOAL_NDCG]
    if failing:
        lines.append(f"\n{len(failing)} queries below a goal (✗: no grade {RELEVANT}+ in the "
                     f"first {TOP}): query [kind] nDCG → first results")  # fmt: skip
    for o in failing:
        first = " | ".join(f"{key}({o.judged.grades.get(key, 0)})" for key in o.ranked[:TOP])
        mark = " " if o.hit else "✗"
        said = f" (did you mean: {o.suggestion})" if o.suggestion else ""
        lines.append(f"{mark} {o.judged.query} [{o.judged.kind}] {o.ndcg:.2f} → "
                     f"{first or '(nothing)'}{said}")  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL server (default: SQLite)")
    parser.add_argument("--judgments", type=Path, default=JUDGMENTS)
    parser.add_argument("--json", help="also write the figures to this file (for bench/run)")
    parser.add_argument("--search-backend", choices=("whoosh", "postgresql"), default="whoosh",
                        help="SEARCH_BACKEND; postgresql needs --database-url")  # fmt: skip
    args = parser.parse_args()
    if args.search_backend == "postgresql" and not args.database_url:
        parser.error("--search-backend postgresql needs --database-url")
    judged = read_judgments(args.judgments)
    with demo_search(args.database_url, args.search_backend) as app:
        outcomes = run_judged(app, judged)
    backend = "PostgreSQL" if args.database_url else "SQLite"
    backend += f", {args.search_backend} search"
    print(f"{len(judged)} judged queries over the demo catalogue ({backend})\n")
    print(report(outcomes))
    if args.json:
        kinds = {kind: {"queries": count, "top3": hits, "ndcg": mean}
                 for kind, (count, hits, mean) in summary(outcomes).items()}  # fmt: skip
        Path(args.json).write_text(json.dumps({"backend": backend, "kinds": kinds}, indent=1))


if __name__ == "__main__":
    main()
