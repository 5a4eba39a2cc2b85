"""score / score_many: parse the reply once, analyse, calibrate, explain."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from itertools import islice

from spacy.tokens import Doc

from .calibration import probabilities
from .customer import CustomerInfo, analyse_customer
from .features import Analysis, Hit, analyse
from .nlp import get_nlp
from .normalize import Normalised, normalise
from .patterns import LABELS
from .tips import make_tips, prefetch_problem_phrases
from .toks import Toks
from .types import DIMENSIONS, HistoryItem, Score, Span

SCORER_VERSION = "2026.11-6"
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


def _offsets(h: Hit, T: Toks, norm: Normalised) -> tuple[int, int] | None:
    """Where a hit lies in the original reply, or None if it covers nothing."""
    if h.raw:
        return h.start, h.end
    if h.start >= T.n or h.end <= h.start:
        return None
    last = h.end - 1
    return norm.to_original(T.idx[h.start], T.idx[last] + len(T.text[last]))


def _span_at(h: Hit, s: int, e: int, text: str) -> Span:
    effect = LABELS[h.label][1] if h.weight else 0  # weight 0: negated/sarcastic/taken back
    return Span(start=s, end=e, text=text, why=_why(h, text), effect=effect)


def _to_span(h: Hit, T: Toks, norm: Normalised) -> Span | None:
    se = _offsets(h, T, norm)
    if se is None:
        return None
    s, e = se
    text = norm.original[s:e]
    if not text.strip():
        return None
    return _span_at(h, s, e, text)


_WHY: dict[str, str] = {}


def _sentence(reason: str) -> str:
    """A hit's reason as the evidence line shows it: capitalised, with a full stop."""
    return reason[0].upper() + reason[1:] + "."


def _why(h: Hit, text: str) -> str:
    why = _WHY.get(h.why)
    if why is None:
        if len(_WHY) > 4096:  # pragma: no cover - reasons are a small fixed set plus overlaps
            _WHY.clear()
        why = _WHY[h.why] = _sentence(h.why)
    return why


def _evidence(
    a: Analysis, doc: Doc, norm: Normalised, scores: dict[str, float]
) -> dict[str, list[Span]]:
    ev: dict[str, list[Span]] = {d: [] for d in DIMENSIONS}
    T = a.toks if a.toks is not None else Toks(doc, norm.text)
    groups: dict[str, list[Hit]] = {d: [] for d in DIMENSIONS}
    for h in a.hits:
        d = LABELS[h.label][0]
        if d in groups:
            groups[d].append(h)
        if h.label in {"INV_CORRECT", "INV_BLAME", "INV_DISMISS"} and h.label not in {"TONE_ORDER"}:
            groups["calm_tone"].append(h) if a.features.get("tone_inv") and scores[
                "calm_tone"
            ] < 0.5 else None
    for h in a.removed:
        d = LABELS[h.label][0]
        if d in groups:
            groups[d].append(h)
    original = norm.original
    whole: tuple | None = None  # the whole reply, for a dimension no pattern explains
    for d in DIMENSIONS:
        hs = groups[d]
        out = ev[d]
        if hs:
            want = 1 if scores[d] >= 0.5 else -1  # positive first when the score is >= 0.5
            hs.sort(
                key=lambda h: (
                    -(LABELS[h.label][1] == want) if h.weight > 0 else 1,
                    0 if h.label != "ACK_OVERLAP" else 1,
                    h.start,
                )
            )
            seen: list[tuple[int, int, str]] = []
            for h in hs:
                se = _offsets(h, T, norm)
                if se is None:
                    continue
                start, end = se
                text = original[start:end]
                if not text.strip():
                    continue
                if any(
                    (s <= start and end <= e)
                    and (lab == h.label or h.label == "ACK_OVERLAP" or not h.raw)
                    for s, e, lab in seen
                ):
                    continue  # shown already inside a longer span (shouted words stay visible)
                seen.append((start, end, h.label))
                out.append(_span_at(h, start, end, text))
                if len(out) >= MAX_EVIDENCE:
                    break
            out.sort(key=lambda s: s.start)
        if not out:
            if whole is None:
                whole = _whole_reply(T, norm)
            if whole:
                s, e, text = whole
                present = scores[d] >= 0.5
                out.append(
                    Span(
                        start=s,
                        end=e,
                        text=text,
                        why=_FALLBACK_WHY[(d, present)],
                        effect=1 if present else -1,
                    )
                )
    return ev


