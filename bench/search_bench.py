"""Search benchmark: the Whoosh index next to SQLite FTS5 on the same corpus, in one run.

    .venv/bin/python bench/search_bench.py                 # 100,000 lessons (~5 min, 2 cores)
    .venv/bin/python bench/search_bench.py --lessons 20000 # a quick look
    .venv/bin/python bench/search_bench.py --keep /tmp/sb  # build once, query again later

Both sides get the same synthetic catalogue (bench/search_corpus.py), the same jieba words
and pinyin keys, the same column weights (title 5, summary 2, body 1, pinyin 3) and the
same question per query: the first page of 10 hits ranked by BM25 times the document's
weight (course over lesson, popularity), the total, and the module facet counts. Whoosh is
queried through learnhub's adapter (learnhub/search/index.py), exactly as the site does.

Each query runs once "cold" (fresh process caches, right after the searcher warm-up) and
then REPEAT times "warm". Speed never goes into the unit tests: it lives here.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import search_corpus

from learnhub.search import text
from learnhub.search.index import SearchIndex
from learnhub.search.schema import PART_WEIGHTS, SearchDocument
from learnhub.search.scoring import KIND_WEIGHTS, PINYIN_WEIGHT

QUERIES = {
    "chinese, 1 word": ["党史", "智能手机", "健康码", "太极拳", "高血压", "唐诗", "家庭教育",
                        "电子商务", "防骗", "红色故事", "安全", "方法"],
    "chinese, 2 words": ["党史 故事", "智能手机 拍照", "高血压 饮食", "太极拳 入门",
                         "健康码 使用", "读书笔记 方法", "红楼梦 人物", "家政服务 培训",
                         "扫码支付 安全", "广场舞 音乐"],
    "pinyin": ["dangshi", "zhinengshouji", "jiankangma", "taijiquan", "gaoxueya", "dang shi",
               "zhineng shouji", "hongloumeng"],
    "initials": ["ds", "znsj", "jkm", "tjq", "gxy", "hlm"],
}  # fmt: skip
WARMUP_QUERY = "学习"
POPULARITY_WEIGHT = 0.25  # as learnhub.search.services


# ---- the corpus as documents ---------------------------------------------------------------


def documents(courses, lessons):
    module_of = {c.id: c.module for c in courses}
    published = {c.id: datetime.fromtimestamp(c.published, UTC) for c in courses}
    for c in courses:
        yield SearchDocument("course", c.id, c.id, c.module, published[c.id], c.title,
                             f"{c.summary} {search_corpus.MODULE_NAMES[c.module]}")  # fmt: skip
    for lesson in lessons:
        course = lesson.course_id
        yield SearchDocument("lesson", lesson.id, course, module_of[course], published[course],
                             lesson.title, "", lesson.body)  # fmt: skip


def popularity(courses) -> dict[int, float]:
    top = math.log1p(max(c.enrolments for c in courses)) or 1.0
    return {c.id: 1 + POPULARITY_WEIGHT * math.log1p(c.enrolments) / top for c in courses}


# ---- Whoosh, through learnhub's adapter ------------------------------------------------------


def build_whoosh(directory: Path, docs, procs: int) -> float:
    index = SearchIndex(directory)
    started = time.perf_counter()
    with index.writer_lock():
        index.rebuild(docs, procs=procs)
    return time.perf_counter() - started


def whoosh_searcher(directory: Path, boosts):
    index = SearchIndex(directory)

    def search(query: str):
        found = index.search(query, boosts=boosts)
        return found.total, [(h.kind, h.object_id) for h in found.hits], found.facets

    return search


# ---- SQLite FTS5 on the same words ---------------------------------------------------------


def _fts_row(doc: SearchDocument) -> tuple:
    words = [(" ".join(w for w, _s, _e in text.segment(part))) for part in
             (doc.title, doc.secondary, doc.body)]  # fmt: skip
    return (doc.kind, doc.object_id, doc.course_id, doc.module, *words,
            " ".join(text.pinyin_keys(doc.title)))  # fmt: skip


def build_fts5(path: Path, docs, procs: int, boosts) -> float:
    started = time.perf_counter()
    db = sqlite3.connect(path)
    db.executescript(
        """
        PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
        CREATE VIRTUAL TABLE docs USING fts5(title, secondary, body, pinyin,
            tokenize='porter unicode61 remove_diacritics 0');
        CREATE TABLE meta(rowid INTEGER PRIMARY KEY, kind TEXT, object_id INT, course_id INT,
                          module TEXT, factor REAL);
        """
    )
    with multiprocessing.get_context("fork").Pool(procs) as pool:
        rows = pool.imap(_fts_row, docs, chunksize=200)
        for rowid, (kind, object_id, course_id, module, *columns) in enumerate(rows, start=1):
            factor = KIND_WEIGHTS[kind] * boosts.get(course_id, 1.0)
            db.execute("INSERT INTO docs(rowid, title, secondary, body, pinyin) "
                       "VALUES (?, ?, ?, ?, ?)", (rowid, *columns))  # fmt: skip
            db.execute("INSERT INTO meta VALUES (?, ?, ?, ?, ?, ?)",
                       (rowid, kind, object_id, course_id, module, factor))  # fmt: skip
    db.commit()
    db.execute("INSERT INTO docs(docs) VALUES ('optimize')")
    db.commit()
    db.close()
    return time.perf_counter() - started


def fts5_match(query: str) -> str | None:
    """The adapter's reading of a query as an FTS5 expression: every piece a quoted word."""
    content = "{title secondary body}"
    parts, latin = [], []
    for piece in text.query_pieces(query):
        if text.is_latin(piece):
            parts.append(f'({content} : "{piece}" OR pinyin : "{text.fold_pinyin(piece)}")')
            latin.append(piece)
        else:
            parts += [f'{content} : "{word}"' for word in text.query_words(piece)]
    if not parts:
        return None
    expression = " AND ".join(parts)
    if len(latin) > 1:
        expression = f'({expression}) OR pinyin : "{text.fold_pinyin("".join(latin))}"'
    return expression


