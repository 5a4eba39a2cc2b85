"""One to three actionable sentences for the trainee, most useful first."""

from __future__ import annotations

from .customer import CustomerInfo
from .features import Analysis
from .lexicon import EMOTION_LEMMAS, NUMBER_WORDS
from .nlp import get_nlp

# What to do instead, per problem found. Order = priority (tone problems hurt most).
_FIX = {
    "TONE_SHOUT": "Write in sentence case without '!!': capitals read as shouting.",
    "TONE_ORDER": (
        "Don't tell them how to feel or behave ('calm down'); name the feeling instead, "
        "e.g. 'I can hear how frustrating this is'."
    ),
    "TONE_THREAT": (
        "Drop the threat; if you need a boundary, say it calmly: 'I want to help, and I "
        "need us to keep this respectful'."
    ),
    "TONE_INSULT": "Describe the problem, never the person: remove the label you put on them.",
    "TONE_SARCASM": "Drop the sarcasm: say plainly what you understand and what you will do.",
    "TONE_DEFENSIVE": "Leave out whose fault it is; say what you will do next.",
    "TONE_BLAME": "Leave out what they should have done; say what you will do next.",
    "INV_TAKEBACK": (
        "Cut the 'but …' after your empathy: it takes it back. Follow the empathy with "
        "what you *can* do."
    ),
    "INV_MINIMISE": "Don't shrink the problem ('it's only …'); say why it matters to them.",
    "INV_CORRECT": (
        "Don't correct their feeling; tell them it makes sense, e.g. 'anyone would be "
        "upset after this'."
    ),
    "INV_BLAME": "Don't point to what they did wrong; take ownership of the next step.",
    "INV_NONAPOLOGY": (
        "Apologise for what happened, not for how they feel: 'I'm sorry the engineer "
        "didn't turn up'."
    ),
    "INV_DISMISS": "Don't question their reaction; tell them it makes sense.",
    "TONE_PASSIVE": (
        "Drop 'as I said' / 'obviously': restate the point patiently, as if for the first time."
    ),
}
# With the words that read as impatient or pointed in hand, the tip quotes them: "OK OK,
# can we just get to the point?" is not an 'as I said'.
_PASSIVE_QUOTED = (
    "Drop '{}': it reads as impatient or pointed. Say it patiently, as if for the first time."
)
_QUOTE_MAX = 40


def make_tips(
    scores: dict[str, float],
    a: Analysis,
    cust: CustomerInfo,
    remedy: bool,
    pointed: str | None = None,
) -> list[str]:
    """`pointed`: the reply's words that read as passive-aggressive, if known (quoted in the
    tip instead of the stock examples)."""
    tips: list[str] = []
    labels = {h.label for h in a.hits}

    if scores["calm_tone"] < 0.5:
        for lab in (
            "TONE_ORDER",
            "INV_CORRECT",
            "TONE_THREAT",
            "TONE_INSULT",
            "TONE_SARCASM",
            "TONE_PASSIVE",
            "TONE_DEFENSIVE",
            "TONE_BLAME",
            "INV_BLAME",
            "INV_DISMISS",
            "INV_NONAPOLOGY",
            "TONE_SHOUT",
        ):
            if lab in labels:
                if lab == "TONE_PASSIVE" and pointed and len(pointed) <= _QUOTE_MAX:
                    tips.append(_PASSIVE_QUOTED.format(pointed.strip(" ,.")))
                else:
                    tips.append(_FIX[lab])
                break
        else:
            if scores["calm_tone"] < 0.5:
                tips.append("Keep the wording neutral and composed; focus on the next step.")
    if scores["validation"] < 0.5:
        for lab in (
            "INV_TAKEBACK",
            "INV_CORRECT",
            "INV_MINIMISE",
            "INV_BLAME",
            "INV_NONAPOLOGY",
            "INV_DISMISS",
        ):
            if lab in labels:
                if _FIX[lab] not in tips and not (lab == "INV_CORRECT" and "TONE_ORDER" in labels):
                    tips.append(_FIX[lab])
                break
    if scores["acknowledgment"] < 0.5 and cust.emotional:
        item = problem_phrase(cust.text)
        what = f" (the {item})" if item else ""
        if a.request_first and a.procedure_noun:
            tips.append(
                f"Name what went wrong for them{what} before you ask for "
                f"the {a.procedure_noun.lower()}."
            )
        else:
            tips.append(
                f"Show you heard the specifics: restate what happened{what} or name how they feel."
            )
    if (
        scores["validation"] < 0.5
        and cust.emotional
        and not any(
            t in labels
            for t in (
                "INV_TAKEBACK",
                "INV_CORRECT",
                "INV_MINIMISE",
                "INV_BLAME",
                "INV_NONAPOLOGY",
                "INV_DISMISS",
            )
        )
    ):
        if "VAL_APOLOGY_GENERIC" in labels:
            tips.append(
                "Make the apology specific: say sorry for what it cost them, "
                "e.g. 'I'm sorry you've had to chase this'."
            )
        else:
            tips.append(
                "Tell them their reaction makes sense, e.g. 'anyone would be fed up after that'."
            )
    if not remedy and cust.emotional and len(tips) < 3:
        tips.append(
            "Offer a concrete next step and when it will happen, "
            "e.g. what you will arrange and by when."
        )
    return tips[:3]


