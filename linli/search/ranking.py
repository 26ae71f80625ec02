"""The ranking both indexes share: BM25F over three fields, titles weighted up.

For a term and a document, the field frequencies are weighted and length-normalised, summed,
then saturated once (so a long body cannot outweigh a short title by repetition); avglen_f is
the average over the index, rounded by :func:`reference_lengths`:

    w = Σ_f WEIGHTS[f] · tf_f / (1 − B[f] + B[f] · len_f / avglen_f)
    score = idf · (w · (K1 + 1) / (w + K1) + TITLE_BONUS if the title has it),
    idf = ln(1 + (N − df + ½) / (df + ½))

A query's score is the sum over its terms. A notice in the archive counts EXPIRED_FACTOR times.
The static index stores each document's part (the saturation, times the archive factor) and the
browser multiplies it by the term's idf (linli/search/static.py, search.js); the Whoosh index
computes the whole score at query time from its postings (linli/search/engine.py).
"""

from __future__ import annotations

import math

FIELDS = ("title", "summary", "body")
WEIGHTS = {"title": 4.0, "summary": 2.0, "body": 1.0}
LENGTH_B = {"title": 0.5, "summary": 0.6, "body": 0.75}
K1 = 1.2
TITLE_BONUS = 0.5  # and a term found in the title adds this times its idf, beyond saturation
EXPIRED_FACTOR = 0.5


def idf(documents: int, df: int) -> float:
    return math.log(1 + (documents - df + 0.5) / (df + 0.5))


def reference_lengths(averages: dict[str, float]) -> dict[str, float]:
    """The field lengths a document's are compared with: the averages over the index, rounded to
    a step of a quarter of a doubling (so they move only when the index grows or shrinks by about a
    fifth, and an index kept up to date item by item keeps its weights)."""
    return {f: 2 ** (round(4 * math.log2(averages[f])) / 4) if averages.get(f, 0) >= 1 else 1.0 for f in FIELDS}


def field_norms(lengths: dict[str, float], averages: dict[str, float]) -> dict[str, float]:
    """Per field, what one occurrence weighs in a document of these field lengths."""
    return {
        f: WEIGHTS[f] / (1 - LENGTH_B[f] + LENGTH_B[f] * lengths.get(f, 0) / max(averages.get(f, 1.0), 1.0))
        for f in FIELDS
    }


def saturate(term_idf: float, weighted: float, in_title: bool = False) -> float:
    """The score of one term in one document."""
    if weighted <= 0:
        return 0.0
    return term_idf * (weighted * (K1 + 1) / (weighted + K1) + (TITLE_BONUS if in_title else 0.0))
