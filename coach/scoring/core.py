"""score / score_many: parse the reply once, analyse, calibrate, explain."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from spacy.tokens import Doc

from .calibration import probabilities
from .customer import CustomerInfo, analyse_customer
from .features import Analysis, Hit, analyse
from .nlp import get_nlp
from .normalize import Normalised, normalise
from .tips import make_tips, prefetch_problem_phrases
from .types import DIMENSIONS, HistoryItem, Score, Span

SCORER_VERSION = "2026.11-3"
MAX_EVIDENCE = 6


def _history_customer_texts(history) -> tuple[str, ...]:
    out = []
    for item in history or ():
        if isinstance(item, HistoryItem):
            role, text = item.role, item.text
        elif isinstance(item, dict):
            role, text = item.get("role"), item.get("text")
        else:
            raise TypeError(f"history item must be HistoryItem or dict, not {type(item).__name__}")
        if role == "customer" and isinstance(text, str):
            out.append(text)
    return tuple(out[-6:])


def _check(customer, reply) -> None:
    if not isinstance(customer, str) or not isinstance(reply, str):
        raise TypeError("customer and reply must be strings")


def _to_span(h: Hit, doc: Doc, norm: Normalised) -> Span | None:
    if h.raw:
        s, e = h.start, h.end
    else:
        if h.start >= len(doc) or h.end <= h.start:
            return None
        first, last = doc[h.start], doc[h.end - 1]
        s, e = norm.to_original(first.idx, last.idx + len(last.text))
    text = norm.original[s:e]
    if not text.strip():
        return None
    effect = h.direction if h.weight else 0  # weight 0: negated/sarcastic/taken back
    return Span(start=s, end=e, text=text, why=_why(h, text), effect=effect)


def _why(h: Hit, text: str) -> str:
    why = h.why
    return why[0].upper() + why[1:] + "."


def _evidence(
    a: Analysis, doc: Doc, norm: Normalised, scores: dict[str, float]
) -> dict[str, list[Span]]:
    ev: dict[str, list[Span]] = {d: [] for d in DIMENSIONS}
    groups: dict[str, list[Hit]] = {d: [] for d in DIMENSIONS}
    for h in a.hits:
        d = h.dim
        if d in groups:
            groups[d].append(h)
        if h.label in {"INV_CORRECT", "INV_BLAME", "INV_DISMISS"} and h.label not in {"TONE_ORDER"}:
            groups["calm_tone"].append(h) if a.features.get("tone_inv") and scores[
                "calm_tone"
            ] < 0.5 else None
    for h in a.removed:
        if h.dim in groups:
            groups[h.dim].append(h)
    for d in DIMENSIONS:
        positive_first = scores[d] >= 0.5
        hs = groups[d]
        hs.sort(
            key=lambda h: (
                -(h.direction == (1 if positive_first else -1)) if h.weight > 0 else 1,
                0 if h.label != "ACK_OVERLAP" else 1,
                h.start,
            )
        )
        seen: list[tuple[int, int, str]] = []
        for h in hs:
            sp = _to_span(h, doc, norm)
            if sp is None:
                continue
            if any(
                (s <= sp.start and sp.end <= e)
                and (lab == h.label or h.label == "ACK_OVERLAP" or not h.raw)
                for s, e, lab in seen
            ):
                continue  # shown already inside a longer span (shouted words stay visible)
            seen.append((sp.start, sp.end, h.label))
            ev[d].append(sp)
            if len(ev[d]) >= MAX_EVIDENCE:
                break
        ev[d].sort(key=lambda s: s.start)
        if not ev[d]:
            fallback = _fallback(d, scores[d], doc, norm)
            if fallback is not None:
                ev[d].append(fallback)
    return ev


_FALLBACK_WHY = {
    ("acknowledgment", False): "Nothing here names their problem or how they feel.",
    ("validation", False): "Nothing here says their reaction makes sense or owns the failure.",
    ("calm_tone", True): "Composed wording: no shouting, orders, sarcasm, blame or threats.",
    ("calm_tone", False): "The wording reads as tense rather than composed.",
    ("acknowledgment", True): "Refers to their situation.",
    ("validation", True): "Treats their reaction as reasonable.",
}


def _fallback(dim: str, value: float, doc: Doc, norm: Normalised) -> Span | None:
    """When no pattern fired, the score rests on the reply as a whole: say so."""
    if not len(doc) or not norm.original.strip():
        return None
    last = doc[-1]  # the sentences cover the doc: first to last token
    s, e = norm.to_original(doc[0].idx, last.idx + len(last.text))
    text = norm.original[s:e]
    if not text.strip():
        return None
    present = value >= 0.5
    return Span(
        start=s, end=e, text=text, why=_FALLBACK_WHY[(dim, present)], effect=1 if present else -1
    )


def _score_doc(doc: Doc, norm: Normalised, cust: CustomerInfo) -> Score:
    return _finish(*_analyse_doc(doc, norm, cust))


def _analyse_doc(doc: Doc, norm: Normalised, cust: CustomerInfo) -> tuple:
    a = analyse(doc, norm, cust)
    scores = probabilities(a.features)
    return a, scores, _evidence(a, doc, norm, scores), cust


def _needs_phrase(scores: dict[str, float], cust: CustomerInfo) -> bool:
    """Whether make_tips will ask for problem_phrase(cust.text)."""
    return scores["acknowledgment"] < 0.5 and cust.emotional


def _finish(a: Analysis, scores: dict[str, float], evidence, cust: CustomerInfo) -> Score:
    tips = make_tips(scores, a, cust, a.remedy)
    return Score(
        acknowledgment=scores["acknowledgment"],
        validation=scores["validation"],
        calm_tone=scores["calm_tone"],
        evidence=evidence,
        tips=tips,
        scorer_version=SCORER_VERSION,
        remedy_offered=a.remedy,
        customer_emotional=cust.emotional,
    )


def analyse_pair(customer: str, reply: str, history=None) -> tuple[Analysis, Doc, Normalised]:
    """The raw analysis (features and hits) behind a score: for training and debugging."""
    _check(customer, reply)
    norm = normalise(reply)
    doc = get_nlp()(norm.text)
    cust = analyse_customer(customer, _history_customer_texts(history))
    return analyse(doc, norm, cust), doc, norm


def analyse_many(items: Iterable[tuple], batch_size: int = 64) -> list[Analysis]:
    """Analyses (features and hits) for many (customer, reply, history) triples."""
    items = [tuple(it) + (None,) * (3 - len(it)) for it in items]
    norms = [normalise(reply) for _, reply, _ in items]
    custs = [analyse_customer(c, _history_customer_texts(h)) for c, _, h in items]
    docs = get_nlp().pipe((n.text for n in norms), batch_size=batch_size)
    return [analyse(doc, n, c) for doc, n, c in zip(docs, norms, custs, strict=False)]


def score(customer: str, reply: str, history: Sequence | None = None) -> Score:
    """Score one trainee reply in the context of the customer message it answers."""
    _check(customer, reply)
    norm = normalise(reply)
    doc = get_nlp()(norm.text)
    cust = analyse_customer(customer, _history_customer_texts(history))
    return _score_doc(doc, norm, cust)


def score_many(items: Iterable[tuple], batch_size: int = 64) -> list[Score]:
    """Score many (customer, reply, history) triples; replies are parsed with nlp.pipe."""
    items = [tuple(it) + (None,) * (3 - len(it)) for it in items]
    for customer, reply, _ in items:
        _check(customer, reply)
    norms = [normalise(reply) for _, reply, _ in items]
    custs = [analyse_customer(c, _history_customer_texts(h)) for c, _, h in items]
    nlp = get_nlp()
    docs = nlp.pipe((n.text for n in norms), batch_size=batch_size)
    parts = [_analyse_doc(doc, n, c) for doc, n, c in zip(docs, norms, custs, strict=False)]
    # the customer messages the tips will name: parsed in one batch, not one by one
    prefetch_problem_phrases(
        [p[3].text for p in parts if _needs_phrase(p[1], p[3])], batch_size=batch_size
    )
    return [_finish(*p) for p in parts]
