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

import re
from dataclasses import dataclass, field
from operator import or_

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Doc

from . import toks, tone
from .customer import (
    GENERIC_STEMS,
    PROCEDURE_STEMS,
    CustomerInfo,
    empty_word,
    feeling_families,
    stem,
    word_keys,
)
from .lexicon import (
    EMOTION_LEMMAS,
    GENERIC_LEMMAS,
    PROCEDURE_LEMMAS,
    WEAK_EMOTION_LEMMAS,
)
from .normalize import Normalised
from .patterns import (
    ACTION_VERBS,
    INSULT_ADJ,
    INSULT_NOUN,
    LABELS,
    NAMED,
    REQUEST_VERBS,
    TIME_WORDS,
    build_matchers,
    find_dep_matches,
)
from .toks import Sent, Toks

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
thing everything caused disruption bother difficulty difficulties annoyance while respond
responding reply replying journey travel plan plans trip
""".split()
)
STOCK_NUISANCE = frozenset("hassle inconvenience trouble bother disruption annoyance".split())
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


@dataclass(slots=True)
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
    toks: Toks | None = None  # the token table the hits index into
    # the reply's lower-cased lemma unigrams and bigrams (lemma_grams), the lexical input
    # of the learned layers that carry `ngram_weights`
    grams: frozenset[str] = frozenset()


# ---------------------------------------------------------------------------------
# labels whose hits the negation step looks at (the rest are kept as they are)
_NEG_CHECKED = POS_LABELS | {
    "INV_BLAME",
    "TONE_BLAME",
    "INV_CORRECT",
    "TONE_INSULT",
    "INV_MINIMISE",
}


_Q_AUX = frozenset({"can", "could", "would", "will", "do", "have", "be", "may", "shall"})
_VERB_AUX = frozenset({"VERB", "AUX"})
_REQUEST_VERBS = frozenset(REQUEST_VERBS)
_SUBJ_AUX = SUBJECT_DEPS | {"aux"}


def _is_question(T: Toks, start: int, end: int) -> bool:
    space, pos = T.space, T.pos
    toks = [k for k in range(start, end) if not space[k]]
    if not toks or not any(pos[k] in _VERB_AUX for k in toks):
        return False  # "NINE DAYS?!" echoes the customer, it asks nothing
    text = T.text
    if "?" in text[toks[-1]] or (len(toks) > 1 and "?" in text[toks[-2]]):
        return True
    first = toks[0]
    if T.low[first] == "had":
        return False  # "Had you been in, ...": a conditional, not a question (no "?")
    return (
        T.lem[first] in _Q_AUX
        and pos[first] == "AUX"
        and len(toks) > 1
        and T.low[toks[1]] in {"you", "i", "we", "u"}
    )


def _sent_root(T: Toks, sent: Sent) -> int:
    """Span.root of a sentence: its first token that heads itself."""
    head = T.head
    for k in range(sent.start, sent.end):
        if head[k] == k:
            return k
    return T.doc[sent.start : sent.end].root.i  # pragma: no cover - always has a root


def _is_request(T: Toks, sent: Sent, question: bool) -> bool:
    """A sentence that asks the customer for something (details, an action)."""
    if question:
        return True
    punct, low, lem, dep, head, kids = T.punct, T.low, T.lem, T.dep, T.head, T.kids
    toks = [k for k in range(sent.start, sent.end) if not punct[k]]
    if not toks:
        return False
    for k in toks:
        if low[k] == "please" and T.pos[head[k]] == "VERB" and lem[head[k]] in _REQUEST_VERBS:
            return True
        if (
            lem[k] in {"need", "require"}
            and any(dep[c] == "nsubj" and low[c] in {"i", "we"} for c in kids[k])
            and any(t.lower_ in {"your", "you"} for t in T.doc[k].subtree)
        ):
            return True
    root = _sent_root(T, sent)
    return (
        T.tag[root] == "VB"
        and lem[root] in _REQUEST_VERBS
        and lem[root] != "let"
        and not any(dep[c] in _SUBJ_AUX for c in kids[root])
    )


_NEG_CLIMB = frozenset(
    {
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
    }
)


_REASON_WORDS = frozenset({"because", "since", "due", "thanks"})
_EASY = frozenset("simple easy straightforward complicated difficult hard tricky".split())
_CONFUSED = re.compile(
    r"\b(confus\w*|(do not|don't|dont|not) (really )?(understand|follow|get it)|"
    r"not (very )?good with|lost me|makes? no sense)",
    re.I,
)
# what a "… is shown in the app" sentence may point the customer to without defending anything
_HELP_THINGS = frozenset("option detail step instruction link form number update status".split())
# verbs that say what the problem is doing to them ("this has obviously hit you hard")
_STATE_VERBS = frozenset(
    "seethe fume hit shake rattle affect upset hurt floor gut devastate".split()
)
COMMISERATE_ADJ = frozenset(
    "awful terrible unacceptable frustrating rubbish annoying ridiculous horrible dreadful"
    " worst".split()
)


_NOMINAL = frozenset({"PRON", "NOUN", "PROPN", "DET"})


def _negated(T: Toks, start: int, end: int, ignore: set[int]) -> bool:
    """Is the span under a negation it does not itself contain?

    Looks for a `neg` child ("not", "n't", "never") on the span's head and on the
    verbs governing it through complement links ("I don't understand why you're
    upset": upset <- 're <- understand [neg]). Conjoined verbs are separate clauses
    ("I can't change it, but I understand").
    """
    head, dep, kids, pos = T.head, T.dep, T.kids, T.pos
    roots = [k for k in range(start, end) if not start <= head[k] < end or head[k] == k]
    for r in roots:
        node = r
        for _ in range(5):
            for c in kids[node]:
                if dep[c] != "neg" or start <= c < end or c in ignore:
                    continue
                if c > 0 and T.low[c - 1] == "," and c + 1 < T.n and pos[c + 1] in _NOMINAL:
                    continue  # "That's on us, not you": a contrast, not a negation of it
                if node != r and c > end:
                    continue  # "You're right, it isn't complicated": a later clause
                return True
            up = head[node]
            if up == node:
                break
            d = dep[node]
            if T.low[node] in _REASON_WORDS or any(
                T.text[x] in {";", ":"} for x in range(min(node, up) + 1, max(node, up))
            ):
                break  # "...; you can't pay because of our mistake": a separate clause / reason
            if d in _NEG_CLIMB or (d == "conj" and pos[node] not in _VERB_AUX):
                node = up
            else:
                break
    return False


def _clause_end(T: Toks, i: int, limit: int) -> int:
    """Token index just after the subtree of token i, capped at `limit` tokens from it."""
    return min(T.right_edge(i) + 1, i + limit)


# ---------------------------------------------------------------------------------
def analyse(doc: Doc, norm: Normalised, cust: CustomerInfo) -> Analysis:
    matcher, phrase = _matchers()
    # every token attribute the rules read, read once (toks.py)
    T = Toks(doc, norm.text)
    sents = T.sents
    sent_ix = T.sent_ix
    hits: list[Hit] = []

    # the structural rules below are skipped when their trigger words do not occur (speed)
    rows = T.rows
    lows = set(T.low)
    lems = set(T.lem)
    T_low, T_lem, T_pos = T.low, T.lem, T.pos

    # 1. token + phrase patterns, longest match per label
    by_label: dict[str, list[tuple[int, int]]] = {}
    strings = doc.vocab.strings
    for label, s, e in matcher(doc, rows, {0: lows, 1: lems}):
        by_label.setdefault(label, []).append((s, e))
    for match_id, s, e in phrase(doc):
        by_label.setdefault(strings[match_id], []).append((s, e))
    if not (EMO_WORDS.isdisjoint(lems) and EMO_WORDS.isdisjoint(lows)):
        for i, r in enumerate(rows):  # the emotion lexicon: a set lookup beats 150 patterns
            if r[1] in EMO_WORDS or r[0] in EMO_WORDS:
                by_label.setdefault("ACK_STATE", []).append((i, i + 1))
    for label, spans in by_label.items():
        why = LABELS[label][2]
        for s, e in _filter_spans(spans):
            w = 1.0
            if label == "ACK_STATE" and all(
                T_lem[k] in WEAK_EMOTION_LEMMAS or T_low[k] in WEAK_EMOTION_LEMMAS
                for k in range(s, e)
            ):
                w = 0.4
            if label == "ACK_LISTEN":
                # the sentence of the span (Span.sent: up to the end of its last token's)
                sent_end = sents[sent_ix[e - 1]].end
                if not any(
                    T_pos[k] in _TAIL_POS and T_lem[k] not in GENERIC_LEMMAS and not T.stop[k]
                    for k in range(e, sent_end)
                ):
                    w = 0.3  # "I hear you." refers to nothing
                elif T_low[s] in {"thanks", "thank", "appreciate"} or T_lem[s] == "appreciate":
                    w = 2.0  # "thanks for walking me through what happened with the refund"
            hits.append(Hit(label, s, e, why, w))

    # contextual filters on token hits
    hits = [h for h in hits if _keep(doc, h, sents, sent_ix, T, cust)]
    wrong = _wrong_feelings(T, hits, cust)
    if wrong:
        hits = [h for h in hits if h not in wrong]
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
    dep_matches = find_dep_matches(doc, T)
    questions = {i for i, s in enumerate(sents) if _is_question(T, s.start, s.end)}
    requests = {i for i, s in enumerate(sents) if _is_request(T, s, i in questions)}
    hits.extend(_paraphrase_hits(T, dep_matches, questions, cust, "so" in lows))
    hits.extend(_apology_hits(T, dep_matches, cust))
    if not lems.isdisjoint(MODAL_TRIGGERS):
        hits.extend(_modal_hits(T, cust))
    if not lems.isdisjoint(ORDER_VERBS):
        hits.extend(_imperative_orders(T))
    if "be" in lems:
        hits.extend(_reaction_judged_fair(T))
    if not lems.isdisjoint(OWED_VERBS):
        hits.extend(_we_failed(T))
    if not lows.isdisjoint(ANYONE_TRIGGERS):
        hits.extend(_anyone_hits(T))
    if not lows.isdisjoint(GENERAL_TRIGGERS) or not lems.isdisjoint(GENERAL_TRIGGERS):
        hits.extend(_general_hits(T, questions, lows))
    if not lems.isdisjoint(_ISSUE3_LEMMAS):
        hits.extend(_issue3_hits(T, questions, cust))
    if not lems.isdisjoint(_ROUND5_CUES) or not lows.isdisjoint(_ROUND5_CUES):
        hits.extend(_round5_hits(T, questions))
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
    removed: list[Hit] = [
        Hit(h.label, h.start, h.end, "names a feeling they have not shown", 0.0) for h in wrong
    ]
    kept: list[Hit] = []
    for h in hits:
        if h.raw or h.label not in _NEG_CHECKED:
            kept.append(h)
            continue
        low = T.span_text(h.start, h.end).lower()
        fault = h.label in {"INV_BLAME", "TONE_BLAME"} and any(
            w in low for w in ("fault", "responsib", "mistake", "job", "problem", "doing")
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
        if h.label == "VAL_LEGIT" and T.low[h.start] == "of" and T.low[h.start + 1] == "course":
            kept.append(h)  # "of course you can't sleep": the negation is what is legitimate
            continue
        if _negated(T, h.start, h.end, ignore):
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
    stock = [h for h in hits if h.label == "VAL_APOLOGY_GENERIC"]
    hits = [
        h
        for h in hits
        if not (
            h.label == "ACK_STATE"
            and (
                any(n.start <= h.start < n.end for n in neg_spans)
                # "sorry for the hassle": a stock nuisance word, not how they feel
                or any(
                    n.start <= h.start < n.end
                    and (T_lem[h.start] in STOCK_NUISANCE or n.weight < 1.0)
                    for n in stock
                )
            )
        )
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
        overlap_hits, overlap, overlap_hist, overlap_ctx, current = [], 0.0, 0.0, 0.0, []
    else:
        overlap_hits, overlap, overlap_hist, overlap_ctx, current = _overlap(
            T, cust, requests, hits
        )
    hits.extend(overlap_hits)
    if len(overlap_hits) >= 2:
        hits.extend(_fragment_restatements(T, overlap_hits, questions | requests))
    if overlap_hits and not lems.isdisjoint(COGNITION_VERBS):
        hits.extend(_cognition_hits(T, hits, questions))
    # words of their story inside blame, defence or a put-down ("if you needed it for Monday,
    # you should have paid for ...") are used against them, not to show it got through: they
    # count little unless an explicit acknowledgment ("I can see / I know X") carries them
    hostile = {sent_ix[h.start] for h in hits if not h.raw and h.label in _ACK_HOSTILE}
    if overlap_hits and hostile:
        overlap, overlap_hist, overlap_ctx = _discount_hostile(
            hits, overlap_hits, current, hostile, sent_ix
        )

    # 7. contrast: empathy, then "but <policy/defence>"
    if not lows.isdisjoint(CONTRAST_TRIGGERS):
        hits, taken = _contrast(T, hits)
        removed.extend(taken)

    # 9. procedure-only replies
    n_sents = max(1, len(sents))
    request_first = bool(sents) and 0 in requests
    proc_noun = None
    for t in range(T.n) if requests else ():
        if T_lem[t] in PROCEDURE_LEMMAS and sent_ix[t] in requests:
            proc_noun = (
                " ".join(
                    T.text[x]
                    for x in range(T.left_edge(t), t + 1)
                    if T_low[x] not in {"your", "the", "a", "an", "my"}
                )
                or T.text[t]
            )
            break
    has_pos = any(h.label in POS_LABELS for h in hits)
    if requests and not has_pos and overlap < 1.0:
        first_req = sents[min(requests)]
        hits.append(
            Hit("ACK_PROCEDURE", first_req.start, first_req.end, LABELS["ACK_PROCEDURE"][2])
        )

    hits = _dedupe(hits)
    remedy = _remedy(T, dep_matches, questions)
    features = _features(
        T,
        hits,
        (overlap, overlap_hist, overlap_ctx),
        len(requests) / n_sents,
        request_first,
        cust,
        removed,
    )
    return Analysis(
        hits=hits,
        features=features,
        removed=removed,
        remedy=remedy,
        request_first=request_first,
        procedure_noun=proc_noun,
        toks=T,
        grams=lemma_grams(T),
    )


_US = frozenset({"we", "our", "us", "company", "process", "system"})


def _self_mocking(T: Toks, h: Hit) -> bool:
    """ "lol no we're not that organised", "lol our process is a nightmare": the laugh is at
    the company (the next few words are about us, none about them)."""
    nxt = [k for k in range(h.end, min(T.n, h.end + 5)) if not T.punct[k]]
    words = {T.low[k] for k in nxt}
    return not words.isdisjoint(_US) and words.isdisjoint({"you", "your", "u", "ur"})


def _wrong_feelings(T: Toks, hits: list[Hit], cust: CustomerInfo) -> list[Hit]:
    """Named feelings of a family the customer has not shown, when they have shown another:
    "I understand your frustration" to someone who said "I'm just worried about the money"
    shows their feeling did not get through (every writer of the data labels it so)."""
    theirs = cust.feelings
    if not theirs:
        return []
    out = []
    for h in hits:
        if h.label != "ACK_STATE":
            continue
        named = feeling_families({*T.low[h.start : h.end], *T.lem[h.start : h.end]})
        if named and named.isdisjoint(theirs):
            out.append(h)
    return out


def _generic_phrase(T: Toks, x: int) -> bool:
    """Whether the phrase under x names nothing of theirs ("in responding", "in getting back")."""
    return all(
        T.lem[t] in APOLOGY_GENERIC_OBJ
        or T.lem[t] in GENERIC_LEMMAS
        or T.low[t] in STOP_WORDS
        or T.pos[t] not in _SPECIFIC_POS
        for t in T.desc(x)
    )


def lemma_grams(T: Toks) -> frozenset[str]:
    """Lower-cased lemma unigrams and bigrams of the reply.

    Plain-word validation ("a proper faff", "no joke", "that's on our side") comes in more
    shapes than rules can list; a fitted weight per lemma n-gram, chosen against the rules
    alone by leave-one-writer-out cross-validation (train.py), picks up the recurring ones.
    Lemmas after normalisation, so "ur"/"your" and "SO"/"so" are one gram."""
    low = [x.lower() for x in T.lem]
    return frozenset(low + [f"{a} {b}" for a, b in zip(low, low[1:], strict=False)])


_MATCHERS = None
_TAIL_POS = frozenset({"NOUN", "PROPN", "VERB", "ADJ", "NUM"})


def _filter_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """spacy.util.filter_spans on (start, end) pairs: the (first) longest of overlapping
    spans wins; duplicates are dropped; the result is sorted by start."""
    if len(spans) == 1:
        return spans
    ordered = sorted(spans, key=lambda se: (se[1] - se[0], -se[0]), reverse=True)
    out = []
    seen: set[int] = set()
    for s, e in ordered:
        if s not in seen and e - 1 not in seen:
            out.append((s, e))
            seen.update(range(s, e))
    out.sort(key=lambda se: se[0])
    return out


def _matchers():
    global _MATCHERS
    if _MATCHERS is None:
        from .nlp import get_nlp

        _MATCHERS = build_matchers(get_nlp())
    return _MATCHERS


# Words of manners: an order or a boundary about them ("no need to shout at me", "..., but
# I can't sort it while I'm being called a thief") corrects behaviour, not their feeling
# about the problem, so it takes no validation away.
_MANNERS = frozenset(
    "shout shouting yell yelling swear swearing scream screaming rude names name-calling "
    "insult insults language tone voice abuse abusive nasty thief thieves called respect "
    "respectful".split()
)
_THEIR_DETAILS = frozenset(
    "address postcode detail details email number photo photos receipt receipts form".split()
)
VOCATIVES = frozenset("ma'am maam madam sir mate love dear hun buddy pal".split())
_GOOD_WORDS = frozenset(
    "good great fine perfect lovely brilliant ok okay right fair grand ideal excellent".split()
)
_APOLOGISED = re.compile(r"\b(sorry|apologi[sz]e|my apologies|my bad)\b", re.I)


def _keep(
    doc: Doc, h: Hit, sents: list[Sent], sent_ix: list[int], T: Toks, cust: CustomerInfo
) -> bool:
    """Context checks a token pattern cannot express."""
    low = T.span_text(h.start, h.end).lower()
    if h.label == "TONE_ORDER" and "ask" in T.lem[max(0, h.start - 4) : h.start]:
        return False  # "I'd ask you to drop the insults while I do": a boundary, not an order
    if (
        h.label == "TONE_DEFENSIVE"
        and low.startswith("take")
        and " up with" in low
        and not ({"you", "u"} & set(T.low[max(0, h.start - 4) : h.start]))
    ):
        return False  # "we'll take that up with ParcelPoint" is an action, not a hand-off
    if h.label == "INV_CORRECT" and not _MANNERS.isdisjoint(T.low[h.start : h.end]):
        # "no need to shout at me": an order about manners (calm tone), not a correction of
        # their feeling about the problem, so it does not take validation away
        return False
    if h.label == "ACK_STATE" and T.lem[h.start] == "sound" and T.low[h.end - 1] in _GOOD_WORDS:
        return False  # "Sounds good.": agreeing, not naming how they feel
    if h.label == "INV_MINIMISE" and "harm" in low and _APOLOGISED.search(cust.text):
        return False  # "sorry I went off on one" - "no harm done": accepting it
    if (
        h.label in {"TONE_ORDER", "INV_CORRECT"}
        and "worry" in low
        and _APOLOGISED.search(cust.text)
        and tuple(T.low[h.end : h.end + 2]) in {("about", "it"), ("about", "that")}
    ):
        return False  # "sorry I went off on one" - "don't worry about it": accepting it
    if (
        h.label == "TONE_SARCASM"
        and not cust.emotional
        and low.endswith(("to say", "talk", "speak"))
    ):
        return False  # "what a lovely thing to say" to a thank-you is sincere
    if h.label == "TONE_PASSIVE" and low in {"ugh", "sigh"}:
        # "ugh, that's so disappointing": commiseration about their situation, not at them
        nxt = [t for t in doc[h.end : h.end + 6] if not t.is_punct]
        if any(t.lemma_ in {"sorry", "apologise", "apologize"} for t in nxt) or (
            len(nxt) >= 2
            and nxt[0].lower_ in {"that", "this", "it"}
            and nxt[1].lemma_ in {"be", "sound", "look", "seem"}
        ):  # "ugh that sounds exhausting"
            return False
        sent = sents[sent_ix[h.start]]
        if any(T.low[k] in COMMISERATE_ADJ for k in range(h.end, sent.end)):
            return False  # "ugh, 3 days late on next-day shipping is awful": with them
    if h.label == "TONE_ORDER" and T.low[h.start] == "did":
        return False  # "... and didn't get one": a report in the past, never an order
    if h.label == "TONE_ORDER" and T.lem[h.start] == "do" and T.head[h.start] != h.start:
        # "don't get upset" orders; "you didn't get an update" reports: an order has no subject
        # (a form of address the parser takes for one, "Ma'am, please don't shout", is not)
        if any(
            T.dep[k] in SUBJECT_DEPS and T.low[k] not in VOCATIVES and T.pos[k] != "PROPN"
            for k in T.kids[T.head[h.start]]
        ):
            return False
    if (
        h.label == "TONE_SARCASM"
        and low in {"whatever", "congrats", "congratulations"}
        and not (
            h.start == sents[sent_ix[h.start]].start and tuple(T.low[h.end : h.end + 1]) != ("on",)
        )
    ):
        return False  # "congrats on the new job", "for whatever's left": sincere, not a sneer
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
        nxt = T.span_text(h.end, min(h.end + 3, T.n)).lower()
        if nxt.startswith("to feel") or nxt.startswith("to be") or nxt.startswith("to get"):
            return False
        # "our standard refund" etc. are not minimising: need a copular clause
        if not any(T.lem[k] == "be" for k in range(h.start, h.end)):
            return False
    if h.label in {"VAL_SIDE"} and any(
        w in low for w in ("unacceptable", "poor", "wrong", "terrible", "awful", "appalling")
    ):
        sent = sents[sent_ix[h.start]]
        if any(
            T.low[k]
            in {"language", "tone", "behaviour", "behavior", "attitude", "abuse", "swearing"}
            for k in range(sent.start, sent.end)
        ):
            return False
    if (
        h.label == "VAL_SIDE"
        and low.startswith(("not", "n't", "never"))
        and low.split()[-1] in {"how", "what", "on"}
    ):
        # "not how it should work" / "not okay" need the situation as subject, not a refusal
        sent = sents[sent_ix[h.start]]
        if any(
            T.low[k] in {"i", "we"} and T.dep[k] in SUBJECT_DEPS
            for k in range(sent.start, sent.end)
        ) and not any(
            t.lower_ in {"it", "this", "that"} for t in doc[max(0, h.start - 3) : h.start]
        ):
            return False
    if (
        h.label in {"INV_BLAME", "TONE_BLAME"}
        and T.low[h.start] in {"you", "u"}
        and h.start > 0
        and T.low[h.start - 1] in {"than", "everything", "all"}
    ):
        return (
            False  # "you did everything you were supposed to", "more than you should have needed"
        )
    if h.label in {"INV_BLAME", "TONE_BLAME"} and low.startswith(
        ("you should have", "you ought to have")
    ):
        after = h.start + (3 if low.startswith("you should") else 4)
        if after < T.n and T.pos[after] not in {"VERB", "AUX"}:
            return False  # "you should have your tablets by 2pm" is a forecast
    if (
        h.label == "TONE_BLAME"
        and low.startswith(("nobody", "no one"))
        and any(T.lem[k] in {"force", "make", "tell", "ask"} for k in range(h.start, h.end))
    ):
        nxt = [T.low[k] for k in range(h.end, min(h.end + 2, T.n))]
        if "to" not in nxt:
            return (
                False  # "nobody told you to pick it" blames; "nobody telling you a thing" reports
            )
    if h.label in {"TONE_ORDER", "INV_CORRECT"} and low == "relax":
        if T.has_kid_dep(h.start, SUBJECT_DEPS):
            return False  # "of course you can't relax" describes them; "Relax." orders
    if h.label == "TONE_BLAME" and low.startswith("before"):
        sent = sents[sent_ix[h.start]]
        if not T.span_text(sent.start, sent.end).rstrip().endswith("?"):
            return False  # "please allow 24 hours before contacting us" is an instruction
    if h.label in {"INV_BLAME", "TONE_BLAME", "POLICY"}:
        sent = sents[sent_ix[h.start]]
        if (
            h.label != "POLICY"
            and any(
                T.dep[m] == "mark"
                and T.low[m] in {"if", "whether", "unless", "in"}
                and T.left_edge(T.head[m]) <= h.start <= T.right_edge(T.head[m])
                for m in range(sent.start, h.start)
            )
            and "read" not in low
            and T.lem[h.start + 1 if h.end - h.start > 1 else h.start] != "keep"
        ):
            return False  # "I'll check whether you entered the wrong code" blames nobody
    if h.label == "ACK_LISTEN" and T.lem[h.start + 1 if h.end - h.start > 1 else h.start] == "get":
        if h.start > 0 and T.low[h.start - 1] in {"can", "could", "may"}:
            return False  # "Can I get your account email?" asks for something
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
            tail = T.span_text(h.end, min(h.end + 3, T.n)).lower()
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
        adv = next(t for t in doc[h.start : h.end] if t.lower_ in {"obviously", "clearly"})
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
        if any(
            c.dep_ in SUBJECT_DEPS and c.lower_ in {"you", "this", "it"} for c in head.children
        ) and (
            head.lemma_ in _STATE_VERBS
            or any(
                t.lemma_ in EMOTION_LEMMAS or t.lower_ in {"hard", "seething"} for t in head.subtree
            )
        ):
            return False  # "you're obviously seething", "this has obviously hit you hard"
        if adv.lower_ == "clearly" and adv.i > head.i:
            return False  # manner: "you've told me clearly"
        if not all(t.is_punct for t in doc[adv.i + 1 : adv.sent.end]) and any(
            t.lemma_ in {"fix", "sort", "resolve", "refund", "correct"} and t.tag_ == "VBN"
            for t in head.subtree
        ):  # (a closing ", obviously." talks down even then)
            return False  # "obviously this has to be fixed before ...": on their side
    if (
        h.label in {"INV_CORRECT", "TONE_ORDER"}
        and T.low[h.end - 1] == "take"
        and T.low[h.end : h.end + 2] in {("my", "word"), ("our", "word")}
    ):
        return False  # "you've no reason to take my word for it": on their side
    if (
        h.label == "TONE_DEFENSIVE"
        and T.lem[h.end - 1] == "manage"
        and T.low[h.end : h.end + 1] in {("it",), ("that",), ("to",)}
    ):
        return False  # "basic courtesy and we didn't manage it": owning the failure
    if (
        h.label == "TONE_SARCASM"
        and low == "welcome to"
        and h.end < T.n
        and (T.pos[h.end] == "PROPN" or T.text[h.end][:1].isupper())
    ):
        return False  # "Welcome to FibreLine support": a greeting
    if (
        h.label == "TONE_PASSIVE"
        and low.startswith("once more")
        and "sorry" in T.low[h.end : h.end + 4]
    ):
        return False  # "and once more, I'm sorry our double charge left you overdrawn"
    if (
        h.label == "TONE_ORDER"
        and T.low[max(0, h.start - 3) : h.start].count("have")
        and any(T.low[k] in {"n't", "not"} for k in range(max(0, h.start - 4), h.start))
    ):
        return False  # "you don't have to hold it together for me": permission, not an order
    if (
        h.label == "TONE_PASSIVE"
        and low.startswith("make")
        and T.low[h.start - 2 : h.start]
        in {
            ("like", "to"),
            ("want", "to"),
        }
    ):
        return False  # "lots of people don't like to make a fuss": about them, not at them
    if (
        h.label == "TONE_PASSIVE"
        and low.startswith("again")
        and T.low[h.start - 1 : h.start] == ("and",)
    ):
        return False  # "ringing again and again, that's not right"
    if (
        h.label in {"TONE_SARCASM", "TONE_PASSIVE"}
        and low in {"lol", "lmao"}
        and _self_mocking(T, h)
    ):
        return False  # "lol no we're not that organised": laughing at the company
    hedge = T.low[h.start - 1 : h.start] == ("to",)
    if h.label == "VAL_LEGIT" and low.startswith("be fair") and hedge:
        return False  # "to be fair, it's only the corner": a hedge, not "that's fair"
    if h.label == "VAL_LEGIT" and low == "me too" and not cust.emotional:
        return False  # "I hope this time's different" - "Me too!": agreeing, nothing to legitimise
    if h.label == "TONE_PASSIVE" and T.low[h.end - 1] in _EASY and not _CONFUSED.search(cust.text):
        return False  # "it's simple: I'll refund you" - talking down only to someone confused
    if h.label == "TONE_DEFENSIVE" and T.lem[h.start] == "be" and h.start > 0:
        subj = [k for k in T.kids[T.head[h.start]] if T.dep[k] in SUBJECT_DEPS]
        if any(T.lem[k] in _HELP_THINGS for k in subj):
            return False  # "rebooking options are shown in the app" points to help
    if h.label == "TONE_DEFENSIVE" and low.endswith(("here", "there")) and h.end + 1 < T.n:
        if T.low[h.end] == "to" and T.pos[h.end + 1] in {"VERB", "AUX"}:
            return False  # "I'm not here to argue": a boundary, not "I wasn't even there"
    if (
        h.label == "TONE_DEFENSIVE"
        and low.endswith("correct")
        and any(T.low[k] in {"if", "whether"} for k in range(max(0, h.start - 5), h.start))
    ):
        return False  # "I shouldn't have asked if the address was correct"
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
        if h.start > 0 and T.low[h.start - 1] == "no" and T.low[h.start] in {"worries", "worry"}:
            return False  # "no worries": a pleasantry, not their feeling
        tok = h.start
        dep, tlow = T.dep, T.low
        head = T.head[tok] if dep[tok] in {"acomp", "attr", "amod"} else tok
        if any(dep[c] in SUBJECT_DEPS and tlow[c] in {"i", "we"} for c in T.kids[head]):
            return False  # "I'm afraid ...", "we're concerned" describe the agent
    if h.label == "VAL_SIDE" and low.startswith("on our") and h.start > 0:
        if T.low[h.start - 1] in {"fault", "problem", "issue", "error", "mistake"}:
            return False  # "there's no fault on our end" denies, it does not side
    if h.label == "VAL_SIDE" and low.endswith("wrong") and h.start > 0:
        prev = h.start - 1
        if T.low[prev] == "what" or (
            T.low[prev] in {"'s", "is", "went", "was"} and prev > 0 and T.low[prev - 1] == "what"
        ):
            return False  # "find what's wrong", "check what went wrong": not siding
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
        and T.span_text(h.end, min(h.end + 2, T.n)).lower() == "not to"
    ):
        return False  # "you'd be crazy not to be exhausted" legitimises
    if h.label in {"TONE_SARCASM", "TONE_PASSIVE"} and T.low[h.start] in {
        "good",
        "fine",
        "nice",
    }:
        # "Good for you." / "Fine, I'll check." mock only as a sentence of their own;
        # "Is 9am good for you?" and "That's fine, I'll update it" are sincere
        if not (T.sstart[h.start] or (h.start > 0 and T.low[h.start - 1] in {"oh", "well", "ugh"})):
            return False
        sent = sents[sent_ix[h.start]]
        if T.span_text(sent.start, sent.end).rstrip().endswith("?"):
            return False
    if h.label == "TONE_COURTESY" and low == "let me":
        return True
    if h.label == "TONE_SARCASM" and low == "wow ,":
        return True
    return True


_AUX_DEPS = frozenset({"aux", "auxpass"})
_FRAGMENT_SUBJ = frozenset({"nsubj", "nsubjpass", "npadvmod"})
_PROMISE_AUX = frozenset({"will", "shall", "can", "could", "should", "may", "might"})
_STORY_SKIP_LEMMAS = frozenset({"say", "mention", "tell", "explain", "ask", "like", "want", "need"})
_OPINION_LEMMAS = frozenset({"deserve", "do", "need", "want", "like", "think", "believe", "feel"})
_SO_NOT_NEXT = frozenset(
    {
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
    }
)


def _paraphrase_hits(T: Toks, dep_matches, questions, cust, has_so=True) -> list[Hit]:
    out: list[Hit] = []
    seen: set[int] = set()
    low, lem, pos, tag, dep, kids, sent_ix = T.low, T.lem, T.pos, T.tag, T.dep, T.kids, T.sent_ix
    for ids in dep_matches.get("YOU_EXPERIENCE", []):
        subj, verb = ids[0], ids[1]
        if verb in seen or sent_ix[verb] in questions:
            continue
        vk = kids[verb]
        auxes = [c for c in vk if dep[c] in _AUX_DEPS]
        if any(lem[a] in MODALS or low[a] in {"'ll", "'d", "ll"} for a in auxes):
            continue
        if any(
            dep[c] == "mark" and low[c] in {"if", "whether", "unless", "once", "when"} for c in vk
        ):
            continue
        tg = tag[verb]
        lemma = lem[verb]
        perfect_or_prog = any(lem[a] in {"have", "be"} for a in auxes)
        if tg in {"VBP", "VBZ"} and not perfect_or_prog:
            # simple present: "you need", "you want" are not a story; "you are (without power)"
            if not (lemma == "be" and any(dep[c] in {"acomp", "prep", "attr"} for c in vk)):
                continue
        if tg == "VBG" and not perfect_or_prog:
            continue
        if lemma in _STORY_SKIP_LEMMAS and not perfect_or_prog and tg != "VBD":
            continue
        if lemma in _OPINION_LEMMAS:
            continue  # evaluation or opinion, not their story
        if lemma in {"be", "entitle"} and any(
            lem[x] in EVALUATIVE or low[x] in EVALUATIVE for x in T.desc(verb)
        ):
            continue
        # "you were right" is validation, not a restatement; keep content predicates only
        end = _clause_end(T, verb, 10)
        first = min(subj, verb)
        content = [
            k
            for k in range(first, end)
            if pos[k] in CONTENT_POS and lem[k] not in GENERIC_LEMMAS and low[k] not in STOP_WORDS
        ]
        if lemma == "be" and not content:
            continue
        if lemma in {"contact", "reach", "choose", "call", "get", "be"} and not content:
            continue
        seen.add(verb)
        out.append(
            Hit(
                "ACK_PARAPHRASE",
                first,
                end,
                "restates what happened to them",
                1.0 if content else 0.6,
            )
        )
    punct = T.punct
    for sent in T.sents if has_so else ():  # "So <clause>" paraphrases
        toks = [k for k in range(sent.start, sent.end) if not punct[k]]
        if len(toks) < 3 or sent_ix[sent.start] in questions:
            continue
        k = 1 if low[toks[0]] in {"ok", "okay", "right", "alright"} and low[toks[1]] == "so" else 0
        if low[toks[k]] != "so" or low[toks[k + 1]] in _SO_NOT_NEXT:
            continue
        if any(
            tag[x] in {"VBD", "VBN"} or low[x] in {"still", "again", "never", "twice"}
            for x in toks[k + 1 :]
        ):
            out.append(
                Hit(
                    "ACK_PARAPHRASE",
                    toks[k],
                    toks[-1] + 1,
                    "restates what happened to them",
                    0.8,
                )
            )
    for ids in dep_matches.get("YOUR_THING", []):
        poss, subj, verb = ids
        if verb in seen or sent_ix[verb] in questions:
            continue
        if lem[subj] in PROCEDURE_LEMMAS and lem[subj] not in {
            "order",
            "booking",
            "card",
            "account",
        }:
            continue
        vk = kids[verb]
        auxes = [c for c in vk if dep[c] in _AUX_DEPS]
        negated = any(dep[c] == "neg" for c in vk)
        if any(lem[a] in _PROMISE_AUX for a in auxes) and not negated:
            continue  # "your refund will be processed" is a promise, not a restatement
        if (
            tag[verb] in {"VBZ", "VBP", "VB"}
            and not negated
            and not auxes
            and not (lem[verb] == "be" and any(dep[c] in {"acomp", "attr"} for c in vk))
        ):
            continue  # "your policy covers ...", "your parcel is with our partner" state a fact
        seen.add(verb)
        out.append(
            Hit(
                "ACK_PARAPHRASE",
                poss,
                _clause_end(T, verb, 10),
                "restates what happened to their " + T.text[subj].lower(),
            )
        )
    return out


_APOL_COMP_DEPS = frozenset({"ccomp", "advcl", "xcomp", "prep", "dobj", "acl", "relcl", "pobj"})
_SPECIFIC_POS = frozenset({"NOUN", "PROPN", "VERB", "ADJ", "NUM"})


def _apology_hits(T: Toks, dep_matches, cust: CustomerInfo) -> list[Hit]:
    """Specific apology (for the impact on them) vs generic ("sorry for any inconvenience")."""
    out: list[Hit] = []
    low, lem, pos, tag, dep, kids, head = T.low, T.lem, T.pos, T.tag, T.dep, T.kids, T.head
    for ids in dep_matches.get("APOLOGY", []):
        apol = ids[0]
        if lem[apol] == "regret" and pos[apol] != "VERB":
            continue
        if tag[apol] in {"VBD", "VBN"}:
            continue  # "we have already apologised" reports, it does not apologise
        if (
            lem[apol] == "sorry"
            and dep[apol] == "acomp"
            and any(low[c] in {"you", "they"} and dep[c] == "nsubj" for c in kids[head[apol]])
        ):
            continue  # "you'll be sorry" / "you feel sorry"
        comps = [c for c in kids[apol] if dep[c] in _APOL_COMP_DEPS]
        # "sorry to hear (that/about) X": look through "hear"
        expanded = []
        for c in comps:
            if lem[c] in {"hear", "learn", "see", "read"} and dep[c] in {"xcomp", "advcl"}:
                expanded.extend(x for x in kids[c] if dep[x] in {"ccomp", "prep", "dobj", "advcl"})
            else:
                expanded.append(c)
        # "I'm sorry" with the clause attached to the copula ("I am sorry you lost ...")
        if dep[apol] == "acomp":
            expanded.extend(
                c for c in kids[head[apol]] if dep[c] in {"ccomp", "advcl", "prep"} and c > apol
            )
        specific = False
        conditional = False
        for c in expanded:
            for t in T.desc(c):
                if dep[t] == "mark" and low[t] in {"if", "whether"}:
                    conditional = True
                if low[t] == "any" and dep[t] == "det":
                    conditional = True  # "for any inconvenience / issues": pasteable anywhere
                if (
                    (lem[t] in EMOTION_LEMMAS or low[t] in EMOTION_LEMMAS)
                    and pos[t] in {"ADJ", "VERB"}
                    and dep[t] in {"acomp", "oprd"}
                    and any(low[x] == "you" and dep[x] in SUBJECT_DEPS for x in kids[head[t]])
                ):
                    continue  # "sorry (to hear) you're frustrated": the feeling, not the impact
                if (
                    pos[t] in _SPECIFIC_POS
                    and lem[t] not in APOLOGY_GENERIC_OBJ
                    and lem[t] not in GENERIC_LEMMAS
                    and low[t] not in STOP_WORDS
                ):
                    specific = True
                elif (T.num[t] and low[t] != "one") or low[t] in {"twice", "again"}:
                    specific = True  # "two payments", "again"; not "on that one"
                elif lem[t] in {"wait", "delay"} and any(
                    dep[x] in {"amod", "nummod", "compound"}
                    or (dep[x] == "prep" and not _generic_phrase(T, x))
                    for x in kids[t]
                ):
                    specific = True  # "the delay with your refund", not "in responding"
        end = max([apol + 1] + [min(T.right_edge(c) + 1, apol + 16) for c in expanded])
        start = apol
        if (
            lem[apol] == "sorry"
            and apol > 0
            and low[apol - 1] in {"so", "really", "very", "truly", "deeply", "terribly"}
        ):
            start = apol - 1
        if lem[apol] == "condolence" or low[apol] == "condolences":
            specific = True  # condolences are for their bereavement, never generic
        if specific and not conditional:
            out.append(Hit("VAL_APOLOGY", start, end, "apologises for the specific impact on them"))
        else:
            why = (
                "hedged apology ('if' / 'any'), not for what happened"
                if conditional
                else "generic apology, not tied to what happened to them"
            )
            out.append(Hit("VAL_APOLOGY_GENERIC", start, end, why, 0.5 if conditional else 1.0))
    return out


_BLOCK_OVERLAP = frozenset({"TONE_SARCASM", "ACK_CANNED", "POLICY"})
INSULT_WORDS = (
    INSULT_ADJ
    | INSULT_NOUN
    | frozenset(
        """thieves thief crooks crook useless incompetent deaf thick brainless liars liar
        cowboys scammers clowns muppets""".split()
    )
)
# (lower, lemma) -> (comparison keys or None for a generic word, procedural?): the same
# words recur in every reply, so this is computed once per word form (cleared with the
# other caches by clear_caches()).
_WORD_INFO: dict[tuple[str, str], tuple[frozenset[str] | None, bool]] = {}


def _word_info(lw: str, lm: str) -> tuple[frozenset[str] | None, bool]:
    if (
        lm.lower() in GENERIC_LEMMAS
        or lw in GENERIC_LEMMAS
        or stem(lm) in GENERIC_STEMS
        or lw in INSULT_WORDS  # "deaf and stupid, wow": their insults are not their problem
    ):
        info: tuple[frozenset[str] | None, bool] = (None, False)
    else:
        info = (word_keys(lw, lm), stem(lm) in PROCEDURE_STEMS or lm in PROCEDURE_LEMMAS)
    if len(_WORD_INFO) > 50_000:  # pragma: no cover - a very long-running process
        _WORD_INFO.clear()
    _WORD_INFO[(lw, lm)] = info
    return info


# a token's row (toks.py: lower case, lemma, POS, text, like_num) -> its (keys, procedural)
# if it can refer to their story, else None; every test depends on the row alone
_ROW_INFO: dict[tuple, tuple[frozenset[str], bool] | None] = {}
_UNSEEN = object()


def _row_info(T: Toks, i: int) -> tuple[frozenset[str], bool] | None:
    """Whether token i can refer to their story, and as what (kept per row)."""
    info: tuple[frozenset[str], bool] | None = None
    lw, lm = T.low[i], T.lem[i]
    # only content words (or numbers) can refer to their story
    if (
        (T.pos[i] in CONTENT_POS or T.num[i])
        and not (T.punct[i] or T.space[i])
        and not empty_word(lw, T.stop[i], T.num[i])
    ):
        word = _WORD_INFO.get((lw, lm))
        if word is None:
            word = _word_info(lw, lm)
        keys, procedural = word
        if keys is not None:  # None: a generic word ("thing", "issue", "help")
            info = (keys, procedural)
    if len(_ROW_INFO) > 50_000:  # pragma: no cover - a very long-running process
        _ROW_INFO.clear()
    _ROW_INFO[T.rows[i]] = info
    return info


def clear_caches() -> None:
    """Empty the per-word caches (benchmarks measure cold work)."""
    _WORD_INFO.clear()
    _ROW_INFO.clear()
    toks.clear_caches()
    if _MATCHERS is not None:
        _MATCHERS[0].clear_tables()  # the token matcher's per-row steps


_ACK_HOSTILE = frozenset({"TONE_BLAME", "INV_BLAME", "TONE_DEFENSIVE", "TONE_PASSIVE"})
_ACK_EXPLICIT = frozenset({"ACK_LISTEN", "ACK_PARAPHRASE", "ACK_STATE", "ACK_IDIOM", "VAL_APOLOGY"})
HOSTILE_OVERLAP_FACTOR = 0.25


_AUX_DEPS = frozenset({"aux", "auxpass"})
_FRAGMENT_SUBJ = frozenset({"nsubj", "nsubjpass", "npadvmod"})


def _fragment_restatements(T: Toks, overlap_hits: list[Hit], skip: set[int]) -> list[Hit]:
    """A verbless sentence built from their story is a restatement ("Nine days of waiting
    with nobody telling you a thing.", "Two appointments booked, zero engineers.")."""
    per_sent: dict[int, int] = {}
    for h in overlap_hits:
        if T.lem[h.start].lower() in PROCEDURE_LEMMAS:
            continue  # "Account number?" asks for a detail, it restates nothing
        si = T.sent_ix[h.start]
        per_sent[si] = per_sent.get(si, 0) + 1
    out = []
    for si, count in per_sent.items():
        if count < 2 or si in skip:
            continue
        sent = T.sents[si]
        if "?" in T.low[sent.start : sent.end]:
            continue
        root = _sent_root(T, sent)
        if T.pos[root] in {"NOUN", "PROPN", "NUM"} or (
            # "Nine days of waiting with nobody telling you a thing": a participle with a
            # noun phrase for a subject and no auxiliary is still a fragment
            T.tag[root] in {"VBG", "VBN"}
            and not T.has_kid_dep(root, _AUX_DEPS)
            and any(
                T.dep[k] in _FRAGMENT_SUBJ and T.pos[k] in {"NOUN", "NUM"} for k in T.kids[root]
            )
        ):
            out.append(Hit("ACK_PARAPHRASE", sent.start, sent.end, LABELS["ACK_PARAPHRASE"][2]))
    return out


# where an overlapping word was found: the message answered, earlier turns, the brief
_WHERE_WEIGHT = (1.0, 0.6, 0.6)


def _discount_hostile(hits, overlap_hits, current, hostile, sent_ix) -> tuple[float, float, float]:
    """Scale down overlap words in hostile sentences (not inside an explicit acknowledgment);
    returns the recomputed (overlap, overlap_hist, overlap_ctx) sums."""
    covered = {
        i for h in hits if not h.raw and h.label in _ACK_EXPLICIT for i in range(h.start, h.end)
    }
    sums = [0.0, 0.0, 0.0]
    for h, where in zip(overlap_hits, current, strict=True):
        if sent_ix[h.start] in hostile and h.start not in covered:
            h.weight *= HOSTILE_OVERLAP_FACTOR
        sums[where] += h.weight * _WHERE_WEIGHT[where]
    return sums[0], sums[1], sums[2]


def _overlap(T: Toks, cust: CustomerInfo, requests: set[int], hits: list[Hit]):
    """Reply tokens that refer to what the customer said (stems + concept clusters)."""
    out: list[Hit] = []
    seen_keys: set[str] = set()
    sums = [0.0, 0.0, 0.0]
    blocked = set()
    for h in hits:
        # minimising or blaming words still name their problem ("it's only three days late"):
        # acknowledgment ignores attitude (rubric); only mockery, stock lines and policy text
        # are not a reference to their story
        if h.label in _BLOCK_OVERLAP:
            blocked.update(range(h.start, h.end))
    rows, sent_ix = T.rows, T.sent_ix
    ckeys, hkeys, xkeys = cust.keys, cust.history_keys, cust.context_keys
    current: list[int] = []  # per hit: 0 the message answered, 1 earlier turns, 2 the brief
    get = _ROW_INFO.get
    for i in range(T.n):
        info = get(rows[i], _UNSEEN)
        if info is _UNSEEN:
            info = _row_info(T, i)
        if info is None or i in blocked:
            continue
        keys, procedural = info
        cur = keys & ckeys
        hist = keys & hkeys
        ctx = keys & xkeys
        if not cur and not hist and not ctx:
            continue
        new = (cur | hist | ctx) - seen_keys
        if not new:
            continue
        seen_keys |= cur | hist | ctx
        where = 0 if cur else 1 if hist else 2
        if procedural and where == 2:
            continue  # "Account number?": the brief's fact labels are not their story
        w = 1.0
        if procedural:
            w = 0.3
        if sent_ix[i] in requests:
            w *= 0.5
        elif _in_action(T, i):
            w *= 0.4
        sums[where] += w * _WHERE_WEIGHT[where]
        source = "their situation" if where == 2 else "what they told you"
        out.append(Hit("ACK_OVERLAP", i, i + 1, f"picks up '{T.text[i]}' from {source}", w))
        current.append(where)
    return out, sums[0], sums[1], sums[2], current


COGNITION_VERBS = frozenset(
    "see know understand realise realize notice hear appreciate gather get recognise".split()
)
_COG_OBJECT_DEPS = frozenset({"dobj", "ccomp", "xcomp", "attr", "oprd"})


def _cognition_hits(T: Toks, hits: list[Hit], questions) -> list[Hit]:
    """A first-person, non-negated "I see / know / understand / can see <their problem>":
    acknowledgment whatever follows ("I see the double charge, but that's the bank's
    problem"). The complement must refer to their story (overlap, paraphrase or their state);
    "I hear you." or "I understand your concern" name nothing and are not counted."""
    content = {
        i
        for h in hits
        if not h.raw
        and (
            (h.label == "ACK_OVERLAP" and h.weight >= 0.3)
            or h.label in {"ACK_STATE", "ACK_PARAPHRASE"}
        )
        for i in range(h.start, h.end)
    }
    listened = {i for h in hits if h.label == "ACK_LISTEN" for i in range(h.start, h.end)}
    out: list[Hit] = []
    low, lem, pos, dep, kids, sent_ix = T.low, T.lem, T.pos, T.dep, T.kids, T.sent_ix
    for t in range(T.n):
        if lem[t] not in COGNITION_VERBS or pos[t] not in _VERB_AUX or t in listened:
            continue
        if sent_ix[t] in questions:
            continue
        subj = [c for c in kids[t] if dep[c] in SUBJECT_DEPS]
        if not subj or low[subj[0]] not in {"i", "we"}:
            continue
        if any(dep[c] == "neg" for c in kids[t]) or _negated(T, t, t + 1, set()):
            continue
        comps = [c for c in kids[t] if dep[c] in _COG_OBJECT_DEPS]
        if lem[t] == "get" and not any(dep[c] == "ccomp" for c in comps):
            continue
        for c in comps:
            a, b = T.left_edge(c), T.right_edge(c) + 1
            if any(a <= i < b for i in content):
                out.append(Hit("ACK_LISTEN", subj[0], b, LABELS["ACK_LISTEN"][2]))
                break
    return out


_ACTION_ANY = ACTION_CONTEXT | ACTION_VERBS


def _in_action(T: Toks, i: int) -> bool:
    """Is the token inside a clause where *we* act ("I've refunded the express charge")?"""
    pos, dep, kids, head = T.pos, T.dep, T.kids, T.head
    node = i
    for _ in range(6):
        if pos[node] in _VERB_AUX:
            subj = [c for c in kids[node] if dep[c] in SUBJECT_DEPS]
            if subj:
                return T.low[subj[0]] in {"i", "we"} and T.lem[node] in _ACTION_ANY
            if dep[node] == "xcomp" and T.lem[head[node]] == "let":
                return True
        if head[node] == node or dep[node] in {"ccomp", "advcl", "relcl", "csubj"}:
            return False
        node = head[node]
    return False


MODAL_TRIGGERS = frozenset({"should", "ought", "can", "must"})


# "you should never have found out by text": what happened to them, not what they did
_UNDERGONE = frozenset("have find hear learn receive get see wait lose".split())


def _modal_hits(T: Toks, cust: CustomerInfo | None = None) -> list[Hit]:
    """Negated "should" sides with them ("you shouldn't have had to", "that shouldn't be
    happening", "nobody should lose a day's pay") unless it corrects a feeling ("you
    shouldn't be upset") or blames ("you shouldn't have opened it")."""
    out: list[Hit] = []
    low, lem, pos, tag, dep, kids, head = T.low, T.lem, T.pos, T.tag, T.dep, T.kids, T.head
    for t in range(T.n):
        if dep[t] != "aux" or lem[t] not in MODAL_TRIGGERS:
            continue
        verb = head[t]
        vk = kids[verb]
        neg = any(dep[c] == "neg" for c in vk)
        subj = next((c for c in vk if dep[c] in SUBJECT_DEPS), None)
        neg_subj = subj is not None and (
            low[subj] in {"nobody", "noone", "none"}
            or (low[subj] == "one" and any(low[c] == "no" for c in kids[subj]))
        )
        you = subj is not None and low[subj] in {"you", "u"}
        passive = any(dep[c] == "auxpass" for c in vk)
        start = min([t] + ([T.left_edge(subj)] if subj is not None else []))
        right = [T.right_edge(c) for c in vk if c > verb and dep[c] not in {"conj", "cc", "punct"}]
        end = min(max([verb] + right) + 1, verb + 8)
        if lem[t] in {"can", "must"}:
            if neg and you and passive:  # "you can't be left without insulin"
                out.append(Hit("VAL_SIDE", start, end, "says this should not happen to them"))
            continue
        if not neg and not neg_subj:
            # "you should have ordered earlier", "maybe she should have reordered": blame
            if (
                (
                    (subj is not None and low[subj] in {"you", "u", "she", "he", "they"})
                    or (subj is None and T.sstart[t])  # "should have checked before you went"
                )
                and lem[t] == "should"
                and tag[verb] == "VBN"
                and not passive
                and lem[verb] not in {"receive", "get", "hear", "see", "be", "have", "arrive"}
                and any(lem[c] == "have" and dep[c] == "aux" for c in vk)
                and not (
                    subj is not None and subj > 0 and low[subj - 1] in {"than", "everything", "all"}
                )
            ):  # not "more than you should have needed"
                out.append(Hit("INV_BLAME", start, end, "tells them what they should have done"))
            continue
        if (
            you
            and lem[verb] == "be"
            and any(dep[c] == "acomp" and lem[c] in EMOTION_LEMMAS for c in vk)
        ):
            out.append(Hit("INV_CORRECT", start, end, "tells them how they should feel"))
        elif (
            you
            and neg
            and tag[verb] == "VBN"
            and not passive
            and lem[verb] not in _UNDERGONE
            and any(lem[c] == "have" and dep[c] == "aux" for c in vk)
        ):
            out.append(Hit("INV_BLAME", start, end, "tells them what they should not have done"))
        elif any(low[x] in {"surprise", "news", "shock"} for x in range(verb, end)):
            continue  # "this shouldn't come as a surprise" tells them they were warned
        elif lem[verb] in EPISTEMIC_VERBS or (
            lem[verb] in {"take", "be"} and any(low[x] == "long" for x in range(verb, end))
        ):
            continue  # "it shouldn't affect how it works", "it shouldn't take long": a forecast
        else:
            out.append(Hit("VAL_SIDE", start, end, "says this should not have happened to them"))
            if (
                you
                and cust is not None
                and any(
                    T.num[x]
                    or low[x] in {"twice", "again"}
                    or (
                        pos[x] in {"NOUN", "VERB", "ADJ"}
                        and lem[x] not in GENERIC_LEMMAS
                        and word_keys(low[x], lem[x]) & (cust.keys | cust.history_keys)
                    )
                    for x in range(verb, end)
                )
            ):
                out.append(Hit("ACK_PARAPHRASE", start, end, "restates what happened to them"))
    return out


# Negated "should" with these forecasts rather than sides: "it shouldn't affect the desk".
EPISTEMIC_VERBS = frozenset("affect matter impact interfere change cause".split())
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


def _reaction_judged_fair(T: Toks) -> list[Hit]:
    """ "Being exhausted is the natural reaction", "your anger is completely fair",
    "feeling let down is fair enough": the customer's reaction, judged legitimate."""
    out: list[Hit] = []
    low, lem, dep, kids = T.low, T.lem, T.dep, T.kids
    for t in range(T.n):
        if lem[t] != "be":
            continue
        tk = kids[t]
        if any(dep[c] == "neg" for c in tk):
            continue
        subj = next((c for c in tk if dep[c] in {"nsubj", "csubj"}), None)
        pred = next((c for c in tk if dep[c] in {"acomp", "attr"}), None)
        if subj is None or pred is None:
            continue
        pred_words = {lem[pred]} | {lem[c] for c in kids[pred] if dep[c] == "amod"}
        if not pred_words & LEGIT_ADJ:
            continue
        if any(
            lem[x] in EMOTION_LEMMAS or low[x] in EMOTION_LEMMAS or lem[x] in REACTION_NOUNS
            for x in T.desc(subj)
        ):
            out.append(
                Hit(
                    "VAL_LEGIT",
                    T.left_edge(subj),
                    T.right_edge(pred) + 1,
                    "says their reaction is legitimate",
                )
            )
    return out


def _we_failed(T: Toks) -> list[Hit]:
    """ "We didn't call you back", "we never sent the engineer", "we haven't kept our word":
    owning a failure in the first person is siding with the customer."""
    out: list[Hit] = []
    low, lem, pos, dep, kids = T.low, T.lem, T.pos, T.dep, T.kids
    for t in range(T.n):
        if lem[t] not in OWED_VERBS or pos[t] != "VERB":
            continue
        tk = kids[t]
        if not any(dep[c] == "nsubj" and low[c] in {"we", "i"} for c in tk):
            continue
        if not any(dep[c] == "neg" or low[c] == "never" for c in tk):
            continue
        if any(
            dep[c] == "aux"
            and lem[c] in {"can", "will", "could", "would", "may", "might", "must", "should"}
            for c in tk
        ):
            continue  # "we can't refund it" is policy, not an admission
        if any(dep[c] == "mark" for c in tk):
            continue
        if any(low[x] == "wrong" for x in T.desc(t)):
            continue  # "we haven't done anything wrong" denies, it does not own a failure
        start = min(c for c in tk if dep[c] == "nsubj")
        out.append(
            Hit("VAL_SIDE", start, min(T.right_edge(t) + 1, t + 6), "owns what we failed to do")
        )
    return out


ORDER_VERBS = frozenset(
    "calm relax chill settle simmer quiet hush behave listen stop quit cool breathe".split()
)


def _imperative_orders(T: Toks) -> list[Hit]:
    """An imperative aimed at the customer's feelings or manners ("Relax.", "Settle down",
    "Stop worrying, I've got this") is an order, whatever the exact wording."""
    out: list[Hit] = []
    low, lem, dep, kids = T.low, T.lem, T.dep, T.kids
    for sent in T.sents:
        root = _sent_root(T, sent)
        if lem[root] not in ORDER_VERBS or T.tag[root] != "VB":
            continue
        if any(dep[c] in SUBJECT_DEPS or (dep[c] == "aux" and low[c] != "do") for c in kids[root]):
            continue
        if (
            lem[root] in {"stop", "listen"}
            and not any(
                dep[c] in {"xcomp", "dobj", "prep", "ccomp"} and lem[c] not in {"by", "for"}
                for c in kids[root]
            )
            and lem[root] == "stop"
        ):
            continue  # "Stop." alone is ambiguous
        end = min(T.right_edge(root) + 1, root + 4)
        out.append(Hit("TONE_ORDER", root, end, LABELS["TONE_ORDER"][2]))
    return out


ANYONE_TRIGGERS = frozenset({"anyone", "anybody", "everyone", "everybody", "would", "'d", "d"})


def _anyone_hits(T: Toks) -> list[Hit]:
    """ "X would make anyone see red", "anyone would be fed up", "I'd want it fixed too"."""
    out: list[Hit] = []
    low, lem, dep, kids, head, punct = T.low, T.lem, T.dep, T.kids, T.head, T.punct
    n = T.n
    for t in range(n):
        if low[t] in {"anyone", "anybody", "everyone", "everybody"} and dep[t] != "dep":
            node = head[t]
            for _ in range(2):
                if any(
                    dep[c] == "aux" and lem[c] in {"would", "will", "could"} for c in kids[node]
                ) and not any(dep[c] == "neg" for c in kids[node]):
                    out.append(
                        Hit(
                            "VAL_LEGIT",
                            min(t, node),
                            max(t, node) + 1,
                            "says anyone would react the same way",
                        )
                    )
                    break
                if head[node] == node:
                    break
                node = head[node]
    for sent in T.sents:
        toks = [x for x in range(sent.start, sent.end) if not punct[x] and not T.space[x]]
        if len(toks) < 3:
            continue
        words = {low[x] for x in toks}
        if not (words & {"would", "'d", "d"}) or not (words & {"i", "me"}):
            continue
        w_i = next(x for x in toks if low[x] in {"would", "'d", "d"})
        for x in toks:
            if x <= w_i:
                continue
            nxt = x + 1
            clause_end = nxt >= n or punct[nxt] or low[nxt] in {"but", "and", "so", "though"}
            if (low[x] == "too" or (low[x] == "same" and low[x - 1] == "the")) and clause_end:
                if any(low[y] in {"i", "me"} for y in range(sent.start, x)):
                    out.append(
                        Hit(
                            "VAL_LEGIT",
                            max(sent.start, w_i - 1),
                            x + 1,
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


_TAKEBACK_LABELS = frozenset(
    {
        "POLICY",
        "TONE_DEFENSIVE",
        "INV_BLAME",
        "INV_MINIMISE",
        "INV_CORRECT",
        "TONE_BLAME",
        "TONE_SARCASM",
        "TONE_PASSIVE",
    }
)
_CONCEDED_LABELS = EMPATHY_LABELS | {"ACK_LISTEN"}
_UNDERSTAND = frozenset(
    {"understand", "appreciate", "hear", "see", "get", "sorry", "apologise", "apologize"}
)


def _contrast(T: Toks, hits: list[Hit]) -> tuple[list[Hit], list[Hit]]:
    """Empathy before "but/however/unfortunately" (or inside "although ...") is taken back
    when what dominates is policy, refusal, defence, blame or minimising."""
    regions: list[tuple[int, int, int, int, int]] = []  # conceded [a,b) dominant [c,d), marker
    low, dep, punct, sstart = T.low, T.dep, T.punct, T.sstart
    n = T.n
    for t in range(n):
        lw = low[t]
        d = dep[t]
        if (lw in CONTRAST_CC and d in {"cc", "advmod", "ROOT"}) or (
            lw in CONTRAST_ADV
            and d in {"advmod", "ROOT", "intj", "prep"}
            and (sstart[t] or (t > 0 and punct[t - 1]) or t + 1 < n and punct[t + 1])
        ):
            if lw == "still" and not sstart[t]:
                continue
            regions.append((0, t, t + 1, n, t))
        elif lw in CONCESSIVE and d == "mark":
            head = T.head[t]
            a, b = T.left_edge(head), T.right_edge(head) + 1
            sent = T.sents[T.sent_ix[t]]
            regions.append((a, b, b, max(sent.end, n), t))
        elif lw == "that" and t + 1 < n and low[t + 1] == "said" and sstart[t]:
            regions.append((0, t, t + 2, n, t))
    if not regions:
        return hits, []
    removed: list[Hit] = []
    new_hits = list(hits)
    lem = T.lem
    for a, b, c, d, m in regions:
        dom = [h for h in hits if not h.raw and c <= h.start < d and h.label in _TAKEBACK_LABELS]
        if not dom:
            continue
        if not _MANNERS.isdisjoint(low[c:d]) or any(
            h.label == "TONE_BOUNDARY" and c <= h.start < d for h in hits
        ):
            continue  # "..., but I can't do that while I'm being called a thief": manners
        conceded = [
            h for h in hits if not h.raw and a <= h.start < b and h.label in _CONCEDED_LABELS
        ]
        if not conceded and not any(lem[k] in _UNDERSTAND for k in range(a, b)):
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
_OFFER_OR_WISH = OFFER_VERBS | {"like", "want"}


def _remedy(T: Toks, dep_matches, questions) -> bool:
    """Does the reply offer or commit to a concrete remedy?

    Yes: "I'll send a replacement", "I've refunded the fee", "let me book an engineer",
    "would you like a refund?", "you'll receive a £20 credit", "a refund has been issued".
    No: the remedy named as part of their problem ("the replacement arrived cracked"),
    a refusal ("we can't refund"), advice ("you should request a refund"), a vague call
    with no time ("I'll call you").
    """
    low, lem, pos, tag, dep, kids, head = T.low, T.lem, T.pos, T.tag, T.dep, T.kids, T.head
    for ids in dep_matches.get("ACTION_FIRST_PERSON", []):
        subj, verb = ids[0], ids[1]
        if lem[verb] not in ACTION_VERBS:
            continue
        vk = kids[verb]
        if dep[subj] == "dobj" and (
            low[subj] not in {"me", "us"} or lem[head[verb]] not in {"let", "like", "want"}
        ):
            continue
        if any(dep[c] == "neg" for c in vk) or (
            dep[verb] in {"xcomp", "ccomp"} and any(dep[c] == "neg" for c in kids[head[verb]])
        ):
            continue
        auxes = {low[c] for c in vk if dep[c] in _AUX_DEPS}
        if auxes & {"should", "might", "may", "must"} or any(
            dep[c] == "mark" and low[c] == "if" for c in vk
        ):
            continue
        if lem[verb] in {"call", "email", "ring"} and not any(
            low[x] in TIME_WORDS or T.num[x] for x in T.desc(verb)
        ):
            continue
        if tag[verb] == "VBD" or dep[verb] == "relcl" or auxes & {"did", "do", "does"}:
            continue  # "we sent", "we did send a replacement": history, not an offer
        if any(low[c] == "only" for c in vk):
            continue  # "we can only offer a refund once ...": a condition, not an offer
        if lem[verb] in VAGUE_ACTIONS and not any(
            low[x] in TIME_WORDS
            or T.num[x]
            or (pos[x] in {"NOUN", "PROPN"} and dep[x] in {"dobj", "pobj"})
            for x in T.desc(verb)
        ):
            continue  # "I'll sort it" names no remedy
        return True
    for ids in dep_matches.get("REMEDY_NOUN", []):
        noun = ids[0]
        hd = head[noun]
        if dep[hd] == "prep":
            hd = head[hd]
        if pos[hd] not in _VERB_AUX or lem[hd] not in _OFFER_OR_WISH:
            continue
        hk = kids[hd]
        if any(dep[c] == "neg" for c in hk):
            continue
        subj = next((c for c in hk if dep[c] in SUBJECT_DEPS), None)
        aux = {low[c] for c in hk if dep[c] in _AUX_DEPS}
        only = any(low[c] == "only" for c in hk)
        passive_done = (
            dep[noun] == "nsubjpass"
            and tag[hd] == "VBN"
            and lem[hd] in ACTION_VERBS
            and not aux & {"can", "could", "may", "might", "must", "should"}
            and not only
        )
        subj_low = low[subj] if subj is not None else None
        future_you = (
            subj_low in {"you", "u"}
            and bool(aux & FUTURE_AUX)
            and lem[hd] in {"get", "receive", "have", "see"}
            and not aux & {"can", "could"}
        )
        offer = (
            lem[hd] in {"like", "want"}
            and subj_low == "you"
            and "would" in aux | {low[c] for c in hk}
        )
        agent = (
            subj_low in {"i", "we"}
            and lem[hd] in OFFER_VERBS
            and not aux & {"should", "might", "may", "must", "did", "do", "does"}
            and tag[hd] != "VBD"
            and dep[hd] != "relcl"
            and not only
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


_NOUNISH = frozenset({"NOUN", "PROPN", "NUM"})


def _specific_content(T: Toks, hits) -> float:
    """Concrete nouns and numbers outside requests: a canned line has none."""
    pos, lem, stop, num = T.pos, T.lem, T.stop, T.num
    cand = [t for t in range(T.n) if pos[t] in _NOUNISH]
    if not cand:
        return 0.0
    skip = set()
    for h in hits:
        if h.label in {"ACK_PROCEDURE", "ACK_CANNED", "POLICY"} and not h.raw:
            skip.update(range(h.start, h.end))
    n = 0
    for t in cand:
        if t in skip:
            continue
        p = pos[t]
        if (
            p != "NUM"
            and lem[t] not in GENERIC_LEMMAS
            and lem[t] not in PROCEDURE_LEMMAS
            and lem[t] not in EMOTION_LEMMAS
            and not stop[t]
        ) or (num[t] and p == "NUM"):
            n += 1
    return float(n)


_AK_LABELS = frozenset({"VAL_APOLOGY", "VAL_SIDE", "VAL_LEGIT", "VAL_WHY"})


def _features(
    T: Toks, hits, overlaps, request_ratio, request_first, cust, removed
) -> dict[str, float]:
    overlap, overlap_hist, overlap_ctx = overlaps
    totals: dict[str, float] = {}
    for h in hits:
        totals[h.label] = totals.get(h.label, 0.0) + h.weight
    # one label: its total; two: their sum, in this order (as `sum` would add them)
    g = totals.get
    n_words = T.n - sum(map(or_, T.punct, T.space))  # tokens that are neither
    f = {
        # acknowledgment
        # "I can't imagine how/what ..." recognises their state even without an emotion word
        "ack_state": min(g("ACK_STATE", 0.0) + g("ACK_IDIOM", 0.0), 2.0),
        "ack_listen": min(g("ACK_LISTEN", 0.0), 2.0),
        "ack_paraphrase": min(g("ACK_PARAPHRASE", 0.0), 2.0),
        "ack_overlap": min(overlap + overlap_hist, 4.0),
        # words of the scenario brief only (the trainee knows it; the customer may not have
        # said it in this conversation)
        "ack_context": min(overlap_ctx, 4.0),
        # the first words of their story count most: one shared word can be chance, two
        # rarely are (a piecewise-linear overlap for the logistic layer)
        "ack_overlap_first": min(overlap + overlap_hist + overlap_ctx, 1.5),
        "ack_procedure": 1.0 if "ACK_PROCEDURE" in totals else 0.0,
        "ack_canned": min(g("ACK_CANNED", 0.0), 2.0),
        "voided": min(float(sum(1 for r in removed if r.label.startswith("ACK"))), 2.0),
        "request_ratio": request_ratio,
        "short": 1.0 if n_words <= 4 else 0.0,
        # validation
        "val_legit": min(g("VAL_LEGIT", 0.0) + g("VAL_WHY", 0.0), 2.0),
        "val_side": min(g("VAL_SIDE", 0.0), 2.0),
        "val_apology": min(g("VAL_APOLOGY", 0.0), 2.0),
        "val_apology_generic": min(g("VAL_APOLOGY_GENERIC", 0.0), 2.0),
        "apology_ctx": _apology_ctx(hits),
        "inv": min(sum(g(label, 0.0) for label in INV_LABELS), 3.0),
        "policy": min(g("POLICY", 0.0), 2.0),
        # calm tone
        "tone_shout": min(g("TONE_SHOUT", 0.0), 3.0),
        "tone_order": min(g("TONE_ORDER", 0.0) + g("INV_CORRECT", 0.0), 2.0),
        "tone_sarcasm": min(g("TONE_SARCASM", 0.0) + g("TONE_PASSIVE", 0.0), 2.0),
        "tone_defensive": min(g("TONE_DEFENSIVE", 0.0), 2.0),
        "tone_blame": min(g("INV_BLAME", 0.0) + g("TONE_BLAME", 0.0), 2.0),
        "tone_threat": min(g("TONE_THREAT", 0.0) + g("TONE_INSULT", 0.0), 2.0),
        "tone_dismiss": min(g("INV_DISMISS", 0.0) + g("INV_NONAPOLOGY", 0.0), 2.0),
        "tone_boundary": min(g("TONE_BOUNDARY", 0.0), 1.0),
        "minimise": min(g("INV_MINIMISE", 0.0), 2.0),
        "specific_content": min(_specific_content(T, hits), 3.0) / 3.0,
        "customer_emotional": 1.0 if cust.emotional else 0.0,
    }
    # "No opportunity": answering "thanks, that's all", naming what was sorted ("Glad the
    # laptop's with you") is the acknowledgment there is room for; a stock sign-off is not.
    # Acknowledgment ignores attitude: empathy a "but" took back (or that a contrast turned to
    # policy) still showed the problem got through, so the acknowledgment layer reads these
    # counts, taken before the contrast rule ("I'm sorry it's cracked again, but ...").
    taken = [r for r in removed if r.why.startswith("taken back")]
    pre = hits + taken
    ak_apology = ak_side = ak_legit = 0  # summed in hit order, as `sum` over them would
    for h in pre:
        lab = h.label
        if h.raw or lab not in _AK_LABELS:
            continue
        w = h.weight if h.weight > 0 else 1.0
        if lab == "VAL_APOLOGY":
            ak_apology += w
        elif lab == "VAL_SIDE":
            ak_side += w
        else:
            ak_legit += w
    f["ak_apology"] = min(ak_apology, 2.0)
    f["ak_side"] = min(ak_side, 2.0)
    f["ak_legit"] = min(ak_legit, 2.0)
    f["ak_apology_ctx"] = _apology_ctx(pre) if taken else f["apology_ctx"]
    # how much concrete detail a closing names ("Glad the laptop finally made it")
    f["ack_closing"] = (
        f["specific_content"]
        if not cust.emotional and request_ratio == 0 and f["ack_canned"] == 0
        else 0.0
    )
    return f


# ---------------------------------------------------------------------------------
# 2026.11-4: blame, defensiveness and passive aggression in fresh wording, and the
# customer's situation restated as its impact on them. Each rule is a general form read
# off the parse (subject, modal, negation, complement), not a listed phrase; each was
# checked on sentences written for tests/test_scorer.py and on new dev replies.
# ---------------------------------------------------------------------------------
# Verbs of undergoing: "you could have lost your job" is what might have happened to them.
UNDERGO_VERBS = frozenset(
    """
be have get receive hear see lose miss suffer face end wait go arrive know need want feel
die spend hurt injure strand leave
""".split()
)
BLAME_MODALS = frozenset({"could", "might", "ought", "must"})
# Emphatic "do" with what we (or a third party) did, argued back at the customer:
# "the engineer did come", "we did try to call".
DID_OUR_PART = frozenset(
    """
try attempt knock ring call visit come deliver leave check follow offer dispatch arrive attend
process send email post text contact inform notify tell warn say state explain mention remind
advise ask update
""".split()
)
# Verbs of a limited role, with "just / only": "I just take the calls", "I'm only reading
# what's on the system", "we only deliver them".
ROLE_VERBS = frozenset("follow read pass relay work deliver answer try tell repeat".split())
_FIRST_PERSON_SUBJ = frozenset({"i", "we"})
_MODAL_OR_PERFECT = frozenset(
    {
        "have",
        "'ve",
        "has",
        "had",
        "will",
        "'ll",
        "can",
        "could",
        "would",
        "'d",
        "may",
        "might",
        "shall",
        "should",
        "must",
    }
)
OTHER_PARTY_ADJ = frozenset(
    "different separate another other independent external outside third-party".split()
)
ORG_NOUNS = frozenset(
    "company firm business organisation organization team department contractor supplier "
    "partner agency provider system".split()
)
DEFLECT_VERBS = frozenset(
    "handle deal manage run do make decide set cover process own operate control arrange".split()
)
# A problem denied outright: "our system has never double-charged anyone".
DENY_VERBS = frozenset("charge overcharge lose damage break crack miss make get mix".split())
CUTOFF_WORDS = frozenset({"cutoff", "cut-off", "deadline", "cut"})
# What the customer sends in: "if the paperwork had come in on time ..."
CUSTOMER_SIDE_NOUNS = frozenset(
    """
paperwork document documents form forms photo photos receipt receipts details information
order payment claim evidence proof reading readings application
""".split()
)
REPORT_VERBS = frozenset("tell inform notify report show warn mention flag".split())
# children a "be" rule below needs: a preposition ("on you"), a predicate, an "if"
_BE_RULE_DEPS = frozenset({"prep", "advmod", "acomp", "attr"})
REPEAT_COUNTS = frozenset({"twice", "times", "again"})
IGNORED_THINGS = frozenset(
    "comment comments remark remarks that this tone language insult insults it".split()
)
IF_THAT_MUCH = frozenset(
    "important urgent much vital essential crucial serious desperate bad".split()
)
OUR_SIDE_NOUNS = frozenset(
    "system systems courier couriers engineer engineers team driver drivers warehouse staff".split()
)
TOLD_VERBS = frozenset(
    "tell say explain write mention state point note outline advise indicate highlight".split()
)
BACK_REFERENCE = frozenset(
    {"ago", "earlier", "before", "previously", "already", "exactly", "last", "start", "beginning"}
)
DILIGENCE_ADVS = frozenset(
    "sooner earlier properly carefully correctly advance beforehand ahead".split()
)
NOT_A_ROLE = frozenset(
    "want need hope like love think feel know wish mean wonder appreciate understand".split()
)
DISCLAIM_VERBS = frozenset("vouch answer speak account blame".split())
BAD_QUALITY = frozenset(
    """blurry wrong incorrect incomplete unclear missing invalid illegible inaccurate
    unreadable""".split()
)
NOT_US = frozenset({"by", "us", "me", "anyone", "anybody", "our", "this", "we", "mine", "ours"})
REPEAT_VERBS = frozenset({"say", "repeat", "tell", "explain"})
UPTAKE_VERBS = frozenset(
    {"land", "sink", "register", "understand", "hear", "listen", "read", "catch"}
)
PRAISE_ADJ = frozenset(
    """
lovely kind charming helpful wonderful delightful glowing constructive colourful colorful polite
nice generous thoughtful pleasant
""".split()
)
UTTERANCE_NOUNS = frozenset(
    """
feedback comment comments words remark remarks input message insight language compliment
compliments names opinion review
""".split()
)
# Verbs that restate what the problem did to them: "it cost you an unpaid day",
# "that's left you without internet", "it kept you waiting all day".
IMPACT_VERBS = frozenset("cost leave keep put force make take mean drag strand set".split())
_ISSUE3_LEMMAS = (
    BLAME_MODALS
    | DID_OUR_PART
    | ROLE_VERBS
    | DEFLECT_VERBS
    | ORG_NOUNS
    | DENY_VERBS
    | TOLD_VERBS
    | REPEAT_VERBS
    | IMPACT_VERBS
    | DISCLAIM_VERBS
    | {"do", "be", "thank", "thanks", "first", "matter", "ignore", "need", "have", "should"}
    | {"must", "ought", "happen", "occur", "explain", "answer", "cover", "address", "discuss"}
    | {"go", "process", "handle", "book", "take", "check", "sort"}
    | REPORT_VERBS
)


def _end8(T: Toks, t: int) -> int:
    """Just after the clause of token t, at most 8 tokens from it."""
    return min(T.right_edge(t) + 1, t + 8)


def _issue3_hits(T: Toks, questions: set[int], cust: CustomerInfo) -> list[Hit]:
    out: list[Hit] = []
    n = T.n
    low, lem, pos, tag, dep, kids, head = T.low, T.lem, T.pos, T.tag, T.dep, T.kids, T.head
    sents, sent_ix = T.sents, T.sent_ix

    def first_person_in(sent) -> bool:
        return any(
            low[x] in {"we", "i", "us", "me", "our", "my"} for x in range(sent.start, sent.end)
        )

    # the rules on any verb run only when their cue words occur at all (speed)
    lows = set(low)
    has_if = "if" in lows
    has_cutoff = bool(lows & CUTOFF_WORDS) and "after" in lows
    any_verb = bool(
        lows & CUTOFF_WORDS
        or ("if" in lows and "had" in lows)
        or (lows & {"never", "n't", "not"} and lows & {"we", "our", "the"})
    )
    # the tokens a rule below can start from, found in one pass (speed)
    if any_verb:
        cand = [t for t in range(n) if lem[t] in _ISSUE3_LEMMAS or pos[t] == "VERB"]
    else:
        cand = [t for t in range(n) if lem[t] in _ISSUE3_LEMMAS]
    for t in cand:
        lm = lem[t]
        tk = kids[t]
        si = sent_ix[t]
        sent = sents[si]
        question = si in questions
        # the dependency labels of its children, and its subject (read once)
        kd = {dep[c] for c in tk}
        subj = None
        if kd & SUBJECT_DEPS:
            subj = next(c for c in tk if dep[c] in SUBJECT_DEPS)
        # R-B "was anyone actually home?", "have you even tried ...?": doubting their diligence
        if (
            question
            and subj is not None
            and low[subj] in {"you", "u", "anyone", "anybody", "someone", "somebody"}
            and any(
                low[x] in {"actually", "even", "really", "ever"} and dep[x] == "advmod"
                for x in T.desc(t)
            )
        ):
            out.append(Hit("TONE_BLAME", sent.start, sent.end, "doubts what they did"))
        # "you could / might have checked ...": what they should have done
        if lm in BLAME_MODALS and dep[t] == "aux":
            verb = head[t]
            vk = kids[verb]
            vsubj = next((c for c in vk if dep[c] in SUBJECT_DEPS), None)
            if (
                vsubj is not None
                and low[vsubj] in {"you", "u", "she", "he", "they"}
                and tag[verb] == "VBN"
                and any(lem[c] == "have" and dep[c] == "aux" for c in vk)
                and not any(dep[c] in {"auxpass", "neg"} for c in vk)
                and lem[verb] not in UNDERGO_VERBS
                and si not in questions
                and not first_person_in(sent)
            ):
                s = T.left_edge(vsubj)
                e = min(T.right_edge(verb) + 1, verb + 8)
                out.append(Hit("TONE_BLAME", s, e, "tells them what they could have done"))
                out.append(Hit("INV_BLAME", s, e, LABELS["INV_BLAME"][2]))
            continue
        if lm == "be" and pos[t] in _VERB_AUX:
            if not kd & _BE_RULE_DEPS:
                continue  # none of the rules below can apply (speed)
            # "that's on you", "it's down to you to check": blame; negated it sides with them
            # "on us, not on you": the contrast is not a verdict on them
            preps = [
                c
                for c in tk
                if dep[c] == "prep" and low[c] == "on" and low[c - 1] not in {"not", "n't"}
            ]
            preps += [
                p
                for d in tk
                if low[d] == "down"
                for p in [d, *kids[d]]
                if dep[p] == "prep" and low[p] == "to"
            ]
            preps += [
                c
                for c in tk
                if dep[c] == "prep" and low[c] == "to" and any(low[x] == "down" for x in tk)
            ]
            if any(dep[x] in {"acomp", "attr"} for x in tk):
                preps = []  # "that's unfair on you": the adjective is the predicate
            for c in dict.fromkeys(preps):
                obj = next((x for x in kids[c] if dep[x] == "pobj"), None)
                if obj is None or low[obj] not in {"you", "u", "yourself"}:
                    continue
                s = min([t, *[x for x in tk if dep[x] in {"nsubj", "csubj"}]])
                s = T.left_edge(s) if s != t else t
                if any(dep[x] == "neg" for x in tk):
                    out.append(Hit("VAL_SIDE", s, obj + 1, "tells them it is not down to them"))
                else:
                    out.append(Hit("TONE_BLAME", s, obj + 1, "puts it on them"))
                    out.append(Hit("INV_BLAME", s, obj + 1, LABELS["INV_BLAME"][2]))
            # "the tracking is correct", "the bot is right": siding with the system against them
            comp = next(
                (x for x in tk if dep[x] == "acomp" and low[x] in {"right", "correct", "accurate"}),
                None,
            )
            subj_be = next((x for x in tk if dep[x] == "nsubj"), None)
            if (
                comp is not None
                and subj_be is not None
                and pos[subj_be] in {"NOUN", "PROPN"}
                and not any(low[x] in {"your", "my"} for x in kids[subj_be])
                and lem[subj_be] not in _THEIR_DETAILS  # "the address is right": siding
                and not any(dep[x] == "neg" for x in tk)
                and si not in questions
            ):
                out.append(
                    Hit(
                        "TONE_DEFENSIVE",
                        T.left_edge(subj_be),
                        comp + 1,
                        "takes the system's side against them",
                    )
                )
            # "the photos you send are blurry", "your address was incomplete": their input faulty
            bad = next((x for x in tk if dep[x] == "acomp" and lem[x] in BAD_QUALITY), None)
            sb = next((x for x in tk if dep[x] == "nsubj"), None)
            if (
                bad is not None
                and sb is not None
                and not any(dep[x] == "neg" for x in tk)
                and (
                    any(low[c] in {"your", "ur"} for c in kids[sb])
                    or any(
                        dep[c] == "relcl"
                        and any(low[y] in {"you", "u"} and dep[y] == "nsubj" for y in kids[c])
                        for c in kids[sb]
                    )
                )
            ):
                out.append(Hit("TONE_BLAME", T.left_edge(sb), bad + 1, "blames what they sent"))
                out.append(Hit("INV_BLAME", T.left_edge(sb), bad + 1, LABELS["INV_BLAME"][2]))
            # "the courier is a separate company", "the driver is from a separate firm":
            # handing the problem to someone else
            attr = next((x for x in tk if dep[x] == "attr" and lem[x] in ORG_NOUNS), None)
            if attr is None:
                frm = next((x for x in tk if dep[x] == "prep" and low[x] == "from"), None)
                if frm is not None:
                    attr = next(
                        (x for x in kids[frm] if dep[x] == "pobj" and lem[x] in ORG_NOUNS), None
                    )
            if (
                attr is not None
                and not any(dep[x] == "neg" for x in tk)
                and any(lem[x] in OTHER_PARTY_ADJ for x in kids[attr])
            ):
                out.append(
                    Hit(
                        "TONE_DEFENSIVE",
                        T.left_edge(t),
                        attr + 1,
                        "hands the problem to someone else",
                    )
                )
            continue
        if (
            lm in {"matter", "be"}
            and has_if
            and any(dep[c] == "mark" and low[c] == "if" for c in tk)
        ):
            # "if it matters that much / if it's so urgent": doubting their need
            words = [low[x] for x in T.desc(t)]
            if any(w in {"that", "so"} for w in words) and any(w in IF_THAT_MUCH for w in words):
                s = min(c for c in tk if dep[c] == "mark")
                out.append(Hit("TONE_PASSIVE", s, T.right_edge(t) + 1, "doubts their need"))
        if lm in {"thank", "thanks"}:
            # "thanks for that lovely feedback" to an angry customer: ironic
            tail = range(t + 1, min(sent.end, t + 8))
            if (
                cust.emotional
                and any(low[x] in PRAISE_ADJ for x in tail)
                and any(low[x] in UTTERANCE_NOUNS for x in tail)
            ):
                out.append(Hit("TONE_SARCASM", t, sent.end, "mock thanks for their anger"))
            continue
        if pos[t] not in _VERB_AUX:
            if lm == "first" and t + 1 < n and low[t + 1] == "time":
                # "... since it didn't land the first time": they were too slow to follow
                span = range(sent.start, sent.end)
                if any(dep[x] == "neg" for x in span) and any(lem[x] in UPTAKE_VERBS for x in span):
                    out.append(
                        Hit(
                            "TONE_PASSIVE",
                            sent.start,
                            sent.end,
                            "implies they were slow to follow",
                        )
                    )
            continue
        subj_low = low[subj] if subj is not None else ""
        neg = "neg" in kd
        auxes = {low[c] for c in tk if dep[c] in _AUX_DEPS} if kd & _AUX_DEPS else set()
        # emphatic "do" with what we / the engineer did: "the adjuster did try to ring you"
        if (
            lm in DID_OUR_PART
            and not neg
            and any(dep[c] == "aux" and low[c] in {"do", "does", "did"} for c in tk)
            and subj is not None
            and subj_low not in {"i", "you", "u"}
            and subj < t
            and not question
        ):
            out.append(
                Hit("TONE_DEFENSIVE", T.left_edge(subj), _end8(T, t), "argues the point with them")
            )
        # "I'll ignore that comment": a put-down
        if lm == "ignore" and subj_low in _FIRST_PERSON_SUBJ:
            obj = next((c for c in tk if dep[c] == "dobj"), None)
            if obj is not None and low[obj] in IGNORED_THINGS:
                out.append(Hit("TONE_PASSIVE", subj, _end8(T, t), "brushes them off"))
        # "I just take the calls", "I'm only reading what's on the system"
        if (
            lm in ROLE_VERBS
            and subj_low in _FIRST_PERSON_SUBJ
            and tag[t] in {"VBP", "VBZ", "VBG"}
            and any(
                dep[c] == "advmod" and low[c] in {"just", "only", "simply", "merely"} for c in tk
            )
            and not auxes & _MODAL_OR_PERFECT
            and not neg
            and not question
            and not any(dep[c] == "prt" for c in tk)
        ):
            out.append(Hit("TONE_DEFENSIVE", subj, _end8(T, t), "plays down their own role"))
        # "refunds are handled by a different department"
        if lm in DEFLECT_VERBS and tag[t] == "VBN":
            agent = next((c for c in tk if dep[c] == "agent"), None)
            if agent is not None and any(
                lem[x] in OTHER_PARTY_ADJ or low[x] in OTHER_PARTY_ADJ
                for c in kids[agent]
                for x in T.desc(c)
            ):
                s = T.left_edge(subj) if subj is not None else t
                out.append(
                    Hit(
                        "TONE_DEFENSIVE",
                        s,
                        T.right_edge(agent) + 1,
                        "hands the problem to someone else",
                    )
                )
        # "we haven't done anything wrong", "we did nothing wrong"
        if lm == "do" and subj_low in _FIRST_PERSON_SUBJ:
            obj = next((c for c in tk if dep[c] == "dobj"), None)
            if obj is not None:
                words = {low[x] for x in T.desc(obj)} | {low[c] for c in tk}
                if "wrong" in words and (low[obj] == "nothing" or (low[obj] == "anything" and neg)):
                    out.append(
                        Hit("TONE_DEFENSIVE", subj, _end8(T, t), "insists we did nothing wrong")
                    )
        # "our system has never double-charged anyone", "we never lose parcels"
        if (
            lm in DENY_VERBS
            and subj is not None
            and (
                subj_low == "we"
                or (
                    lem[subj] in OUR_SIDE_NOUNS
                    and any(low[c] in {"our", "the"} for c in kids[subj])
                )
            )
            and any(low[c] == "never" for c in tk)
            and (
                lm not in {"make", "get", "mix"}
                or any(
                    low[x] in {"mistake", "mistakes", "error", "errors", "wrong", "up"}
                    for x in T.desc(t)
                )
            )
        ):
            out.append(Hit("TONE_DEFENSIVE", T.left_edge(subj), _end8(T, t), "denies the problem"))
        # R-Q "most cracks happen when people drag the box": their handling as the cause
        if lm in {"happen", "occur"} and any(dep[c] == "advcl" for c in tk):
            for c in tk:
                if dep[c] != "advcl":
                    continue
                ck = kids[c]
                csubj = next((x for x in ck if dep[x] in SUBJECT_DEPS), None)
                if (
                    any(
                        dep[x] in {"mark", "advmod"} and low[x] in {"when", "if", "because"}
                        for x in ck
                    )
                    and csubj is not None
                    and low[csubj] in {"people", "customers", "you", "u", "someone"}
                    and pos[c] == "VERB"
                ):
                    out.append(
                        Hit(
                            "TONE_BLAME",
                            sent.start,
                            sent.end,
                            "puts it down to how they handled it",
                        )
                    )
                    out.append(Hit("INV_BLAME", sent.start, sent.end, LABELS["INV_BLAME"][2]))
        # "which is exactly what I told you two minutes ago"
        if (
            lm in TOLD_VERBS
            and subj_low in _FIRST_PERSON_SUBJ
            and any(low[c] == "what" for c in tk)
        ):
            if any(low[x] in BACK_REFERENCE for x in range(sent.start, sent.end)):
                out.append(
                    Hit(
                        "TONE_PASSIVE",
                        sent.start,
                        sent.end,
                        "points out you have said it before",
                    )
                )
        # "I'll say this once more", "let me repeat it one more time"
        if lm in REPEAT_VERBS | {"try"} and subj_low in {"i", "me", ""}:
            span = [low[x] for x in range(t, min(sent.end, t + 6))]
            if (
                ("once" in span and "more" in span)
                or ("one" in span and "more" in span and "time" in span)
                or (lm in {"say", "repeat"} and "again" in span)
            ) and (lm != "try" or "once" in span or "time" in span):
                out.append(
                    Hit(
                        "TONE_PASSIVE",
                        sent.start,
                        sent.end,
                        "makes a point of repeating yourself",
                    )
                )
        # "had you been in when he knocked, ...": an inverted counterfactual about them
        if (
            lm == "have"
            and low[t] == "had"
            and t == sent.start
            and t + 1 < n
            and low[t + 1] in {"you", "u"}
            and "?" not in T.span_text(sent.start, sent.end)
            and any(lem[x] in {"would", "could"} for x in range(t, sent.end))
        ):
            out.append(Hit("TONE_BLAME", t, sent.end, "blames them for what went wrong"))
            out.append(Hit("INV_BLAME", t, sent.end, LABELS["INV_BLAME"][2]))
        # "the driver should have been told at the door": their job to report it
        if (
            lm in REPORT_VERBS
            and tag[t] == "VBN"
            and any(dep[c] == "auxpass" for c in tk)
            and any(lem[c] == "should" for c in tk)
            and subj is not None
            and lem[subj] in {"driver", "courier", "engineer", "technician", "adjuster", "pharmacy"}
        ):
            out.append(
                Hit(
                    "TONE_BLAME",
                    T.left_edge(subj),
                    _end8(T, t),
                    "says they should have reported it",
                )
            )
            out.append(Hit("INV_BLAME", T.left_edge(subj), _end8(T, t), LABELS["INV_BLAME"][2]))
        # R-A "you really need to reorder sooner", "you have to book in advance": what they
        # should do differently, with an adverb of diligence or timing
        if (
            subj is not None
            and (subj_low in {"you", "u"} or any(low[c] in {"your", "ur"} for c in kids[subj]))
            and not question
            and (
                lm in {"need", "have", "should", "must", "ought"}
                or auxes & {"should", "must", "ought"}
            )
            and any(low[x] in DILIGENCE_ADVS for x in T.desc(t))
            and not first_person_in(sent)
        ):
            out.append(
                Hit("TONE_BLAME", T.left_edge(subj), _end8(T, t), "tells them what to do better")
            )
            out.append(Hit("INV_BLAME", T.left_edge(subj), _end8(T, t), LABELS["INV_BLAME"][2]))
        # R-C "I just process the orders", "I can only pass on what they tell me": playing
        # down one's own role
        if (
            subj_low in _FIRST_PERSON_SUBJ
            and any(
                dep[c] == "advmod" and low[c] in {"just", "only", "simply", "merely"} for c in tk
            )
            and not neg
            and not question
            and lm not in NOT_A_ROLE
            and (
                (tag[t] in {"VBP", "VBZ"} and not auxes & _MODAL_OR_PERFECT)
                # "I'm only covering for the scheduling team": a stand-in, not responsible
                or (tag[t] == "VBG" and lm in ROLE_VERBS | {"cover", "stand"})
            )
            and not any(dep[c] == "prt" and low[c] == "up" for c in tk)
        ):
            out.append(Hit("TONE_DEFENSIVE", subj, _end8(T, t), "plays down their own role"))
        # R-D "I can't really vouch for", "we can't be blamed for": disclaiming responsibility
        if (
            lm in DISCLAIM_VERBS
            and subj is not None
            and subj_low in {"i", "we"}
            and (neg or lm == "blame" and any(dep[c] == "auxpass" for c in tk))
            and not (lm == "blame" and any(low[x] in {"you", "u"} for x in T.desc(t)))
        ):
            out.append(Hit("TONE_DEFENSIVE", subj, _end8(T, t), "disclaims responsibility"))
        # R-E "cancellations are decided by operations, not by anyone in this team"
        if tag[t] == "VBN" and any(dep[c] == "agent" for c in tk):
            if any(
                low[x] == "not" and x + 1 < n and low[x + 1] in NOT_US
                for x in range(t + 1, sent.end)
            ):
                s_ = T.left_edge(subj) if subj is not None else t
                out.append(Hit("TONE_DEFENSIVE", s_, sent.end, "hands the problem to someone else"))
        # R-K "I've already gone over this with you", "we've already covered that"
        if (
            subj_low in _FIRST_PERSON_SUBJ
            and (
                lm in {"explain", "answer", "cover", "address", "discuss", "say", "tell"}
                or (lm == "go" and any(low[c] == "over" for c in tk))
            )
            and (
                (
                    any(low[c] == "already" for c in tk)
                    and any(
                        low[x] in {"this", "that", "it", "you"} for x in range(t + 1, _end8(T, t))
                    )
                )
                # "I've explained the bill twice already", "I've told you three times"
                or (
                    any(low[x] in REPEAT_COUNTS for x in range(t + 1, _end8(T, t)))
                    and not any(low[x] == "same" for x in range(t + 1, _end8(T, t)))
                )
            )
        ):
            out.append(
                Hit("TONE_PASSIVE", subj, _end8(T, t), "points out you have covered it already")
            )
        # R-I "as I've tried to explain", "like I keep telling you"
        if subj_low in _FIRST_PERSON_SUBJ and any(
            dep[c] == "mark" and low[c] in {"as", "like"} for c in tk
        ):
            told = lm in TOLD_VERBS or any(dep[c] == "xcomp" and lem[c] in TOLD_VERBS for c in tk)
            if told:
                out.append(
                    Hit(
                        "TONE_PASSIVE",
                        min(c for c in tk if dep[c] == "mark"),
                        _end8(T, t),
                        "points out you have said it before",
                    )
                )
        # "you picked express after the cutoff", "your order came in after that": their timing
        if (
            has_cutoff
            and subj is not None
            and (subj_low in {"you", "u"} or any(low[c] in {"your", "ur"} for c in kids[subj]))
            and any(low[x] == "after" for x in T.desc(t))
            and any(low[x] in CUTOFF_WORDS for x in range(sent.start, sent.end))
            and not question
        ):
            out.append(Hit("TONE_BLAME", T.left_edge(subj), _end8(T, t), "blames their timing"))
            out.append(Hit("INV_BLAME", T.left_edge(subj), _end8(T, t), LABELS["INV_BLAME"][2]))
        # "if the paperwork had come in on time we'd be further along": their part as the cause
        if (
            has_if
            and "mark" in kd
            and any(dep[c] == "mark" and low[c] == "if" for c in tk)
            and "had" in auxes | {low[c] for c in tk}
            and subj is not None
            and lem[subj] in CUSTOMER_SIDE_NOUNS
            and not any(low[c] in {"our", "we"} for c in kids[subj])
            and (
                lm in {"submit", "complete", "sign", "return", "fill"}
                or any(dep[c] == "prt" and low[c] == "in" for c in tk)
            )
            and any(
                lem[x] in {"would", "could"} and dep[x] == "aux"
                for x in range(sent.start, sent.end)
                if not T.left_edge(t) <= x <= T.right_edge(t)
            )
        ):
            s_ = min(c for c in tk if dep[c] == "mark")
            out.append(Hit("TONE_BLAME", s_, _end8(T, t), "blames their part for the delay"))
            out.append(Hit("INV_BLAME", s_, _end8(T, t), LABELS["INV_BLAME"][2]))
        # "our system doesn't double charge": denying the very problem they report
        if (
            subj is not None
            and (
                subj_low == "we"
                or (
                    lem[subj] in OUR_SIDE_NOUNS
                    and any(low[c] in {"our", "the"} for c in kids[subj])
                )
            )
            and (
                (neg and any(low[c] in {"do", "does"} for c in tk))
                or (any(low[c] == "never" for c in tk) and tag[t] in {"VBZ", "VBP"})
            )
            and not question
        ):
            obj = next((c for c in tk if dep[c] == "dobj"), None)
            story = cust.keys | cust.history_keys
            if word_keys(low[t], lm) & story and (
                obj is None or low[obj] in {"anyone", "anybody", "customers", "people", "anything"}
            ):
                out.append(
                    Hit("TONE_DEFENSIVE", T.left_edge(subj), _end8(T, t), "denies the problem")
                )
        # "it cost you an unpaid day", "that's left you without internet for nine days"
        if (
            lm in IMPACT_VERBS
            and subj is not None
            and subj_low not in {"i", "we", "you", "u", "me", "us"}
            and any(dep[c] in {"dobj", "dative"} and low[c] in {"you", "u"} for c in tk)
            and not auxes
            & {
                "will",
                "'ll",
                "would",
                "'d",
                "could",
                "can",
                "may",
                "might",
                "should",
                "must",
                "shall",
            }
            and not neg
            and not question
            and tag[t] in {"VBD", "VBN", "VBZ", "VBP"}
        ):
            content = [
                x
                for x in range(t + 1, _end8(T, t))
                if T.num[x]
                or (
                    pos[x] in CONTENT_POS
                    and lem[x] not in GENERIC_LEMMAS
                    and low[x] not in STOP_WORDS
                )
            ]
            if content:
                out.append(
                    Hit("ACK_PARAPHRASE", min(subj, t), _end8(T, t), "restates what it did to them")
                )
    return out


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
    """problem fault responsibility issue department job concern matter call decision lookout
    doing""".split()
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


def _general_hits(T: Toks, questions, lows) -> list[Hit]:
    out: list[Hit] = []
    n = T.n
    low, lem, pos, tag, dep, kids, head = T.low, T.lem, T.pos, T.tag, T.dep, T.kids, T.head
    sents, sent_ix = T.sents, T.sent_ix
    counterfactual = "if" in lows and not lows.isdisjoint({"had", "'d"})
    # only these words can anchor a rule below, found in one pass (speed)
    if counterfactual:
        cand = [t for t in range(n) if lem[t] in _GENERAL_LEMMAS or pos[t] == "VERB"]
    else:
        cand = [t for t in range(n) if lem[t] in _GENERAL_LEMMAS]
    for t in cand:
        tk = kids[t]
        subj = next((c for c in tk if dep[c] in SUBJECT_DEPS), None)
        you = subj is not None and low[subj] in {"you", "u"}
        neg = any(dep[c] == "neg" for c in tk)
        auxes = {low[c] for c in tk if dep[c] in _AUX_DEPS}
        end = min(T.right_edge(t) + 1, t + 8)
        # "if you had entered the right postcode ...": counterfactual blame
        if (
            you
            and tag[t] == "VBN"
            and auxes & {"had", "'d"}
            and lem[t] not in EXPERIENCE_VERBS
            and not any(dep[c] == "auxpass" for c in tk)
            and any(dep[c] == "mark" and low[c] == "if" for c in tk)
            and (
                any(
                    low[x] in {"would", "could", "'d", "wouldn't", "couldn't"}
                    for x in range(t + 1, sents[sent_ix[t]].end)
                )
                or any(  # "you'd know the claim was in review if you'd opened the emails"
                    lem[x] in {"would", "could"} and dep[x] == "aux"
                    for x in range(sents[sent_ix[t]].start, T.left_edge(t))
                )
            )
        ):
            s = min(c for c in tk if dep[c] == "mark")
            out.append(Hit("TONE_BLAME", s, end, "blames them for what went wrong"))
            out.append(Hit("INV_BLAME", s, end, LABELS["INV_BLAME"][2]))
        # "you didn't attach the receipt": their omission as the reason
        if (
            you
            and neg
            and pos[t] == "VERB"
            and lem[t] in AGENT_VERBS
            and auxes & {"did", "do", "have", "has"}
            and not any(dep[c] == "auxpass" for c in tk)
            and any(dep[c] in {"dobj", "prt", "xcomp"} for c in tk)
            and not any(low[x] in {"anything", "nothing"} for x in T.desc(t))
            and sent_ix[t] not in questions
        ):
            s = subj
            out.append(Hit("TONE_BLAME", s, end, "blames them for what went wrong"))
            out.append(Hit("INV_BLAME", s, end, LABELS["INV_BLAME"][2]))
        # "you did nothing wrong", "you didn't do anything wrong", "you did everything right"
        if you and lem[t] == "do":
            obj = next((c for c in tk if dep[c] == "dobj"), None)
            if obj is not None:
                words = {low[x] for x in T.desc(obj)} | {low[c] for c in tk}
                if (
                    (low[obj] == "nothing" and "wrong" in words)
                    or (low[obj] == "anything" and neg and "wrong" in words)
                    or (low[obj] == "everything" and not neg and words & {"right", "correctly"})
                ):
                    out.append(Hit("VAL_SIDE", subj, end, "tells them they did nothing wrong"))
        # "that's the courier's problem", "delivery is the warehouse's responsibility"
        if lem[t] in DUTY_NOUNS and dep[t] in {"attr", "nsubj"} and lem[head[t]] == "be":
            owner = next((c for c in tk if dep[c] == "poss"), None)
            if (
                owner is not None
                and pos[owner] in {"NOUN", "PROPN"}
                and not any(dep[c] == "neg" for c in kids[head[t]])
            ):
                s = T.left_edge(head[t])
                e = min(T.right_edge(head[t]) + 1, s + 10)
                out.append(Hit("TONE_DEFENSIVE", s, e, "deflects the problem to someone else"))
        # "you (really) love turning everything into a crisis": mock the customer
        if (
            you
            and lem[t] in {"love", "enjoy", "adore"}
            and not auxes & {"would", "'d", "might", "may"}
            and any(
                dep[c] in {"xcomp", "dobj"} and (tag[c] == "VBG" or pos[c] == "VERB") for c in tk
            )
        ):
            out.append(Hit("TONE_SARCASM", subj, end, "mocks them"))
        # emphatic "do" with a verb of telling or obligation argues the point: "the page does
        # warn you not to refresh it", "you do need to check back", "the terms do say"
        if (
            lem[t] in EMPHATIC_ARGUE
            and not neg
            and any(dep[c] == "aux" and low[c] in {"do", "does", "did"} for c in tk)
            and subj is not None
            and low[subj] != "i"
            and (lem[t] != "need" or low[subj] in {"you", "u"})
            and subj < t
            and sent_ix[t] not in questions
        ):
            s = T.left_edge(subj)
            out.append(Hit("TONE_DEFENSIVE", s, end, "argues the point with them"))
        # "I'm sure <it> was absolutely devastating": mock sympathy with hyperbole;
        # "I'm sure it isn't that bad": brushing the complaint off
        if low[t] == "sure" and t > 0 and lem[t - 1] == "be":
            sent = sents[sent_ix[t]]
            mine = any(low[x] == "i" for x in range(sent.start, t))
            low_rest = list(low[t + 1 : sent.end])
            if mine and any(
                low_rest[k] in {"not", "n't", "nt"}
                and low_rest[k + 1 : k + 3] in (["that", "bad"], ["so", "bad"], ["that", "big"])
                for k in range(len(low_rest))
            ):
                out.append(Hit("TONE_PASSIVE", sent.start, sent.end, "brushes their complaint off"))
                out.append(Hit("INV_MINIMISE", sent.start, sent.end, LABELS["INV_MINIMISE"][2]))
            if (
                any(low[c] in {"i", "i'm"} for c in kids[head[t]])
                or low[sent.start] in {"i", "oh", "wow"}
            ) and any(low[x] in HYPERBOLE for x in range(t, sent.end)):
                out.append(Hit("TONE_SARCASM", sent.start, sent.end, "mock sympathy"))
        # "that's a fair question", "it's a perfectly reasonable thing to ask"
        if lem[t] in REQUEST_NOUNS and dep[t] == "attr" and lem[head[t]] == "be":
            if not any(dep[c] == "neg" for c in kids[head[t]]) and any(
                dep[c] == "amod" and lem[c] in LEGIT_ADJ for c in tk
            ):
                s = T.left_edge(head[t])
                e = min(T.right_edge(t) + 1, n)
                out.append(Hit("VAL_LEGIT", s, e, "says what they ask for is reasonable"))
    return out


# ---------------------------------------------------------------------------------
# 2026.11-5: general forms read off the parse, written for the replies of the second and
# third held-out sets once they had been measured (each checked on sentences written for
# tests/test_scorer.py): who the sentence's subject is decides what a modal means.
# ---------------------------------------------------------------------------------
# "threatening me won't get it sorted any faster": what their behaviour will not achieve
_OUTCOME_VERBS = frozenset("help get change make speed fix solve work sort".split())
# "I'd be asking the same question": the reaction the trainee would have had
_SAME_REACTION = frozenset("too same myself worse also either".split())
_NOT_REACTION_VERBS = frozenset(
    """like love suggest recommend advise ask appreciate prefer need hate propose say
    """.split()
) - {"say"}
_GLAD = frozenset("happy glad pleased delighted able willing keen".split())
# "that should have been the end of it": the outcome they were owed (not a person's duty,
# which is blame or deflection)
_THING_SUBJECTS = frozenset("it that this which something everything what".split())
# people whose "should have" is their duty (blame or deflection), not the outcome owed
_PEOPLE_NOUNS = frozenset(
    """driver engineer courier technician agent team colleague staff adjuster assessor
    customer person people member manager bank company firm warehouse store shop branch
    department contractor neighbour neighbor family partner husband wife""".split()
)
_HAVE = frozenset({"have", "'ve"})  # the pipeline lemmatises "should've" as "'ve"
_TAG_AUX = frozenset("is was are were would do does did can could will has have".split())
_ROUND5_CUES = _OUTCOME_VERBS | {
    "would",
    "'d",
    "should",
    "fair",
    "?",
    "why",
    "if",
    "time",
    "future",
}
# "if you carry on shouting I'll end the call": a consequence for them, not a boundary
_CONSEQUENCE_VERBS = frozenset(
    "end terminate hang disconnect pass refer report block suspend close transfer flag".split()
)
_WISH_VERBS = frozenset("like want prefer need agree wish confirm send give let".split())
_FUTURE_PAIRS = frozenset(
    {("next", "time"), ("in", "future"), ("this", "time"), ("the", "future"), ("going", "forward")}
)
_ADVICE_VERBS = frozenset("recommend suggest advise ask urge encourage".split())
_ADVICE_WORDS = frozenset("worth sure might maybe perhaps should try best".split())


def _own_promise(T: Toks, t: int) -> bool:
    """Whether the clause that "this time" / "next time" (its last word at t) belongs to
    has the agent as its subject: "I'm going to sort it properly this time"."""
    pos, head, dep, kids = T.pos, T.head, T.dep, T.kids
    v = t
    while pos[v] not in {"VERB", "AUX"} and head[v] != v:
        v = head[v]
    for _ in range(6):  # through "going to sort", "want to get", "and (I'll) fix"
        subjects = [k for k in kids[v] if dep[k] in SUBJECT_DEPS]
        if subjects:
            return any(T.low[k] in {"i", "we"} for k in subjects) and T.lem[v] not in _ADVICE_VERBS
        if head[v] == v or dep[v] not in {"xcomp", "conj"}:
            return False
        v = head[v]
    return False


def _future_advice(T: Toks, questions: set[int]) -> list[Hit]:
    """ "Please make sure someone's in this time", "next time it might be worth ordering
    earlier": advice about what they should do differently puts the failure on them."""
    out: list[Hit] = []
    low, dep, kids = T.low, T.dep, T.kids
    for si, sent in enumerate(T.sents):
        words = low[sent.start : sent.end]
        pairs = set(zip(words, words[1:], strict=False))
        if not pairs & _FUTURE_PAIRS:
            continue
        root = _sent_root(T, sent)
        subjects = [k for k in kids[root] if dep[k] in SUBJECT_DEPS]
        if (
            any(low[k] in {"i", "we"} for k in subjects) and T.lem[root] not in _ADVICE_VERBS
        ) or T.lem[root] == "let":
            continue  # "this time I'll ring you first", "let's get it right this time"
        if all(
            _own_promise(T, sent.start + i + 1)
            for i, pair in enumerate(zip(words, words[1:], strict=False))
            if pair in _FUTURE_PAIRS
        ):
            continue  # "that should never have happened, and I'll sort it properly this time"
        imperative = T.tag[root] == "VB" and not subjects and si not in questions
        if imperative or T.lem[root] in _ADVICE_VERBS or not set(words).isdisjoint(_ADVICE_WORDS):
            why = "tells them what to do differently next time"
            out.append(Hit("TONE_BLAME", sent.start, sent.end, why))
            out.append(Hit("INV_BLAME", sent.start, sent.end, LABELS["INV_BLAME"][2]))
    return out


def _conditional_threat(T: Toks, t: int) -> Hit | None:
    """ "If you carry on shouting I'll end the call", "if you reverse it I'll have to close
    the account": `t` is the "if" of the condition."""
    low, lem, dep, kids, head = T.low, T.lem, T.dep, T.kids, T.head
    cond = head[t]
    main = head[cond]
    if dep[t] != "mark" or dep[cond] not in {"advcl", "csubj"} or main == cond:
        return None
    if lem[cond] in _WISH_VERBS or not any(
        dep[k] in SUBJECT_DEPS
        and (
            low[k] in {"you", "u"}
            # "if that / the remarks carry on": their behaviour
            or lem[cond] in {"carry", "continue", "keep"}
        )
        for k in kids[cond]
    ):
        return None
    mk = kids[main]
    act = main  # the consequence: the main verb, or what "I'll have to / need to" governs
    if lem[main] in {"have", "need"}:
        act = next((k for k in mk if dep[k] == "xcomp"), main)
    if lem[act] not in _CONSEQUENCE_VERBS:
        return None
    if not any(low[k] in {"i", "we", "this", "it"} and dep[k] in SUBJECT_DEPS for k in mk) and not (
        # "if that carries on I'll have to ...": without a comma the parser hangs "I" on "on"
        any(
            low[k] in {"i", "we"} and low[k + 1] in {"'ll", "will", "would", "'d", "shall"}
            for k in range(t, main)
        )
    ):
        return None
    if not any(lem[k] in {"will", "would", "shall", "may", "might"} for k in mk) or any(
        dep[k] == "neg" for k in mk
    ):
        return None
    s, e = min(t, T.left_edge(main)), max(T.right_edge(main), T.right_edge(cond)) + 1
    return Hit("TONE_THREAT", s, e, "warns them of a consequence: a threat, not a boundary")


def _round5_hits(T: Toks, questions: set[int]) -> list[Hit]:
    out: list[Hit] = []
    low, lem, pos, tag, dep, kids, head = T.low, T.lem, T.pos, T.tag, T.dep, T.kids, T.head
    sents, sent_ix = T.sents, T.sent_ix
    if "time" in low or "future" in low or "forward" in low:
        out.extend(_future_advice(T, questions))
    for t in range(T.n):
        lm = lem[t]
        si = sent_ix[t]
        if lm in _OUTCOME_VERBS and pos[t] == "VERB":
            # the verb or the "going to" that governs it carries the negation and subject
            gov = [t] + ([head[t]] if dep[t] == "xcomp" else [])
            ks = [k for g in gov for k in kids[g]]
            subj = next(
                (
                    k
                    for k in ks
                    if dep[k] in {"csubj", "nsubj"}
                    and (
                        tag[k] == "VBG" or (low[k].endswith("ing") and pos[k] in {"NOUN", "PROPN"})
                    )
                ),
                None,
            )
            if (
                subj is not None
                and any(dep[k] == "neg" for k in ks)
                # "repeating myself isn't helping you": the trainee's own behaviour
                and not any(low[k] in {"myself", "ourselves"} for k in kids[subj])
            ):
                out.append(
                    Hit(
                        "TONE_ORDER",
                        T.left_edge(subj),
                        t + 1,
                        "tells them their behaviour won't get them anywhere",
                    )
                )
        elif lm == "would" and dep[t] == "aux" and si not in questions:
            v = head[t]
            vk = kids[v]
            if (
                any(low[k] == "i" and dep[k] == "nsubj" for k in vk)
                and lem[v] not in _NOT_REACTION_VERBS
                and not any(lem[k] in _GLAD for k in vk)
                and not any(dep[k] == "neg" for k in vk)
            ):
                sent = sents[si]
                words = set(low[sent.start : sent.end])
                if (
                    words & _SAME_REACTION
                    or ("long" in words and "before" in words)
                    or ("as" in words and "well" in words)
                ):
                    out.append(
                        Hit("VAL_LEGIT", t - 1 if t else t, sent.end, "says they'd react the same")
                    )
        elif lm == "should" and dep[t] == "aux" and si not in questions:
            v = head[t]
            vk = kids[v]
            subj = next((k for k in vk if dep[k] in SUBJECT_DEPS), None)
            if (
                subj is not None
                and (
                    low[subj] in _THING_SUBJECTS
                    or (pos[subj] == "NOUN" and lem[subj] not in _PEOPLE_NOUNS)
                )
                and tag[v] == "VBN"
                and any(lem[k] in _HAVE and dep[k] == "aux" for k in vk)
                and not any(dep[k] == "neg" for k in vk)
            ):
                out.append(Hit("VAL_SIDE", subj, v + 1, "says it should have gone right for them"))
        elif (
            low[t] == "fair"
            and (t + 1 >= T.n or T.punct[t + 1])
            and (t == sents[si].start or T.punct[t - 1] or pos[t - 1] in {"INTJ", "ADV"})
        ):
            # "Fair." / "Completely fair." / "Ha, fair, that's how it looks from your side"
            out.append(
                Hit(
                    "VAL_LEGIT",
                    max(sents[si].start, t - 1),
                    t + 1,
                    "grants that their reaction is fair",
                )
            )
        elif lm == "fair" and dep[t] in {"ROOT", "amod"} or low[t] == "fair" and pos[t] == "ADJ":
            # "Completely fair enough, honestly": a sentence of "fair" and adverbs grants it
            sent = sents[si]
            rest = [
                k
                for k in range(sent.start, sent.end)
                if k != t
                and not T.punct[k]
                and pos[k] not in {"INTJ", "ADV"}
                and low[k] != "enough"
            ]
            if not rest:
                out.append(
                    Hit("VAL_LEGIT", sent.start, sent.end, "grants that their reaction is fair")
                )
        elif low[t] == "?" or (t == sents[si].end - 1 and pos[t] == "PRON"):
            # a tag question after a negative statement argues ("a hotel isn't exactly
            # nowhere, is it?", "we wouldn't be here, would we")
            e = t if low[t] == "?" else t + 1
            if e >= 3 and pos[e - 1] == "PRON" and low[e - 2] in _TAG_AUX and low[e - 3] == ",":
                sent = sents[si]
                if any(dep[k] == "neg" and k < e - 3 for k in range(sent.start, e - 3)) and not any(
                    low[k] in {"n't", "not"} for k in range(e - 3, e)
                ):
                    out.append(
                        Hit("TONE_SARCASM", e - 3, e, "a pointed question tag argues with them")
                    )
        elif low[t] == "if":
            threat = _conditional_threat(T, t)
            if threat is not None:
                out.append(threat)
        elif low[t] == "why" and si not in questions:
            # "I don't really see why a delivery would mean ...": arguing with their account
            v = head[t]
            while dep[v] in {"advmod", "ccomp", "xcomp", "advcl"} and head[v] != v:
                v = head[v]
                if lem[v] in COGNITION_VERBS:
                    break
            vk = kids[v]
            w = head[t]  # the clause "why" opens: puzzlement at the company is on their side
            blamed = {low[k] for k in kids[w] if dep[k] in SUBJECT_DEPS}
            if (
                lem[v] in COGNITION_VERBS
                and any(low[k] == "i" and dep[k] == "nsubj" for k in vk)
                and any(dep[k] == "neg" for k in vk)
                and blamed.isdisjoint({"nobody", "noone", "we", "they", "anyone", "no"})
            ):  # not "I don't understand why nobody's told you"
                s0 = min([k for k in vk if dep[k] == "nsubj"] + [v])
                out.append(
                    Hit(
                        "INV_DISMISS",
                        s0,
                        min(T.right_edge(v) + 1, sents[si].end),
                        "questions whether their reaction is warranted",
                    )
                )
    return out
