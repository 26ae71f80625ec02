"""The one analyzer of search: the same tokens for indexing and for queries, here and in the
browser (``themes/default/static/js/search.js`` is a line-by-line twin; tests/test_search_parity.py
runs both on a shared list of strings).

Text is cut into *segments* (a character and the combining marks that follow it). Each segment
is normalised with Unicode NFKC, lower-cased, and each resulting character folded from
Traditional to Simplified through ``linli/data/t2s.txt`` (OpenCC's table), so 社區 and 社区 give
the same tokens. Then:

- a run of CJK characters (Han, kana, hangul, bopomofo) gives every single character and every
  overlapping pair (社区活动 → 社, 社区, 区, 区活, 活, 活动, 动), so a query may cross word
  boundaries (区活 matches);
- a run of letters and digits (with their combining marks) gives one word (WiFi → wifi,
  １２３ → 123);
- everything else (spaces, punctuation, symbols, emoji) separates tokens.

A query keeps only the pairs of a CJK run of two or more characters (the single characters add
nothing there) and the single character of a one-character run.

Each token knows the span of the original text it came from, for highlighting.
"""

from __future__ import annotations

import functools
import html
import operator
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

TABLE_PATH = Path(__file__).resolve().parent.parent / "data" / "t2s.txt"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"
_DIGIT = {c: i for i, c in enumerate(ALPHABET)}

# Code point ranges whose characters are indexed one by one and in pairs.
CJK_RANGES = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x3005, 0x3007),  # 々〆〇
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3100, 0x312F),  # Bopomofo
    (0x3130, 0x318F),  # Hangul Compatibility Jamo
    (0x31A0, 0x31BF),  # Bopomofo Extended
    (0x31F0, 0x31FF),  # Katakana Phonetic Extensions
    (0x3400, 0x4DBF),  # CJK Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xAC00, 0xD7AF),  # Hangul Syllables
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs (NFKC maps most away)
    (0x20000, 0x323AF),  # CJK Extensions B–H, Compatibility Supplement
)

CJK, WORD, MARK, OTHER = 1, 2, 3, 0


def decode_numbers(data: str):
    """The numbers of the 5-bit group encoding shared with the table and the static index."""
    n = 0
    for char in data:
        digit = _DIGIT[char]
        if digit >= 32:
            n = n * 32 + digit - 32
        else:
            yield n * 32 + digit
            n = 0


def encode_number(n: int) -> str:
    groups = [n & 31]
    n >>= 5
    while n:
        groups.append(n & 31)
        n >>= 5
    return "".join(ALPHABET[32 + g] for g in reversed(groups[1:])) + ALPHABET[groups[0]]


