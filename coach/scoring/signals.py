"""Session-level signals: formulaic empathy and over-apologising.

Both look across all the trainee's replies of one session, so they are separate from the
per-reply scores (rubric: "Formulaic empathy ... is a session-level signal").

* formulaic_empathy: the same stock empathy sentence ("I understand your frustration")
  used in several replies. Sentences are compared by their lemmas, ignoring intensifiers
  and punctuation, so "I totally understand your frustration!" repeats "i understand
  your frustration". Flagged when the line appears in 3+ replies, or in 2 consecutive
  replies.
* over_apologising: apology words per reply. Flagged when there are 3+ apologies in a
  short session (<= 5 replies) or apologies in more than half of the replies (3+ in all).
"""

from __future__ import annotations

from .nlp import get_nlp
from .normalize import normalise

EMPATHY_LEMMAS = frozenset(
    """
understand apologise apologize sorry apology apologies appreciate hear frustration frustrating
frustrated inconvenience patience concern upset annoying annoyed disappointing disappointment
stressful feel feeling imagine
""".split()
)
FILLER = frozenset(
    """
so really completely totally truly very absolutely fully just do honestly genuinely deeply
terribly definitely of course again
""".split()
)
APOLOGY_LEMMAS = frozenset({"sorry", "apologise", "apologize", "apology", "apologies"})


def _key(sent) -> tuple[str, ...]:
    return tuple(
        t.lemma_.lower()
        for t in sent
        if t.is_alpha and t.lower_ not in FILLER and t.lemma_.lower() not in FILLER
    )


def _similar(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    if a == b:
        return True
    sa, sb = set(a), set(b)
    return bool(sa and sb) and len(sa & sb) / len(sa | sb) >= 0.8


def session_signals(replies: list[str]) -> dict:
    """Signals over one session's trainee replies, in order."""
    replies = [r if isinstance(r, str) else "" for r in replies]
    nlp = get_nlp()
    norms = [normalise(r) for r in replies]
    docs = list(nlp.pipe(n.text for n in norms))

    # --- formulaic empathy --------------------------------------------------------
    groups: list[dict] = []  # {"key", "phrase", "turns"}
    for i, (doc, norm) in enumerate(zip(docs, norms, strict=False)):
        seen_here: set[int] = set()
        for sent in doc.sents:
            if not any(t.lemma_.lower() in EMPATHY_LEMMAS for t in sent):
                continue
            key = _key(sent)
            if len(key) < 2:
                continue
            for gi, g in enumerate(groups):
                if _similar(g["key"], key):
                    if gi not in seen_here:
                        g["turns"].append(i)
                        seen_here.add(gi)
                    break
            else:
                s, e = norm.to_original(sent.start_char, sent.end_char)
                groups.append({"key": key, "phrase": norm.original[s:e], "turns": [i]})
                seen_here.add(len(groups) - 1)
    best = max(groups, key=lambda g: (len(g["turns"]), -g["turns"][0]), default=None)
    count = len(best["turns"]) if best else 0
    turns = best["turns"] if best else []
    consecutive = any(b - a == 1 for a, b in zip(turns, turns[1:], strict=False))
    flag = count >= 3 or (count >= 2 and consecutive)
    if flag:
        why = (
            f"You used the same line ('{best['phrase']}') in {count} replies; repeated stock "
            "empathy sounds scripted, so say what is specific to this turn instead."
        )
    elif count >= 2:
        why = f"'{best['phrase']}' appears {count} times; vary it so it doesn't sound scripted."
    else:
        why = "No stock empathy line is repeated."
    formulaic = {
        "flag": flag,
        "count": count,
        "phrase": best["phrase"] if best and count >= 2 else None,
        "turns": turns if count >= 2 else [],
        "explanation": why,
    }

    # --- over-apologising ---------------------------------------------------------
    per_reply = [
        sum(1 for t in doc if t.lemma_.lower() in APOLOGY_LEMMAS or t.lower_ in APOLOGY_LEMMAS)
        for doc in docs
    ]
    n = len(replies)
    total = sum(per_reply)
    with_apology = sum(1 for c in per_reply if c)
    ratio = round(with_apology / n, 3) if n else 0.0
    over = total >= 3 and (n <= 5 or ratio > 0.5)
    if over:
        why = (
            f"{total} apologies in {n} replies: after one sincere, specific apology, "
            "move on to what you are doing to fix it."
        )
    elif total:
        why = f"{total} apolog{'y' if total == 1 else 'ies'} in {n} replies: fine."
    else:
        why = "No apologies: if something went wrong on your side, one specific apology helps."
    apologising = {
        "flag": over,
        "count": total,
        "per_reply": per_reply,
        "replies_with_apology": with_apology,
        "ratio": ratio,
        "explanation": why,
    }
    return {"formulaic_empathy": formulaic, "over_apologising": apologising}
