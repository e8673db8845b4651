"""Small helpers shared by the CLI commands of every feature."""

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import click
from flask_babel import gettext as _


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


# Commands that read a file people prepared report its problems in the language chosen here.
messages_locale_option = click.option(
    "--locale",
    type=click.Choice(["en", "zh_CN"]),
    default="en",
    show_default=True,
    help="Language of the messages.",
)


def fail_with_problems(problems) -> None:
    """Print each problem of a file (to stderr) and stop: nothing was imported."""
    for problem in problems:
        click.echo(str(problem), err=True)
    raise click.ClickException(
        _("Problems found: %(count)d. Nothing was imported.", count=len(problems))
    )