_FALLBACK_WHY = {
    ("acknowledgment", False): "Nothing here names their problem or how they feel.",
    ("validation", False): "Nothing here says their reaction makes sense or owns the failure.",
    ("calm_tone", True): "Composed wording: no shouting, orders, sarcasm, blame or threats.",
    ("calm_tone", False): "The wording reads as tense rather than composed.",
    ("acknowledgment", True): "Refers to their situation.",
    ("validation", True): "Treats their reaction as reasonable.",
}


def _whole_reply(T: Toks, norm: Normalised) -> tuple:
    """(start, end, text) of the whole reply in the original, or () if it is blank."""
    if not T.n or not norm.original.strip():
        return ()
    last = T.n - 1  # the sentences cover the doc: first to last token
    s, e = norm.to_original(T.idx[0], T.idx[last] + len(T.text[last]))
    text = norm.original[s:e]
    return (s, e, text) if text.strip() else ()


def _analyse_docs(
    docs: Sequence[Doc], norms: Sequence[Normalised], custs: Sequence[CustomerInfo]
) -> list[tuple]:
    """(analysis, scores, evidence, customer) per doc, one phase over all the docs at a
    time: each phase's code and tables stay warm across the docs (speed)."""
    analyses = _analyses(docs, norms, custs)
    scores = [probabilities(a.features, grams=a.grams) for a in analyses]
    out = []
    for a, doc, norm, s, cust in zip(analyses, docs, norms, scores, custs, strict=True):
        evidence = _evidence(a, doc, norm, s)
        a.toks = None  # not needed past the evidence; a batch need not keep every table alive
        out.append((a, s, evidence, cust))
    return out


def _needs_phrase(scores: dict[str, float], cust: CustomerInfo) -> bool:
    """Whether make_tips will ask for problem_phrase(cust.text)."""
    return scores["acknowledgment"] < 0.5 and cust.emotional


_POINTED = _sentence(LABELS["TONE_PASSIVE"][2])  # the evidence line of a passive-aggressive hit


def _finish(a: Analysis, scores: dict[str, float], evidence, cust: CustomerInfo) -> Score:
    pointed = next((sp.text for sp in evidence["calm_tone"] if sp.why == _POINTED), None)
    tips = make_tips(scores, a, cust, a.remedy, pointed)
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


def _customer(customer: str, history, context) -> CustomerInfo:
    return analyse_customer(customer, _history_customer_texts(history), _context_texts(context))


def _context_texts(context) -> tuple[str, ...]:
    if not context:
        return ()
    if isinstance(context, str) or not all(isinstance(c, str) for c in context):
        raise TypeError("context must be a sequence of strings")
    return tuple(context)


def _items(items: Iterable[tuple]) -> list[tuple]:
    """(customer, reply, history, context) for every item; the last two are optional."""
    out = [tuple(it) + (None,) * (4 - len(it)) for it in items]
    for customer, reply, _, _ in out:
        _check(customer, reply)
    return out


def analyse_pair(
    customer: str, reply: str, history=None, context=None
) -> tuple[Analysis, Doc, Normalised]:
    """The raw analysis (features and hits) behind a score: for training and debugging."""
    _check(customer, reply)
    norm = normalise(reply)
    doc = get_nlp()(norm.text)
    cust = _customer(customer, history, context)
    return analyse(doc, norm, cust), doc, norm


