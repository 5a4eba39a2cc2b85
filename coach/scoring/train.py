"""Fit the logistic layer of the scorer on the labelled dev set.

    python -m coach.scoring.train [--data tests/data/replies_dev.jsonl ...]
                                  [--out coach/scoring/weights.json] [--dry-run]

For each dimension it compares, by leave-one-writer-out cross-validation (each held-out
set and each dev batch is one writer's; stratified 5-fold when there are fewer than three
writers), the hand-set weights (HAND_WEIGHTS below) with an L2-regularised
logistic regression over the dimension's features (C chosen by the same CV). The
rubric's hard rules (calibration.apply_rules) are applied in both cases before
scoring. Whichever has the higher mean macro-F1 is written to weights.json, together
with the CV figures, so the choice is recorded. A third candidate per dimension adds the
reply's mean tok2vec vector (`features.doc_vector`: what the parser saw of the reply as a
whole) to the fitted layer (`lrv_C…`, its coefficients stored as `vector_weights`); it is
chosen only where it wins the same cross-validation. The held-out set is never read.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

from .calibration import HOSTILE_FEATURES, WEIGHTS_PATH, apply_rules
from .types import DIMENSIONS

DEV_PATH = Path(__file__).resolve().parents[2] / "tests" / "data" / "replies_dev.jsonl"
# Since 2026.11-3 the old test split is development data too (the lead's decision), and
# since 2026.11-5 so are the second to sixth held-out sets, each measured once before it
# was used (docs/scorer.md). The set that judged the last round (replies_holdout7) is
# never read here.
TEST_PATH = DEV_PATH.with_name("replies_test.jsonl")
TRAIN_PATHS = [
    DEV_PATH,
    TEST_PATH,
    DEV_PATH.with_name("replies_holdout2.jsonl"),
    DEV_PATH.with_name("replies_holdout3.jsonl"),
    DEV_PATH.with_name("replies_holdout4.jsonl"),
    DEV_PATH.with_name("replies_holdout5.jsonl"),
    DEV_PATH.with_name("replies_holdout6.jsonl"),
]
USED_HOLDOUTS = {f"replies_holdout{k}.jsonl" for k in (2, 3, 4, 5, 6)}

FEATURES = {
    "acknowledgment": [
        "ack_state",
        "ack_listen",
        "ack_paraphrase",
        "ack_overlap",
        "ack_context",
        "ack_overlap_first",
        "ack_procedure",
        "ack_canned",
        "voided",
        "short",
        "request_ratio",
        "ak_apology",
        "ak_side",
        "ak_legit",
        "ak_apology_ctx",
        "specific_content",
        "ack_closing",
        "tone_sarcasm",
    ],
    "validation": [
        "val_legit",
        "val_side",
        "val_apology",
        "val_apology_generic",
        "apology_ctx",
        "inv",
        "policy",
        "minimise",
        "ack_state",
        "ack_paraphrase",
        "tone_sarcasm",
        "tone_dismiss",
    ],
    "calm_tone": [
        *HOSTILE_FEATURES,
        "tone_boundary",
        "minimise",
        "policy",
    ],
}

HAND_WEIGHTS = {
    "acknowledgment": {
        "bias": -2.2,
        "weights": {
            "ack_state": 3.0,
            "ack_listen": 1.4,
            "ack_paraphrase": 2.6,
            "ack_overlap": 1.3,
            "ack_procedure": -1.0,
            "ack_canned": -1.2,
            "voided": -1.0,
            "short": -0.5,
            "ak_apology": 1.5,
            "ak_apology_ctx": 0.5,
            "specific_content": 1.0,
            "ack_closing": 2.0,
        },
    },
    "validation": {
        "bias": -2.0,
        "weights": {
            "val_legit": 3.0,
            "val_side": 3.0,
            "val_apology": 3.0,
            "val_apology_generic": -0.3,
            "apology_ctx": 2.5,
            "inv": -3.0,
            "policy": -1.0,
            "ack_state": 0.3,
        },
    },
    "calm_tone": {
        "bias": 2.5,
        "weights": {
            "tone_shout": -4.0,
            "tone_order": -4.0,
            "tone_sarcasm": -4.0,
            "tone_defensive": -3.5,
            "tone_blame": -4.0,
            "tone_threat": -4.5,
            "tone_dismiss": -4.0,
            "tone_boundary": 1.0,
        },
    },
}


def load(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def feature_rows(rows: list[dict]) -> tuple[list[dict[str, float]], np.ndarray]:
    """Features and mean tok2vec vectors (features.doc_vector) of the labelled replies."""
    from coach.scenarios import scenario_background

    from .core import analyse_many

    analyses = analyse_many(
        [
            (r["customer"], r["reply"], r.get("history"), scenario_background(r.get("scenario")))
            for r in rows
        ]
    )
    width = max((len(a.vector) for a in analyses), default=0)
    vecs = np.array([a.vector if len(a.vector) == width else [0.0] * width for a in analyses])
    return [a.features for a in analyses], vecs


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def _predict(weights: dict, feats: list[dict], dim: str, vecs=None) -> np.ndarray:
    out = []
    vw = weights.get("vector_weights")
    for i, f in enumerate(feats):
        z = weights["bias"] + sum(v * f.get(k, 0.0) for k, v in weights["weights"].items())
        if vw and vecs is not None and len(vecs[i]) == len(vw):
            z += float(np.dot(vw, vecs[i]))
        p = {d: 0.5 for d in DIMENSIONS}
        p[dim] = 1.0 / (1.0 + math.exp(-z))
        out.append(apply_rules(p, f)[dim])
    return np.array(out)


def macro_f1(y, p) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(y, (np.asarray(p) >= 0.5).astype(int), average="macro"))


def _fit(X, y, C, names):
    """Logistic regression over the named features; columns past them are the reply's
    vector (`vector_weights`)."""
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=C, class_weight="balanced", max_iter=4000)
    lr.fit(X, y)
    coef = lr.coef_[0]
    out = {
        "bias": float(lr.intercept_[0]),
        "weights": {n: float(w) for n, w in zip(names, coef[: len(names)], strict=True)},
    }
    if len(coef) > len(names):
        out["vector_weights"] = [float(w) for w in coef[len(names) :]]
    return out


# Who wrote a row: the file, and for dev the batch (dev-0001..0389 were the first writer's,
# later ranges came from other writers; tests/data/README.md).
DEV_BATCH_STARTS = (1, 390, 699, 949, 1199, 1449)


def writer_of(path_name: str, row_id: str) -> str:
    if path_name != DEV_PATH.name:
        return path_name
    try:
        n = int(str(row_id).rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return path_name
    return f"{path_name}#{max(s for s in DEV_BATCH_STARTS if s <= n)}"


def _folds(X, y, groups, seeds):
    """Leave-one-writer-out when the rows come from several writers (the question is how
    the scorer does on a writer it has not seen), else stratified 5-fold repeated."""
    from sklearn.model_selection import LeaveOneGroupOut, StratifiedKFold

    if groups is not None and len(set(groups)) >= 3:
        yield from LeaveOneGroupOut().split(X, y, groups)
        return
    for seed in seeds:
        yield from StratifiedKFold(5, shuffle=True, random_state=seed).split(X, y)


GRID = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
VECTOR_GRID = (0.03, 0.1, 0.3)


def design(feats: list[dict], vecs, dim: str, with_vector: bool) -> np.ndarray:
    X = np.array([[f.get(n, 0.0) for n in FEATURES[dim]] for f in feats])
    return np.hstack([X, vecs]) if with_vector and vecs is not None and vecs.size else X


def cross_validate(
    feats: list[dict], labels: dict[str, np.ndarray], seeds=(0, 1, 2), groups=None, vecs=None
) -> dict:
    """Mean macro-F1 per candidate: the hand-set weights, the fitted layer over the
    features (`lr_C…`) and over the features plus the reply vector (`lrv_C…`)."""
    report: dict = {}
    for dim in DIMENSIONS:
        names = FEATURES[dim]
        X = design(feats, vecs, dim, False)
        XV = design(feats, vecs, dim, True) if vecs is not None and vecs.size else None
        y = labels[dim]
        res: dict[str, list[float]] = {"hand": []}
        for C in GRID:
            res[f"lr_C{C}"] = []
        if XV is not None:
            for C in VECTOR_GRID:
                res[f"lrv_C{C}"] = []
        for tr, te in _folds(X, y, groups, seeds):
            fte = [feats[i] for i in te]
            res["hand"].append(macro_f1(y[te], _predict(HAND_WEIGHTS[dim], fte, dim)))
            for C in GRID:
                w = _fit(X[tr], y[tr], C, names)
                res[f"lr_C{C}"].append(macro_f1(y[te], _predict(w, fte, dim)))
            if XV is not None:
                for C in VECTOR_GRID:
                    w = _fit(XV[tr], y[tr], C, names)
                    res[f"lrv_C{C}"].append(macro_f1(y[te], _predict(w, fte, dim, vecs[te])))
        report[dim] = {k: round(float(np.mean(v)), 4) for k, v in res.items()}
    return report


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--data",
        type=Path,
        nargs="+",
        default=TRAIN_PATHS,
        help="labelled JSONL files (default: dev, test, holdout2 to holdout6)",
    )
    ap.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    ap.add_argument("--dry-run", action="store_true", help="print the CV report, write nothing")
    args = ap.parse_args(argv)
    if any("holdout" in p.name and p.name not in USED_HOLDOUTS for p in args.data):
        raise SystemExit("refusing to train on a held-out split that has not been used yet")
    loaded = [(p.name, r) for p in args.data for r in load(p)]
    rows = [r for _, r in loaded]
    groups = [writer_of(name, r.get("id", "")) for name, r in loaded]
    feats, vecs = feature_rows(rows)
    labels = {d: np.array([int(r[d]) for r in rows]) for d in DIMENSIONS}
    report = cross_validate(feats, labels, groups=groups, vecs=vecs)
    report["folds"] = f"leave one writer out ({len(set(groups))} writers)"
    out: dict = {
        "source": (
            f"python -m coach.scoring.train on {' + '.join(p.name for p in args.data)}"
            f" ({len(rows)} rows)"
        ),
        "cv": report,
    }
    for dim in DIMENSIONS:
        r = report[dim]
        best_lr = max((k for k in r if k.startswith("lr")), key=lambda k: r[k])
        print(f"{dim:15s} hand={r['hand']:.4f}  best {best_lr}={r[best_lr]:.4f}")
        if r[best_lr] > r["hand"] + 0.005:
            names = FEATURES[dim]
            X = design(feats, vecs, dim, best_lr.startswith("lrv"))
            w = _fit(X, labels[dim], float(best_lr.split("C")[1]), names)
            w["weights"] = {k: round(v, 4) for k, v in w["weights"].items()}
            w["bias"] = round(w["bias"], 4)
            if "vector_weights" in w:
                w["vector_weights"] = [round(v, 5) for v in w["vector_weights"]]
            w["chosen"] = best_lr
        else:
            w = dict(HAND_WEIGHTS[dim], chosen="hand")
        out[dim] = w
        print(f"  -> {w['chosen']}")
    if not args.dry_run:
        args.out.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
