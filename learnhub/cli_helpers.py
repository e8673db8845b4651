"""Small helpers shared by the CLI commands of every feature."""

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import click


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[Iterable], Iterable]]:
    """Yield a function that wraps an iterable in a click progress bar."""
    bars = []

    def wrap(items: Iterable) -> Iterable:
        items = list(items)
        bar = click.progressbar(items, label=label, file=sys.stderr)
        bars.append(bar)
        with bar:
            yield from bar

    yield wrap
