"""Linguistic analysis of one reply in the context of the customer message.

`analyse(doc, norm, customer)` runs the token / phrase / dependency matchers over the
parsed (normalised) reply and turns the raw matches into *hits*: labelled token spans
with a reason. Along the way it applies what a plain keyword match cannot:

* negation scope from the parse (a `neg` child of the matched word or of a governing
  verb), with idioms whose negation is part of the meaning ("I can't imagine how ...",
  "I don't blame you", "that shouldn't have happened");
* sarcasm voiding the empathy in its sentence ("Sure, I totally hear you, like the other
  50 people today");
* contrast clauses: after "but / however / unfortunately" and around "although",
  empathy followed by policy or defence is taken back;
* reference to the customer's own story: content-lemma overlap, paraphrase by
  dependency ("you were charged", "your parcel hasn't arrived"), and procedure-only
  replies.

The hits are then summarised into numeric features per dimension (FEATURES), which
calibration.py turns into probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from . import tone
from .customer import GENERIC_STEMS, KEEP_STOP, PROCEDURE_STEMS, CustomerInfo, stem, word_keys
from .lexicon import EMOTION_LEMMAS, GENERIC_LEMMAS, PROCEDURE_LEMMAS, WEAK_EMOTION_LEMMAS
from .normalize import Normalised
from .patterns import (
    ACTION_VERBS,
    LABELS,
    NAMED,
    REQUEST_VERBS,
    TIME_WORDS,
    build_matchers,
    find_dep_matches,
)

EMO_WORDS = frozenset(NAMED["EMO"])

CONTENT_POS = frozenset({"NOUN", "PROPN", "VERB", "ADJ", "NUM", "ADV"})
MODALS = frozenset({"can", "could", "would", "will", "shall", "should", "may", "might", "must"})
POS_LABELS = frozenset(
    {
        "ACK_STATE",
        "ACK_IDIOM",
        "ACK_LISTEN",
        "ACK_PARAPHRASE",
        "VAL_LEGIT",
        "VAL_WHY",
        "VAL_SIDE",
        "VAL_APOLOGY",
    }
)
EMPATHY_LABELS = POS_LABELS | {"VAL_APOLOGY_GENERIC"}
INV_LABELS = frozenset(
    {"INV_MINIMISE", "INV_CORRECT", "INV_BLAME", "INV_NONAPOLOGY", "INV_TAKEBACK", "INV_DISMISS"}
)
HOSTILE_LABELS = frozenset(
    {
        "TONE_SHOUT",
        "TONE_ORDER",
        "TONE_SARCASM",
        "TONE_DEFENSIVE",
        "TONE_BLAME",
        "TONE_THREAT",
        "TONE_INSULT",
    }
)
# Words after which the rest of the reply outweighs what came before.
CONTRAST_CC = frozenset({"but", "yet"})
CONTRAST_ADV = frozenset(
    {"however", "unfortunately", "nevertheless", "nonetheless", "still", "sadly", "regrettably"}
)
CONCESSIVE = frozenset({"although", "though", "while", "whilst"})
CONTRAST_TRIGGERS = CONTRAST_CC | CONTRAST_ADV | CONCESSIVE | {"that"}
APOLOGY_GENERIC_OBJ = frozenset(
    """
