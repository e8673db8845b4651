"""What the index holds: SearchDocument, the Whoosh schema, and how text becomes terms.

Text is cut by jieba (see ChineseTokenizer), lower-cased, stripped of stop words and
stemmed; titles also give pinyin keys (see PinyinTokenizer) and character bigrams (see
GramsTokenizer). Queries go through the same
analyzer (see content_terms), so a word is looked up exactly as it was indexed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from whoosh import fields
from whoosh.analysis import LowercaseFilter, StemFilter, StopFilter, Token, Tokenizer

from . import text

# Parts of a document's text, strongest first: a word in the title weighs five times a word
# in the body, so a title match beats a body match; the summary, tags and module sit between.
PART_WEIGHTS = (5.0, 2.0, 1.0)
_PART_SEPARATOR = "\x1e"  # never in stored text (see _clean)
STOP_WORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "for", "from", "have", "if", "in",
    "is", "it", "may", "not", "of", "on", "or", "that", "the", "this", "to", "us", "we", "when",
    "will", "with", "yet", "you", "your", "的", "了", "和", "与", "及",
))  # fmt: skip


@dataclass(frozen=True)
class SearchDocument:
    """One searchable thing, as the index needs it (plain text, no HTML)."""

    kind: str  # course, lesson, activity
    object_id: int
    course_id: int | None
    module: str  # the module's slug: the facet
    published: datetime | None
    title: str
    secondary: str = ""  # summary, module name, tags, region
    body: str = ""
    # Chinese names typed in pinyin besides the title (a course's module and region), so
    # "dangshi" finds the 百年党史学堂 courses whose titles do not say 党史.
    also_pinyin: str = ""
    # Times the kind's weight (scoring.KIND_WEIGHTS): a lesson that is a quiz weighs less
    # than one that teaches, so "长征" lists the lessons on it before the test on it.
    weight: float = 1.0

    @property
    def key(self) -> str:
        return document_key(self.kind, self.object_id)


def document_key(kind: str, object_id: int) -> str:
    return f"{kind}:{object_id}"


# ---- analysis ------------------------------------------------------------------------


class ChineseTokenizer(Tokenizer):
    """jieba's words with their offsets (jieba's own Whoosh analyzer, kept small and quiet).

    In index mode it cuts for search (overlapping parts: 百年党史学堂 gives 百年, 党史, 学堂
    and the whole) and weighs each part of a document (see PART_WEIGHTS); in query mode it
    cuts precisely. jieba.analyse is not imported: it reads a 6 MB IDF table on import and
    leaves the file open, which the test suite (warnings are errors) rightly refuses.
    """

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):  # fmt: skip
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        search_mode = mode != "query"
        offset, pos = 0, start_pos
        for part, weight in zip(value.split(_PART_SEPARATOR), PART_WEIGHTS, strict=False):
            for word, start, end in text.segment(part, search_mode=search_mode):
                token.text = word
                if keeporiginal:
                    token.original = word
                token.boost = weight
                token.stopped = False
                if positions:
                    token.pos = pos
                    pos += 1
                if chars:
                    token.startchar = start_char + offset + start
                    token.endchar = start_char + offset + end
                yield token
            offset += len(part) + 1


_ALSO_PINYIN_MARK = "\x1e"  # between a document's title and its also_pinyin names
ALSO_PINYIN_BOOST = 0.9


class PinyinTokenizer(Tokenizer):
    """The pinyin keys of a title (see text.pinyin_keys): worked out where the title is indexed."""

    def __call__(self, value, positions=False, chars=False, removestops=True, mode="",
                 **kwargs):  # fmt: skip
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        title, _mark, also = value.partition(_ALSO_PINYIN_MARK)
        title_keys = text.pinyin_keys(title)
        also_keys = sorted(set(text.pinyin_keys(also)) - set(title_keys))
        # Keys of the module or region weigh less than the title's: a title that says it wins.
        weighted = [(k, 1.0) for k in title_keys] + [(k, ALSO_PINYIN_BOOST) for k in also_keys]
        for pos, (key, boost) in enumerate(weighted):
            token.text = key
            token.boost = boost
            if positions:
                token.pos = pos
            yield token


class GramsTokenizer(Tokenizer):
    """The character bigrams of a title's Chinese runs (see text.title_grams), each once."""

    def __call__(self, value, positions=False, chars=False, removestops=True, mode="",
                 **kwargs):  # fmt: skip
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, gram in enumerate(text.title_grams(value)):
            token.text = gram
            token.boost = 1.0
            if positions:
                token.pos = pos
            yield token


def _content_analyzer():
    return (
        ChineseTokenizer()
        | LowercaseFilter()
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        | StemFilter(cachesize=50_000)
    )


CONTENT_ANALYZER = _content_analyzer()

SCHEMA = fields.Schema(
    key=fields.ID(unique=True, stored=True),
    kind=fields.ID(stored=True, sortable=True),
    object_id=fields.NUMERIC(int, stored=True),
    course_id=fields.NUMERIC(int, bits=64, stored=True, sortable=True),
    module=fields.ID(stored=True),
    published=fields.NUMERIC(int, bits=64, sortable=True),
    title=fields.STORED(),
    # The names typed in pinyin besides the title (module, region; a lesson's course title):
    # "did you mean" finds 党史 there for dangshii when no title says it.
    also=fields.STORED(),
    content=fields.TEXT(analyzer=CONTENT_ANALYZER, phrase=False),
    pinyin=fields.TEXT(analyzer=PinyinTokenizer(), phrase=False, spelling=True),
    # Character bigrams of the title: a run typed verbatim finds it however jieba cuts it.
    grams=fields.TEXT(analyzer=GramsTokenizer(), phrase=False),
    # The document's own weight in hundredths (Whoosh's float columns cannot be sortable).
    weight=fields.NUMERIC(int, sortable=True),
)


def content_terms(word: str) -> list[str]:
    """The terms a typed word is looked up by in the content field (as it was indexed)."""
    return [t.text for t in CONTENT_ANALYZER(word, mode="query")]


def _clean(value: str) -> str:
    return (value or "").replace(_PART_SEPARATOR, " ")


def index_fields(doc: SearchDocument) -> dict:
    """The Whoosh fields of a document, for the writer."""
    published = doc.published or datetime(1970, 1, 1, tzinfo=UTC)
    return {
        "key": doc.key,
        "kind": doc.kind,
        "object_id": doc.object_id,
        "course_id": doc.course_id if doc.course_id is not None else -1,
        "module": doc.module or "",
        "published": int(published.timestamp() * 1000),
        "title": doc.title,
        "also": doc.also_pinyin,
        "content": _PART_SEPARATOR.join(_clean(p) for p in (doc.title, doc.secondary, doc.body)),
        "pinyin": f"{doc.title}{_ALSO_PINYIN_MARK}{doc.also_pinyin}",
        "grams": doc.title,
        "weight": round(doc.weight * 100),
    }


# ---- the same terms, for the PostgreSQL backend ------------------------------------------


def document_terms(doc: SearchDocument) -> dict[str, list[tuple[str, float]]]:
    """Each analysed field's terms of a document with their boosts, as the index writes them.

    The PostgreSQL backend (pgterms.py) stores exactly these: every text field of SCHEMA
    goes through its own analyzer, so a field added here is searched there too.
    """
    values = index_fields(doc)
    return {
        name: [(token.text, token.boost) for token in field.analyzer(values[name], mode="index")]
        for name, field in SCHEMA.items()
        if isinstance(field, fields.TEXT) and name in values
    }
