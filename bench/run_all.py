"""The whole bench suite in one go, on SQLite and PostgreSQL, written up in bench/RESULTS.md.

    .venv/bin/python bench/run --scale small                       # a quick check, both backends
    .venv/bin/python bench/run --scale province --backends sqlite  # the issue's sizes
    .venv/bin/python bench/run --only catalogue,signed_in --duration 5

Runs each bench of bench/ as its own process (``python -m bench.<name> ... --json FILE``) with
sizes matched to ``--scale``, reads the figures each one writes, and writes a Markdown report
(``--output``, bench/RESULTS.md by default): the machine, the load average at the start and
the end, the sizes, then per backend a table per bench with each figure, its baseline measured
in the same run (hello / the trivial route, or the bench's own baseline where a figure is not
a page), the ratio, the goal and whether it was met; last, every goal not met and every figure
not measured, with the reason. Each bench's whole output goes to ``--logs``.

Every bench fills a fresh database of its own (none of them can be pointed at an existing
one), so the scale is reached per dimension, by the bench that measures it: courses and
lessons by the catalogue and signed-in benches, click events by the rankings bench, ledger
entries by the credit bank bench, lessons in the index by the search bench. What a scale
does not reach is listed in the report.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BACKENDS = ("sqlite", "postgresql")
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

# The province: 1 M learners, 10,000 courses, 100,000 lessons, 10 M click events,
# 1 M ledger entries. Each scale gives each bench its sizes. (Small: 250,000 events, not
# 200,000: with a count whose last day ends a 200,000-row batch exactly, the rankings
# bench's fill_year inserts an empty batch, which SQLite refuses.)
SCALES = {
    "small": {"courses": 500, "lessons_per_course": 10, "signed_in_learners": 50,
              "residents": 5_000, "entries_per_learner": 10, "events": 250_000,
              "rankings_quick": True,
              "ledger_entries": 2_000, "postings": 300, "search_lessons": 5_000,
              "load_learners": 200, "activities_learners": 300, "load_users": 8},
    "medium": {"courses": 10_000, "lessons_per_course": 10, "signed_in_learners": 300,
               "residents": 100_000, "entries_per_learner": 20, "events": 1_000_000,
               "rankings_quick": True,
               "ledger_entries": 100_000, "postings": 1_000, "search_lessons": 20_000,
               "load_learners": 1_000, "activities_learners": 1_000, "load_users": 16},
    "province": {"courses": 10_000, "lessons_per_course": 10, "signed_in_learners": 1_000,
                 "residents": 1_000_000, "entries_per_learner": 50, "events": 10_000_000,
                 "rankings_quick": False,
                 "ledger_entries": 1_000_000, "postings": 2_000, "search_lessons": 100_000,
                 "load_learners": 1_000, "activities_learners": 2_000, "load_users": 16},
}  # fmt: skip
PROVINCE = {"learners": 1_000_000, "courses": 10_000, "lessons": 100_000,
            "click events": 10_000_000, "ledger entries": 1_000_000}  # fmt: skip
SUITE = ("catalogue", "signed_in", "rankings", "search", "relevance", "creditbank", "load",
         "activities")  # fmt: skip
SEARCH_P95_MS = 15  # issue 17: cold and warm, at 100,000 lessons
RELEVANCE_TOP3, RELEVANCE_NDCG = 0.95, 0.9
SIGNED_IN_GOALS = {"page": 0.25, "rankings": 0.40, "search": 0.20}
P99_MS, RSS_MB = 100, 200
CATALOGUE_GOAL = 0.40  # module and course pages, signed out (issue 3)
RECORDING_GOAL = 0.50  # course page with its view recorded, of the trivial route
ACTIVE_LEARNERS_MS = 20  # the active-learners board over a year, uncached (issue 18)
POSTINGS_PER_SECOND = 500  # on SQLite (issue 18)


@dataclass
class Row:
    figure: str
    value: str
    baseline: str = ""
    ratio: str = ""
    goal: str = ""
    met: bool | None = None


@dataclass
class Section:
    bench: str
    backend: str
    command: str
    seconds: float = 0
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str = ""
    unmeasured: list[str] = field(default_factory=list)  # figures the run could not take


# ---- the commands ----------------------------------------------------------------------------


def command(bench: str, backend: str, sizes: dict, args) -> list[str] | None:
    """The bench's command line at these sizes (without --json); None if it does not exist."""
    module = {"relevance": "search_relevance", "load": "load_week_morning"}.get(
        bench, f"{bench}_bench"
    )
    if not (ROOT / "bench" / f"{module}.py").exists():
        return None
    url = ["--database-url", args.postgres_url] if backend == "postgresql" else []
    duration = ["--duration", str(args.duration)]
    site = ["--courses", str(sizes["courses"]),
            "--lessons-per-course", str(sizes["lessons_per_course"])]  # fmt: skip
    options = {
        "catalogue": [*site, *duration, *url],
        "signed_in": [*site, "--learners", str(sizes["signed_in_learners"]),
                      "--entries", str(sizes["entries_per_learner"]),
                      "--residents", str(sizes["residents"]), *duration, *url],
        "rankings": [*(["--quick"] if sizes["rankings_quick"] else []),
                     "--events", str(sizes["events"]), "--backends", backend,
                     "--postgres-url", args.postgres_url if backend == "postgresql" else ""],
        "search": ["--lessons", str(sizes["search_lessons"])],
        "relevance": url,
        "creditbank": ["--entries", str(sizes["ledger_entries"]),
                       "--postings", str(sizes["postings"]),
                       *([args.postgres_url, "--only-postgres"]
                         if backend == "postgresql" else [])],
        "load": ["--duration", str(args.load_duration), "--learners",
                 str(sizes["load_learners"]), "--users", str(sizes["load_users"]), *url],
        "activities": ["--learners", str(sizes["activities_learners"]), *duration, *url],
    }[bench]  # fmt: skip
    return [args.python, "-m", f"bench.{module}", *options]