def fts5_searcher(path: Path):
    db = sqlite3.connect(path)
    weights = ", ".join(str(w) for w in (*PART_WEIGHTS, PINYIN_WEIGHT))

    def search(query: str):
        match = fts5_match(query)
        if match is None:
            return 0, [], {}
        hits = db.execute(
            f"SELECT m.kind, m.object_id FROM docs JOIN meta m ON m.rowid = docs.rowid "  # noqa: S608
            f"WHERE docs MATCH ? ORDER BY bm25(docs, {weights}) * m.factor LIMIT 10",
            (match,),
        ).fetchall()
        facets = dict(
            db.execute(
                "SELECT m.module, count(*) FROM docs JOIN meta m ON m.rowid = docs.rowid "
                "WHERE docs MATCH ? GROUP BY m.module",
                (match,),
            ).fetchall()
        )
        return sum(facets.values()), hits, facets

    return search


# ---- measuring -----------------------------------------------------------------------------


def _timed(search, query: str) -> tuple[tuple[float, float], int]:
    wall, cpu = time.perf_counter(), time.process_time()
    total = search(query)[0]
    return ((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000), total


def measure(search, repeat: int) -> dict:
    """Wall-clock and CPU milliseconds per query (CPU time is what a busy machine does not skew)."""
    (warmup, _cpu), _total = _timed(search, WARMUP_QUERY)
    cold, warm, totals = {}, {}, {}
    for kind, queries in QUERIES.items():
        for query in queries:
            times, totals[query] = _timed(search, query)
            cold.setdefault(kind, []).append(times)
        for _ in range(repeat):
            for query in queries:
                warm.setdefault(kind, []).append(_timed(search, query)[0])
    return {"warmup": warmup / 1000, "cold": cold, "warm": warm, "totals": totals}


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return statistics.median(ordered), p95


def report(lessons: int, builds: dict, results: dict) -> None:
    whoosh, fts = results["whoosh"], results["fts5"]
    print(f"\nSearch benchmark: {lessons:,} lessons in {-(-lessons // 12):,} courses")
    print(f"{'':18}{'Whoosh':>12}{'FTS5':>12}{'ratio W/F':>12}")
    print(f"{'build (s)':18}{builds['whoosh']:12.1f}{builds['fts5']:12.1f}"
          f"{builds['whoosh'] / builds['fts5']:12.2f}")  # fmt: skip
    print(f"{'warm-up (ms)':18}{whoosh['warmup'] * 1000:12.0f}{fts['warmup'] * 1000:12.0f}")
    for phase in ("cold", "warm"):
        for clock, name in ((0, "wall"), (1, "CPU")):
            print(f"\n{phase} queries, {name} ms{'p50 W':>7}{'p95 W':>9}{'p50 F':>9}{'p95 F':>9}"
                  f"{'p50 W/F':>9}{'p95 W/F':>9}")  # fmt: skip
            for kind in [*QUERIES, "all"]:
                w = [t[clock] for k, ts in whoosh[phase].items() if kind in (k, "all") for t in ts]
                f = [t[clock] for k, ts in fts[phase].items() if kind in (k, "all") for t in ts]
                (w50, w95), (f50, f95) = percentiles(w), percentiles(f)
                print(f"  {kind:18}{w50:9.1f}{w95:9.1f}{f50:9.1f}{f95:9.1f}"
                      f"{w50 / f50:9.2f}{w95 / f95:9.2f}")  # fmt: skip
    differing = [q for q in whoosh["totals"] if whoosh["totals"][q] != fts["totals"][q]]
    print(f"\nmatch counts equal on {len(whoosh['totals']) - len(differing)} of "
          f"{len(whoosh['totals'])} queries" + (f" (differ: {', '.join(differing)})"
                                                if differing else ""))  # fmt: skip


def summary(lessons: int, builds: dict, results: dict) -> dict:
    """``--json``: build seconds and, per kind of query, p50/p95 (wall and CPU ms) of each
    engine, warm (``p50``, ``p95``, ``cpu_…``) and cold (``cold_p50`` …)."""
    kinds = {}
    for kind in [*QUERIES, "all"]:
        kinds[kind] = {}
        for engine in ("whoosh", "fts5"):
            kinds[kind][engine] = {}
            for phase, prefix in (("warm", ""), ("cold", "cold_")):
                times = [t for k, ts in results[engine][phase].items() if kind in (k, "all")
                         for t in ts]  # fmt: skip
                (w50, w95), (c50, c95) = (percentiles([t[clock] for t in times])
                                          for clock in (0, 1))  # fmt: skip
                figures = {"p50": w50, "p95": w95, "cpu_p50": c50, "cpu_p95": c95}
                kinds[kind][engine].update({prefix + k: v for k, v in figures.items()})
    totals = results["whoosh"]["totals"]
    same = sum(totals[q] == results["fts5"]["totals"][q] for q in totals)
    return {"lessons": lessons, "builds": builds, "kinds": kinds, "same_totals": same,
            "queries": len(totals)}  # fmt: skip


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lessons", type=int, default=100_000)
    parser.add_argument("--procs", type=int, default=2, help="processes for building each index")
    parser.add_argument("--repeat", type=int, default=5, help="warm runs of each query")
    parser.add_argument("--keep", type=Path, help="folder to keep (and reuse) both indexes in")
    parser.add_argument("--json", help="also write the figures to this file (for bench/run)")
    args = parser.parse_args(argv)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="search-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    whoosh_dir, fts_path = folder / f"whoosh-{args.lessons}", folder / f"fts5-{args.lessons}.db"
    started = time.perf_counter()
    courses, lessons = search_corpus.generate(args.lessons)
    boosts = popularity(courses)
    print(f"corpus: {len(courses):,} courses, {len(lessons):,} lessons, "
          f"{sum(len(x.body) for x in lessons) / len(lessons):.0f} characters per lesson body, "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    text.segment("预热")  # load jieba's dictionary before any clock starts
    builds = {"whoosh": float("nan"), "fts5": float("nan")}
    if not (whoosh_dir / "current").exists():
        builds["whoosh"] = build_whoosh(whoosh_dir, documents(courses, lessons), args.procs)
        print(f"whoosh built in {builds['whoosh']:.1f} s")
    if not fts_path.exists():
        builds["fts5"] = build_fts5(fts_path, documents(courses, lessons), args.procs, boosts)
        print(f"fts5 built in {builds['fts5']:.1f} s")
    results = {
        "whoosh": measure(whoosh_searcher(whoosh_dir, boosts), args.repeat),
        "fts5": measure(fts5_searcher(fts_path), args.repeat),
    }
    report(args.lessons, builds, results)
    if args.json:
        Path(args.json).write_text(json.dumps(summary(args.lessons, builds, results), indent=1))
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
