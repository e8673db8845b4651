"""The index's terms as PostgreSQL text search values (a document's vector, a query's query)
and as the weights ranking reads.

The PostgreSQL backend searches the very terms the Whoosh index holds (schema.document_terms:
jieba words of the content, stemmed English, pinyin keys of titles, and any text field the
schema gains), so both backends answer the same query tree (queries.interpret) alike.

- A term becomes one lexeme: a content word as it is, another field's term prefixed with
  its field (``pinyin:dansi``), so a pinyin key never meets a Latin word of a body. Vectors
  and queries are written as literals (``'党史':1A``) and cast, never parsed by PostgreSQL's
  text search parser, which would cut and fold our terms its own way.
- Where a term stands becomes its weight class, from the boost the index gives it (times
  the field's weight at query time, as scoring.py): A for the title (content 5, a title's
  pinyin key 1 × 3) and the pinyin of the names besides it (a course's module and region, a
  lesson's course title: schema.ALSO_PINYIN_BOOST 0.9 × 3, nearly a title's as on Whoosh, so
  "ds" reaches the 百年党史学堂 courses), B for the summary, module, labels and region (2),
  C for lesson text (1), D below: "did you mean" lists the names of the entries where a
  pinyin key ranks best (ts_rank), a title's first.
- A lexeme keeps at most MAX_POSITIONS occurrences, strongest first: ts_rank adds the
  occurrences with falling weight (1, 1/4, 1/9 …), so more would change nothing.
- Queries are ranked from each lexeme's weight (document_weights), not from the vector: the
  engine the Whoosh index uses scores them (pgsearch.py).
"""

from __future__ import annotations

from collections.abc import Iterator

from .schema import SearchDocument, document_terms
from .scoring import PINYIN_WEIGHT

CONTENT = "content"  # the field whose terms are lexemes as they are
FIELD_WEIGHTS = {CONTENT: 1.0, "pinyin": PINYIN_WEIGHT}  # other fields: 1.0
CLASS_FLOORS = (("A", 2.5), ("B", 1.5), ("C", 1.0))  # below the last: D
MAX_POSITIONS = 8


def lexeme(field: str, term: str) -> str:
    """The lexeme of a field's term (content words as they are, others prefixed)."""
    return term if field == CONTENT else f"{field}:{term}"


def quoted(value: str) -> str:
    """A lexeme as a text search literal: quoted, quotes and backslashes doubled."""
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def weight_class(weight: float) -> str:
    for name, floor in CLASS_FLOORS:
        if weight >= floor:
            return name
    return "D"


def document_vector(doc: SearchDocument) -> str:
    """The text of a document's tsvector: every term with the classes of its occurrences."""
    classes: dict[str, list[str]] = {}
    for field, terms in document_terms(doc).items():
        factor = FIELD_WEIGHTS.get(field, 1.0)
        for term, boost in terms:
            if term:
                classes.setdefault(lexeme(field, term), []).append(weight_class(boost * factor))
    return " ".join(
        quoted(value)
        + ":"
        + ",".join(f"{i}{c}" for i, c in enumerate(sorted(found)[:MAX_POSITIONS], 1))
        for value, found in classes.items()
    )


def document_weights(doc: SearchDocument) -> tuple[dict[str, float], int]:
    """Each lexeme's weight in a document (the sum of its occurrences' boosts, as the Whoosh
    index weighs a term) and how many content words it has (the length BM25 divides by)."""
    weights: dict[str, float] = {}
    length = 0
    for field, terms in document_terms(doc).items():
        for term, boost in terms:
            if field == CONTENT:
                length += 1
            if term:
                value = lexeme(field, term)
                weights[value] = weights.get(value, 0.0) + boost
    return weights, length


def lexemes(tree) -> list[str]:
    """The lexemes of a query tree's terms, each once, in order."""
    return sorted({lexeme(field, term) for field, term in _terms(tree)})


def query_text(tree) -> str:
    """The text of the tsquery that matches what the query tree matches."""
    if tree[0] == "term":
        return quoted(lexeme(tree[1], tree[2]))
    # "grams" (a typed run's bigrams) matches as "all" does (queries.py, scoring._matches)
    operator = " | " if tree[0] == "any" else " & "
    return "(" + operator.join(query_text(child) for child in tree[1]) + ")"


def _terms(tree) -> Iterator[tuple[str, str]]:
    if tree[0] == "term":
        yield tree[1], tree[2]
        return
    for child in tree[1]:
        yield from _terms(child)