def run_bench(bench: str, backend: str, sizes: dict, args) -> Section:
    line = command(bench, backend, sizes, args)
    if line is None:
        section = Section(bench, backend, "")
        section.error = f"not measured: bench/{bench}_bench.py is not on this branch"
        return section
    figures = Path(args.logs) / f"{bench}-{backend}.json"
    log = Path(args.logs) / f"{bench}-{backend}.log"
    figures.unlink(missing_ok=True)
    json_option = [] if bench == "signed_in" else ["--json", str(figures)]
    section = Section(bench, backend, shlex.join(["python", *line[1:]]))
    print(f"[{time.strftime('%H:%M:%S')}] {bench} on {NAMES[backend]}: {section.command}",
          flush=True)  # fmt: skip
    started = time.perf_counter()
    try:
        with log.open("w") as out:
            done = subprocess.run([*line, *json_option], cwd=ROOT, stdout=out,
                                  stderr=subprocess.STDOUT, timeout=args.timeout or None,
                                  check=False)  # fmt: skip
        returncode = done.returncode
    except subprocess.TimeoutExpired:
        returncode = "timeout"
    section.seconds = time.perf_counter() - started
    output = log.read_text(errors="replace")
    try:
        if bench == "signed_in":  # no --json of its own yet: its printed table
            read_signed_in(section, output)
        elif figures.exists():
            READERS[bench](section, json.loads(figures.read_text()))
    except (KeyError, ValueError, TypeError, IndexError, ZeroDivisionError) as error:
        section.error = f"figures unreadable ({error!r}); see {log}"
    if returncode != 0 and not (bench == "load" and section.rows):
        tail = "\n".join(output.strip().splitlines()[-6:])
        section.error = (
            f"exit status {returncode} after {section.seconds:.0f} s; last lines:\n{tail}"
        )
    elif not section.rows and not section.error:
        section.error = f"no figures written; see {log}"
    print(
        f"    {section.seconds:.0f} s, {len(section.rows)} figures"
        + (f", {section.error.splitlines()[0]}" if section.error else ""),
        flush=True,
    )
    return section


# ---- reading each bench's figures ------------------------------------------------------------


def pct(value: float) -> str:
    return f"{value:.0%}"


