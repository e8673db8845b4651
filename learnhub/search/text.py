"""Chinese text for search: jieba words, pinyin keys and forgiving query words.

Nothing here knows about Whoosh: the index adapter, the database fallback and the
benchmark's SQLite FTS5 side all cut text the same way through these functions.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
import warnings
from collections.abc import Iterator, Mapping, Sequence

from pypinyin import Style, lazy_pinyin, pinyin

# A query is cut here (characters, after normalising): longer text is not a search, and
# the cost of a query grows with its words.
MAX_QUERY_LENGTH = 100
MAX_QUERY_WORDS = 8

CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_ASCII_WORD = re.compile(r"[a-z0-9]+")
_QUERY_PIECE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+")

# Words jieba's general dictionary cuts apart but learners type as one.
DOMAIN_WORDS = (
    "百年党史学堂", "党史", "学党史", "全民学习阅读", "好书推荐", "好书诵读", "读书笔记",
    "老年人智能技术应用", "智能手机", "健康码", "扫码支付", "视频通话", "电信诈骗",
    "防范电信诈骗", "长辈模式", "学分银行", "终身学习", "社区教育", "老年教育",
    "家庭教育", "健康生活", "职业技能", "社区大讲堂", "全民终身学习活动周",
)  # fmt: skip

# Pinyin that many people mix up when typing (southern accents, quick thumbs): both the
# index and the query fold these, so "dangsi" finds 党史 (dangshi) and "zongguo" 中国.
_FUZZY_PINYIN = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("ang", "an"), ("eng", "en"),
                 ("ing", "in"))  # fmt: skip
_FUZZY_RE = re.compile("|".join(a for a, _b in _FUZZY_PINYIN))
_FUZZY_MAP = dict(_FUZZY_PINYIN)
_NGRAM_WORDS = 4  # joined pinyin of up to this many neighbouring words is a key too
_RUN_KEY_CHARS = 12  # a whole title run up to this long also gets its own keys
_INNER_RUN_MIN = 4  # a word this long also gets the keys of the runs inside it


@functools.cache
def _jieba():
    """jieba, loaded once per process with the domain words and without its chatter."""
    with warnings.catch_warnings():
        # jieba 0.42 imports pkg_resources, which newer setuptools deprecate.
        warnings.simplefilter("ignore", DeprecationWarning)
        import jieba  # deferred: loads its dictionary; and see the warning above
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    for word in DOMAIN_WORDS:
        jieba.add_word(word)
    return jieba


def load_tables() -> None:
    """Load jieba's dictionary (with the domain words) and pypinyin's lazily built parts now
    instead of at the first search: a server that forks its workers (gunicorn's
    ``preload_app``) calls this first, so that every worker shares these read-only pages
    with the master instead of loading its own copy."""
    _jieba()
    lazy_pinyin("中文")


def normalise(text: str) -> str:
    """Full-width letters and digits to plain ones, lower case, single spaces.

    Control and format characters (NUL, zero-width spaces, direction marks) become spaces.
    """
    text = unicodedata.normalize("NFKC", text or "").lower()
    if not text.isprintable():
        text = "".join(c if unicodedata.category(c)[0] != "C" else " " for c in text)
    return " ".join(text.split())


def segment(text: str, search_mode: bool = True) -> Iterator[tuple[str, int, int]]:
    """Words of ``text`` with their character offsets (search mode adds overlapping parts).

    Punctuation and single Latin letters are dropped; single Chinese characters are kept.
    """
    mode = "search" if search_mode else "default"
    for word, start, end in _jieba().tokenize(text, mode=mode):
        if len(word) == 1 and not CJK_RUN.match(word):
            continue
        if not word.strip() or not (CJK_RUN.match(word) or _ASCII_WORD.search(word.lower())):
            continue
        yield word, start, end


def fold_pinyin(key: str) -> str:
    """The forgiving form of a pinyin key (zh→z, ch→c, sh→s, ang→an, eng→en, ing→in)."""
    return _FUZZY_RE.sub(lambda m: _FUZZY_MAP[m.group(0)], key)


@functools.lru_cache(maxsize=100_000)
def _syllables(word: str) -> tuple[str, ...]:
    # Words repeat a lot (Zipf): the cache makes pinyin nearly free after the first titles.
    return tuple(s for s in lazy_pinyin(word, style=Style.NORMAL, errors="ignore") if s.isalpha())


def pinyin_keys(text: str) -> list[str]:
    """Pinyin keys of the Chinese words in ``text``, for the index (see _pinyin_keys)."""
    return list(_pinyin_keys(text))


@functools.lru_cache(maxsize=4096)  # a course's title is every lesson's also_pinyin
def _pinyin_keys(text: str) -> tuple[str, ...]:
    """Pinyin keys of the Chinese words in ``text``, for the index.

    For each word: its syllables, its joined pinyin and its initials; for runs of up to
    four neighbouring words (and a whole short run) the joined pinyin and initials too,
    so "dangshi", "dang shi", "ds" and "znsj" (智能手机) all find their title.
    """
    keys: set[str] = set()
    for run in CJK_RUN.findall(normalise(text)):
        words = [w for w, _s, _e in segment(run, search_mode=False)]
        parts = [_syllables(w) for w in words]
        for word, _s, _e in segment(run):
            syllables = _syllables(word)
            keys.update(syllables)
            _add_joined(keys, syllables)
        for syllables in parts:  # runs inside a long word: 电信诈骗 of 防范电信诈骗
            _add_inner_runs(keys, syllables)
        for size in range(2, _NGRAM_WORDS + 1):
            for i in range(len(parts) - size + 1):
                _add_joined(keys, [s for p in parts[i : i + size] for s in p])
        if len(run) <= _RUN_KEY_CHARS:
            _add_joined(keys, [s for p in parts for s in p])
    return tuple(sorted(fold_pinyin(k) for k in keys if k))


def _add_inner_runs(keys: set[str], syllables: Sequence[str]) -> None:
    """Keys of every run of 2 to n − 1 syllables of a word of n ≥ 4 (one per character).

    jieba's search mode only offers the 2- and 3-character dictionary words inside a word,
    so the 4-character 电信诈骗 (dianxinzhapian, dxzp) of the one word 防范电信诈骗 needs this.
    """
    n = len(syllables)
    if n < _INNER_RUN_MIN:
        return
    for size in range(2, n):
        for start in range(n - size + 1):
            _add_joined(keys, syllables[start : start + size])


def _add_joined(keys: set[str], syllables: Sequence[str]) -> None:
    if syllables:
        keys.add("".join(syllables))
        if len(syllables) > 1:
            keys.add("".join(s[0] for s in syllables))


def query_pieces(query: str) -> list[str]:
    """What a visitor typed, as plain pieces: Chinese runs and Latin/digit words.

    Everything else (quotes, brackets, operators, wildcards) is a separator, so no input
    can be query syntax. The text is cut at MAX_QUERY_LENGTH, the pieces at MAX_QUERY_WORDS.
    """
    text = normalise(query)[:MAX_QUERY_LENGTH]
    return _QUERY_PIECE.findall(text)[:MAX_QUERY_WORDS]


def clean_query(query: str) -> str:
    """The query as shown back and recorded: normalised and cut at MAX_QUERY_LENGTH."""
    return normalise(query)[:MAX_QUERY_LENGTH].strip()


def is_latin(piece: str) -> bool:
    return bool(_ASCII_WORD.fullmatch(piece))


def query_words(piece: str) -> list[str]:
    """The index words a query piece stands for (precise cut: no overlapping parts)."""
    if is_latin(piece):
        return [piece]
    return [w for w, _s, _e in segment(piece, search_mode=False)]


# ---- character n-grams: nothing typed verbatim from a title is lost ------------------
#
# jieba cuts a title (index) and a few characters of it (query) differently: 鸭绿江 is
# one word in a title, 绿江 is cut as 绿 + 江 when typed. So a title's Chinese runs are
# also kept as overlapping character pairs (bigrams), and each Chinese run of a query
# may match all of its pairs instead of its words: every pair of a substring is a pair of
# the title, so a run typed verbatim always finds the title. Positions are not needed
# (a few characters that happen to share all pairs with a title are close enough).
GRAM_SIZE = 2


def _bigrams(run: str) -> list[str]:
    seen: dict[str, None] = {}
    for i in range(len(run) - GRAM_SIZE + 1):
        seen.setdefault(run[i : i + GRAM_SIZE], None)
    return list(seen)


def title_grams(title: str) -> list[str]:
    """The character bigrams of a title's Chinese runs, each once, in order of appearance.

    What the index keeps besides the words (百年党史 → 百年, 年党, 党史). Latin words and
    punctuation give none, and pairs never span two runs (党史：学堂 has no 史学).
    """
    grams: dict[str, None] = {}
    for run in CJK_RUN.findall(normalise(title)):
        grams.update(dict.fromkeys(_bigrams(run)))
    return list(grams)


def query_grams(piece: str) -> list[str]:
    """The grams alternative of a query's Chinese run: its bigrams, all of which must match.

    A run of one character has none (it is searched as a word only, as before); a Latin
    piece has none either. Every backend answers a Chinese run as "its words (as cut by
    query_words) OR all of query_grams(run) in the title's grams", the grams side ranked
    well below the words (see docs/search.md).
    """
    if not CJK_RUN.fullmatch(piece):
        return []
    return _bigrams(piece)


# A synonym group's word → every word of its group (itself included); see synonyms.py.
SynonymMap = Mapping[str, tuple[str, ...]]


def with_synonyms(words: Sequence[str], synonyms: SynonymMap) -> list[tuple[str, tuple[str, ...]]]:
    """Query words with the synonym group each stands for (an empty tuple: none).

    Neighbouring words whose run is a group's word count as that word, longest run first,
    so 反诈 cut as 反 + 诈 still finds its group, and 手机支付 its own before 手机's.
    """
    if not synonyms:
        return [(word, ()) for word in words]
    found: list[tuple[str, tuple[str, ...]]] = []
    i = 0
    while i < len(words):
        for end in range(len(words), i, -1):
            run = "".join(words[i:end])
            if run in synonyms:
                found.append((run, synonyms[run]))
                i = end
                break
        else:
            found.append((words[i], ()))
            i += 1
    return found


def pinyin_of(word: str) -> str:
    """The folded, joined pinyin of a Chinese word ("党史" → "dangsi")."""
    return fold_pinyin("".join(_syllables(word)))


_MAX_READINGS = 16  # readings of a typed word tried at most (each heteronym multiplies them)


def pinyin_readings(word: str) -> list[str]:
    """Every folded, joined pinyin a typed word may stand for, its usual reading first.

    A heteronym has several (长证: zhangzheng, changzheng): "did you mean" keeps the one
    the index knows, so 长证 finds 长征.
    """
    first = pinyin_of(word)
    readings = [""]
    for choices in pinyin(word, style=Style.NORMAL, heteronym=True, errors="ignore"):
        choices = [c for c in choices if c.isalpha()] or [""]
        readings = [r + c for r in readings for c in choices][:_MAX_READINGS]
    folded = [fold_pinyin(r) for r in readings if r]
    return list(dict.fromkeys([first, *folded])) if first else folded


def span_with_pinyin(title: str, key: str) -> str | None:
    """The part of ``title`` whose folded pinyin is ``key`` ("党史" in 百年党史学堂 for "dansi")."""
    for run in CJK_RUN.findall(title or ""):
        syllables = [fold_pinyin(s) for s in _syllables(run)]
        if len(syllables) != len(run):  # a character without a reading: go one by one
            syllables = [fold_pinyin("".join(_syllables(char))) for char in run]
        for start in range(len(run)):
            joined = ""
            for end in range(start, len(run)):
                joined += syllables[end]
                if joined == key:
                    return run[start : end + 1]
                if not key.startswith(joined):
                    break
    return None


# What people type when they look for the elder mode switch (长辈模式) rather than a course.
_ELDER_MODE_WORDS = frozenset({
    "长辈版", "长辈模式", "关怀版", "关怀模式", "大字版", "大字模式", "老年版", "老人版",
    "老年模式", "适老版", "适老化", "字体放大", "放大字体", "大字体", "大字",
    "changbeiban", "changbeimoshi", "guanhuaiban", "daziban", "cbb", "ghb", "dzb",
    "eldermode", "elder", "largetext", "bigtext", "largerfont", "biggertext",
})  # fmt: skip


def asks_for_elder_mode(query: str) -> bool:
    """Whether a search is someone looking for the elder mode switch (长辈版, 关怀版, 大字版)."""
    folded = re.sub(r"[\s\-_·]+", "", unicodedata.normalize("NFKC", query).lower())
    return folded in _ELDER_MODE_WORDS