@contextmanager
def _gc_paused():
    """No cyclic garbage collection while the scorer's own Python code runs (speed).

    The analysis allocates many short-lived containers (token tables, hits, generator
    objects) that reference counting frees at once; each of those allocations still
    counts towards the collector's next generation-0 pass, and every pass walks all the
    young objects alive at that moment (the batch's docs and results). The analysis makes
    no reference cycles of its own, so collecting during it only costs time (about a fifth
    of the scorer's overhead). Paused only for the scorer's own code, never for the spaCy
    parse, and only if the caller had collection enabled; re-enabled on the way out.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# docs taken out of the parse before they are analysed: several parse batches at a time
ANALYSIS_CHUNK = 512


def _batches(norms: list[Normalised], custs: list[CustomerInfo], batch_size: int, fn) -> list:
    """fn(docs, norms, custs) -> one result per doc, over every reply in order, a chunk of
    parsed docs at a time.

    `nlp.pipe` runs its last components (attribute ruler, lemmatizer) lazily, one doc per
    `next()`; interleaving them with the analysis of each doc thrashes the CPU caches
    (both are Python-heavy). The parse and the analysis each need their own tables warm
    (the model's weights; the scorer's token, matcher and word tables), and every switch
    from one to the other starts with those caches cold, so the docs of several parse
    batches (`ANALYSIS_CHUNK`, at least one batch) are taken out of the pipe before they
    are analysed: fewer switches, with the memory of a few hundred docs at most. The
    analysis runs with the collector paused, the parse with it as the caller set it.
    """
    docs = get_nlp().pipe((n.text for n in norms), batch_size=batch_size)
    chunk_size = max(batch_size, ANALYSIS_CHUNK)
    out: list = []
    while True:
        chunk = list(islice(docs, chunk_size))
        if not chunk:
            return out
        k = len(out)
        with _gc_paused():
            out += fn(chunk, norms[k : k + len(chunk)], custs[k : k + len(chunk)])


def _analyses(
    docs: Sequence[Doc], norms: Sequence[Normalised], custs: Sequence[CustomerInfo]
) -> list[Analysis]:
    return [analyse(d, n, c) for d, n, c in zip(docs, norms, custs, strict=True)]


def analyse_many(items: Iterable[tuple], batch_size: int = 64) -> list[Analysis]:
    """Analyses (features and hits) for many (customer, reply[, history[, context]])."""
    items = _items(items)
    norms = [normalise(reply) for _, reply, _, _ in items]
    custs = [_customer(c, h, x) for c, _, h, x in items]
    return _batches(norms, custs, batch_size, _analyses)


def score(
    customer: str,
    reply: str,
    history: Sequence | None = None,
    context: Sequence[str] | None = None,
) -> Score:
    """Score one trainee reply in the context of the customer message it answers.

    `context`: what the trainee knows of the customer's situation beyond the messages
    (the scenario brief, `Scenario.background()`); naming any of it refers to their story.
    """
    _check(customer, reply)
    with _gc_paused():
        norm = normalise(reply)
        cust = _customer(customer, history, context)
    doc = get_nlp()(norm.text)
    with _gc_paused():
        (parts,) = _analyse_docs([doc], [norm], [cust])
    if _needs_phrase(parts[1], parts[3]):
        prefetch_problem_phrases([cust.text])  # a parse: outside the pause
    with _gc_paused():
        return _finish(*parts)


def score_many(items: Iterable[tuple], batch_size: int = 64) -> list[Score]:
    """Score many (customer, reply[, history[, context]]) items; replies go through
    nlp.pipe."""
    items = _items(items)
    with _gc_paused():
        norms = [normalise(reply) for _, reply, _, _ in items]
        custs = [_customer(c, h, x) for c, _, h, x in items]
    parts = _batches(norms, custs, batch_size, _analyse_docs)
    # the customer messages the tips will name: parsed in one batch, not one by one
    prefetch_problem_phrases(
        [p[3].text for p in parts if _needs_phrase(p[1], p[3])], batch_size=batch_size
    )
    with _gc_paused():
        return [_finish(*p) for p in parts]