def goal_row(figure: str, value: str, baseline: str, ratio: float, goal: float | None) -> Row:
    return Row(figure, value, baseline, pct(ratio), f"≥ {pct(goal)}" if goal else "",
               None if goal is None else ratio >= goal)  # fmt: skip


def read_catalogue(section: Section, data: dict) -> None:
    hello = data["baseline"]
    for page in data["pages"]:
        goal = CATALOGUE_GOAL if page["name"].startswith(("module", "course")) else None
        section.rows.append(
            goal_row(
                f"signed out: {page['name']}",
                f"{page['rate']:,.0f} req/s",
                f"{hello:,.0f} req/s",
                page["rate"] / hello,
                goal,
            )
        )
    rss_rows(section, data["rss_mb"], "after the catalogue pages")
    section.notes.append(f"{data['courses']:,} courses, {data['lessons']:,} lessons"
                         f"{filled_in(data)}; gunicorn "
                         f"{data['workers']} workers, wrk {data['connections']} connections, "
                         f"{data['duration']} s per URL")  # fmt: skip


def filled_in(figures: dict) -> str:
    seconds = figures.get("fill_seconds")
    return "" if seconds is None else f", filled in {seconds:.0f} s"


def rss_rows(section: Section, rss: list[float], when: str, goal: bool = False) -> None:
    if rss:
        section.rows.append(Row(f"RSS per worker {when}", ", ".join(f"{mb:.0f} MB" for mb in rss),
                                goal=f"≤ {RSS_MB} MB" if goal else "",
                                met=max(rss) <= RSS_MB if goal else None))  # fmt: skip


SIGNED_IN_ROW = re.compile(
    r"^(signed (?:in|out): .*?)\s+(\d+)\s+(?:(\d+)\s+)?(\d+)%\s+([\d.]+)", re.MULTILINE
)


def read_signed_in(section: Section, output: str) -> None:
    """The signed-in bench's printed table: (name, req/s, [hello req/s], ratio, p99)."""
    hello = re.search(r"^hello\s+(\d+)", output, re.MULTILINE)  # an older layout's hello row
    worst = 0.0
    for name, rate, hello_rate, _ratio, p99 in SIGNED_IN_ROW.findall(output):
        base = float(hello_rate or hello.group(1))
        key = "rankings" if "rankings" in name else "search" if "search" in name else "page"
        goal = SIGNED_IN_GOALS[key] if name.startswith("signed in") or key != "page" else None
        row = goal_row(name, f"{float(rate):,.0f} req/s (p99 {float(p99):.0f} ms)",
                       f"{base:,.0f} req/s", float(rate) / base, goal)  # fmt: skip
        section.rows.append(row)
        worst = max(worst, float(p99))
    if section.rows:
        section.rows.append(Row("worst p99 at 16 connections", f"{worst:.0f} ms",
                                goal=f"< {P99_MS} ms", met=worst < P99_MS))  # fmt: skip
    memory = re.search(r"after the whole site \(RSS / PSS / USS\): (.*)$", output, re.MULTILINE)
    if memory:  # what a worker costs is its PSS: its own pages and its share of the shared
        triples = re.findall(r"([\d.]+) / ([\d.]+) / ([\d.]+) MB", memory.group(1))
        pss = [float(p) for _r, p, _u in triples]
        section.rows.append(Row("PSS per worker after the whole site (RSS / PSS / USS)",
                                ", ".join(" / ".join(t) + " MB" for t in triples),
                                goal=f"PSS ≤ {RSS_MB} MB", met=max(pss) <= RSS_MB))  # fmt: skip
    rss = re.search(r"RSS per worker after the whole site: ([^(]*)", output)  # older layout
    if rss and not memory:
        values = [float(v) for v in re.findall(r"([\d.]+) MB", rss.group(1))]
        rss_rows(section, values, "after the whole site", goal=True)
    ready = re.search(r"^(.*signed-in learners.*)$", output, re.MULTILINE)
    if ready:
        section.notes.append(ready.group(1).strip())


