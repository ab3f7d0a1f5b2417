"""Synthetic evaluation material: rare-exact-token queries from a corpus, and filler documents for benchmarks.

:func:`rare_token_queries` builds queries that hinge on one rare exact token of a document (a gene symbol,
a product or trial code, an acronym, a number with its unit) plus a few words of the document's title; the
document is the single relevant one. These are the queries where plain BM25 + dense RRF underperforms BM25,
which the exact-match list of :mod:`services.retrieval.fusion` addresses.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from typing import Iterable, Mapping, Sequence

from services.retrieval.tokenizer import STOPWORDS, Analyzer

# surface forms of exact tokens in running text
_SHAPES = {
    "gene": re.compile(r"\b[A-Z][A-Z0-9]{1,6}[0-9][A-Z]?\b"),                     # BRCA1, TP53, CD4, IL6R
    "code": re.compile(r"\b[A-Za-z]{1,8}-\d[\w.-]*\b|\b[A-Z]{2,}\d{3,}\b"),       # IL-17, COVID-19, NCT0123456
    "acronym": re.compile(r"\b[A-Z]{3,6}s?\b"),                                   # PARP, AMPK, HDL
    "unit": re.compile(r"\b\d+(?:\.\d+)?\s?(?:mg/kg|mg|µg|ug|kg|ml|mmol/l|nm|µm|mm|kda|%)(?![\w/])",
                       re.IGNORECASE),
}


def _title_words(title: str, rng: random.Random, n: int) -> list[str]:
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z-]{3,}", title) if w.lower() not in STOPWORDS]
    if len(words) <= n:
        return words
    start = rng.randrange(0, len(words) - n + 1)
    return words[start:start + n]


def rare_token_queries(corpus: Sequence[Mapping[str, str]], n: int = 100, seed: int = 13, max_df: int = 1,
                       title_words: int = 3, analyzer: Analyzer | None = None, min_df: int = 1
                       ) -> tuple[dict[str, str], dict[str, dict[str, int]]]:
    """Queries ``{qid: text}`` and qrels ``{qid: {doc_id: 1}}``.

    A query is ``<exact token> <title words>`` for a token whose analyzed exact form occurs in at most
    ``max_df`` (and at least ``min_df``) documents of ``corpus`` (dicts with ``_id``, ``title``, ``text``). Shapes are balanced across
    gene symbols, codes, acronyms and numbers with units.
    """
    analyzer = analyzer or Analyzer()
    rng = random.Random(seed)
    doc_tokens = [set(analyzer.tokenize(f"{d.get('title', '')}\n{d.get('text', '')}")) for d in corpus]
    df: Counter[str] = Counter()
    for toks in doc_tokens:
        df.update(toks)
    by_shape: dict[str, list[tuple[int, str]]] = {s: [] for s in _SHAPES}
    for i, d in enumerate(corpus):
        text = f"{d.get('title', '')} {d.get('text', '')}"
        for shape, rx in _SHAPES.items():
            for m in rx.finditer(text):
                surface = m.group(0)
                exact = [t.token for t in analyzer.query_terms(surface) if t.exact_shape]
                if exact and min_df <= df[exact[0]] <= max_df and exact[0] in doc_tokens[i]:
                    by_shape[shape].append((i, surface))
                    break
    queries: dict[str, str] = {}
    qrels: dict[str, dict[str, int]] = {}
    used: set[int] = set()
    shapes = [s for s in _SHAPES if by_shape[s]]
    for s in shapes:
        rng.shuffle(by_shape[s])
    while len(queries) < n and any(by_shape[s] for s in shapes):
        for s in shapes:
            if len(queries) >= n or not by_shape[s]:
                continue
            i, surface = by_shape[s].pop()
            if i in used:
                continue
            used.add(i)
            words = _title_words(corpus[i].get("title", "") or corpus[i].get("text", "")[:200], rng, title_words)
            qid = f"rare-{s}-{len(queries)}"
            queries[qid] = " ".join([surface] + words)
            qrels[qid] = {str(corpus[i]["_id"]): 1}
    return queries, qrels


_TOPICS = ("billing", "install", "network", "storage", "firmware", "battery", "display", "sync", "backup",
           "security", "printing", "audio", "camera", "licensing", "api", "export")
_VERBS = ("configure", "reset", "update", "replace", "enable", "disable", "calibrate", "restore", "pair", "verify")
_NOUNS = ("controller", "gateway", "sensor", "adapter", "module", "panel", "router", "dock", "hub", "console",
          "cartridge", "license", "token", "profile", "cluster", "volume")


def synthetic_documents(n: int, seed: int = 7, sentences: int = 8) -> Iterable[dict[str, str]]:
    """``n`` Markdown support articles with product codes, versions and units (deterministic per seed)."""
    rng = random.Random(seed)
    for i in range(n):
        topic = rng.choice(_TOPICS)
        code = f"{rng.choice('ABCDEFGHKMPRSTXZ')}{rng.choice('ABCDEFGHKMPRSTXZ')}-{rng.randrange(1000, 99999)}"
        version = f"v{rng.randrange(1, 9)}.{rng.randrange(0, 20)}.{rng.randrange(0, 50)}"
        lines = [f"# {topic.title()} guide for {code}", ""]
        for s in range(sentences):
            verb, noun, noun2 = rng.choice(_VERBS), rng.choice(_NOUNS), rng.choice(_NOUNS)
            qty = f"{rng.randrange(1, 500)} {rng.choice(['mA', 'GB', 'ms', 'MHz', 'mm', 'W', '%'])}"
            lines.append(f"To {verb} the {noun} on {code}, open the {noun2} settings and apply firmware {version}; "
                         f"expect about {qty} during the {topic} check step {s + 1}.")
        lines += ["", "## Notes", "", f"- Requires {version} or later", f"- Part {code}-{rng.randrange(10, 99)}"]
        yield {"_id": f"synth-{i}", "title": f"{topic.title()} {code}", "text": "\n".join(lines)}