_PHRASES: dict[str, str | None] = {}
_PHRASES_MAX = 1024


def problem_phrase(customer: str) -> str | None:
    """What the customer is upset about, as a short noun phrase ("laptop", "express delivery").

    Parsed only when a tip needs it (the scoring path tokenises the customer message
    without tagging, for speed), so the tip names a real thing, not a stray word.
    `score_many` parses the messages its tips need in one `nlp.pipe` batch first
    (`prefetch_problem_phrases`); a single `score` parses here.
    """
    try:
        return _PHRASES[customer]
    except KeyError:
        pass
    out = _phrase_of(get_nlp()(customer)) if customer.strip() else None
    _remember(customer, out)
    return out


def prefetch_problem_phrases(customers, batch_size: int = 64) -> None:
    """Parse, in one batch, the customer messages whose phrase is not known yet."""
    todo = list(dict.fromkeys(c for c in customers if c not in _PHRASES))
    if not todo:
        return
    texts = [c for c in todo if c.strip()]
    for c in todo:
        if not c.strip():
            _remember(c, None)
    for c, doc in zip(texts, get_nlp().pipe(texts, batch_size=batch_size), strict=True):
        _remember(c, _phrase_of(doc))


def _remember(customer: str, phrase: str | None) -> None:
    if len(_PHRASES) >= _PHRASES_MAX:
        _PHRASES.pop(next(iter(_PHRASES)))
    _PHRASES[customer] = phrase


def _clear() -> None:
    _PHRASES.clear()


problem_phrase.cache_clear = _clear  # type: ignore[attr-defined]


def _phrase_of(doc) -> str | None:
    for chunk in doc.noun_chunks:
        root = chunk.root
        lemma = root.lemma_.lower()
        if (
            root.pos_ not in ("NOUN", "PROPN")
            or root.is_stop
            or not root.is_alpha
            or len(root.text) < 3
            or root.text.lower().endswith("ing")
            or lemma in EMOTION_LEMMAS
            or lemma in NUMBER_WORDS
            or lemma in _NOT_ITEMS
        ):
            continue
        modifiers = [
            t.text.lower()
            for t in chunk
            if t.i < root.i and t.dep_ == "compound" and t.is_alpha and not t.is_stop
        ]
        if any(t.text == "-" for t in chunk if t.i < root.i):
            modifiers = []  # half of "next-day" would read oddly; the head noun is enough
        return " ".join([*modifiers[-2:], root.text.lower()])
    return None


_NOT_ITEMS = frozenset(
    """
still again never nobody nothing absolutely totally really seriously honestly literally
even ever just back whole third first last twice once times time way thing lot
day days week weeks month hour hours minute minutes call calls people someone anyone
thanks thank ombudsman manager supervisor solicitor lawyer regulator complaint review
energy patience strength nerve word""".split()
)  # the last lines: courtesy and escalation ("Thanks.", "... or I'm going to the
#    ombudsman") name what they will do or say, and "I don't have the energy to be angry"
#    how they are, not what went wrong for them