def read_rankings(section: Section, data: list) -> None:
    for part in data:
        if "boards" in part:  # (d) a year of raw events
            section.notes.append(f"{part['events']:,} click events generated in "
                                 f"{part['generating']:.0f} s, inserted in {part['inserting']:.0f} "
                                 f"s; rebuild of 365 days {part['rebuild']:.0f} s")  # fmt: skip
            for label, times in part["boards"].items():
                board, naive = median(times["board"]), median(times["naive"])
                active = "active" in label
                section.rows.append(Row(
                    f"leaderboard API, {label} (uncached p50)", f"{board:.1f} ms",
                    f"naive GROUP BY {naive:.0f} ms", f"{naive / board:,.0f}× faster",
                    f"< {ACTIVE_LEARNERS_MS} ms" if active else "",
                    board < ACTIVE_LEARNERS_MS if active else None,
                ))  # fmt: skip
            service = part["service"]
            empty = service["empty request context"]
            for label, rate in service.items():
                if label != "empty request context":
                    section.rows.append(Row(f"{label} (views/s, one process)", f"{rate:,.0f}",
                                            f"empty request context {empty:,.0f}/s",
                                            pct(rate / empty)))  # fmt: skip
        elif "views written" in part:  # (a) recording through HTTP
            trivial = part["trivial"]
            for key, label in (("off", "course page, recording off"),
                               ("on", "course page, view recorded")):  # fmt: skip
                section.rows.append(goal_row(label, f"{part[key]:,.0f} req/s",
                                             f"{trivial:,.0f} req/s", part[key] / trivial,
                                             RECORDING_GOAL if key == "on" else None))  # fmt: skip
            section.notes.append(
                f"recording: gunicorn {part['workers']} workers, wrk 8 "
                f"connections; {part['views written']:,} views written"
            )


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def read_search(section: Section, data: dict) -> None:
    for kind, engines in data["kinds"].items():
        whoosh, fts5 = engines["whoosh"], engines["fts5"]
        goal = kind != "all"
        for phase, prefix in (("warm", ""), ("cold", "cold_")):
            p95, cpu_p95 = whoosh[f"{prefix}p95"], whoosh[f"{prefix}cpu_p95"]
            section.rows.append(
                Row(
                    f"{kind}: Whoosh {phase} p95 (CPU p95)",
                    f"{p95:.1f} ms ({cpu_p95:.1f})",
                    f"FTS5 {fts5[f'{prefix}p95']:.1f} ms",
                    f"{p95 / fts5[f'{prefix}p95']:.2f}× FTS5's time",
                    f"< {SEARCH_P95_MS} ms" if goal else "",
                    p95 < SEARCH_P95_MS if goal else None,
                )
            )
    builds = data["builds"]
    section.notes.append(f"{data['lessons']:,} lessons; build Whoosh {builds['whoosh']:.0f} s, "
                         f"FTS5 {builds['fts5']:.0f} s; match counts equal on "
                         f"{data['same_totals']} of {data['queries']} queries")  # fmt: skip


def read_relevance(section: Section, data: dict) -> None:
    for kind, figures in data["kinds"].items():
        met = figures["top3"] >= RELEVANCE_TOP3 and figures["ndcg"] >= RELEVANCE_NDCG
        section.rows.append(Row(f"{kind} ({figures['queries']} queries): top-3, nDCG@10",
                                f"{figures['top3']:.0%}, {figures['ndcg']:.3f}",
                                goal=f"≥ {RELEVANCE_TOP3:.0%}, ≥ {RELEVANCE_NDCG}",
                                met=met))  # fmt: skip