inconvenience trouble confusion issue problem hassle situation experience frustration delay
wait waiting matter this that it any mix mixup error mistake happen occur cause feel way
thing everything caused
""".split()
)
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
EVALUATIVE = frozenset(
    {
        "right",
        "reasonable",
        "patient",
        "entitled",
        "correct",
        "wrong",
        "welcome",
        "fair",
        "understanding",
        "lovely",
        "great",
        "kind",
        "entitle",
    }
)
ACTION_CONTEXT = frozenset(
    {
        "check",
        "look",
        "pull",
        "find",
        "trace",
        "raise",
        "open",
        "track",
        "investigate",
        "review",
        "arrange",
        "refund",
        "book",
        "send",
        "issue",
        "process",
        "credit",
        "escalate",
        "rebook",
        "flag",
        "chase",
        "sort",
        "get",
        "put",
        "take",
        "go",
    }
)


@dataclass
class Hit:
    label: str
    start: int  # token index (or char offset into the original text when raw=True)
    end: int
    why: str
    weight: float = 1.0
    raw: bool = False  # offsets already index the original reply (shouting)

    @property
    def dim(self) -> str:
        return LABELS[self.label][0]

    @property
    def direction(self) -> int:
        return LABELS[self.label][1]


@dataclass
class Analysis:
    hits: list[Hit]
    features: dict[str, float]
    removed: list[Hit] = field(default_factory=list)  # empathy voided by negation/sarcasm/but
    remedy: bool = False
    request_first: bool = False
    procedure_noun: str | None = None


# ---------------------------------------------------------------------------------
# labels whose hits the negation step looks at (the rest are kept as they are)
_NEG_CHECKED = POS_LABELS | {
    "INV_BLAME",
    "TONE_BLAME",
    "INV_CORRECT",
    "TONE_INSULT",
    "INV_MINIMISE",
}


def _sent_of(doc: Doc, sents: list[Span] | None = None) -> list[int]:
    """Sentence index of every token."""
    out = [0] * len(doc)
    for si, s in enumerate(doc.sents if sents is None else sents):
        for i in range(s.start, s.end):
            out[i] = si
    return out


def _is_question(sent: Span) -> bool:
    toks = [t for t in sent if not t.is_space]
    if not toks or not any(t.pos_ in {"VERB", "AUX"} for t in toks):
        return False  # "NINE DAYS?!" echoes the customer, it asks nothing
    if "?" in toks[-1].text or (len(toks) > 1 and "?" in toks[-2].text):
        return True
    first = toks[0]
    second = toks[1] if len(toks) > 1 else None
    return (
        first.lemma_ in {"can", "could", "would", "will", "do", "have", "be", "may", "shall"}
        and first.pos_ == "AUX"
        and second is not None
        and second.lower_ in {"you", "i", "we", "u"}
    )


def _is_request(sent: Span, question: bool | None = None) -> bool:
    """A sentence that asks the customer for something (details, an action)."""
    if _is_question(sent) if question is None else question:
        return True
    toks = [t for t in sent if not t.is_punct]
    if not toks:
        return False
    for t in toks:
        if t.lower_ == "please" and t.head.pos_ == "VERB" and t.head.lemma_ in REQUEST_VERBS:
            return True
        if (
            t.lemma_ in {"need", "require"}
            and any(c.dep_ == "nsubj" and c.lower_ in {"i", "we"} for c in t.children)
            and any(c.lower_ in {"your", "you"} for c in t.subtree)
        ):
            return True
    root = sent.root
    return (
        root.tag_ == "VB"
        and root.lemma_ in REQUEST_VERBS
        and root.lemma_ != "let"
        and not any(c.dep_ in SUBJECT_DEPS | {"aux"} for c in root.children)
    )


def _negated(doc: Doc, start: int, end: int, ignore: set[int]) -> bool:
    """Is the span under a negation it does not itself contain?

    Looks for a `neg` child ("not", "n't", "never") on the span's head and on the
    verbs governing it through complement links ("I don't understand why you're
    upset": upset <- 're <- understand [neg]). Conjoined verbs are separate clauses
    ("I can't change it, but I understand").
    """
    inside = set(range(start, end))
    roots = [t for t in doc[start:end] if t.head.i not in inside or t.head.i == t.i]
    for r in roots:
        node = r
        for _ in range(5):
            for c in node.children:
                if c.dep_ == "neg" and c.i not in inside and c.i not in ignore:
                    return True
            if node.head.i == node.i:
                break
            if node.dep_ in {
                "ccomp",
                "xcomp",
                "acomp",
                "attr",
                "dobj",
                "pobj",
                "prep",
                "amod",
                "advmod",
                "oprd",
                "pcomp",
                "npadvmod",
                "compound",
            }:
                node = node.head
            elif node.dep_ == "conj" and node.pos_ not in {"VERB", "AUX"}:
                node = node.head
            else:
                break
    return False


def _clause_end(tok, limit: int) -> int:
    """Token index just after the subtree of `tok`, capped at `limit` tokens from it."""
    right = tok.right_edge.i + 1
    return min(right, tok.i + limit)


# ---------------------------------------------------------------------------------
def analyse(doc: Doc, norm: Normalised, cust: CustomerInfo) -> Analysis:
    matcher, phrase = _matchers()
    sents = list(doc.sents)
    sent_ix = _sent_of(doc, sents)
    hits: list[Hit] = []

    # token attributes read once: the matcher uses them, and the structural rules below
    # are skipped when their trigger words do not occur at all (speed)
    rows = matcher.rows(doc)
    lows = {r[0] for r in rows}
    lems = {r[1] for r in rows}

    # 1. token + phrase patterns, longest match per label
    by_label: dict[str, list[Span]] = {}
    strings = doc.vocab.strings
    for label, s, e in matcher(doc, rows):
        by_label.setdefault(label, []).append(doc[s:e])
    for match_id, s, e in phrase(doc):
        by_label.setdefault(strings[match_id], []).append(doc[s:e])
    for i, r in enumerate(rows):  # the emotion lexicon: a set lookup beats 150 patterns
        if r[1] in EMO_WORDS or r[0] in EMO_WORDS:
            by_label.setdefault("ACK_STATE", []).append(doc[i : i + 1])
    for label, spans in by_label.items():
        for sp in filter_spans(spans):
            w = 1.0
            if label == "ACK_STATE" and all(
                t.lemma_ in WEAK_EMOTION_LEMMAS or t.lower_ in WEAK_EMOTION_LEMMAS for t in sp
            ):
                w = 0.4
            if label == "ACK_LISTEN":
                tail = doc[sp.end : sp.sent.end]
                if not any(
                    t.pos_ in {"NOUN", "PROPN", "VERB", "ADJ", "NUM"}
                    and t.lemma_ not in GENERIC_LEMMAS
                    and not t.is_stop
                    for t in tail
                ):
                    w = 0.3  # "I hear you." refers to nothing
                elif (
                    sp[0].lower_ in {"thanks", "thank", "appreciate"}
                    or sp[0].lemma_ == "appreciate"
                ):
                    w = 2.0  # "thanks for walking me through what happened with the refund"
            hits.append(Hit(label, sp.start, sp.end, LABELS[label][2], w))

    # contextual filters on token hits
    hits = [h for h in hits if _keep(doc, h, sents, sent_ix)]
    canned = [h for h in hits if h.label == "ACK_CANNED"]
    hits = [
        h
        for h in hits
        if not (
            h.label in {"ACK_LISTEN", "VAL_APOLOGY_GENERIC"}
            and h.label != "ACK_CANNED"
            and h.label == "ACK_LISTEN"
            and any(c.start <= h.start < c.end for c in canned)
        )
    ]

    # 2. dependency patterns
    dep_matches = find_dep_matches(doc)
    questions = {i for i, s in enumerate(sents) if _is_question(s)}
    requests = {i for i, s in enumerate(sents) if _is_request(s, i in questions)}
    hits.extend(_paraphrase_hits(doc, dep_matches, questions, sent_ix, cust, "so" in lows))
    hits.extend(_apology_hits(doc, dep_matches, cust))
    if not lems.isdisjoint(MODAL_TRIGGERS):
        hits.extend(_modal_hits(doc, cust))
    if not lems.isdisjoint(ORDER_VERBS):
        hits.extend(_imperative_orders(sents))
    if "be" in lems:
        hits.extend(_reaction_judged_fair(doc))
    if not lems.isdisjoint(OWED_VERBS):
        hits.extend(_we_failed(doc))
    if not lows.isdisjoint(ANYONE_TRIGGERS):
        hits.extend(_anyone_hits(doc, sents))
    if not lows.isdisjoint(GENERAL_TRIGGERS) or not lems.isdisjoint(GENERAL_TRIGGERS):
        hits.extend(_general_hits(doc, sents, sent_ix, questions, rows, lows))
    for ids in dep_matches.get("INSULT_PRED", []):
        adj, cop, subj = (doc[i] for i in ids)
        s, e = min(subj.i, adj.i), max(subj.i, adj.i) + 1
        if any(c.dep_ == "neg" for c in cop.children):
            hits.append(Hit("VAL_LEGIT", s, e, "tells them their reaction is reasonable"))
        else:
            hits.append(Hit("TONE_INSULT", s, e, "labels them instead of the problem"))
    for ids in dep_matches.get("NEG_COGNITION", []):
        verb, neg, comp = (doc[i] for i in ids)
        sub = list(comp.subtree)
        if (
            any(t.lower_ in {"why", "fuss", "problem", "big"} for t in sub)
            and any(
                h.label == "ACK_STATE" and comp.left_edge.i <= h.start < comp.right_edge.i + 1
                for h in hits
            )
            or any(t.lower_ in {"fuss"} for t in sub)
        ):
            s = min([c.i for c in verb.children if c.dep_ == "nsubj"] + [neg.i, verb.i])
            hits.append(
                Hit(
                    "INV_DISMISS",
                    s,
                    comp.right_edge.i + 1,
                    "questions whether their reaction is warranted",
                )
            )

    # an idiom that contains a blame/insult word is the idiom ("it's not your fault")
    idioms = [h for h in hits if h.label in {"VAL_SIDE", "VAL_LEGIT"} and not h.raw]
    hits = [
        h
        for h in hits
        if not (
            h.label in {"INV_BLAME", "TONE_BLAME", "TONE_INSULT", "INV_CORRECT"}
            and any(
                i.start <= h.start and h.end <= i.end and (i.end - i.start) > (h.end - h.start)
                for i in idioms
            )
        )
    ]

    # 3. negation scope (idioms with their own negation are exempt)
    ignore: set[int] = set()
    for h in hits:
        if h.label in {"ACK_IDIOM", "VAL_LEGIT", "VAL_SIDE"}:
            ignore.update(range(h.start, h.end))
    removed: list[Hit] = []
    kept: list[Hit] = []
    for h in hits:
        if h.raw or h.label not in _NEG_CHECKED:
            kept.append(h)
            continue
        low = doc[h.start : h.end].text.lower()
        fault = h.label in {"INV_BLAME", "TONE_BLAME"} and any(
            w in low for w in ("fault", "responsib", "mistake")
        )
        label_of_you = h.label in {"INV_CORRECT", "TONE_INSULT", "INV_MINIMISE"} and any(
            w in low
            for w in (
                "overreact",
                "exaggerat",
                "dramatic",
                "unreasonable",
                "difficult",
                "silly",
                "paranoid",
                "hysterical",
                "emotional",
                "rude",
                "ridiculous",
                "stupid",
            )
        )
        if h.raw or not (h.label in POS_LABELS or fault or label_of_you):
            kept.append(h)
            continue
        if _negated(doc, h.start, h.end, ignore):
            if fault:
                kept.append(Hit("VAL_SIDE", h.start, h.end, "tells them it is not their fault"))
            elif label_of_you:
                kept.append(
                    Hit("VAL_LEGIT", h.start, h.end, "tells them their reaction is reasonable")
                )
            else:
                removed.append(Hit(h.label, h.start, h.end, "negated: " + h.why, 0.0))
            continue
        kept.append(h)
    hits = kept

    # 4. emotion words inside an order / correction are not acknowledgment
    neg_spans = [
        h for h in hits if h.label in {"INV_CORRECT", "TONE_ORDER", "INV_NONAPOLOGY", "INV_DISMISS"}
    ]
    hits = [
        h
        for h in hits
        if not (h.label == "ACK_STATE" and any(n.start <= h.start < n.end for n in neg_spans))
    ]

    # 5. mocking sarcasm voids the empathy of the whole reply
    hits.extend(tone.shout_hits(norm.original, cust))
    sarcastic = any(h.label == "TONE_SARCASM" for h in hits)
    if sarcastic:
        keep2 = []
        for h in hits:
            if h.label in EMPATHY_LABELS:
                removed.append(Hit(h.label, h.start, h.end, "sarcastic: " + h.why, 0.0))
            else:
                keep2.append(h)
        hits = keep2

    # 6. overlap with the customer's own words
    if sarcastic:
        overlap_hits, overlap, overlap_hist = [], 0.0, 0.0
    else:
        overlap_hits, overlap, overlap_hist = _overlap(doc, cust, requests, sent_ix, hits, rows)
    hits.extend(overlap_hits)
    if overlap_hits and not lems.isdisjoint(COGNITION_VERBS):
        hits.extend(_cognition_hits(doc, hits, questions, sent_ix))

    # 7. contrast: empathy, then "but <policy/defence>"
    if not lows.isdisjoint(CONTRAST_TRIGGERS):
        hits, taken = _contrast(doc, hits, sents, sent_ix)
        removed.extend(taken)

    # 9. procedure-only replies
    n_sents = max(1, len(sents))
    request_first = bool(sents) and 0 in requests
    proc_noun = None
    for t in doc if requests else ():
        if t.lemma_ in PROCEDURE_LEMMAS and sent_ix[t.i] in requests:
            proc_noun = (
                " ".join(
                    x.text
                    for x in doc[t.left_edge.i : t.i + 1]
                    if x.lower_ not in {"your", "the", "a", "an", "my"}
                )
                or t.text
            )
            break
    has_pos = any(h.label in POS_LABELS for h in hits)
    if requests and not has_pos and overlap < 1.0:
        first_req = sents[min(requests)]
        hits.append(
            Hit("ACK_PROCEDURE", first_req.start, first_req.end, LABELS["ACK_PROCEDURE"][2])
        )

    hits = _dedupe(hits)
    remedy = _remedy(doc, dep_matches, questions, sent_ix)
    features = _features(
        doc, hits, overlap, overlap_hist, len(requests) / n_sents, request_first, cust, removed
    )
    return Analysis(
        hits=hits,
        features=features,
        removed=removed,
        remedy=remedy,
        request_first=request_first,
        procedure_noun=proc_noun,
    )


_MATCHERS = None


def _matchers():
    global _MATCHERS
    if _MATCHERS is None:
        from .nlp import get_nlp

        _MATCHERS = build_matchers(get_nlp())
    return _MATCHERS


def _keep(doc: Doc, h: Hit, sents: list[Span], sent_ix: list[int]) -> bool:
    """Context checks a token pattern cannot express."""
    span = doc[h.start : h.end]
    low = span.text.lower()
    if h.label == "TONE_PASSIVE" and low in {"ugh", "sigh"}:
        # "ugh, that's so disappointing": commiseration about their situation, not at them
        nxt = [t for t in doc[h.end : h.end + 6] if not t.is_punct]
        if any(t.lemma_ in {"sorry", "apologise", "apologize"} for t in nxt) or (
            len(nxt) >= 2 and nxt[0].lower_ in {"that", "this", "it"} and nxt[1].lemma_ == "be"
        ):
            return False
    if h.label == "TONE_ORDER" and span[0].lemma_ == "do" and span[0].head.i != span[0].i:
        # "don't get upset" orders; "you didn't get an update" reports: an order has no subject
        if any(c.dep_ in SUBJECT_DEPS for c in span[0].head.children):
            return False
    if h.label == "INV_MINIMISE" and ("happen" in low):
        # "it happens" only as a dismissive aside, not "make sure it happens today"
        prev = doc[h.start - 1] if h.start > 0 else None
        words = low.split()
        if (
            words[0] in {"it", "this", "that"}
            and prev is not None
            and not prev.is_punct
            and prev.lower_
            not in {"but", "well", "sometimes", "look", "hey", "so", "these", "such", "and"}
            and not prev.is_sent_start
        ):
            return False
        if any(
            t.dep_ == "mark" or t.lower_ in {"make", "sure", "ensure"}
            for t in doc[max(0, h.start - 3) : h.start]
        ):
            return False
    if (
        h.label == "INV_MINIMISE"
        and "normal" in low
        or h.label == "INV_MINIMISE"
        and any(w in low for w in ("common", "usual", "standard", "typical"))
    ):
        nxt = doc[h.end : h.end + 3].text.lower()
        if nxt.startswith("to feel") or nxt.startswith("to be") or nxt.startswith("to get"):
            return False
        # "our standard refund" etc. are not minimising: need a copular clause
        if not any(t.lemma_ == "be" for t in span):
            return False
    if h.label in {"VAL_SIDE"} and any(
        w in low for w in ("unacceptable", "poor", "wrong", "terrible", "awful", "appalling")
    ):
        sent = sents[sent_ix[h.start]]
        if any(
            t.lower_
            in {"language", "tone", "behaviour", "behavior", "attitude", "abuse", "swearing"}
            for t in sent
        ):
            return False
    if (
        h.label == "VAL_SIDE"
        and low.startswith(("not", "n't", "never"))
        and low.split()[-1] in {"how", "what", "on"}
    ):
        # "not how it should work" / "not okay" need the situation as subject, not a refusal
        sent = sents[sent_ix[h.start]]
        if any(t.lower_ in {"i", "we"} and t.dep_ in SUBJECT_DEPS for t in sent) and not any(
            t.lower_ in {"it", "this", "that"} for t in doc[max(0, h.start - 3) : h.start]
        ):
            return False
    if h.label in {"INV_BLAME", "TONE_BLAME", "POLICY"}:
        sent = sents[sent_ix[h.start]]
        if (
            h.label != "POLICY"
            and any(
                t.dep_ == "mark" and t.lower_ in {"if", "whether", "unless", "in"}
                for t in doc[sent.start : h.start]
            )
            and "read" not in low
        ):
            return False
    if h.label == "ACK_LISTEN":
        if low.split()[0] in {"it", "sound", "sounds", "seems", "looks", "seem", "look"}:
            # "it looks like I need your number" is not a paraphrase; require content after
            tail = doc[h.end : sents[sent_ix[h.start]].end]
            if not any(
                t.pos_ in {"NOUN", "VERB", "ADJ"} and t.lemma_ not in GENERIC_LEMMAS for t in tail
            ):
                return False
    if h.label == "TONE_ORDER" and low.startswith(("do", "don")):
        nxt = low.split()[-1]
        if nxt in {"get", "be", "speak", "talk", "take"}:
            tail = doc[h.end : h.end + 3].text.lower()
            if not any(
                w in tail
                for w in (
                    "upset",
                    "angry",
                    "rude",
                    "like that",
                    "to me",
                    "that tone",
                    "worked",
                    "so",
                    "smart",
                    "emotional",
                    "aggressive",
                )
            ):
                return False
    if h.label == "TONE_ORDER" and low.startswith("now"):
        return doc[h.start].is_sent_start
    if h.label in {"TONE_PASSIVE", "INV_BLAME", "TONE_BLAME"} and any(
        w in low.split() for w in ("obviously", "clearly")
    ):
        adv = next(t for t in span if t.lower_ in {"obviously", "clearly"})
        head = adv.head
        subj = [c for c in head.children if c.dep_ in SUBJECT_DEPS]
        if (
            any(c.lower_ in {"i", "we"} for c in subj)
            and any(
                c.dep_ == "aux" and c.lower_ in {"will", "'ll", "ll", "shall"}
                for c in head.children
            )
            and not any(c.dep_ == "neg" for c in head.children)
        ):
            return False  # "obviously we'll refund every penny" reassures
        if any(c.dep_ == "acomp" and c.lemma_ in EMOTION_LEMMAS for c in head.children):
            return False  # "you're clearly furious" names their state
        if adv.lower_ == "clearly" and adv.i > head.i:
            return False  # manner: "you've told me clearly"
    if h.label == "TONE_DEFENSIVE" and low.endswith("correct"):
        if h.start > 0 and doc[h.start - 1].lower_ in {
            "you",
            "'re",
            "re",
            "are",
            "absolutely",
            "quite",
        }:
            return False
    if h.label == "ACK_STATE" and h.end - h.start == 1:
        tok = doc[h.start]
        head = tok.head if tok.dep_ in {"acomp", "attr", "amod"} else tok
        if any(c.dep_ in SUBJECT_DEPS and c.lower_ in {"i", "we"} for c in head.children):
            return False  # "I'm afraid ...", "we're concerned" describe the agent
    if h.label == "VAL_SIDE" and any(
        w in low for w in ("wrong", "unacceptable", "ridiculous", "not on")
    ):
        node = doc[h.start]
        for _ in range(4):
            if node.dep_ == "ccomp" and any(
                c.dep_ == "nsubj" and c.lower_ == "you" for c in node.head.children
            ):
                return False  # "you believe it's wrong" reports their view
            if node.head.i == node.i:
                break
            node = node.head
        sent = sents[sent_ix[h.start]]
        if any(
            t.dep_ in SUBJECT_DEPS and t.lower_ in {"you", "your"}
            for t in doc[sent.start : h.start + 1]
        ) and any(w in low for w in ("ridiculous", "wrong")):
            return False  # "you're being ridiculous" / "you're wrong" is not siding
    if (
        h.label in {"TONE_INSULT", "INV_CORRECT"}
        and doc[h.end : h.end + 2].text.lower() == "not to"
    ):
        return False  # "you'd be crazy not to be exhausted" legitimises
    if h.label in {"TONE_SARCASM", "TONE_PASSIVE"} and doc[h.start].lower_ in {
        "good",
        "fine",
        "nice",
    }:
        # "Good for you." / "Fine, I'll check." mock only as a sentence of their own;
        # "Is 9am good for you?" and "That's fine, I'll update it" are sincere
        tok = doc[h.start]
        if not (
            tok.is_sent_start or (h.start > 0 and doc[h.start - 1].lower_ in {"oh", "well", "ugh"})
        ):
            return False
        if sents[sent_ix[h.start]].text.rstrip().endswith("?"):
            return False
    if h.label == "TONE_COURTESY" and low == "let me":
        return True
    if h.label == "TONE_SARCASM" and low == "wow ,":
        return True
    return True


def _paraphrase_hits(doc, dep_matches, questions, sent_ix, cust, has_so=True) -> list[Hit]:
    out: list[Hit] = []
    seen: set[int] = set()
    for ids in dep_matches.get("YOU_EXPERIENCE", []):
        subj, verb = doc[ids[0]], doc[ids[1]]
        if verb.i in seen or sent_ix[verb.i] in questions:
            continue
        auxes = [c for c in verb.children if c.dep_ in {"aux", "auxpass"}]
        if any(a.lemma_ in MODALS or a.lower_ in {"'ll", "'d", "ll"} for a in auxes):
            continue
        if any(
            c.dep_ == "mark" and c.lower_ in {"if", "whether", "unless", "once", "when"}
            for c in verb.children
        ):
            continue
        tag = verb.tag_
        lemma = verb.lemma_
        perfect_or_prog = any(a.lemma_ in {"have", "be"} for a in auxes)
        if tag in {"VBP", "VBZ"} and not perfect_or_prog:
            # simple present: "you need", "you want" are not a story; "you are (without power)"
            if lemma == "be" and any(c.dep_ in {"acomp", "prep", "attr"} for c in verb.children):
                pass
            else:
                continue
        if tag == "VBG" and not perfect_or_prog:
            continue
        if (
            lemma in {"say", "mention", "tell", "explain", "ask", "like", "want", "need"}
            and not perfect_or_prog
            and tag != "VBD"
        ):
            continue
        if lemma in {"contact", "reach", "choose", "call"} and tag == "VBD" and not verb.children:
            continue
        if lemma in {"deserve", "do", "need", "want", "like", "think", "believe", "feel"}:
            continue  # evaluation or opinion, not their story
        if lemma in {"be", "entitle"} and any(
            x.lemma_ in EVALUATIVE or x.lower_ in EVALUATIVE for x in verb.subtree
        ):
            continue
        # "you were right" is validation, not a restatement; keep content predicates only
        end = _clause_end(verb, 10)
        span_toks = doc[min(subj.i, verb.i) : end]
        content = [
            t
            for t in span_toks
            if t.pos_ in CONTENT_POS
            and t.lemma_ not in GENERIC_LEMMAS
            and t.lower_ not in STOP_WORDS
        ]
        if lemma == "be" and not content:
            continue
        if lemma in {"contact", "reach", "choose", "call", "get", "be"} and not content:
            continue
        seen.add(verb.i)
        out.append(
            Hit(
                "ACK_PARAPHRASE",
                min(subj.i, verb.i),
                end,
                "restates what happened to them",
                1.0 if content else 0.6,
            )
        )
    for sent in doc.sents if has_so else ():  # "So <clause>" paraphrases
        toks = [t for t in sent if not t.is_punct]
        if len(toks) < 3 or sent_ix[sent.start] in questions:
            continue
        k = (
            1
            if toks[0].lower_ in {"ok", "okay", "right", "alright"} and toks[1].lower_ == "so"
            else 0
        )
        if toks[k].lower_ != "so" or toks[k + 1].lower_ in {
            "i",
            "we",
            "let",
            "please",
            "that",
            "what",
            "how",
            "sorry",
            "much",
            "glad",
            "happy",
            "many",
            "far",
        }:
            continue
        if any(
            t.tag_ in {"VBD", "VBN"} or t.lower_ in {"still", "again", "never", "twice"}
            for t in toks[k + 1 :]
        ):
            out.append(
                Hit(
                    "ACK_PARAPHRASE",
                    toks[k].i,
                    toks[-1].i + 1,
                    "restates what happened to them",
                    0.8,
                )
            )
    for ids in dep_matches.get("YOUR_THING", []):
        poss, subj, verb = (doc[i] for i in ids)
        if verb.i in seen or sent_ix[verb.i] in questions:
            continue
        if subj.lemma_ in PROCEDURE_LEMMAS and subj.lemma_ not in {
            "order",
            "booking",
            "card",
            "account",
        }:
            continue
        auxes = [c for c in verb.children if c.dep_ in {"aux", "auxpass"}]
        negated = any(c.dep_ == "neg" for c in verb.children)
        if (
            any(
                a.lemma_ in {"will", "shall", "can", "could", "should", "may", "might"}
                for a in auxes
            )
            and not negated
        ):
            continue  # "your refund will be processed" is a promise, not a restatement
        if (
            verb.tag_ in {"VBZ", "VBP", "VB"}
            and not negated
            and not auxes
            and not (
                verb.lemma_ == "be" and any(c.dep_ in {"acomp", "attr"} for c in verb.children)
            )
        ):
            continue  # "your policy covers ...", "your parcel is with our partner" state a fact
        seen.add(verb.i)
        out.append(
            Hit(
                "ACK_PARAPHRASE",
                poss.i,
                _clause_end(verb, 10),
                "restates what happened to their " + subj.text.lower(),
            )
        )
    return out


def _apology_hits(doc, dep_matches, cust: CustomerInfo) -> list[Hit]:
    """Specific apology (for the impact on them) vs generic ("sorry for any inconvenience")."""
    out: list[Hit] = []
    for ids in dep_matches.get("APOLOGY", []):
        apol = doc[ids[0]]
        if apol.lemma_ == "regret" and apol.pos_ != "VERB":
            continue
        if apol.tag_ in {"VBD", "VBN"}:
            continue  # "we have already apologised" reports, it does not apologise
        if (
            apol.lemma_ == "sorry"
            and apol.dep_ == "acomp"
            and any(c.lower_ in {"you", "they"} and c.dep_ == "nsubj" for c in apol.head.children)
        ):
            continue  # "you'll be sorry" / "you feel sorry"
        comps = [
            c
            for c in apol.children
            if c.dep_ in {"ccomp", "advcl", "xcomp", "prep", "dobj", "acl", "relcl", "pobj"}
        ]
        # "sorry to hear (that/about) X": look through "hear"
        expanded = []
        for c in comps:
            if c.lemma_ in {"hear", "learn", "see", "read"} and c.dep_ in {"xcomp", "advcl"}:
                expanded.extend(
                    x for x in c.children if x.dep_ in {"ccomp", "prep", "dobj", "advcl"}
                )
            else:
                expanded.append(c)
        # "I'm sorry" with the clause attached to the copula ("I am sorry you lost ...")
        if apol.dep_ == "acomp":
            expanded.extend(
                c
                for c in apol.head.children
                if c.dep_ in {"ccomp", "advcl", "prep"} and c.i > apol.i
            )
        specific_tok = None
        conditional = False
        for c in expanded:
            for t in c.subtree:
                if t.dep_ == "mark" and t.lower_ in {"if", "whether"}:
                    conditional = True
                if t.lower_ == "any" and t.dep_ == "det":
                    conditional = True  # "for any inconvenience / issues": pasteable anywhere
                if (
                    t.lemma_ in EMOTION_LEMMAS
                    and t.pos_ == "ADJ"
                    and t.dep_ in {"acomp", "oprd"}
                    and any(x.lower_ == "you" and x.dep_ in SUBJECT_DEPS for x in t.head.children)
                ):
                    continue  # "sorry (to hear) you're frustrated": the feeling, not the impact
                if (
                    t.pos_ in {"NOUN", "PROPN", "VERB", "ADJ", "NUM"}
                    and t.lemma_ not in APOLOGY_GENERIC_OBJ
                    and t.lemma_ not in GENERIC_LEMMAS
                    and t.lower_ not in STOP_WORDS
                ):
                    specific_tok = specific_tok or t
                elif t.like_num or t.lower_ in {"twice", "again"}:
                    specific_tok = specific_tok or t
                elif t.lemma_ in {"wait", "delay"} and any(
                    x.dep_ in {"amod", "nummod", "compound", "prep"} for x in t.children
                ):
                    specific_tok = specific_tok or t
        end = max([apol.i + 1] + [min(c.right_edge.i + 1, apol.i + 16) for c in expanded])
        start = apol.i
        if (
            apol.lemma_ == "sorry"
            and apol.i > 0
            and doc[apol.i - 1].lower_ in {"so", "really", "very", "truly", "deeply", "terribly"}
        ):
            start = apol.i - 1
        if specific_tok is not None and not conditional:
            out.append(Hit("VAL_APOLOGY", start, end, "apologises for the specific impact on them"))
        else:
            why = (
                "hedged apology ('if' / 'any'), not for what happened"
                if conditional
                else "generic apology, not tied to what happened to them"
            )
            out.append(Hit("VAL_APOLOGY_GENERIC", start, end, why, 0.5 if conditional else 1.0))
    return out


def _overlap(
    doc, cust: CustomerInfo, requests: set[int], sent_ix: list[int], hits: list[Hit], rows=None
):
    """Reply tokens that refer to what the customer said (stems + concept clusters)."""
    out: list[Hit] = []
    seen_keys: set[str] = set()
    score = 0.0
    hist_score = 0.0
    blocked = set()
    for h in hits:
        # minimising or blaming words still name their problem ("it's only three days late"):
        # acknowledgment ignores attitude (rubric); only mockery, stock lines and policy text
        # are not a reference to their story
        if h.label in {"TONE_SARCASM", "ACK_CANNED", "POLICY"}:
            blocked.update(range(h.start, h.end))
    # only content words (or numbers) can refer to their story: skip the rest unbuilt
    cand = (
        doc if rows is None else [doc[i] for i, r in enumerate(rows) if r[2] in CONTENT_POS or r[4]]
    )
    for t in cand:
        if t.i in blocked or t.is_punct or t.is_space:
            continue
        low = t.lower_
        if t.pos_ not in CONTENT_POS and not t.like_num:
            continue
        if (t.is_stop or low in STOP_WORDS) and low not in KEEP_STOP and not t.like_num:
            continue
        if (
            t.lemma_.lower() in GENERIC_LEMMAS
            or low in GENERIC_LEMMAS
            or stem(t.lemma_) in GENERIC_STEMS
        ):
            continue
        keys = word_keys(low, t.lemma_)
        cur = keys & cust.keys
        hist = keys & cust.history_keys
        if not cur and not hist:
            continue
        new = (cur | hist) - seen_keys
        if not new:
            continue
        seen_keys |= cur | hist
        w = 1.0
        if stem(t.lemma_) in PROCEDURE_STEMS or t.lemma_ in PROCEDURE_LEMMAS:
            w = 0.3
        if sent_ix[t.i] in requests:
            w *= 0.5
        elif _in_action(t):
            w *= 0.4
        if cur:
            score += w
        else:
            hist_score += w * 0.6
        out.append(
            Hit("ACK_OVERLAP", t.i, t.i + 1, f"picks up '{t.text}' from what they told you", w)
        )
    return out, score, hist_score


COGNITION_VERBS = frozenset(
    "see know understand realise realize notice hear appreciate gather get recognise".split()
)
_COG_OBJECT_DEPS = frozenset({"dobj", "ccomp", "xcomp", "attr", "oprd"})


def _cognition_hits(doc, hits: list[Hit], questions, sent_ix) -> list[Hit]:
    """A first-person, non-negated "I see / know / understand / can see <their problem>":
    acknowledgment whatever follows ("I see the double charge, but that's the bank's
    problem"). The complement must refer to their story (overlap, paraphrase or their state);
    "I hear you." or "I understand your concern" name nothing and are not counted."""
    content = {
        i
        for h in hits
        if not h.raw
        and (
            (h.label == "ACK_OVERLAP" and h.weight >= 0.5)
            or h.label in {"ACK_STATE", "ACK_PARAPHRASE"}
        )
        for i in range(h.start, h.end)
    }
    listened = {i for h in hits if h.label == "ACK_LISTEN" for i in range(h.start, h.end)}
    out: list[Hit] = []
    for t in doc:
        if t.lemma_ not in COGNITION_VERBS or t.pos_ not in {"VERB", "AUX"} or t.i in listened:
            continue
        if sent_ix[t.i] in questions:
            continue
        subj = [c for c in t.children if c.dep_ in SUBJECT_DEPS]
        if not subj or subj[0].lower_ not in {"i", "we"}:
            continue
        if any(c.dep_ == "neg" for c in t.children) or _negated(doc, t.i, t.i + 1, set()):
            continue
        comps = [c for c in t.children if c.dep_ in _COG_OBJECT_DEPS]
        if t.lemma_ == "get" and not any(c.dep_ == "ccomp" for c in comps):
            continue
        for c in comps:
            a, b = c.left_edge.i, c.right_edge.i + 1
            if any(a <= i < b for i in content):
                out.append(Hit("ACK_LISTEN", subj[0].i, b, LABELS["ACK_LISTEN"][2]))
                break
    return out


def _in_action(t) -> bool:
    """Is the token inside a clause where *we* act ("I've refunded the express charge")?"""
    node = t
    for _ in range(6):
        if node.pos_ in {"VERB", "AUX"}:
            subj = [c for c in node.children if c.dep_ in SUBJECT_DEPS]
            if subj:
                return (
                    subj[0].lower_ in {"i", "we"} and node.lemma_ in ACTION_CONTEXT | ACTION_VERBS
                )
            if node.dep_ in {"xcomp"} and node.head.lemma_ == "let":
                return True
        if node.head.i == node.i or node.dep_ in {"ccomp", "advcl", "relcl", "csubj"}:
            return False
        node = node.head
    return False


MODAL_TRIGGERS = frozenset({"should", "ought", "can", "must"})


def _modal_hits(doc, cust: CustomerInfo | None = None) -> list[Hit]:
    """Negated "should" sides with them ("you shouldn't have had to", "that shouldn't be
    happening", "nobody should lose a day's pay") unless it corrects a feeling ("you
    shouldn't be upset") or blames ("you shouldn't have opened it")."""
    out: list[Hit] = []
    for t in doc:
        if t.dep_ != "aux" or t.lemma_ not in MODAL_TRIGGERS:
            continue
        verb = t.head
        kids = list(verb.children)
        neg = any(c.dep_ == "neg" for c in kids)
        subj = next((c for c in kids if c.dep_ in SUBJECT_DEPS), None)
        neg_subj = subj is not None and (
            subj.lower_ in {"nobody", "noone", "none"}
            or (subj.lower_ == "one" and any(c.lower_ == "no" for c in subj.children))
        )
        you = subj is not None and subj.lower_ in {"you", "u"}
        passive = any(c.dep_ == "auxpass" for c in kids)
        start = min([t.i] + ([subj.left_edge.i] if subj is not None else []))
        right = [c.right_edge.i for c in verb.rights if c.dep_ not in {"conj", "cc", "punct"}]
        end = min(max([verb.i] + right) + 1, verb.i + 8)
        if t.lemma_ in {"can", "must"}:
            if neg and you and passive:  # "you can't be left without insulin"
                out.append(Hit("VAL_SIDE", start, end, "says this should not happen to them"))
            continue
        if not neg and not neg_subj:
            # "you should have ordered earlier", "maybe she should have reordered": blame
            if (
                subj is not None
                and subj.lower_ in {"you", "u", "she", "he", "they"}
                and t.lemma_ == "should"
                and verb.tag_ == "VBN"
                and not passive
                and verb.lemma_ not in {"receive", "get", "hear", "see", "be", "have", "arrive"}
                and any(c.lemma_ == "have" and c.dep_ == "aux" for c in kids)
            ):
                out.append(Hit("INV_BLAME", start, end, "tells them what they should have done"))
            continue
        if (
            you
            and verb.lemma_ == "be"
            and any(c.dep_ == "acomp" and c.lemma_ in EMOTION_LEMMAS for c in kids)
        ):
            out.append(Hit("INV_CORRECT", start, end, "tells them how they should feel"))
        elif (
            you
            and neg
            and verb.tag_ == "VBN"
            and not passive
            and verb.lemma_ != "have"
            and any(c.lemma_ == "have" and c.dep_ == "aux" for c in kids)
        ):
            out.append(Hit("INV_BLAME", start, end, "tells them what they should not have done"))
        else:
            out.append(Hit("VAL_SIDE", start, end, "says this should not have happened to them"))
            if (
                you
                and cust is not None
                and any(
                    x.like_num
                    or x.lower_ in {"twice", "again"}
                    or (
                        x.pos_ in {"NOUN", "VERB", "ADJ"}
                        and x.lemma_ not in GENERIC_LEMMAS
                        and word_keys(x.lower_, x.lemma_) & (cust.keys | cust.history_keys)
                    )
                    for x in doc[verb.i : end]
                )
            ):
                out.append(Hit("ACK_PARAPHRASE", start, end, "restates what happened to them"))
    return out


LEGIT_ADJ = frozenset(
    """
natural normal right fair reasonable understandable justified valid expected warranted legitimate
fine okay ok proportionate appropriate human
""".split()
)
REACTION_NOUNS = frozenset(
    "reaction response feeling feelings anger frustration worry upset".split()
)
OWED_VERBS = frozenset(
    """
call ring send deliver keep arrive turn show follow update tell inform refund fix contact reply
respond answer honour honor do explain warn check
""".split()
)


def _reaction_judged_fair(doc) -> list[Hit]:
    """ "Being exhausted is the natural reaction", "your anger is completely fair",
    "feeling let down is fair enough": the customer's reaction, judged legitimate."""
    out: list[Hit] = []
    for t in doc:
        if t.lemma_ != "be" or any(c.dep_ == "neg" for c in t.children):
            continue
        subj = next((c for c in t.children if c.dep_ in {"nsubj", "csubj"}), None)
        pred = next((c for c in t.children if c.dep_ in {"acomp", "attr"}), None)
        if subj is None or pred is None:
            continue
        pred_words = {pred.lemma_} | {c.lemma_ for c in pred.children if c.dep_ == "amod"}
        if not pred_words & LEGIT_ADJ:
            continue
        sub = list(subj.subtree)
        if any(
            x.lemma_ in EMOTION_LEMMAS or x.lower_ in EMOTION_LEMMAS or x.lemma_ in REACTION_NOUNS
            for x in sub
        ):
            out.append(
                Hit(
                    "VAL_LEGIT",
                    subj.left_edge.i,
                    pred.right_edge.i + 1,
                    "says their reaction is legitimate",
                )
            )
    return out


def _we_failed(doc) -> list[Hit]:
    """ "We didn't call you back", "we never sent the engineer", "we haven't kept our word":
    owning a failure in the first person is siding with the customer."""
    out: list[Hit] = []
    for t in doc:
        if t.lemma_ not in OWED_VERBS or t.pos_ != "VERB":
            continue
        kids = list(t.children)
        if not any(c.dep_ == "nsubj" and c.lower_ in {"we", "i"} for c in kids):
            continue
        if not any(c.dep_ == "neg" or c.lower_ == "never" for c in kids):
            continue
        if any(
            c.dep_ == "aux"
            and c.lemma_ in {"can", "will", "could", "would", "may", "might", "must", "should"}
            for c in kids
        ):
            continue  # "we can't refund it" is policy, not an admission
        if any(c.dep_ == "mark" for c in kids):
            continue
        start = min(c.i for c in kids if c.dep_ == "nsubj")
        out.append(
            Hit("VAL_SIDE", start, min(t.right_edge.i + 1, t.i + 6), "owns what we failed to do")
        )
    return out


ORDER_VERBS = frozenset(
    "calm relax chill settle simmer quiet hush behave listen stop quit cool breathe".split()
)


def _imperative_orders(sents) -> list[Hit]:
    """An imperative aimed at the customer's feelings or manners ("Relax.", "Settle down",
    "Stop worrying, I've got this") is an order, whatever the exact wording."""
    out: list[Hit] = []
    for sent in sents:
        root = sent.root
        if root.lemma_ not in ORDER_VERBS or root.tag_ != "VB":
            continue
        if any(
            c.dep_ in SUBJECT_DEPS or (c.dep_ == "aux" and c.lower_ != "do") for c in root.children
        ):
            continue
        if (
            root.lemma_ in {"stop", "listen"}
            and not any(
                c.dep_ in {"xcomp", "dobj", "prep", "ccomp"} and c.lemma_ not in {"by", "for"}
                for c in root.children
            )
            and root.lemma_ == "stop"
        ):
            continue  # "Stop." alone is ambiguous
        end = min(root.right_edge.i + 1, root.i + 4)
        out.append(Hit("TONE_ORDER", root.i, end, LABELS["TONE_ORDER"][2]))
    return out


ANYONE_TRIGGERS = frozenset({"anyone", "anybody", "everyone", "everybody", "would", "'d", "d"})


def _anyone_hits(doc, sents) -> list[Hit]:
    """ "X would make anyone see red", "anyone would be fed up", "I'd want it fixed too"."""
    out: list[Hit] = []
    for t in doc:
        if t.lower_ in {"anyone", "anybody", "everyone", "everybody"}:
            node = t.head
            for _ in range(2):
                if any(
                    c.dep_ == "aux" and c.lemma_ in {"would", "will", "could"}
                    for c in node.children
                ) and not any(c.dep_ == "neg" for c in node.children):
                    s = min(t.i, node.i)
                    out.append(
                        Hit(
                            "VAL_LEGIT",
                            s,
                            max(t.i, node.i) + 1,
                            "says anyone would react the same way",
                        )
                    )
                    break
                if node.head.i == node.i:
                    break
                node = node.head
    for sent in sents:
        toks = [x for x in sent if not x.is_punct and not x.is_space]
        if len(toks) < 3:
            continue
        low = [x.lower_ for x in toks]
        if not (set(low) & {"would", "'d", "d"}) or not (set(low) & {"i", "me"}):
            continue
        w_i = next(x.i for x in toks if x.lower_ in {"would", "'d", "d"})
        for x in toks:
            if x.i <= w_i:
                continue
            nxt = doc[x.i + 1] if x.i + 1 < len(doc) else None
            clause_end = nxt is None or nxt.is_punct or nxt.lower_ in {"but", "and", "so", "though"}
            if (
                x.lower_ == "too" or (x.lower_ == "same" and doc[x.i - 1].lower_ == "the")
            ) and clause_end:
                if any(y.lower_ in {"i", "me"} for y in doc[sent.start : x.i]):
                    out.append(
                        Hit(
                            "VAL_LEGIT",
                            max(sent.start, w_i - 1),
                            x.i + 1,
                            "says you would feel the same in their place",
                        )
                    )
                break
    return out


def _dedupe(hits: list[Hit]) -> list[Hit]:
    """One hit per label for overlapping spans (token and dependency rules can both fire)."""
    out: list[Hit] = []
    for h in sorted(hits, key=lambda h: (h.label, h.raw, h.start, -(h.end - h.start))):
        if any(
            o.label == h.label and o.raw == h.raw and o.start < h.end and h.start < o.end
            for o in out
        ):
            continue
        out.append(h)
    return out


def _contrast(doc, hits: list[Hit], sents, sent_ix) -> tuple[list[Hit], list[Hit]]:
    """Empathy before "but/however/unfortunately" (or inside "although ...") is taken back
    when what dominates is policy, refusal, defence, blame or minimising."""
    takeback_labels = {
        "POLICY",
        "TONE_DEFENSIVE",
        "INV_BLAME",
        "INV_MINIMISE",
        "INV_CORRECT",
        "TONE_BLAME",
        "TONE_SARCASM",
        "TONE_PASSIVE",
    }
    regions: list[tuple[int, int, int, int, int]] = []  # conceded [a,b) dominant [c,d), marker
    for t in doc:
        low = t.lower_
        if (low in CONTRAST_CC and t.dep_ in {"cc", "advmod", "ROOT"}) or (
            low in CONTRAST_ADV
            and t.dep_ in {"advmod", "ROOT", "intj", "prep"}
            and (
                t.is_sent_start
                or (t.i > 0 and doc[t.i - 1].is_punct)
                or t.i + 1 < len(doc)
                and doc[t.i + 1].is_punct
            )
        ):
            if low == "still" and not t.is_sent_start:
                continue
            regions.append((0, t.i, t.i + 1, len(doc), t.i))
        elif low in CONCESSIVE and t.dep_ == "mark":
            head = t.head
            a, b = head.left_edge.i, head.right_edge.i + 1
            sent = sents[sent_ix[t.i]]
            regions.append((a, b, b, max(sent.end, len(doc)), t.i))
        elif (
            low == "that"
            and t.i + 1 < len(doc)
            and doc[t.i + 1].lower_ == "said"
            and t.is_sent_start
        ):
            regions.append((0, t.i, t.i + 2, len(doc), t.i))
    if not regions:
        return hits, []
    removed: list[Hit] = []
    new_hits = list(hits)
    for a, b, c, d, m in regions:
        dom = [h for h in hits if not h.raw and c <= h.start < d and h.label in takeback_labels]
        if not dom:
            continue
        conceded = [
            h
            for h in hits
            if not h.raw and a <= h.start < b and h.label in EMPATHY_LABELS | {"ACK_LISTEN"}
        ]
        understand = [
            t
            for t in doc[a:b]
            if t.lemma_
            in {"understand", "appreciate", "hear", "see", "get", "sorry", "apologise", "apologize"}
        ]
        if not conceded and not understand:
            continue
        for h in conceded:
            if h.dim == "validation" and h.direction > 0 and h in new_hits:
                new_hits.remove(h)
                removed.append(
                    Hit(h.label, h.start, h.end, "taken back by the 'but': " + h.why, 0.0)
                )
        end = max(x.end for x in dom)
        new_hits.append(Hit("INV_TAKEBACK", m, min(end, m + 14), LABELS["INV_TAKEBACK"][2]))
    return new_hits, removed


VAGUE_ACTIONS = frozenset({"sort", "fix", "chase", "escalate", "raise", "process", "look", "check"})
OFFER_VERBS = ACTION_VERBS | {"get", "have", "receive", "give", "offer", "see", "take"}
FUTURE_AUX = frozenset({"will", "'ll", "ll", "shall", "can", "could", "would"})


def _remedy(doc, dep_matches, questions, sent_ix) -> bool:
    """Does the reply offer or commit to a concrete remedy?

    Yes: "I'll send a replacement", "I've refunded the fee", "let me book an engineer",
    "would you like a refund?", "you'll receive a £20 credit", "a refund has been issued".
    No: the remedy named as part of their problem ("the replacement arrived cracked"),
    a refusal ("we can't refund"), advice ("you should request a refund"), a vague call
    with no time ("I'll call you").
    """
    for ids in dep_matches.get("ACTION_FIRST_PERSON", []):
        subj, verb = doc[ids[0]], doc[ids[1]]
        if verb.lemma_ not in ACTION_VERBS:
            continue
        if subj.dep_ == "dobj" and (
            subj.lower_ not in {"me", "us"} or verb.head.lemma_ not in {"let", "like", "want"}
        ):
            continue
        if any(c.dep_ == "neg" for c in verb.children) or any(
            c.dep_ == "neg" for c in verb.head.children if verb.dep_ in {"xcomp", "ccomp"}
        ):
            continue
        auxes = {c.lower_ for c in verb.children if c.dep_ in {"aux", "auxpass"}}
        if auxes & {"should", "might", "may", "must"} or any(
            c.dep_ == "mark" and c.lower_ == "if" for c in verb.children
        ):
            continue
        if verb.lemma_ in {"call", "email", "ring"} and not any(
            t.lower_ in TIME_WORDS or t.like_num for t in verb.subtree
        ):
            continue
        if verb.tag_ == "VBD" or verb.dep_ == "relcl" or auxes & {"did", "do", "does"}:
            continue  # "we sent", "we did send a replacement": history, not an offer
        if any(c.lower_ == "only" for c in verb.children):
            continue  # "we can only offer a refund once ...": a condition, not an offer
        if verb.lemma_ in VAGUE_ACTIONS and not any(
            t.lower_ in TIME_WORDS
            or t.like_num
            or (t.pos_ in {"NOUN", "PROPN"} and t.dep_ in {"dobj", "pobj"})
            for t in verb.subtree
        ):
            continue  # "I'll sort it" names no remedy
        return True
    for ids in dep_matches.get("REMEDY_NOUN", []):
        noun = doc[ids[0]]
        head = noun.head
        if head.dep_ == "prep":
            head = head.head
        if head.pos_ not in {"VERB", "AUX"} or head.lemma_ not in OFFER_VERBS | {"like", "want"}:
            continue
        kids = list(head.children)
        if any(c.dep_ == "neg" for c in kids):
            continue
        subj = next((c for c in kids if c.dep_ in SUBJECT_DEPS), None)
        aux = {c.lower_ for c in kids if c.dep_ in {"aux", "auxpass"}}
        passive_done = (
            noun.dep_ == "nsubjpass"
            and head.tag_ == "VBN"
            and head.lemma_ in ACTION_VERBS
            and not aux & {"can", "could", "may", "might", "must", "should"}
            and not any(c.lower_ == "only" for c in kids)
        )
        future_you = (
            subj is not None
            and subj.lower_ in {"you", "u"}
            and bool(aux & FUTURE_AUX)
            and head.lemma_ in {"get", "receive", "have", "see"}
            and not aux & {"can", "could"}
        )
        offer = (
            head.lemma_ in {"like", "want"}
            and subj is not None
            and subj.lower_ == "you"
            and "would" in aux | {c.lower_ for c in kids}
        )
        agent = (
            subj is not None
            and subj.lower_ in {"i", "we"}
            and head.lemma_ in OFFER_VERBS
            and not aux & {"should", "might", "may", "must", "did", "do", "does"}
            and head.tag_ != "VBD"
            and head.dep_ != "relcl"
            and not any(c.lower_ == "only" for c in kids)
        )
        if passive_done or future_you or offer or agent:
            return True
    return False


def _apology_ctx(hits) -> float:
    """A plain "I'm so sorry" next to a restatement of what happened to them
    ("A second no-show ... I'm so sorry") apologises for that impact."""
    apologies = [
        h for h in hits if h.label == "VAL_APOLOGY_GENERIC" and h.weight >= 1.0 and not h.raw
    ]
    if not apologies or any(h.label == "ACK_CANNED" for h in hits):
        return 0.0
    support = 0.0
    for h in hits:
        if h.raw or any(a.start <= h.start < a.end for a in apologies):
            continue
        if h.label in {"ACK_PARAPHRASE", "ACK_STATE", "VAL_SIDE"}:
            support += 1.0
        elif h.label == "ACK_OVERLAP":
            support += h.weight
    return 1.0 if support >= 1.0 else 0.0


def _specific_content(doc, hits) -> float:
    """Concrete nouns and numbers outside requests: a canned line has none."""
    skip = set()
    for h in hits:
        if h.label in {"ACK_PROCEDURE", "ACK_CANNED", "POLICY"} and not h.raw:
            skip.update(range(h.start, h.end))
    n = 0
    for t in doc:
        if t.i in skip:
            continue
        if (
            t.pos_ in {"NOUN", "PROPN"}
            and t.lemma_ not in GENERIC_LEMMAS
            and t.lemma_ not in PROCEDURE_LEMMAS
            and not t.is_stop
        ) or (t.like_num and t.pos_ == "NUM"):
            n += 1
    return float(n)


def _features(
    doc, hits, overlap, overlap_hist, request_ratio, request_first, cust, removed
) -> dict[str, float]:
    totals: dict[str, float] = {}
    for h in hits:
        totals[h.label] = totals.get(h.label, 0.0) + h.weight

    def count(*labels):
        return sum(totals.get(label, 0.0) for label in labels)

    n_words = sum(1 for t in doc if not t.is_punct and not t.is_space)
    f = {
        # acknowledgment
        # "I can't imagine how/what ..." recognises their state even without an emotion word
        "ack_state": min(count("ACK_STATE", "ACK_IDIOM"), 2.0),
        "ack_listen": min(count("ACK_LISTEN"), 2.0),
        "ack_paraphrase": min(count("ACK_PARAPHRASE"), 2.0),
        "ack_overlap": min(overlap + overlap_hist, 4.0),
        "ack_procedure": 1.0 if any(h.label == "ACK_PROCEDURE" for h in hits) else 0.0,
        "ack_canned": min(count("ACK_CANNED"), 2.0),
        "voided": min(float(sum(1 for r in removed if r.label.startswith("ACK"))), 2.0),
        "request_ratio": request_ratio,
        "short": 1.0 if n_words <= 4 else 0.0,
        # validation
        "val_legit": min(count("VAL_LEGIT", "VAL_WHY"), 2.0),
        "val_side": min(count("VAL_SIDE"), 2.0),
        "val_apology": min(count("VAL_APOLOGY"), 2.0),
        "val_apology_generic": min(count("VAL_APOLOGY_GENERIC"), 2.0),
        "apology_ctx": _apology_ctx(hits),
        "inv": min(count(*INV_LABELS), 3.0),
        "policy": min(count("POLICY"), 2.0),
        # calm tone
        "tone_shout": min(count("TONE_SHOUT"), 3.0),
        "tone_order": min(count("TONE_ORDER", "INV_CORRECT"), 2.0),
        "tone_sarcasm": min(count("TONE_SARCASM", "TONE_PASSIVE"), 2.0),
        "tone_defensive": min(count("TONE_DEFENSIVE"), 2.0),
        "tone_blame": min(count("INV_BLAME", "TONE_BLAME"), 2.0),
        "tone_threat": min(count("TONE_THREAT", "TONE_INSULT"), 2.0),
        "tone_dismiss": min(count("INV_DISMISS", "INV_NONAPOLOGY"), 2.0),
        "tone_boundary": min(count("TONE_BOUNDARY"), 1.0),
        "minimise": min(count("INV_MINIMISE"), 2.0),
        "specific_content": min(_specific_content(doc, hits), 3.0) / 3.0,
        "customer_emotional": 1.0 if cust.emotional else 0.0,
    }
    # "No opportunity": answering "thanks, that's all", naming what was sorted ("Glad the
    # laptop's with you") is the acknowledgment there is room for; a stock sign-off is not.
    # Acknowledgment ignores attitude: empathy a "but" took back (or that a contrast turned to
    # policy) still showed the problem got through, so the acknowledgment layer reads these
    # counts, taken before the contrast rule ("I'm sorry it's cracked again, but ...").
    taken = [r for r in removed if r.why.startswith("taken back")]
    pre = hits + taken

    def pre_count(*labels):
        return sum(
            (h.weight if h.weight > 0 else 1.0) for h in pre if h.label in labels and not h.raw
        )

    f["ak_apology"] = min(pre_count("VAL_APOLOGY"), 2.0)
    f["ak_side"] = min(pre_count("VAL_SIDE"), 2.0)
    f["ak_legit"] = min(pre_count("VAL_LEGIT", "VAL_WHY"), 2.0)
    f["ak_apology_ctx"] = _apology_ctx(pre) if taken else f["apology_ctx"]
    f["ack_closing"] = (
        1.0
        if not cust.emotional
        and request_ratio == 0
        and f["specific_content"] > 0
        and f["ack_canned"] == 0
        else 0.0
    )
    return f


# ---------------------------------------------------------------------------------
# General structural rules (2026.11-2): blame, deflection, sarcasm and validation read
# off the parse rather than listed as phrases.
# ---------------------------------------------------------------------------------
# Verbs of the customer's own doing: "you didn't <V> <object>" blames them for it.
# Experience verbs ("you didn't get / receive / hear") are what happened *to* them.
AGENT_VERBS = frozenset(
    """
attach include enter type fill tick select choose provide give send tell update read check
follow save keep sign register confirm pay book order pick open click follow use print pack
label submit complete specify mention notify inform contact call email reply respond answer
cancel return activate install charge plug change switch set
""".split()
)
EXPERIENCE_VERBS = frozenset("get receive hear be have know see want need wait expect".split())
# Nouns that name whose job something is: "that's the courier's problem".
DUTY_NOUNS = frozenset(
    "problem fault responsibility issue department job concern matter call decision lookout".split()
)
# Over-the-top evaluations that, after "I'm sure" / "oh" / "wow", mock the complaint.
HYPERBOLE = frozenset(
    """
devastating tragic traumatic catastrophic unbearable horrific torture ordeal nightmare
heartbreaking earth-shattering life-changing agony disaster end-of-the-world harrowing
traumatising traumatizing
""".split()
)
EMPHATIC_ARGUE = frozenset(
    """warn say state tell explain mention show need note advise specify inform list send email
    notify text post contact""".split()
)
# A request or question judged legitimate: "that's a fair question", "a reasonable ask".
REQUEST_NOUNS = frozenset("thing request question ask point expectation demand query".split())
_GENERAL_LEMMAS = (
    AGENT_VERBS
    | EMPHATIC_ARGUE
    | DUTY_NOUNS
    | REQUEST_NOUNS
    | {"do", "love", "enjoy", "adore", "sure"}
)
GENERAL_TRIGGERS = (
    frozenset({"you", "u", "'s", "sure", "love", "enjoy", "nothing", "everything", "anything"})
    | {"do", "does", "did"}
    | DUTY_NOUNS
    | REQUEST_NOUNS
)


def _general_hits(doc, sents, sent_ix, questions, rows, lows) -> list[Hit]:
    out: list[Hit] = []
    n = len(doc)
    counterfactual = "if" in lows and not lows.isdisjoint({"had", "'d"})
    for i, row in enumerate(rows):  # rows: (lower, lemma, pos, text, like_num) per token
        if not (row[1] in _GENERAL_LEMMAS or (counterfactual and row[2] == "VERB")):
            continue  # only these words can anchor a rule below (speed)
        t = doc[i]
        kids = list(t.children)
        subj = next((c for c in kids if c.dep_ in SUBJECT_DEPS), None)
        you = subj is not None and subj.lower_ in {"you", "u"}
        neg = any(c.dep_ == "neg" for c in kids)
        auxes = {c.lower_ for c in kids if c.dep_ in {"aux", "auxpass"}}
        end = min(t.right_edge.i + 1, t.i + 8)
        # "if you had entered the right postcode ...": counterfactual blame
        if (
            you
            and t.tag_ == "VBN"
            and auxes & {"had", "'d"}
            and t.lemma_ not in EXPERIENCE_VERBS
            and not any(c.dep_ == "auxpass" for c in kids)
            and any(c.dep_ == "mark" and c.lower_ == "if" for c in kids)
            and any(
                x.lower_ in {"would", "could", "'d", "wouldn't", "couldn't"}
                for x in doc[t.i + 1 : sents[sent_ix[t.i]].end]
            )
        ):
            s = min(c.i for c in kids if c.dep_ == "mark")
            out.append(Hit("TONE_BLAME", s, end, "blames them for what went wrong"))
            out.append(Hit("INV_BLAME", s, end, LABELS["INV_BLAME"][2]))
        # "you didn't attach the receipt": their omission as the reason
        if (
            you
            and neg
            and t.pos_ == "VERB"
            and t.lemma_ in AGENT_VERBS
            and auxes & {"did", "do", "have", "has"}
            and any(c.dep_ in {"dobj", "prt", "xcomp"} for c in kids)
            and not any(c.lower_ in {"anything", "nothing"} for c in t.subtree)
            and sent_ix[t.i] not in questions
        ):
            s = subj.i
            out.append(Hit("TONE_BLAME", s, end, "blames them for what went wrong"))
            out.append(Hit("INV_BLAME", s, end, LABELS["INV_BLAME"][2]))
        # "you did nothing wrong", "you didn't do anything wrong", "you did everything right"
        if you and t.lemma_ == "do":
            obj = next((c for c in kids if c.dep_ == "dobj"), None)
            if obj is not None:
                words = {x.lower_ for x in obj.subtree} | {c.lower_ for c in kids}
                if (
                    (obj.lower_ == "nothing" and "wrong" in words)
                    or (obj.lower_ == "anything" and neg and "wrong" in words)
                    or (obj.lower_ == "everything" and not neg and words & {"right", "correctly"})
                ):
                    out.append(Hit("VAL_SIDE", subj.i, end, "tells them they did nothing wrong"))
        # "that's the courier's problem", "delivery is the warehouse's responsibility"
        if t.lemma_ in DUTY_NOUNS and t.dep_ in {"attr", "nsubj"} and t.head.lemma_ == "be":
            owner = next((c for c in t.children if c.dep_ == "poss"), None)
            if (
                owner is not None
                and owner.pos_ in {"NOUN", "PROPN"}
                and not any(c.dep_ == "neg" for c in t.head.children)
            ):
                s = min(x.i for x in t.head.subtree)
                e = min(t.head.right_edge.i + 1, s + 10)
                out.append(Hit("TONE_DEFENSIVE", s, e, "deflects the problem to someone else"))
        # "you (really) love turning everything into a crisis": mock the customer
        if (
            you
            and t.lemma_ in {"love", "enjoy", "adore"}
            and not auxes & {"would", "'d", "might", "may"}
            and any(
                c.dep_ in {"xcomp", "dobj"} and (c.tag_ == "VBG" or c.pos_ == "VERB") for c in kids
            )
        ):
            out.append(Hit("TONE_SARCASM", subj.i, end, "mocks them"))
        # emphatic "do" with a verb of telling or obligation argues the point: "the page does
        # warn you not to refresh it", "you do need to check back", "the terms do say"
        if (
            t.lemma_ in EMPHATIC_ARGUE
            and not neg
            and any(c.dep_ == "aux" and c.lower_ in {"do", "does", "did"} for c in kids)
            and subj is not None
            and subj.lower_ != "i"
            and (t.lemma_ != "need" or subj.lower_ in {"you", "u"})
            and subj.i < t.i
            and sent_ix[t.i] not in questions
        ):
            s = subj.left_edge.i
            out.append(Hit("TONE_DEFENSIVE", s, end, "argues the point with them"))
        # "I'm sure <it> was absolutely devastating": mock sympathy with hyperbole;
        # "I'm sure it isn't that bad": brushing the complaint off
        if t.lower_ == "sure" and t.i > 0 and doc[t.i - 1].lemma_ == "be":
            sent = sents[sent_ix[t.i]]
            rest = doc[t.i + 1 : sent.end]
            mine = any(x.lower_ == "i" for x in doc[sent.start : t.i])
            low_rest = [x.lower_ for x in rest]
            if mine and any(
                low_rest[k] in {"not", "n't", "nt"}
                and low_rest[k + 1 : k + 3] in (["that", "bad"], ["so", "bad"], ["that", "big"])
                for k in range(len(low_rest))
            ):
                out.append(Hit("TONE_PASSIVE", sent.start, sent.end, "brushes their complaint off"))
                out.append(Hit("INV_MINIMISE", sent.start, sent.end, LABELS["INV_MINIMISE"][2]))
        if t.lower_ == "sure" and t.i > 0 and doc[t.i - 1].lemma_ == "be":
            sent = sents[sent_ix[t.i]]
            first = doc[sent.start]
            if (
                any(c.lower_ in {"i", "i'm"} for c in t.head.children)
                or first.lower_ in {"i", "oh", "wow"}
            ) and any(x.lower_ in HYPERBOLE for x in doc[t.i : sent.end]):
                out.append(Hit("TONE_SARCASM", sent.start, sent.end, "mock sympathy"))
        # "that's a fair question", "it's a perfectly reasonable thing to ask"
        if t.lemma_ in REQUEST_NOUNS and t.dep_ == "attr" and t.head.lemma_ == "be":
            if not any(c.dep_ == "neg" for c in t.head.children) and any(
                c.dep_ == "amod" and c.lemma_ in LEGIT_ADJ for c in t.children
            ):
                s = min(x.i for x in t.head.subtree)
                e = min(t.right_edge.i + 1, n)
                out.append(Hit("VAL_LEGIT", s, e, "says what they ask for is reasonable"))
    return out
