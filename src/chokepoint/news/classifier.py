"""A learned sentence-level multi-label event typer: hashed word uni- and bigrams and the types of
the sentence's trigger words and frames, one logistic regression per event type, calibrated per
type on stories it was not trained on (scikit-learn at build time, NumPy at run time).

The bundled model (`data/sentence_types.npz`) holds only hashed feature ids and weights, no
text; `benchmarks/train_sentence_types.py` rebuilds it from the project's own annotated fixtures
and the training splits of the real corpus and the extra real set (read from folders the user
names; texts never shipped). The extractor uses it to find event types that no trigger word names
(extract.py).
"""
from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from chokepoint.news.events import TYPES
from chokepoint.news.frames import frame_matches
from chokepoint.news.triggers import Scanned, trigger_matches

BITS = 20
_TOKEN = re.compile(r"[a-z]+|\d+(?:[.,]\d+)*|[$€£¥₩%]")
MODEL_PATH = Path(__file__).parent / "data" / "sentence_types.npz"
C = 1.0  # the logistic regressions' inverse regularisation strength (benchmarks/train_sentence_types.py)


def tokens(s: str) -> list[str]:
    """Lower-cased words, numbers as '0', currency and percent signs kept."""
    return ["0" if t[0].isdigit() else t for t in _TOKEN.findall(s.lower())]


def features(s: str, scanned: Scanned | None = None) -> list[int]:
    """Hashed ids of the sentence's unigrams and bigrams and of the types its trigger words and
    frames name ("T:DEAL", "F:INVEST": word classes that recur across stories where the words
    themselves do not), CRC-32 to BITS bits, without repeats; `scanned`: the sentence's trigger and
    frame matches (triggers.scan) when the caller has them."""
    toks = tokens(s)
    grams = toks + [f"{a} {b}" for a, b in zip(toks, toks[1:])]
    found, framed = scanned or (trigger_matches(s), frame_matches(s))
    grams += [f"T:{m.lastgroup}" for m in found] + [f"F:{m.lastgroup}" for m in framed]
    mask = (1 << BITS) - 1
    return sorted({zlib.crc32(g.encode()) & mask for g in grams})


@dataclass(frozen=True)
class Model:
    """Weights per event type over the hashed ids seen in training (`ids` sorted)."""

    types: tuple[str, ...]
    ids: np.ndarray      # (n,) int64, sorted
    weights: np.ndarray  # (n, len(types)) float32
    bias: np.ndarray     # (len(types),) float32

    def probabilities(self, s: str, scanned: Scanned | None = None) -> dict[str, float]:
        """P(the sentence reports an event of each type); `scanned` as for `features`."""
        return dict(zip(self.types, (1.0 / (1.0 + np.exp(-self.logits(s, scanned)))).tolist()))

    def anchor(self, s: str, type_: str) -> tuple[int, int] | None:
        """(start, end) of the word that speaks most for `type_` (its own weight plus half of its
        bigrams'), or None when no word has a positive weight."""
        k = self.types.index(type_)
        spans = [(m.start(), m.end()) for m in _TOKEN.finditer(s.lower())]
        toks = tokens(s)
        if len(toks) != len(spans):
            return None
        mask = (1 << BITS) - 1
        w = [self._weight(zlib.crc32(t.encode()) & mask, k) for t in toks]
        bi = [self._weight(zlib.crc32(f"{a} {b}".encode()) & mask, k) for a, b in zip(toks, toks[1:])]
        score = [w[i] + 0.5 * ((bi[i - 1] if i else 0.0) + (bi[i] if i < len(bi) else 0.0))
                 for i in range(len(w))]
        best = max(range(len(score)), key=score.__getitem__, default=None)
        return spans[best] if best is not None and score[best] > 0 else None

    def _weight(self, fid: int, k: int) -> float:
        pos = int(np.searchsorted(self.ids, fid))
        return float(self.weights[pos, k]) if pos < len(self.ids) and self.ids[pos] == fid else 0.0

    def logits(self, s: str, scanned: Scanned | None = None) -> np.ndarray:
        """The regressions' scores (log-odds) for the sentence, in `types` order."""
        rows = self._rows
        return self.bias + self.weights[[rows[f] for f in features(s, scanned) if f in rows]].sum(axis=0)

    @cached_property
    def _rows(self) -> dict[int, int]:
        """Hashed id -> its row of `weights` (a dict look-up per feature beats NumPy's per-call cost on
        the few dozen ids of a sentence)."""
        return {int(f): i for i, f in enumerate(self.ids)}

    def calibrated(self, scale: np.ndarray, shift: np.ndarray) -> Model:
        """The model whose log-odds are `scale * z + shift` per type (Platt scaling, scale >= 0:
        the anchor word of a type stays the same)."""
        return Model(self.types, self.ids, (self.weights * scale).astype(np.float32),
                     (self.bias * scale + shift).astype(np.float32))

    def save(self, path: Path = MODEL_PATH) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, types=np.array(self.types), ids=self.ids.astype(np.int32),
                            weights=self.weights.astype(np.float16), bias=self.bias)


def load(path: Path) -> Model:
    """A model saved by `Model.save`."""
    with np.load(path) as z:
        return Model(tuple(str(t) for t in z["types"]), z["ids"].astype(np.int64),
                     z["weights"].astype(np.float32), z["bias"])


@lru_cache(maxsize=1)
def bundled() -> Model:
    """The model shipped with the package."""
    return load(MODEL_PATH)


def train(sentences: Sequence[str], labels: Sequence[Iterable[str]], c: float = C,
          unknown: Sequence[Iterable[str]] | None = None) -> Model:
    """Fit one L2 logistic regression per type (liblinear, fixed seed: the same data gives the
    same model; saved as float16 weights); a sentence's `unknown` types are left out of those
    types' fits (neither positive nor negative). Needs scikit-learn (the `learn` extra)."""
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    rows = [features(s) for s in sentences]
    ids = np.array(sorted({i for r in rows for i in r}), dtype=np.int64)
    col = {int(i): n for n, i in enumerate(ids)}
    indptr = np.cumsum([0] + [len(r) for r in rows])
    x = csr_matrix((np.ones(indptr[-1]), [col[i] for r in rows for i in r], indptr),
                   shape=(len(rows), len(ids)))
    sets = [set(lab) for lab in labels]
    weights, bias = np.zeros((len(ids), len(TYPES)), np.float32), np.full(len(TYPES), -10.0, np.float32)
    skip = [set(u) for u in unknown] if unknown is not None else [set()] * len(sets)
    for k, t in enumerate(TYPES):
        y = np.array([t in lab for lab in sets])
        rows_k = np.array([t not in u for u in skip])
        if y[rows_k].any():
            clf = LogisticRegression(C=c, solver="liblinear", class_weight="balanced", random_state=0)
            clf.fit(x[rows_k], y[rows_k])
            weights[:, k], bias[k] = clf.coef_[0], clf.intercept_[0]
    keep = np.abs(weights).max(axis=1) > 1e-4
    return Model(TYPES, ids[keep], weights[keep], bias)