def read_creditbank(section: Section, data: list) -> None:
    for run in data:
        rate, bare = run["posting_rate"], run["bare_commit_rate"]
        sqlite = run["backend"] == "sqlite"
        section.rows.append(Row(
            "credit postings through post_entry (one commit each)", f"{rate:,.0f}/s",
            f"bare INSERT+COMMIT {bare:,.0f}/s", f"{rate / bare:.2f}",
            f"≥ {POSTINGS_PER_SECOND}/s" if sqlite else "",
            rate >= POSTINGS_PER_SECOND if sqlite else None,
        ))  # fmt: skip
        refused = [
            f"{page} (HTTP {figures['status']})"
            for page, figures in run["pages"].items()
            if figures["status"] != 200
        ]
        if refused:  # a redirect's time is not the page's
            section.unmeasured.append(
                f"{', '.join(refused)}: not the page for the bench's "
                "signed-in client, so the time is not the page's"
            )
        for page, figures in run["pages"].items():
            if figures["status"] != 200:
                continue
            section.rows.append(Row(
                f"{page} (test client)", f"{figures['ms']:.1f} ms",
                f"trivial route {figures['trivial_ms']:.2f} ms",
                pct(figures["trivial_ms"] / figures["ms"]) + " (of its rate)",
            ))  # fmt: skip
        section.rows.append(Row(f"ledger verify, {run['entries'] + run['postings']:,} entries",
                                f"{run['verify_seconds']:.1f} s", goal="no break",
                                met=run["breaks"] == 0))  # fmt: skip
        own = run.get("account_entries", run["entries"])
        section.notes.append(
            f"a ledger of {run['entries']:,} entries, {own:,} of them in the signed-in "
            "learner's account (the pages'), the rest 100 to an account of other residents; "
            "each entry sealed in the hash chain with the ledger's own keyed hash, written in "
            f"bulk{filled_in(run)}"
        )


def read_load(section: Section, data: dict) -> None:
    seconds = data["seconds"]
    total = failed = 0
    for kind, (count, failures, spent) in sorted(data["kinds"].items()):
        total, failed = total + count, failed + failures
        section.rows.append(Row(kind, f"{count} requests, {count / seconds:.1f}/s, "
                                      f"mean {1000 * spent / max(count, 1):.0f} ms"))  # fmt: skip
    section.rows.append(Row("requests failed", f"{failed} of {total}", goal="0", met=failed == 0))
    problems = data["problems"]
    section.rows.append(Row("checks (counts, balances, rankings, ledger verify, index, queue)",
                            "all exact" if not problems else f"{len(problems)} problems",
                            goal="all exact", met=not problems))  # fmt: skip
    section.notes.append(f"{data['users']} simulated learners at once for {seconds:.0f} s, "
                         f"{data['learners']} mornings; no hello baseline: this bench checks "
                         "correctness under load, its rates are the machine's")  # fmt: skip
    section.notes += [f"problem: {p}" for p in problems[:10]]


def read_activities(section: Section, data: dict) -> None:
    hello = data["baseline"]
    for page in data["pages"]:
        section.rows.append(
            goal_row(
                page["name"],
                f"{page['rate']:,.0f} req/s",
                f"{hello:,.0f} req/s",
                page["rate"] / hello,
                None,
            )
        )
    section.rows.append(goal_row("sign-up POST, distinct learners (Python client)",
                                 f"{data['sign_up']:,.0f} req/s",
                                 f"{data['client_trivial']:,.0f} req/s",
                                 data["sign_up"] / data["client_trivial"], None))  # fmt: skip
    rss_rows(section, data["rss_mb"], "after the activity pages")


READERS = {"catalogue": read_catalogue, "rankings": read_rankings, "search": read_search,
           "relevance": read_relevance, "creditbank": read_creditbank, "load": read_load,
           "activities": read_activities}  # fmt: skip


# ---- the report ------------------------------------------------------------------------------

TITLES = {
    "catalogue": "Catalogue pages, signed out (`bench.catalogue_bench`)",
    "signed_in": "Signed-in pages, rankings and search pages, memory (`bench.signed_in_bench`)",
    "rankings": "Rankings: a year of click events, recording a view (`bench.rankings_bench`)",
    "search": "Search engine speed, Whoosh against FTS5 (`bench.search_bench`, no database)",
    "relevance": "Search relevance (`bench.search_relevance`, demo catalogue)",
    "creditbank": "Credit bank (`bench.creditbank_bench`)",
    "load": "A learning-week morning under load (`bench.load_week_morning`)",
    "activities": "Activities (`bench.activities_bench`)",
}


def machine() -> str:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        model = found.group(1).strip() if found else ""
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(re.search(r"MemTotal:\s+(\d+)", meminfo.read_text()).group(1))
        memory = f", {kib / 1024 / 1024:.1f} GiB memory"
    return f"{os.cpu_count()} cores ({model or platform.machine()}){memory}, {platform.system()}"


