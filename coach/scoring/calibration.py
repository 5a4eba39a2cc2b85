"""Features -> probability per dimension: a logistic layer plus the rubric's hard rules.

The weights live in weights.json next to this file. They are fitted by
`python -m coach.scoring.train` (logistic regression on the dev set, chosen by
cross-validation against the hand-set weights); the file records which won.
The rubric's non-negotiables are applied after the logistic layer:

* validation: any invalidation (minimising, correcting the feeling, blame, a "but" that
  takes the empathy back) caps the score below 0.5, and so does defensiveness (handing
  the failure to a courier or another team takes back "that isn't good enough");
* calm tone: shouting, orders to emotions, sarcasm, defensiveness/blame, threats and
  insults cap the score below 0.5;
* acknowledgment: naming their state ("That sounds really stressful"), thanks for their
  account of this issue, or an apology for their specific impact is acknowledgment on its
  own (rubric §1), so it lifts the score to at least ACK_FLOOR unless the reply is
  sarcastic or a stock line. Without it the
  fitted layer, which sees these mostly next to other evidence, left a short reflective
  reply below the line. (2026.11-5 also floored listening signals and restatements; with
  the word layer of 2026.11-6 that floor cost 0.009 of leave-one-writer-out macro-F1, as
  "I hear you, however ..." and "Your claim is being processed." were lifted with it);
* validation: likewise a full-weight legitimising line, siding with them or apology for
  their specific impact, in a reply with no invalidation and nothing hostile, is
  validation on its own (rubric §2) and lifts the score to at least VAL_FLOOR. The
  fitted n-gram weights (`ngram_weights`) had left "We dropped the ball here." below the
  line on the strength of "the" and "here".
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from functools import lru_cache
from itertools import repeat
from operator import mul
from pathlib import Path

from .types import DIMENSIONS

WEIGHTS_PATH = Path(__file__).with_name("weights.json")
INVALIDATION_CAP = 0.3
HOSTILE_CAP = 0.3
ACK_FLOOR = 0.6
VAL_FLOOR = 0.6
VAL_EXPLICIT = ("val_legit", "val_side", "val_apology")
# feature -> the value at which it is acknowledgment on its own; ack_listen is 2.0 only for
# thanks for their account of this issue ("thanks for walking me through what happened
# with the refund"), not for a bare "I hear you"
ACK_EXPLICIT = {"ack_state": 1.0, "ak_apology": 1.0, "ack_listen": 2.0}
ACK_BLOCKERS = ("tone_sarcasm", "ack_canned")
HOSTILE_FEATURES = (
    "tone_shout",
    "tone_order",
    "tone_sarcasm",
    "tone_defensive",
    "tone_blame",
    "tone_threat",
    "tone_dismiss",
)


@lru_cache(maxsize=1)
def load_weights(path: str | None = None) -> dict:
    with open(path or WEIGHTS_PATH, encoding="utf-8") as fh:
        return json.load(fh)


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def apply_rules(out: dict[str, float], features: dict[str, float]) -> dict[str, float]:
    """The rubric's hard rules on top of the logistic layer."""
    out = dict(out)
    if features.get("inv", 0.0) > 0 or features.get("tone_defensive", 0.0) > 0:
        out["validation"] = min(out["validation"], INVALIDATION_CAP)
    if any(features.get(k, 0.0) > 0 for k in HOSTILE_FEATURES):
        out["calm_tone"] = min(out["calm_tone"], HOSTILE_CAP)
    if _explicit_ack(features.get):
        out["acknowledgment"] = max(out["acknowledgment"], ACK_FLOOR)
    if _explicit_val(features.get):
        out["validation"] = max(out["validation"], VAL_FLOOR)
    return out


def _hostile(get) -> bool:
    return any(get(k, 0.0) > 0 for k in HOSTILE_FEATURES)


def _explicit_val(get) -> bool:
    """A full-weight validating line in a reply that takes nothing back, is not hostile and
    is not a stock line ("Sorry to hear you're stressed. Anything else I can help with?")."""
    if get("inv", 0.0) > 0 or get("ack_canned", 0.0) > 0 or _hostile(get):
        return False
    return any(get(k, 0.0) >= 1.0 for k in VAL_EXPLICIT)


def _explicit_ack(get) -> bool:
    """A full-weight explicit acknowledgment, not in a sarcastic reply or a stock line."""
    for k in ACK_BLOCKERS:
        if get(k, 0.0) > 0:
            return False
    return any(get(k, 0.0) >= v for k, v in ACK_EXPLICIT.items())


_COMPILED: dict[int, tuple[dict, tuple]] = {}


def _compiled(weights: dict) -> tuple:
    """(dim, bias, feature names, their weights, n-gram weights) per dimension, in the
    file's order."""
    hit = _COMPILED.get(id(weights))
    if hit is not None and hit[0] is weights:
        return hit[1]
    out = tuple(
        (
            dim,
            weights[dim]["bias"],
            tuple(weights[dim]["weights"]),
            tuple(weights[dim]["weights"].values()),
            weights[dim].get("ngram_weights") or {},
        )
        for dim in DIMENSIONS
    )
    if len(_COMPILED) > 8:
        _COMPILED.clear()
    _COMPILED[id(weights)] = (weights, out)
    return out


def probabilities(
    features: dict[str, float], weights: dict | None = None, grams: Iterable[str] = ()
) -> dict[str, float]:
    """`grams`: the reply's lemma n-grams (features.lemma_grams); a dimension whose fitted
    layer has `ngram_weights` adds the weight of each it knows."""
    w = weights or load_weights()
    get = features.get
    out: dict[str, float] = {}
    for dim, bias, names, values, nw in _compiled(w):
        # summed in the file's order, as train._predict does (sum adds floats one by one)
        z = sum(map(mul, values, map(get, names, repeat(0.0))))
        if nw:
            z += sum(filter(None, map(nw.get, grams)))
        out[dim] = _sigmoid(bias + z)
    if get("inv", 0.0) > 0 or get("tone_defensive", 0.0) > 0:
        out["validation"] = min(out["validation"], INVALIDATION_CAP)
    for k in HOSTILE_FEATURES:
        if get(k, 0.0) > 0:
            out["calm_tone"] = min(out["calm_tone"], HOSTILE_CAP)
            break
    if _explicit_ack(get):
        out["acknowledgment"] = max(out["acknowledgment"], ACK_FLOOR)
    if _explicit_val(get):
        out["validation"] = max(out["validation"], VAL_FLOOR)
    return {k: round(v, 4) for k, v in out.items()}