def table_data() -> str:
    """The encoded table, comment lines removed: what the browser gets too."""
    lines = TABLE_PATH.read_text(encoding="utf-8").splitlines()
    return "".join(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@functools.cache
def fold_table() -> dict[str, str]:
    table: dict[str, str] = {}
    numbers = decode_numbers(table_data())
    key = value = 0
    for key_delta in numbers:
        zigzag = next(numbers)
        key += key_delta + 1
        value += zigzag // 2 if zigzag % 2 == 0 else -(zigzag + 1) // 2
        table[chr(key)] = chr(value)
    return table


def char_class(char: str) -> int:
    code = ord(char)
    for low, high in CJK_RANGES:
        if low <= code <= high:
            return CJK
    category = unicodedata.category(char)[0]
    if category in "LN":
        return WORD
    if category == "M":
        return MARK
    return OTHER


_classes: dict[str, int] = {}


def _class(char: str) -> int:
    found = _classes.get(char)
    if found is None:
        found = _classes[char] = char_class(char)
    return found


_segment_cache: dict[str, str] = {}


def _normalize_segment(segment: str) -> str:
    found = _segment_cache.get(segment)
    if found is None:
        table = fold_table()
        text = unicodedata.normalize("NFKC", segment).lower()
        found = "".join(table.get(c, c) for c in text)
        if len(_segment_cache) < 50_000:
            _segment_cache[segment] = found
    return found


def normalize(text: str) -> list[tuple[str, int, int]]:
    """(normalised character, start, end in ``text``) for every character after normalising."""
    out: list[tuple[str, int, int]] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and _class(text[j]) == MARK:
            j += 1
        for char in _normalize_segment(text[i:j]):
            out.append((char, i, j))
        i = j
    return out


class _ByCode(dict):
    """A table for ``str.translate`` filled as characters are met: code point → ``make(char)``."""

    def __init__(self, make):
        super().__init__()
        self.make = make

    def __missing__(self, code: int) -> str:
        found = self[code] = self.make(chr(code))
        return found


#: What the tables below give a combining mark: a text with one is analysed segment by segment
#: (a lone surrogate, which no folding gives; a text holding one is analysed the slow way too).
MARKED = "\ud800"
#: A character on its own, normalised and folded (a mark: MARKED).
_FOLDED = _ByCode(lambda char: MARKED if _class(char) == MARK else _normalize_segment(char))
_CLASS_LETTERS = {CJK: "C", WORD: "W", MARK: "M", OTHER: "O"}
_CLASSES = _ByCode(lambda char: _CLASS_LETTERS[_class(char)])
_RUNS = re.compile(r"W[WM]*|C[CM]*")
_CJK_ONLY = _ByCode(lambda char: {CJK: char, MARK: MARKED}.get(_class(char), "\0"))  # others: "\0"
_WORDS_ONLY = _ByCode(lambda char: char if _class(char) == WORD else " ")


def _folded(text: str) -> str | None:
    """``text`` folded at C speed, when no combining mark makes a character's normalisation
    depend on its neighbours (else None)."""
    folded = text.translate(_FOLDED)
    return None if MARKED in folded else folded


def fold(text: str) -> str:
    """``text`` normalised and folded, as the analyzer sees it (社區 → 社区)."""
    folded = _folded(text)  # (every character is a segment of its own)
    return folded if folded is not None else "".join(char for char, _, _ in normalize(text))


@dataclass(frozen=True)
class Token:
    text: str
    start: int  # span in the original text
    end: int


def tokens(text: str, query: bool = False) -> list[Token]:
    """The tokens of ``text``: all of them for indexing, the query's own for ``query``."""
    out: list[Token] = []
    chars = normalize(text or "")
    n = len(chars)
    i = 0
    while i < n:
        char, start, end = chars[i]
        kind = _class(char)
        if kind == WORD:
            word = [char]
            j = i + 1
            while j < n and _class(chars[j][0]) in (WORD, MARK):
                word.append(chars[j][0])
                end = chars[j][2]
                j += 1
            out.append(Token("".join(word), start, end))
            i = j
        elif kind == CJK:
            run = [chars[i]]
            j = i + 1
            while j < n:
                following = _class(chars[j][0])
                if following == CJK:
                    run.append(chars[j])
                elif following != MARK:  # marks (variation selectors) are skipped inside a run
                    break
                j += 1
            if query and len(run) > 1:
                for a, b in zip(run, run[1:]):
                    out.append(Token(a[0] + b[0], a[1], b[2]))
            else:
                for k, (c, s, e) in enumerate(run):
                    out.append(Token(c, s, e))
                    if k + 1 < len(run):
                        out.append(Token(c + run[k + 1][0], s, run[k + 1][2]))
            i = j
        else:
            i += 1
    return out


def terms(text: str) -> list[str]:
    """Index terms of ``text``, in order, with repeats: the texts of :func:`tokens`, found by
    translating and matching whole strings when no combining mark makes a character's
    normalisation depend on its neighbours."""
    return _terms(text, True)[0]


def kept_terms(text: str) -> tuple[list[str], int]:
    """(the terms of :func:`terms` less the single CJK characters that start a pair, how many
    :func:`terms` are): what an index keeps that finds a single character through the pairs it
    starts and the single where it ends a run (see :mod:`linli.search.engine`)."""
    return _terms(text, False)


def _terms(text: str, singles: bool) -> tuple[list[str], int]:
    if not text:
        return [], 0
    folded = _folded(text)
    if folded is None:
        found = [token.text for token in tokens(text)]
        if singles:
            return found, len(found)
        starts = {i for i, term in enumerate(found[1:]) if len(term) == 2 and _class(term[0]) == CJK}
        return [term for i, term in enumerate(found) if i not in starts], len(found)
    classes = folded.translate(_CLASSES)
    out: list[str] = []
    dropped = 0
    for match in _RUNS.finditer(classes):
        start, end = match.span()
        if classes[start] == "W":
            out.append(folded[start:end])
            continue
        run = folded[start:end]
        if "M" in match.group():  # marks inside a run of CJK characters are skipped
            run = "".join(char for char, kind in zip(run, match.group()) if kind == "C")
        if singles:
            each = [""] * (2 * len(run) - 1)  # every character, and between two the pair they make
            each[0::2] = run
            each[1::2] = map(operator.add, run, run[1:])
            out += each
        else:
            out += map(operator.add, run, run[1:])
            out.append(run[-1])
            dropped += len(run) - 1
    return out, len(out) + dropped


def counted_terms(text: str) -> tuple[Counter, int]:
    """(how many times each of :func:`terms` comes, how many terms), counted at C speed when
    neither the text nor its folding holds a combining mark: the CJK characters (the text with
    every other character made "\\0"), the pairs of neighbours among them, the words."""
    folded = _folded(text) if text else None
    cjk = folded.translate(_CJK_ONLY) if folded is not None else MARKED
    if MARKED in cjk:
        found = terms(text)
        return Counter(found), len(found)
    counts = Counter(folded.translate(_WORDS_ONLY).split())
    counts.update(cjk.replace("\0", ""))
    counts.update(map(operator.add, cjk, cjk[1:]))
    for term in [term for term in counts if "\0" in term]:  # (pairs across a run's end)
        del counts[term]
    return counts, counts.total()


def query_terms(query: str) -> list[str]:
    """The distinct terms of a query, in order."""
    return list(dict.fromkeys(token.text for token in tokens(query, query=True)))


def term_hash(term: str) -> int:
    """32-bit FNV-1a over the term's code points: which shard of the static index holds it."""
    h = 0x811C9DC5
    for char in term:
        h = ((h ^ ord(char)) * 0x01000193) & 0xFFFFFFFF
    return h


# --- highlighting ---------------------------------------------------------------------------


def match_spans(text: str, wanted: set[str]) -> list[tuple[int, int]]:
    """Merged spans of ``text`` whose tokens are among the ``wanted`` terms."""
    spans = sorted((t.start, t.end) for t in tokens(text) if t.text in wanted)
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def highlight(text: str, wanted: set[str] | list[str]) -> Markup:
    """``text`` escaped, with every match wrapped in ``<mark>``."""
    return Markup(_marked(text, match_spans(text, set(wanted)), 0, len(text)))


def snippet(text: str, wanted: set[str] | list[str], width: int = 90) -> Markup:
    """The ``width`` characters of ``text`` around the most matches, escaped, with marks."""
    spans = match_spans(text, set(wanted))
    start = 0
    if spans and len(text) > width:
        best, best_count = spans[0][0], -1
        for first, _ in spans:
            count = sum(1 for s, e in spans if s >= first and e <= first + width)
            if count > best_count:
                best, best_count = first, count
        start = max(0, min(best - width // 6, len(text) - width))
    end = min(len(text), start + width)
    out = ("…" if start > 0 else "") + _marked(text, spans, start, end) + ("…" if end < len(text) else "")
    return Markup(out)


def _marked(text: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    out, at = [], start
    for s, e in spans:
        s, e = max(s, start), min(e, end)
        if s >= e:
            continue
        out.append(html.escape(text[at:s], quote=False))
        out.append("<mark>" + html.escape(text[s:e], quote=False) + "</mark>")
        at = e
    out.append(html.escape(text[at:end], quote=False))
    return "".join(out)