def load_average() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def write_report(
    path: Path,
    args,
    sizes: dict,
    sections: list[Section],
    started: datetime,
    load_start: str,
    seconds: float,
    complete: bool = True,
) -> None:
    out = [f"# Bench results — scale `{args.scale}`", ""]
    if not complete:
        out += [
            "**Incomplete: the run is still going or was stopped; only the benches below "
            "have run.**",
            "",
        ]
    if args.scale != "province":
        out += [f"**A `{args.scale}` run: a check that the suite runs end to end, at sizes far "
                "below the issue's province. Its figures say nothing about the province goals.**",
                ""]  # fmt: skip
    out += [
        f"- Date: {started:%Y-%m-%d %H:%M} UTC; the whole run took {seconds / 60:.0f} min.",
        f"- Machine: {machine()}; Python {platform.python_version()}.",
        f"- Load average (1 / 5 / 15 min) at the start: {load_start}; at the end: "
        f"{load_average()}. Other work shares this machine: compare ratios, not rates.",
        f"- Command: `{shlex.join(['bench/run', *sys.argv[1:]])}`; wrk {args.duration} s per "
        'URL; hello (the trivial route `return "ok"`) is served by the same gunicorn in the '
        "same run, right before the figures it divides.",
        "",
        "## Sizes",
        "",
        "Every bench fills a fresh database of its own (none can be pointed at an existing "
        "one), so each dimension of the province is reached by the bench that measures it:",
        "",
        "| dimension | province (issue 18) | this run | filled by |",
        "|---|---:|---:|---|",
        f"| learners | {PROVINCE['learners']:,} | {sizes['residents']:,} accounts, "
        f"{sizes['signed_in_learners']:,} of them signed in (+ {sizes['load_learners']:,} "
        "prepared in the load bench) | signed-in bench: the signed-in learners one at a time "
        "(sessions, enrolments, credits), the other residents in bulk |",
        f"| courses | {PROVINCE['courses']:,} | {sizes['courses']:,} | catalogue and "
        "signed-in benches (bulk SQL) |",
        f"| lessons | {PROVINCE['lessons']:,} | "
        f"{sizes['courses'] * sizes['lessons_per_course']:,} (search index: "
        f"{sizes['search_lessons']:,}) | catalogue and signed-in benches; search bench |",
        f"| click events | {PROVINCE['click events']:,} | {sizes['events']:,} | rankings "
        "bench (executemany / COPY) |",
        f"| ledger entries | {PROVINCE['ledger entries']:,} | "
        f"{sizes['ledger_entries'] + sizes['postings']:,} | credit bank bench (chained in "
        "bulk; the pages' account 10,000) |",
        "",
    ]
    goals_missed, unmeasured = [], []
    for backend in [*args.backends, "none"]:
        own = [s for s in sections if s.backend == backend]
        if not own:
            continue
        out += [f"## {NAMES.get(backend, 'Independent of the database')}", ""]
        for section in own:
            where = NAMES.get(backend, "")
            out += [f"### {TITLES[section.bench]}", ""]
            if section.command:
                out += [f"`{section.command}` — {section.seconds:.0f} s", ""]
            out += [f"- {note}" for note in section.notes]
            if section.notes:
                out.append("")
            if section.rows:
                out += ["| figure | value | baseline (same run) | ratio | goal | met |",
                        "|---|---:|---:|---:|---|---|"]  # fmt: skip
                for row in section.rows:
                    met = {True: "met", False: "**not met**", None: ""}[row.met]
                    out.append(f"| {row.figure} | {row.value} | {row.baseline} | {row.ratio} | "
                               f"{row.goal} | {met} |")  # fmt: skip
                    if row.met is False:
                        goals_missed.append(f"{where + ', ' if where else ''}{section.bench}: "
                                            f"{row.figure} — {row.value} against {row.goal} "
                                            f"(baseline {row.baseline or '—'})")  # fmt: skip
                out.append("")
            for line in section.unmeasured:
                unmeasured.append(f"{where + ', ' if where else ''}{section.bench}: {line}")
            if section.error:
                out += ["```", section.error, "```", ""]
                lines = section.error.splitlines()
                reason = lines[0] + (f" {lines[-1].strip()}" if len(lines) > 1 else "")
                unmeasured.append(f"{where + ', ' if where else ''}{section.bench}: {reason}")
    out += ["## Goals not met", ""]
    out += [f"- {line}" for line in goals_missed] or ["- none among the figures measured"]
    out += ["", "## Not measured", ""]
    missing = [f"{name}: the province's {size:,}, this run {reached:,}"
               for name, size, reached in (
                   ("learners", PROVINCE["learners"], sizes["residents"]),
                   ("click events", PROVINCE["click events"], sizes["events"]),
                   ("ledger entries", PROVINCE["ledger entries"],
                    sizes["ledger_entries"] + sizes["postings"]),
                   ("lessons in the search index", PROVINCE["lessons"], sizes["search_lessons"]),
               ) if reached < size]  # fmt: skip
    unmeasured += [f"sizes below the province ({args.scale} scale) — {m}" for m in missing]
    if args.scale == "province":
        unmeasured.append(
            f"{PROVINCE['learners']:,} learners with their own history: the signed-in bench "
            f"makes {sizes['signed_in_learners']:,} of them one at a time (enrolments, reading, "
            "credits, a session); the other accounts are bulk-loaded without enrolments"
        )
    unmeasured.append("one shared province database per backend: each bench fills its own "
                      "(see Sizes)")  # fmt: skip
    unmeasured.append("flatness in history of the active-learners board: one history length "
                      "per run; compare the figure across scales")  # fmt: skip
    out += [f"- {line}" for line in unmeasured]
    path.write_text("\n".join(out) + "\n")


