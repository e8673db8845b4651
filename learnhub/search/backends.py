"""Which search backend runs: chosen once, from SEARCH_BACKEND, when the app is made.

- ``"whoosh"`` (the default): a Whoosh index in SEARCH_DIR (index.SearchIndex), written by
  the job worker after each commit. One machine.
- ``"postgresql"``: the table ``search_entry`` in the site's PostgreSQL database
  (pgindex.PostgresIndex), written in the changing transaction. Several hosts: nothing is
  shared but the database.

Both offer the same adapter (:class:`SearchBackend`); services.py, the routes, /healthz and
the commands call it through :func:`backend` and never ask which one runs. Writing differs
(a queue and a job, or the transaction itself) and is sync.py's business alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from flask import Flask, current_app
from sqlalchemy import make_url

from .index import SearchIndex
from .pgindex import PostgresIndex
from .results import IndexResults
from .text import SynonymMap

BACKENDS = ("whoosh", "postgresql")
_EXTENSION = "learnhub_search"


class SearchBackend(Protocol):
    """What every backend answers (plain values in and out)."""

    name: str
    writes_in_transaction: bool  # True: entries are written inside the changing transaction

    def status(self) -> str:
        """ "ok", "missing" (never built) or "broken"."""

    def location(self) -> str:
        """Where the index is, for the operator."""

    def document_count(self) -> int: ...

    def version(self) -> str | None:
        """What the results pages kept in the cache are keyed by besides the site's content:
        it changes whenever the index changes in a way the content does not show (None: no
        usable index, keep nothing)."""

    def search(self, query_text: str, *, module: str | None = None, sort: str = "relevance",
               offset: int = 0, limit: int = 10, boosts: Mapping[int, float] | None = None,
               match_all: bool = True,
               synonyms: SynonymMap | None = None) -> IndexResults:  # fmt: skip
        """One page, the total and the facets; raises index.IndexUnavailable."""

    def suggest(self, query_text: str) -> str | None: ...

    @staticmethod
    def highlight(value: str, terms: frozenset[str], whole: bool = False,
                  length: int = 120) -> str | None: ...  # fmt: skip


class SearchConfigurationError(RuntimeError):
    """SEARCH_BACKEND names no backend, or one this database cannot carry."""


def make_backend(app: Flask) -> SearchBackend:
    """The backend SEARCH_BACKEND names, refused at start-up when the database cannot carry it."""
    name = app.config["SEARCH_BACKEND"]
    if name == "whoosh":
        return SearchIndex(app.config["SEARCH_DIR"])
    if name == "postgresql":
        database = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
        if database != "postgresql":
            raise SearchConfigurationError(
                f'SEARCH_BACKEND = "postgresql" needs the site\'s database on PostgreSQL, '
                f"but SQLALCHEMY_DATABASE_URI (DATABASE_URL) is a {database} database. "
                f'Use SEARCH_BACKEND = "whoosh" with SQLite (see docs/search.md).'
            )
        return PostgresIndex()
    raise SearchConfigurationError(
        f"SEARCH_BACKEND must be one of {', '.join(repr(b) for b in BACKENDS)}, not {name!r}"
    )


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION] = make_backend(app)


def backend(app: Flask | None = None) -> SearchBackend:
    """The app's search backend (one object per app, shared by its threads)."""
    return (app or current_app).extensions[_EXTENSION]