# ---- main ------------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=SCALES, default="small")
    parser.add_argument("--backends", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql")  # fmt: skip
    parser.add_argument(
        "--postgres-url",
        default=POSTGRES_URL,
        help="a PostgreSQL server; each bench makes and drops its own database",
    )
    parser.add_argument("--only", help=f"benches to run, in this order, of: {', '.join(SUITE)}")
    parser.add_argument("--duration", type=int, default=8, help="wrk seconds per URL")
    parser.add_argument("--load-duration", type=int, help="seconds of the load bench "
                        "(default 120 at province scale, 30 below)")  # fmt: skip
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--logs", help="folder for each bench's output and figures")
    parser.add_argument("--timeout", type=int, default=0, help="seconds per bench (0: none)")
    parser.add_argument("--python", default=sys.executable, help="the project's interpreter")
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if set(args.backends) - set(BACKENDS):
        parser.error(f"--backends: {', '.join(BACKENDS)}")
    benches = [b.strip() for b in args.only.split(",")] if args.only else list(SUITE)
    if set(benches) - set(SUITE):
        parser.error(f"--only: {', '.join(SUITE)}")
    args.load_duration = args.load_duration or (120 if args.scale == "province" else 30)
    args.logs = args.logs or tempfile.mkdtemp(prefix="learnhub-bench-run-")
    Path(args.logs).mkdir(parents=True, exist_ok=True)
    sizes = SCALES[args.scale]
    started, load_start, clock = datetime.now(UTC), load_average(), time.perf_counter()
    print(f"scale {args.scale}, backends {', '.join(args.backends)}, logs in {args.logs}")
    sections = []
    for backend in args.backends:
        for bench in benches:
            if bench == "search":  # no database: once, under its own heading
                if backend == args.backends[0]:
                    section = run_bench(bench, backend, sizes, args)
                    section.backend = "none"
                    sections.append(section)
                continue
            sections.append(run_bench(bench, backend, sizes, args))
            write_report(args.output, args, sizes, sections, started, load_start,
                         time.perf_counter() - clock, complete=False)  # fmt: skip
    write_report(args.output, args, sizes, sections, started, load_start,
                 time.perf_counter() - clock)  # fmt: skip
    print(f"written: {args.output}")
    return 1 if any(s.error for s in sections) else 0


if __name__ == "__main__":
    sys.exit(main())
