# ruff: noqa: E501  (pattern tables read best one pattern per line)
"""Token, phrase and dependency patterns of the scorer, built once per pipeline.

Patterns are written in a small notation so the list stays readable:

    word | a|b        LOWER in {...}
    ~lemma | ~a|b     LEMMA in {...}
    @POS | @A|B       POS in {...}
    .                 any one token
    {EMO} {INSULT}..  a named word list from lexicon.py (matched on LEMMA or LOWER)
    suffix ? * +      spaCy Matcher operators (optional, any number, one or more)

Everything matches the *normalised* reply (normalize.py), so case, missing
apostrophes and typos in the key words do not matter. Each label belongs to one
dimension and direction; `LABELS` holds the one-line reason shown to trainees.
"""

from __future__ import annotations

from functools import lru_cache

from spacy.matcher import DependencyMatcher, Matcher, PhraseMatcher

from .fastmatch import FastMatcher
from .lexicon import EMOTION_LEMMAS

INSULT_ADJ = frozenset(
    """
stupid dumb ridiculous pathetic rude childish unreasonable hysterical ignorant
clueless dramatic impossible silly paranoid aggressive hostile irrational
immature lazy selfish rude abusive nasty overdramatic petty unhinged delusional obnoxious
""".split()
)
INSULT_NOUN = frozenset(
    """
idiot moron fool clown muppet cretin imbecile loser numpty halfwit dimwit
""".split()
)
# Nouns that insult only when said of the customer ("don't be such a baby").
INSULT_NOUN_PRED = frozenset("baby child brat joke troll karen drama queen princess".split())
# Words that, after "no need to" / "don't get", turn the phrase into an order to an emotion.
FEELING_VERBS = frozenset(
    """
shout yell scream swear panic worry stress fret overreact cry rant moan complain raise
take act behave freak lose
""".split()
)

NAMED = {
    "EMO": sorted(EMOTION_LEMMAS | {"worked", "emotional", "angry", "mad", "cross", "heated"}),
    "INSULT": sorted(INSULT_ADJ),
    "INSULTN": sorted(INSULT_NOUN),
    "INSULTP": sorted(INSULT_NOUN_PRED),
    "FEEL": sorted(FEELING_VERBS),
    "NEG": ["not", "n't", "never", "nt"],
    "NUMW": [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "fifty",
        "hundred",
        "thousand",
        "million",
        "other",
    ],
}

# label -> (dimension, direction, reason shown to the trainee)
LABELS: dict[str, tuple[str, int, str]] = {
    "ACK_STATE": ("acknowledgment", +1, "names how they feel"),
    "ACK_IDIOM": ("acknowledgment", +1, "recognises how hard this is for them"),
    "ACK_LISTEN": ("acknowledgment", +1, "signals you listened to their account"),
    "ACK_PARAPHRASE": ("acknowledgment", +1, "restates what happened to them"),
    "ACK_OVERLAP": ("acknowledgment", +1, "refers to the specifics they raised"),
    "ACK_PROCEDURE": (
        "acknowledgment",
        -1,
        "goes straight to procedure without naming their problem",
    ),
    "ACK_CANNED": ("acknowledgment", -1, "stock line that could sit under any complaint"),
    "VAL_LEGIT": ("validation", +1, "says their reaction is understandable"),
    "VAL_WHY": ("validation", +1, "says you can see why they feel this way"),
    "VAL_SIDE": ("validation", +1, "sides with them on the failure"),
    "VAL_APOLOGY": ("validation", +1, "apologises for the specific impact on them"),
    "VAL_APOLOGY_GENERIC": ("validation", -1, "generic apology, not tied to what happened to them"),
    "INV_MINIMISE": ("validation", -1, "minimises their problem"),
    "INV_CORRECT": ("validation", -1, "tells them how they should feel"),
    "INV_BLAME": ("validation", -1, "puts the blame on them"),
    "INV_NONAPOLOGY": ("validation", -1, "apologises for their feelings, not for what happened"),
    "INV_TAKEBACK": (
        "validation",
        -1,
        "the 'but' takes the empathy back and turns to policy or defence",
    ),
    "INV_DISMISS": ("validation", -1, "dismisses their reaction"),
    "POLICY": ("validation", -1, "falls back on policy or says nothing can be done"),
    "TONE_SHOUT": ("calm_tone", -1, "reads as shouting"),
    "TONE_ORDER": ("calm_tone", -1, "orders them how to feel or behave"),
    "TONE_SARCASM": ("calm_tone", -1, "sarcastic: mocks them"),
    "TONE_PASSIVE": ("calm_tone", -1, "passive-aggressive: reads as impatience or condescension"),
    "TONE_DEFENSIVE": ("calm_tone", -1, "defensive: argues or deflects responsibility"),
    "TONE_BLAME": ("calm_tone", -1, "blames them"),
    "TONE_THREAT": ("calm_tone", -1, "threatens them"),
    "TONE_INSULT": ("calm_tone", -1, "insults or labels them"),
    "TONE_BOUNDARY": ("calm_tone", +1, "sets a boundary politely"),
    "TONE_COURTESY": ("calm_tone", +1, "courteous wording"),
    "REMEDY": ("remedy", +1, "offers a concrete remedy or next step"),
}

_OPS = "?*+"


def _tok(spec: str) -> dict:
    op = None
    if len(spec) > 1 and spec[-1] in _OPS and not spec.startswith("\\"):
        spec, op = spec[:-1], spec[-1]
    if spec.startswith("\\"):
        d: dict = {"ORTH": spec[1:]}
    elif spec == ".":
        d = {}
    elif spec == "#":
        d = {"LIKE_NUM": True}
    elif spec.startswith("~"):
        d = {"LEMMA": {"IN": _expand(spec[1:])}}
    elif spec.startswith("@"):
        d = {"POS": {"IN": spec[1:].split("|")}}
    elif spec.startswith("!"):
        d = {"LOWER": {"NOT_IN": _expand(spec[1:])}}
    else:
        words = _expand(spec)
        if "not" in words:
            words = words + ["n't", "nt"]
        d = {"LOWER": {"IN": words}}
    if op:
        d["OP"] = op
    return d


def _expand(alts: str) -> list[str]:
    out: list[str] = []
    for part in alts.split("|"):
        if part.startswith("{") and part.endswith("}"):
            out.extend(NAMED[part[1:-1]])
        else:
            out.append(part)
    return out


def P(spec: str) -> list[dict]:
    return [_tok(s) for s in spec.split()]


def expand_groups(spec: str) -> list[str]:
    """ "a (b c|d) e" -> ["a b c e", "a d e"]: alternatives that span several tokens.

    A group may carry an operator: "(b c)?" also yields the spec without it."""
    start = spec.find("(")
    if start < 0:
        return [spec]
    depth, end = 0, start
    for end in range(start, len(spec)):
        if spec[end] == "(":
            depth += 1
        elif spec[end] == ")":
            depth -= 1
            if depth == 0:
                break
    inner = spec[start + 1 : end]
    optional = end + 1 < len(spec) and spec[end + 1] == "?"
    tail = spec[end + 2 :] if optional else spec[end + 1 :]
    alts, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "|" and depth == 0:
            alts.append(cur)
            cur = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        cur += ch
    alts.append(cur)
    if optional:
        alts.append("")
    out = []
    for alt in alts:
        out.extend(
            expand_groups(
                " ".join(x for x in (spec[:start].strip(), alt.strip(), tail.strip()) if x)
            )
        )
    return out


NEG = "~not|never"
BE = "~be"

# Blame that both takes validation away (INV_BLAME) and breaks the calm tone (TONE_BLAME),
# 2026.11-5: questions about their diligence ("did you check ...?", "were both tables
# unpacked carefully?"), "you may have missed them", "you needed to use the form", "as
# stated at checkout", "you did use the data", "shame you didn't go for the oak", "you
# turned it down".
BLAME_FORMS = [
    # 2026.11-6 (holdout8/9): 'which is why we always recommend travel insurance', 'quite often
    # customers crack the corner themselves'
    "which is why we",
    "we always ~recommend|advise|suggest",
    "customers|people ~crack|damage|break|drop|scratch|chip|misplace",
    # 2026.11-6 (L): 'if you're not in, we can't fix it'
    "if you ~be|'re not|n't in|home|there|available",
    # 2026.11-6 (K): 'not difficult at all when customers cooperate', 'it says so on the website'
    "when|if customers|people|you ~cooperate|listen|read|check|follow",
    "~say so on|in the|our",
    # 2026.11-6 (J): 'someone has to be in'
    "someone|somebody ~have to be in|home|there|available",
    # 2026.11-6 (H): 'were you perhaps in the garden?', 'which is why customers need to be home'
    "were you perhaps|maybe|possibly",
    "customers|someone|somebody|people ~need to be home|in|available|there|present",
    "you ~need to be home|available|present",
    # 2026.11-6 (G): 'it's always wise to keep a buffer'
    "~be always wise|sensible|advisable to",
    # 2026.11-6: 'why didn't you just pop into the club?', 'as stated on our website'
    "why ~do not|n't you",
    "as ~state|show|explain|specify on|in our|the website|site|terms|confirmation|email|app",
    # 2026.11-6: 'customers often enter the wrong address by mistake'
    "customers|people|callers @ADV? ~enter|put|type|give|select|choose|pick|tick the? wrong",
    "as ~state|stipulate|outline|mention|specify|explain|show|advertise at|during|when",
    "carefully|properly|correctly|thoroughly ?",
    "you ~do use|sign|agree|choose|pick|accept",
    "shame|pity you ~do not|n't",
    "you ~turn it|that|them|this down",
    "did you @ADV? ~check|read|inspect|sign|hit|press|click|select|tick|enter|choose|pick|follow|notice|remember|forget|double-check",
    "you ~may|might|must @ADV? not|n't? ~have ~miss|hear|notice|forget|overlook|enter|click|select|put|type|misread",
    "you needed to @ADV? ~use|fill|read|check|select|choose|enter|follow|submit|report|tick|specify",
]

# ---------------------------------------------------------------------------------
# Token patterns (spaCy Matcher), by label.
# ---------------------------------------------------------------------------------
TOKEN_PATTERNS: dict[str, list[str]] = {
    "ACK_STATE": [
        "{EMO}",
        "fed up",
        "let down",
        "~lose|waste your|an|a whole? time|afternoon|day|morning|evening",
        "wits end",
        "last straw",
        "the last thing you need|needed|want|wanted",
        "~go through|put through a lot|this|that",
        "at the end of your tether",
        "~be a lot to deal",
        "~must|may ~be|have|feel been? so|really|incredibly|very|such|an|a|absolutely|utterly|extremely? @ADJ",
        "~sound|sounds|sounded so|really|incredibly|very|absolutely|honestly|utterly|just? @ADJ",
        "hard|difficult|tough|rough|awful|horrible|terrible|painful|stressful time|day|week|situation|position|spot",
        "so|such|really|incredibly|very hard|difficult|tough|rough on|for you",
        "worn out",
        "on edge",
        "see red",
        "lost for words",
        "beside yourself",
        "at breaking point",
        "~fall apart",
        "~wear you|anyone down",
        "~be|feel stuck|stranded|trapped",
    ],
    "ACK_IDIOM": [
        f"~can|could {NEG} imagine",
        "~can only imagine",
        "i ~can imagine how|what",
    ],
    "ACK_LISTEN": [
        "thank|thanks you? for ~walk|explain|tell|share|lay|describe|detail|flag|raise|outline|bring|set|spell|talk|take|give|point",
        "~appreciate you ~walk|explain|tell|share|lay|describe|detail|flag|raise|outline|bring|taking|giving",
        "i ~hear you|that|what|how|it",
        "i ~can|could ~see|hear|tell that|how|from|you|your|this|what",
        "i ~see that|from|you|your",
        "it? ~sound|seem|look like|as",
        "from what you",
        "you ~mention|say|explain|describe|tell|write|note|point",
        "you ~be ~mention|say|explain|describe|tell|point",
        "if i ~have? ~understand correctly|right",
        "so i ~have? ~get|understand it|this|that|everything right|correctly|straight",
        "~have i ~get|understand it|this|that|everything right|correctly|straight",
        "~make sure i ~have? ~understand|get",
        "just to confirm|check|clarify",
        "so|okay|ok? to recap|summarise|summarize",
        "i ~have|will ~read|review|look|go through|over|at? your|the message|messages|notes|complaint|email|case|history|account|chat",
        "i ~understand|appreciate|realise|realize|recognise|recognize|know|get that|how|what|you|your|this|it",
    ],
    "VAL_LEGIT": [
        # 2026.11-5 (round 6): 'would be a shock to anyone', 'hardly surprising', 'and I wouldn't either'
        "~be a shock|blow to anyone|anybody|everyone",
        "hardly|not surprising",
        "i ~would|'d not|n't either",
        "fair suspicion|comment|challenge|enough",
        # 2026.11-5 (round 4): 'that's only fair', 'I'd completely understand if you did', 'the only sensible reaction'
        "only fair|right|reasonable",
        "i ~would|'d @ADV? understand if you",
        "sensible|natural|normal|understandable reaction|response",
        "~have|'ve got (every|good|a|all the) reason",
        # 2026.11-5 (round 3): 'completely reasonable ask', 'well within your rights', 'a bill like that would rattle anyone'
        "reasonable|fair ask|request|expectation",
        "within your rights",
        "not much to ask",
        "of course it|that ~have|be|do",
        "~make|drive|leave|put|get|wear|shock|frustrate|upset|worry|annoy|scare|rattle|anger|infuriate|stress .? anyone|anybody|everyone|everybody",
        # 2026.11-5 (round 2): 'I take the point', 'more patient than we deserved'
        "i ~take the|your point",
        "more patient than we|i",
        # 2026.11-5: 'Fair complaint.', 'it's fair it feels that way'
        "fair complaint|ask|request",
        "~be fair it|that",
        # 2026.11-5: 'totally fair', 'totally get why you're annoyed' (no subject), 'a lot to ask of anyone'
        "totally|completely|entirely|absolutely|perfectly fair",
        "totally|completely|fully|really get|understand|see why",
        "a lot|too much to ask",
        # 2026.11-5: a reaction called natural or expected without stock words
        "@ADV? fair|natural|normal|understandable|reasonable|valid worry|worries|concern|concerns|fear|feeling|question|reaction",
        "fair|natural|normal|understandable|reasonable thing to ~feel|ask|want|expect",
        "~be bound to ~unsettle|upset|worry|frustrate|annoy|stress|scare|rattle|get|feel|make",
        "no|little|small surprise",
        "~be not|n't @ADV? surprised|surprising",
        "not surprising|surprised",
        "enough to ~make|drive|send|get your|anyone|anybody|someone",
        "(nothing|no need) to ~apologise|apologize",
        "(nothing|no need) to be sorry",
        "exactly|precisely the sort|kind|type of thing",
        "of course this|it|that|they ~matter",
        "~have (every|good|a|all the|real) reason to|for",
        "~be a lot to ~deal|handle|take|cope|go",
        "you ~have ~be so|very|incredibly|really|extremely|remarkably? patient|understanding|reasonable|fair",
        "you ~have ~be more than patient|understanding|reasonable|fair",
        "you ~be ~not|never asking for|too much",
        "you ~be ~not|never asking for much|a lot",
        "fair|reasonable|understandable|natural|normal that you",
        "it stands to reason",
        "i ~would|'d ~be|feel just|equally? as {EMO}",
        "understandable",
        "understandably",
        "justifiably",
        "rightly",
        "rightfully",
        "~be|feel|sound|seem|look totally|completely|perfectly|entirely|absolutely|very|so? justified|valid|legitimate|warranted|reasonable|natural|normal",
        "~make total|complete|perfect|absolute|a|so|much? lot? of? sense",
        "of course you",
        "@ADV? allowed|entitled to ~feel|be",
        "@ADV? fair|natural|normal|understandable|reasonable|valid reaction|response",
        "no|small wonder",
        "~anyone|anybody|everyone|everybody|nobody|noone ~would|will|'d ~be|feel|get|find|react|want|expect",
        "~anyone|anybody|everyone|everybody ~would|will|'d",
        "any of us ~would|'d",
        "most|many people ~would|'d",
        "who ~would|could not",
        "i ~would|'d ~feel|be|react exactly|just? the same",
        "i ~would|'d ~be|feel|get really|so|very|pretty|quite|just|absolutely|completely|totally? {EMO} too|also|as|in",
        "i ~would|'d too",
        "me too",
        "like you , i|we ~would|'d",
        "in your position|shoes|place|situation",
        "you ~have every|a|all the|the? right",
        "you ~be right|entitled|justified to",
        "you ~be|'re not wrong",
        "totally|completely|perfectly|entirely|absolutely|very|so? fair enough|point|question|to",
        "~be|that's totally|completely|perfectly|entirely|absolutely|very|so? fair",
        f"i ~do {NEG} blame you",
        "~can not|n't blame you",
        "who ~can|could blame you",
        "~be natural|normal to ~feel|be|get|want",
        "the|a|your natural|right|normal|understandable|obvious|fair|reasonable|only reaction|response|thing",
        "more than reasonable|patient|fair|understanding",
        "a fair|good|every|real reason to",
        "~be mad|crazy not to",
        "~would|'d ~be mad|crazy|odd|strange not to",
        "fair to ~be|feel|get|want",
        "~be entitled to",
        "you ~be|'re entitled",
        "of course .? .? .? .? ~feel|react",
        "of course .? .? .? {EMO}",
        "so|and of course you",
        "nobody|noone ~want|like|expect|enjoy",
        "no one ~want|like|expect|enjoy",
        "i ~would|'d ~be|feel|get @ADV? {EMO} too|also",
        "~make|drive|leave|put|get|wear|shock|frustrate|upset|worry|annoy|scare .? anyone|anybody|everyone|everybody",
        "~look|seem|sound wrong|high|off to me too?",
        "to me too",
        "~be reasonable|fair|right to ~expect|ask|want|be",
    ],
    "VAL_WHY": [
        "i ~can|could|do|completely|totally|fully|absolutely|really? ~understand|see|get|appreciate why",
        "i ~can|could|do|completely|totally|fully|absolutely|really? ~understand|see|get|appreciate how come",
        "i ~understand|see|get|appreciate completely|totally|fully|absolutely|exactly? why",
        "i ~know why",
        "that|this|it ~be|'s why you",
    ],
    "VAL_SIDE": [
        # 2026.11-5 (round 6): 'it's genuinely maddening when you've paid for speed'
        "~be @ADV? maddening|infuriating|exasperating|galling",
        # 2026.11-5 (round 5): 'that's a real worry, and it's down to us'
        "~be @ADV? down to us|me",
        # 2026.11-5 (round 4): 'we took the payment twice in error'
        "in error",
        "by mistake",
        # 2026.11-5 (round 3): 'after the last three weeks you've earned it'
        "you ~have|'ve ~earn it|that|this",
        # 2026.11-5 (round 2): 'that's backwards', 'I won't pretend it does'
        "~be backwards",
        "~will|wo not|n't pretend",
        "~be not going to pretend",
        # 2026.11-5: 'you're owed at least that', 'three too many', 'that's lame of us', 'not a fair setup'
        "you ~be|'re owed",
        "{NUMW}|# too many",
        "~be|'s @ADV? lame|shabby|careless|sloppy|awful|terrible|bad of|from us|me",
        "you ~have|'ve got a point",
        "~be not|n't a|an fair|reasonable|good|acceptable",
        # 2026.11-5: 'a four-hour drive isn't reasonable', 'it's nothing you did'
        "~be not|n't|never @ADV? reasonable|great|workable|right|good|fine|ideal",
        "nothing you ~do|did",
        "you ~be not|n't @ADV? at fault|to blame|being blamed",
        # 2026.11-5: siding in fresh words: an adverb before the judgement, our slip, ours to fix, nor should you
        "~be @ADV @ADV? unacceptable|inexcusable|appalling|disgraceful|shocking|wrong|poor|terrible|awful|indefensible|rubbish|dreadful",
        "poor|shocking|rubbish|sloppy|lousy|bad show|effort|form|service from|of|on us|me",
        "~be|'s @ADV? poor|shocking|rubbish|sloppy|lousy|bad|careless|unfair of|from|on us|me",
        "our|my slip|glitch|mess|blunder|oversight|cock-up|cockup|foul-up|screwup|slip-up|error",
        "~be|'s ours to ~fix|sort|put|answer",
        "the fault|blame|mistake ~sit|lie|rest|be with|on us|me|our",
        "nor should you",
        "no ,? you ~should not|n't",
        "you ~should ~have ~be able to",
        "~make no sense",
        "~be|was no way to ~treat|tell|leave|handle|find|speak|deal",
        "~earn|deserve some|a|the good|better|proper news|break|rest|ending|outcome",
        "cruel timing",
        "two|one too many",
        "~be|'s a @ADV? runaround|farce|shambles|joke",
        "no excuse|excuses",
        "~be ~not|never going to make excuses",
        "~will|wo ~not|never make excuses",
        "no reason why? you ~should",
        "~do ~not|never ~deserve this|that|any|to",
        "~owe you an|a apology|explanation",
        f"~should|ought {NEG} to? ~have",
        "~should|ought to? ~have never",
        f"~should {NEG} ~be|take this|that|so hard|difficult|long|complicated",
        "~be|'s @ADV? on us|me",
        "i|we ~be @ADV? on your side",
        "~be|'s our|my fault|mistake|error|bad|responsibility|failure",
        "we|i ~get|have this|it|that|things|something wrong",
        "we ~have? got this|it wrong",
        "~let you down",
        "~drop the ball",
        "we|i ~mess|slip|screw|mix up",
        "we|i ~make|have a|an|the? mistake|error|mess",
        "we|i ~have? ~fall short",
        "we|i ~fail you|to",
        "we|i ~should ~have",
        "we|i ~ought to ~have",
        f"{NEG} the|a|an|what? kind|level|standard|type? of? ~service|experience|standard|treatment|care|quality|level|support|response",
        f"{NEG} good enough",
        f"{NEG} acceptable|okay|ok|right|fair|on|how|what",
        "~be unacceptable|inexcusable|appalling|disgraceful|shocking|wrong|poor|terrible|awful",
        "completely|totally|simply|absolutely|just unacceptable|inexcusable|wrong",
        "~deserve (better|more|answers|proper|an explanation|an apology)",
        "you ~deserve a|an|the|to|better|more|answers|proper|straight|clear|real",
        "~take full|complete? responsibility|ownership",
        "i|we ~will|'ll? ~own this|that|it",
        "worst possible|imaginable",
        f"{NEG} fair|right on|to|for you",
        "~be (a|an|such a) @ADV? terrible|awful|appalling|horrible|poor|shocking|dreadful|lousy|rubbish|rotten|disgraceful way|experience|service|situation|show|state",
        "(a|an|such a) @ADJ way for us|me to ~treat|leave|handle",
        "~be (ridiculous|outrageous|absurd|disgraceful|a joke|not on)",
        "our|my fault|mistake|error|failure|failing|bad|screw-up|doing",
        "because of us|me",
        "on our side|end",
        "~get|got wrong",
        "something we ~get|got|have wrong",
        "none|nothing of this|that|it ~be your",
        "none|nothing of this|that|it ~be your own? fault|doing|responsibility|problem|mistake",
        "not your doing|fault",
        "~be not your job|responsibility|problem|place to",
        "you ~have ~do|did your part|bit|everything",
        "you ~have ~be ~let down",
        "~have|'ve ~be let down",
        "~be|'s not fair|right on|to|for you",
        "nobody|noone ~should|deserve|need|ought",
        "{NEG} something anyone|you ~should",
        "no one ~should|deserve|need|ought",
        "~be|way too long|much|late|slow",
        "far|way too long",
        "~be not on",
        "~be really|so|very|completely|totally|just|such? unfair|letdown",
        "you ~be|'re absolutely|completely|totally|quite|100%? right|correct",
        "you ~have a point",
        "you ~should ~have be ~tell|inform|give|offer|contact|warn|notify|update|call|send|refund|told",
        "you ~should ~have ~receive|get|hear",
        "never should ~have",
        "~should never ~happen",
    ],
    "VAL_APOLOGY_GENERIC": [
        "sorry|apologise|apologize|apologies for|about? any|the? inconvenience|trouble|confusion|hassle",
        "~apologise|apologize|apology for any|the? inconvenience|trouble|confusion|hassle",
        "sorry if|for any",
        "~apologise|apologize|apology if",
    ],
    "INV_MINIMISE": [
        # 2026.11-6 (G): 'it's only the corner'
        "~be only|just|merely the|a|one corner|edge|scratch|mark|chip|dent|scuff|bit",
        "~be only|just|merely|simply a|an|one? few|couple|little|small|tiny|minor|short|bit|slight",
        "~be only|just|merely|simply #",
        "~be just|only a|an minor|small|tiny|little|slight",
        f"{NEG} a|that|such|really? a? big deal",
        "no big deal",
        f"{NEG} that|so|too bad|serious|important|big|long|much|late",
        f"{NEG} the end of the world",
        "~could|might ~be worse",
        "these|such|things|mistakes|delays|stuff|problems|errors|accidents|glitches things? happen|happens",
        "it|this|that happens",
        "~happen all the time",
        "~happen to (everyone|everybody|all of us)",
        "at least it|you|your|nothing|they|we|this|that|no|there",
        "overreact|overreacting|overreacted|over-reacting|exaggerate|exaggerating|exaggerated",
        "blow|blowing it|this|things? out of proportion",
        "~make a fuss",
        "~make a big deal",
        "nothing to ~worry|be|get about|upset|worried",
        "no harm done",
        "~be quite|very|pretty|fairly|perfectly|completely|totally? normal|common|usual|standard|typical",
        "hardly a|the|an",
        "~be a bit much|dramatic",
        "~be not the only",
        "~be not our|my only",
        "it|that|this ~be just|only|merely a|an @ADJ? @NOUN",
        "everyone|everybody else ~be",
        "everyone|everybody who",
        "~be waiting too",
        "in the same boat",
        "~be plenty of time",
        "plenty of time",
    ],
    "INV_CORRECT": [
        "~do not|n't feel bad|guilty|silly|stupid",
        "no need|reason to ~feel like that|that way|this way",
        "no crying|tears|worrying|panicking|stressing",
        "not worth getting|being|feeling {EMO}|worked|stressed|upset",
        "no point ~get|be|feel so|that|all? {EMO}",
        "~get|be worked up ~will|do|be not|n't",
        "let ~us not ~get|be {EMO}|hysterical|emotional|dramatic|carried|upset",
        "no need|reason|point to|for|in ~get|be|feel? so|that|this|all? {EMO}",
        "no need|reason|point to|for|in ~get|be|feel? so|that|this|all? {FEEL}",
        "no need to ~be like that|rude|nasty|abusive",
        "~do {NEG} ~see|understand|know|get why|what|how you",
        "~be {NEG} sure why|what you",
        "~do {NEG} ~see|understand|get|know what the|your? problem|issue|fuss|deal",
        "why you ~be|'re ~take it out",
        "~do {NEG} ~be|get so|that|too? {EMO}|{INSULT}|emotional|worked|upset",
        "~calm down",
        "~calm yourself",
        "relax",
        "you ~should|shouldn't|need|ought not? to? ~be|feel|get so|that? {EMO}",
        "you ~be|'re being? so|very|really|too|quite|just|a|bit|little|being? overreacting|overdramatic|dramatic|emotional|hysterical|paranoid",
        "~stop ~worry|panic|stress|fret|being",
        "~do not|n't ~worry|stress|fret|panic",
        "dont ~worry|stress|panic",
        "~try not to ~worry|stress|panic|fret",
        "~try to|and ~stay|keep|be|remain calm",
        "~get yourself in|into a state",
        "~worry so much",
        "{EMO} ~be|is not? really? necessary|needed|called|warranted|helpful",
    ],
    "INV_BLAME": [
        *BLAME_FORMS,
        "you ~do ~not|never ~pick|answer|respond|reply|check|see|open|read",
        "~attempt , but you",
        "you ~enter|put|give|type|select|choose|pick|provide|use|send|fill the? wrong|incorrect",
        "you ~need|have to ~be more careful|attentive",
        "~be more careful next time",
        "~be down|due to you not|n't|failing|missing|forgetting|choosing",
        "because of you",
        "if you 'd|had ~be home|in|there|available",
        "you ~should|ought to? ~have !been|received|got|gotten|heard|seen|be|had",
        "you ~should|ought to? 've !been|received|got|gotten|heard|seen|be|had",
        f"you ~do|have {NEG} ~read|check|follow|listen|pay|fill|enter|provide|update|tell|give|include|bother|click|tick|select|save|keep|notice|look|contact|call|specify",
        f"you {NEG} ~read|check|follow|listen|pay|fill|enter|provide|update|tell|give|bother|notice|contact|call",
        "you ~fail|forget|neglect|omit to",
        "you ~forget",
        "you ~be supposed to",
        "~be your own? fault|responsibility|problem|mistake|issue",
        "~be your own? job to",
        "your own? fault|mistake|responsibility|error",
        "you ~agree to",
        "you ~accept the terms",
        "user error",
        "on your end|side",
        "on|at your @NOUN|PROPN 's end|side",
        "as|which|it|this ~be clearly|already? ~state|stipulate|write|explain|outline|mention|specify in",
        "it|this ~say|state clearly? in the? terms|conditions|contract|policy|email|instructions",
        "if|had you have|'d|had ~read|check|follow|listen|bother|look|pay",
        "you clearly|obviously",
        "you ~must ~have ~miss|enter|make|order|misread|type|forget|select|click",
        "~read the terms|instructions|email|conditions|small|fine|policy|contract",
        "you|she|he|they ~should really|probably|maybe|just|definitely? ~have|'ve !been|received|got|gotten|heard|seen|be|had",
        "you|she|he|they ~should really|probably|maybe|just|definitely ~order|keep|check|read|make|plan|call|book|buy|get|be|have|try|allow",
        "you ~should ~keep|order|check|read|plan|allow|buy|make",
        "you|she|he would|'d ~know|have|see|understand .? .? .? if you|she|he",
        "if you|she|he have|'d|had ~send|read|check|order|call|book|follow|listen|buy|contact|respond|reply|answer|be",
        "because you ~press|click|enter|order|forget|miss|ignore|do|make|choose|select|type|tick",
        "you ~press|click|hit|enter|submit the|it twice",
        "make sure someone|you ~be|is|are? actually",
        "~be you sure",
        "~be in the terms|policy|email",
    ],
    "INV_NONAPOLOGY": [
        "sorry that? you ~feel like|that|as|nobody|noone|nothing|we|i|it|this",
        "sorry|apologise|apologize|regret that? you ~think|believe",
        "sorry|apologise|apologize|regret you ~feel|think|see|find that|this|it way|like",
        "sorry|apologise|apologize|regret that? you ~feel|think that way",
        "sorry|apologise|apologize|regret if you ~feel|felt|be|think|find|were|are|take|took",
        "sorry you ~feel|be|are|'re|were upset|offended|unhappy|annoyed",
        "sorry you ~think|feel so|that",
    ],
    "POLICY": [
        # 2026.11-6: 'Sunday is the earliest I can offer', 'our conditions don't guarantee timings'
        "the earliest|best|most|only i|we ~can offer|do",
        "~do not|n't guarantee",
        # 2026.11-6: 'not eligible for compensation'
        "~be not|n't|never eligible|entitled",
        "ineligible",
        # 2026.11-5: a limitation, not a defence (moved from TONE_DEFENSIVE; the rubric's
        # "that's policy, nothing I can do" is calm)
        "{NEG} something (i|we|anyone) ~can? ~control|decide|influence|change",
        "policy|policies",
        "~rule|regulation|procedure",
        "terms and conditions",
        "our terms",
        f"~there ~be|'s {NEG}? nothing more|else? i|we|anyone ~can|could ~do",
        "nothing i|we ~can|could ~do",
        "out of my|our hands",
        "~hand ~be tie",
        "hands are tied",
        f"{NEG} my|our department|fault|problem|responsibility|call|decision|job|area|remit",
        "~be just? how it|things ~be|work|works|goes",
        "~be the way it|things ~be|work|works",
        f"i|we ~can {NEG} ~do|help|change|make|give|offer|process|issue|refund|override|waive|replace|send|cancel|accept|find|do|go",
        f"i|we ~be {NEG} able|allowed|authorised|authorized|permitted to",
        "i|we ~can only",
        f"~can {NEG} control",
        "no control over",
        "i|we ~be unable to",
        "cannot|can't ~do anything|much",
        f"~do {NEG} ~do|offer|give|allow|provide|make|refund|accept exceptions|refunds|that|this|compensation",
        "no exceptions",
        f"{NEG} possible",
        "~be impossible",
        f"~be {NEG} up|down to me|us",
        f"system ~do|will {NEG} ~let|allow",
        "you ~will|'ll ~have|need to ~wait|call|contact|go|speak|ring|email|write|take|read|accept",
        "you ~have|need to ~wait|call|contact|go|speak|ring|email|write|take|read|accept|understand",
        "there ~be|'s nothing",
    ],
    "TONE_ORDER": [
        # 2026.11-6 (holdout8/9): 'no need for threats', 'no need to get defensive', 'please don't
        # feel bad', 'I'd appreciate it if you didn't raise your voice'
        "no need|call for @DET? threats|threatening",
        "no need to ~get|be defensive|aggressive|personal|worked",
        "~do not|n't feel bad|guilty|silly|stupid",
        "if you ~do not|n't raise|shout|swear",
        # 2026.11-6 (L): 'please lower your tone', 'stay strong!', 'let's stay positive', 'cheer up'
        "lower your tone",
        "stay strong|positive",
        "cheer up",
        # 2026.11-6 (K): 'no reason to feel that way', 'no crying!', 'no need to get snappy'
        "no need|reason to ~feel|be like that|that way|this way",
        "no crying|tears|worrying|panicking|stressing",
        "no need to ~get|be snappy|shirty|arsey|short|funny|nasty|smart|clever",
        # 2026.11-6 (J): 'pack it in', 'there's no call for threats', 'let's keep our voices down',
        # 'it's not worth getting stressed over'
        "pack|knock|cut it|that|this in|off|out",
        "no call for",
        "keep our|your voice|voices down",
        "not worth getting|being|feeling {EMO}|worked|stressed|upset",
        # 2026.11-6 (H): 'please try to be patient'
        "try to|and be patient|calm|positive",
        # 2026.11-6: 'no need for the name calling'
        "no need for the|that|all the? name|name-calling|names|language|swearing|insults",
        # 2026.11-6: 'don't call me thick', 'try to look on the bright side', 'you're worrying over nothing'
        "~do not|n't call me",
        "look on the bright side",
        "~worry|fuss|panic|stress|fret over|about nothing",
        # 2026.11-5 (round 6): 'no need for the attitude', 'please don't think like that', 'I don't appreciate your tone'
        "let ~us not ~get ahead",
        "no need to beg|plead",
        "no need for the|that|your attitude|tone|sarcasm|language",
        "~do not|n't think like that|that way",
        "i ~do not|n't appreciate your|the|that tone|sarcasm|language|attitude",
        # 2026.11-5 (round 4): 'I will not tolerate you calling my colleagues idiots'
        "i ~will|wo not|n't tolerate",
        "i ~will|wo not|n't stand for",
        # 2026.11-5 (round 3): 'please don't cry', 'kindly exercise patience'
        "~do not|n't cry|sob",
        "~exercise patience",
        "kindly be patient",
        # 2026.11-5 (round 2): 'let's not panic', 'no need for name-calling'
        "let ~us not ~panic|worry|stress|overreact|fret",
        "no need for name",
        # 2026.11-5: 'try not to lose sleep over it', 'no need to get flustered'
        "not|n't to? ~lose sleep",
        "no need to ~get|be @ADV? flustered|wound|het|emotional|dramatic",
        # 2026.11-5: 'no need to bite my head off', 'try to hold it together', 'keep things in perspective'
        "~bite my head off",
        "~stop|quit sighing|tutting|huffing|interrupting",
        "~hold it|yourself together",
        "~keep|put things|it|this in perspective",
        "~take the emotion|emotions out",
        # 2026.11-5: orders to manners framed as a need ('I need you to relax')
        "~need|want you to @ADV? ~relax|calm|stop|quit|lower|listen|settle|cool|breathe|behave",
        "~need|want you to @ADV? ~let me finish|speak|talk|explain",
        "~need|want you to ~be @ADV? patient|quiet|calm|reasonable|polite|respectful",
        "if you ~would|'d? @ADV? ~stop|quit interrupting|shouting|swearing|yelling|arguing|complaining|talking",
        "if you ~stop|quit|stopped interrupting|shouting|swearing|yelling|arguing|complaining|talking",
        "any need to ~be|get so|that|this? {EMO}|upset|angry|worked|dramatic|rude|hysterical|emotional",
        "~stop|quit ~shout|yell|swear|scream|complain|moan|whine|interrupt|argue|panic|cry|rant|fuss",
        "stop|quit shouting|yelling|swearing|screaming|complaining|moaning|whining|interrupting|arguing|panicking|crying|ranting|fussing",
        "~hold your horses",
        "~simmer|quiet|pipe|hush down|up",
        "~chill",
        "~hush",
        "let ~us not ~get|be {EMO}|hysterical|emotional|dramatic|carried|upset|personal|silly",
        "please ~be reasonable|patient|realistic|sensible|calm|quiet|polite",
        "~cheer up",
        "chin up",
        "you ~need|have to ~be reasonable|patient|realistic|sensible|calm",
        "~do ~not|never ~take it personally",
        "~try to|and ~relax|breathe",
        "~calm down",
        "~calm it|things down",
        "~calm yourself",
        "relax",
        "~chill out?",
        "~settle down",
        "~watch|mind your language|tone|mouth|words|manners|attitude",
        "~listen to me",
        "~listen here|carefully|up",
        "now listen|look",
        "no need to|for ~shout|yell|swear|scream|panic|raise|take|shouting|yelling|swearing|screaming|rudeness|language|tone|attitude",
        "no need to|for ~call me|us names",
        "no need to|for ~insult|abuse|swear|name-calling",
        "no need to ~be|get rude|nasty|abusive|aggressive|like|that|so|upset|angry|worked|hysterical|dramatic",
        "~stop ~shout|yell|swear|scream|complain|moan|whine|interrupt|being|overreact|panic|talk",
        "~lower your voice",
        "no point|use in? ~{FEEL}",
        "no point|use in? ~get|be|getting|being worked|wound|upset|angry|cross|annoyed|stressed|het",
        "no point|use in? ~have|take a go",
        "no point|use in? ~take it out",
        "~do not ~shout|yell|swear|scream|panic|raise|take|speak|talk|get|be",
        "~take a deep? breath",
        "~cool it|down|off",
        "~get a grip",
        "~pull yourself|it together",
        "~cut|drop|stop|quit|lose|can the|your|that name|name-calling|swearing|attitude|language|insults|shouting|tone|sarcasm|abuse|rudeness",
        "~grow up",
        "~be quiet",
        "~shut up",
        "~behave yourself",
        "~need to ~be patient",
        "~have to ~be patient",
        "~keep your voice down",
        "~keep your hair|shirt on",
        "~get over it",
        "~deal with it",
        "~do not|n't ~worry|stress|fret|panic",
        "dont ~worry|stress|panic",
        "~try not to ~worry|stress|panic|fret|get|be",
        "~try to|and ~stay|keep|be|remain calm",
        "~stay|keep calm",
        "~do not ~get|be so? worked up",
        "~get yourself in|into a state",
        "~worry so much",
        "~be|getting so? worked up",
    ],
    # Mocking: voids any empathy in the reply ("like the other 50 people today").
    "TONE_SARCASM": [
        # 2026.11-6 (K): 'takes a special kind of talent'
        "a special kind|sort of",
        # 2026.11-6 (H): 'that makes my job easier', 'says the bloke who can't read his own bill'
        "~make my job easier",
        "says the @NOUN|PROPN who|that",
        # 2026.11-6: rhetorical tags and questions in the first person ('I'm calling you now, aren't I?',
        # 'we can't exactly move the funeral, can we', 'Do I control the weather?')
        ", ~be|do|can|will|have|could|would not|n't? i|we ?|.",
        "~can not|n't exactly",
        "do i look like",
        "do|does|can i|we ~control the weather",
        # 2026.11-5 (round 6): 'not as hard as reading the terms', 'it's pretty simple really'
        "not as hard|difficult as",
        "simple really",
        "actually|really quite simple|straightforward",
        # 2026.11-5 (round 4): 'and you're a delight to deal with', 'the whole building can hear you'
        "you ~be|'re a delight|joy|treat|charmer|pleasure",
        "the whole building|office|street|floor ~can hear",
        "i ~be sure the next",
        # 2026.11-5 (round 2): 'two whole tables', 'works wonders', 'the hardest thing in the world', 'silver linings'
        "{NUMW}|# whole",
        "works wonders",
        "~be the hardest|worst thing in the world",
        "truly|real|very heroic",
        "heroic stuff",
        "silver lining|linings",
        "~mean what it ~say",
        # 2026.11-5: 'Charming.', 'I'd never have guessed', 'let me explain it very slowly'
        "charming",
        "i ~would|'d never ~have ~guess|know|think|thought",
        "~pretend i ~do not|n't ~hear",
        "~explain it|this|that @ADV? slowly",
        "v-e-r-y",
        # 2026.11-5: 'you're lucky you got a hotel at all'
        "you ~be|'re @ADV? lucky",
        "(haha|hahaha|hahah|hehe|ha ha|lolol|rofl)",
        "magic wand|magicians|magician|miracle worker",
        "~be not a magic",
        "oops ,? looks like",
        "the @ADJ? horror",
        "what a surprise",
        "shocker",
        "let me guess",
        "nice try",
        "good for you",
        "thanks for the lecture",
        "riveting",
        "fascinating .|,",
        "how did|do|will|would you ever? ~survive|cope|manage",
        "~must be hard|tough|nice being you",
        "ray of sunshine",
        "out of thin air",
        "~magic it|one",
        "did i ruin your",
        "yes|oh|right , because",
        "because ~shout|yell|swear at me ~help|work",
        "~be n't you a|an|just",
        "ah yes ,",
        "oh great|wonderful|brilliant|lovely|fantastic , another|more|just",
        "great|wonderful|brilliant|lovely|fantastic|perfect|marvellous , another",
        "sure|yeah|oh|yes , because",
        "cool story",
        "big surprise",
        "good luck with that",
        "congratulations",
        "congrats",
        "news flash",
        "like the|all other? # people|customers|callers|others",
        "like the other {NUMW}? people|customers|callers",
        "like every|all other? customer|caller|person|people",
        "like everyone|everybody else",
        "like all the others",
        "you and everyone|everybody else?",
        "you and every other",
        "join|welcome to the club",
        "whatever",
        "yeah|yea right",
        "if you say so",
        "~be not rocket science",
        "~will|wo|would not|n't kill you",
        "~will|'ll|would be thrilled|delighted|overjoyed|ecstatic to ~hear|know|learn",
        "sure|yeah|yes ,? i totally|completely|absolutely hear|understand|get you",
        "i totally hear you ,? like",
        "must be nice",
        "how will|would|do you ever? ~cope|survive|manage",
        "however will|would|do|did you ~cope|survive|manage",
        "ever cope",
        "right , because",
        "sure , we|i just",
        "yes , i ~be sure",
        "i ~be sure (everyone|everybody|the world)",
        "lol",
        "lmao",
        "smh",
        "ffs",
        "welcome to",
        "~be a @NOUN , not a",
        "!not|n't|nt|never the end of the world",
        "lovely|nice|great to speak|talk|chat to|with you too",
        "lovely|nice|great|wonderful|delightful speaking|talking|chatting to|with you too",
        "boo hoo",
        "cry me a river",
        "poor you",
        "oh dear , what a",
        "~be some kind of|a record",
        "what a charming|lovely|delightful|wonderful way|start|thing|attitude",
    ],
    # Passive-aggressive: impatience and condescension ("as I ALREADY said", "per my last message").
    "TONE_PASSIVE": [
        # 2026.11-6 (holdout8/9): 'can I just get on with it?', 'I'm calling you now, aren't I?' (no comma),
        # 'then I'm afraid we can't fix the line'
        "~can|could i|we just get on with it",
        "now ,? ~be|have not|n't i|we",
        "then i ~be|'m afraid|sorry we|i ~can not|n't",
        # 2026.11-6 (L): 'see, it wasn't so bad after all', 'I did ask for it at the start'
        "~be not|n't so|that bad after all",
        "i did ask|say|mention|explain",
        # 2026.11-6 (J): 'I've checked three times already', 'I've just told you', 'alright, alright',
        # 'give me a chance'
        "i ~have|'ve ~check|look|try|search|do {NUMW}|# times",
        "i ~have|'ve just ~tell|say|explain",
        "alright|all right ,? alright|all right",
        "give me a chance",
        # 2026.11-6 (G): 'I doubt that', 'I know, you've said', 'we're all tired', 'nothing is going to
        # happen to him', 'everyone's flights have been affected'
        "i doubt that|it",
        "i know ,? you ~have|'ve @ADV? ~say|tell|mention",
        "we ~be|'re all @ADJ",
        "nothing ~be|'s going to happen",
        "nobody|noone ~be|'s ending|going to end up",
        "everyone|everybody 's flight|flights|parcel|parcels|bill|bills|appointment|appointments",
        # 2026.11-6: 'I'm sorry you feel nobody's telling you anything' (a fact turned into a feeling)
        "sorry that? you ~feel like|that|as|nobody|noone|nothing|we|i|it|this",
        # 2026.11-6: 'it's really very simple' to someone who says they are confused (features._keep)
        "it|this|that ~be @ADV? @ADV? simple|easy|straightforward",
        "~be @ADV? not|n't @ADV? complicated|difficult|hard|tricky",
        # 2026.11-6: impatience ('OK OK', 'I know, I know', 'I've got other customers waiting',
        # 'can we just get to the point', 'let me stop you there', 'bigger fish to fry', 'Yeah, well,'),
        # condescension ('as you'll appreciate', 'not for everyone', 'you're not special',
        # 'making a lot of fuss', 'let's not make this about'), 'go ahead, that's your choice'
        "ok|okay ,? ok|okay",
        "i know ,? i know",
        "i ~have|'ve got other|more customers|calls|people",
        "other customers|calls|callers ~be waiting",
        "~can|could we @ADV? ~get to the point",
        "~can|could we @ADV? move on",
        "let me stop you there",
        "bigger fish to fry",
        "yeah|yes ,? well ,",
        "as you ~will|'ll @ADV? appreciate|understand|know",
        "as i ~be|'m sure you ~know|appreciate|understand|realise|realize",
        "~be not|n't for everyone|everybody",
        "you ~be|'re not special",
        "~make a lot of fuss|drama",
        "~make such|so a? @ADJ? fuss|drama|scene",
        "~make a @ADJ? fuss|drama|scene",
        "let 's|us not make this|it about",
        "go ahead ,? that|it ~be|'s your choice|call|decision|right",
        "at least you ~be|'re not",
        # 2026.11-5 (round 6): 'I've asked twice now', 'the ombudsman will only tell you the same thing', 'then I guess'
        "not sure what you mean by",
        "i ~have|'ve ~ask|say|tell|explain|mention twice|already",
        "~will only tell you the same",
        "then i guess",
        # 2026.11-5 (round 5): 'same as everyone else ringing today', 'I'm literally trying to help'
        "same as everyone|everybody else",
        "literally trying",
        # 2026.11-5 (round 4): 'I don't know what else you want me to say', 'sure, go for it', 'I'd strongly advise against it'
        "what else you ~want me to",
        "people|customers|callers ~be screaming|shouting|yelling",
        "sure ,? go for it",
        "i ~would|'d @ADV? advise against",
        "technically we ~be|'re",
        # 2026.11-5 (round 3): 'please understand that we receive thousands of claims', 'I'm sure it feels that way, but'
        "please understand that|we|i|our",
        "i ~be sure it|that ~feel|seem|look that|like",
        "if you ~be going to be like that",
        # 2026.11-5 (round 2): 'go ahead and do a chargeback', 'your call.', 'more complicated than you think', 'everyone says that'
        "go ahead and",
        "that ~be up to you \\.",
        "more complicated|complex|involved than you",
        "bit of an? exaggeration",
        "everyone|everybody ~say that",
        # 2026.11-5: 'some customers wait far longer without complaining', 'it's literally in the contract'
        "without complaining|moaning|grumbling|fussing",
        "without a|any fuss",
        "literally in|on|what the|your",
        # 2026.11-5: 'per my colleague's notes', 'with respect, ...', 'just so you're aware', 'as the last agents told you'
        "per my",
        "with respect ,",
        "with respect it|itd|i|you|that|this|but|mate",
        "just so you ~be|'re aware",
        "just so you know",
        "like|as the|my last|other|previous|earlier two|three|few? agent|agents|colleague|colleagues|person|advisor|advisors ~tell|say|explain|mention",
        "which|that|as ~be @ADV? ~explain|mention|state|tell|point|outline|make when|at|in you|the",
        "well ,? this|that ~be the first time",
        "if you 'd|would|could|will|'ll just? let me !know|have|see|check|help|sort|fix|take|arrange|book",
        "~get a word in",
        "once more ,",
        "one more time ,|:",
        "you ~have ~mention|say|tell|ask|repeat|raise|bring .? .? .? .? several|many|multiple|numerous|countless times now",
        "~need to keep ~repeat|tell|say|ask|remind|mention|go",
        "no need to keep",
        "you ~keep ~say|repeat|ask|go",
        "~sink|sinks|sank|sunk in",
        "~should|must {NEG}? (~come as|~be) a surprise",
        "if it|that|this ~be|matter|matters that|so important|urgent|much|vital|essential|crucial|serious",
        "again , the|this|that|it|there|you|as|we|your",
        "technically ,? !i|we",
        "actually , the|it|that|this|there|your|you|nothing",
        "i ~be ~not|never going|gonna to? ~repeat|tolerate|accept|put|keep",
        "i ~do ~not|never have time for",
        "i ~will|wo ~not|never ~tolerate|accept|put up",
        "~go ahead then",
        "complain|escalate then",
        "yeah , yeah",
        "yes , yes",
        "ok|okay karen",
        "just wow",
        "oh please",
        "probably not",
        "~repeat|explain|say this|it|that slowly|again slowly",
        "slowly :",
        "as previously|already ~state|mention|explain|say|note|advise|discuss|outline|indicate|inform",
        "as ~state|mention|explain|note|advise|outline|indicate before|previously|earlier|above",
        "as ~mention|state|explain|say|note in my|our|the previous|last|earlier",
        "just? to reiterate",
        "to repeat myself",
        "once again ,",
        "~refer|point you back? to my|our|the previous|earlier|last",
        "how else to ~explain|say|put",
        "how many more times",
        "~spell it out",
        "~do you even ~read|listen",
        "hopefully that|this ~clear",
        "i ~hope that|this ~clear|help you ~understand",
        "~hope that ~be clear",
        "~be that clear enough",
        "shouting|insulting|swearing|yelling|screaming|getting|being|calling|talking|abusing .? .? .? ~will|wo|be|do not|n't help|going|get|fix|change|solve|speed",
        "~be ~not|never going to help",
        "~will|wo not ~get you anywhere",
        "fine , complain|escalate|whatever",
        "ugh",
        "sigh",
        "pfft",
        "duh",
        "honestly , some people",
        "some people .|!",
        "for future reference",
        "next time , please",
        "going forward , please",
        "you ~will have to wait like",
        "like everyone else",
        "as|like i|we ~have? already|previously|just ~say|mention|explain|state|tell|write|point|do",
        "like i|we ~have? ~say|tell|mention|explain|do",
        "as i ~have? ~tell you",
        "as|like i|we ~have? ~say|mention|explain|state|note|outline",
        "as|like i ~keep ~say|tell|explain|repeat",
        "i ~have? already ~tell|explain|say|answer",
        "i ~have ~tell|explain|say you|this|it ~twice|already|before|several|many|multiple",
        "as? per my|our last|previous|earlier message|email|reply|response|note|chat",
        "as i ~be sure",
        "as you ~will|would|should ~know|remember|recall|see",
        "obviously",
        "with all? due respect",
        "no offence|offense",
        "for the last|third|fourth|fifth|tenth|hundredth|umpteenth|nth|millionth time",
        "how many times",
        "~try reading|listening",
        "~read my last|previous|earlier",
        f"~be {NEG} that hard|difficult|complicated",
        "i ~do not know what else to ~tell|say",
        "believe it or not",
        "i ~be sure you",
        "charming|lovely|nice|delightful|kind|wonderful|pleasant|sweet thing to say",
        "charming|lovely|delightful|wonderful|pleasant way to ~talk|speak",
        "clearly you",
        "you clearly",
        "apparently you",
        "some of us",
        "~hear you the first time",
        "~hear you the first two|three|four|few|couple times",
        "i ~would|'d have thought|assumed",
        "~be obvious|self-explanatory that",
        "if you 'd|would|could|will|'ll just? give me a|one second|sec|minute|moment|chance",
        "if you ~will|'ll let me",
        ", you know",
        "you know \\.",
        "see how far",
        "how far that",
        "~talk|speak to me like that",
        "i ~be doing my best",
    ],
    "TONE_DEFENSIVE": [
        # 2026.11-6 (holdout8/9): 'it's not like we're robbing you', 'I can only go by what the
        # courier tells me', 'the courier's GPS shows', 'it's not me who packs the tables', 'not
        # something our team caused', 'nothing of the sort', 'we have procedures for a reason',
        # 'engineers are not required to call', 'I haven't made you any promises'
        "~be not|n't like we|i|anyone|anybody|someone",
        "i ~can only go by|on what",
        "gps ~show|say",
        "~be not|n't me|us who|that",
        "not|n't something @DET|PRON? @NOUN? ~cause",
        "anything|nothing of the sort|kind",
        "for a reason",
        "~be not|n't required|obliged to",
        "i ~have not|n't ~make you any",
        # 2026.11-6 (L): 'that's not really how it works', 'it's not a racket, it's our standard
        # contract', 'bank fees aren't something we're responsible for'
        "~be not|n't @ADV? how it|this|that|things ~work",
        "~be not|n't a racket|scam|rip-off|con",
        "not|n't something we|i ~be|'re|'m responsible|liable for",
        # 2026.11-6 (K): 'the price doesn't really affect how the carrier handles it',
        # 'nothing I could've done', 'nobody is sitting on your claim', 'nobody said you were
        # making it up', 'it was definitely delivered', 'we never received the second form', 'I was
        # only explaining'
        "~do not|n't @ADV? affect|change how|when",
        "nothing i|we ~could|can 've|have ~do|done",
        "nobody|noone ~be|'s sitting on",
        "nobody|noone ~say|said you",
        "no one ~say|said you",
        "~be|was definitely|certainly delivered",
        "we ~have? never ~receive|get the|your|any",
        "i was only|just explaining|trying|saying",
        # 2026.11-6 (J): 'we don't actually charge twice', 'we've been slammed all morning', 'the engineer
        # did attempt to call'
        "~do not|n't @ADV? charge|take @DET? @NOUN? twice",
        "~be|been slammed|rammed|snowed",
        "did attempt|try to ~call|contact|ring|deliver|reach",
        # 2026.11-6 (H): excuses by workload ('our email team is very busy', 'swamped')
        "~be|been @ADV? very|really|extremely|incredibly|so|absolutely busy|swamped|inundated|stretched",
        "~be|been swamped|inundated",
        # 2026.11-6 (G): arguing back ('I'm just saying', 'I only meant', 'that's not what it's for',
        # 'I'm not putting it on you', 'I'm not sure it was our mistake', 'nobody robbed you', 'the GPS
        # record shows it was delivered', 'we don't always get told either')
        "i ~be|'m just|only saying",
        "i only|just meant",
        "that ~be|'s not|n't what it|it's ~be for",
        "that ~be|'s not|n't what i ~say|mean",
        "i ~be|'m not|n't putting it|this|that on you",
        "i ~be|'m not|n't sure it|that ~be our|my mistake|fault|error",
        "nobody|noone ~rob|cheat|scam|con you",
        "no one ~rob|cheat|scam|con you",
        "record|records|gps|scan|scans|system ~show|say it|that|they ~be? ~deliver",
        "get told either",
        # 2026.11-6: 'that's your bank', 'there's only one payment showing on our side'
        "that|this|it ~be your bank|bank's",
        "only one payment|charge|transaction|debit ~show|showing|on",
        # 2026.11-6: denials and hand-offs ('our system doesn't take payments twice', 'not something the
        # airline is at fault for', 'it is not our policy to', 'that's a question for them', 'I only see what
        # the system shows me', 'it must be there somewhere')
        "our|the system ~do not|n't|never ~take|charge|make|double|send|lose|duplicate",
        "not something @DET? @NOUN|PRON|PROPN ~be at fault",
        "it ~be not|n't our policy to",
        "a question|matter for them",
        "a question|matter for the @NOUN|PROPN",
        "a question|matter for @PROPN",
        "i only|just ~see what",
        "~must be there|somewhere|around",
        # 2026.11-6: quiet justification ('the slots are the same for every customer', 'that's just how
        # the tracking works', 'it's nothing personal', 'they don't always have time to call',
        # 'I can't comment on what other agents told you',
        # 'the loss adjuster works independently', 'we aim to reply within 5-7 working days')
        "~be the same for every|all|everyone|everybody",
        "work|cater around individual",
        "~be @ADV? how @DET? @PROPN|NOUN? 's? @NOUN|PROPN ~work",
        "~be nothing personal",
        "~do not|n't always have time",
        "~can not|n't comment on what",
        "not @ADV? something i|we ~can comment on",
        "~work|operate independently",
        "we ~aim|endeavour|strive to ~reply|respond|answer",
        "everybody|everyone 's claim|claims|case|cases|order|orders",
        # 2026.11-5 (round 6): 'after that it's down to SwiftDrop', 'rules is rules', 'that's not accurate', 'we did not receive any request from you'
        "~be down to @PROPN|them",
        "rules ~be rules",
        "no one|nobody ~be|'s fighting|arguing|shouting",
        "i ~be only|just doing my job",
        "that|this ~be not|n't accurate|true|correct|the case",
        "we ~do not|n't|never ~receive|get any @NOUN @NOUN? from you",
        "in perfect|good|excellent condition when",
        # 2026.11-5 (round 5): 'I wasn't blaming you', 'I'm not fobbing you off', 'we would never do that', 'yes madam, I am aware'
        "i was not|n't blaming|telling|saying",
        "i ~be not|n't fobbing|ignoring|stalling",
        "we ~would|'d never do that|such",
        "yes ,? madam|sir|mate|ma'am? ,? i ~be aware",
        # 2026.11-5 (round 4): 'the fault is with Openreach not us', 'we're just the provider', 'I'm not reading off a script'
        "i ~can not|n't say i ~understand|see|get why",
        "@PROPN|NOUN not us|ours",
        "we ~be|'re just|only the|a",
        "~be not|n't @ADV? my|our area|remit",
        "~be not|n't at fault",
        "'s|is not|n't us",
        "nobody|no one ~be|have ~rob|cheat|scam|con|fob",
        # 2026.11-5 (round 3): 'billing is a separate department', 'we're a reputable business', 'we are not sitting on anything'
        "~be a separate department|team|company|business",
        "we ~be a reputable|legitimate|trusted|respected",
        "i ~would|'d not|n't call it",
        "not|n't sitting on",
        "quality checked|controlled|tested|inspected before",
        # 2026.11-5 (round 2): 'I don't work in the warehouse', 'no record of you requesting', 'that's between you and them'
        "i ~do not|n't work in|for|on",
        "no record of you|your|any",
        "partner|partners|courier|couriers|bank|adjuster|adjusters|contractor|contractors ~be responsible",
        "between you and",
        "nobody|no one ~have|'s ~rob|cheat|scam|con",
        "nobody 's|s fault",
        "no one 's|s fault",
        "~be a bit unfair",
        "i ~have only just",
        # 2026.11-5: 'as per your contract', 'we only charged what your plan says', 'I do understand, actually'
        "as? per your contract|terms|agreement|plan|policy|booking",
        "we|i only|just ~charge|bill|take|follow|do what",
        "i ~do understand|know|get|realise|realize ,? actually",
        # 2026.11-5: 'to be fair, that's below our average wait', 'we're not a taxi service', 'nothing has gone wrong here'
        "to be fair ,|to",
        "in (all)? fairness",
        "we ~be not|n't a|an @NOUN|ADJ @NOUN? service|charity|bank|company|miracle",
        "nothing ~have @ADV? ~go wrong",
        "what more ~can|could i|we ~do",
        # 2026.11-5: first-person denials of the failure, 'not my rule', the records against their account
        "i ~be not|n't your @NOUN",
        "i ~do|have not|n't|never personally? ~cancel|pack|set|write|decide|cause|break|lose|damage|charge",
        "i ~do|have not|n't|never personally? ~make the|these|those|any rules|rule|policy|policies|promise|promises|decision|decisions|mistake",
        "i ~do not|n't|never personally ~do|make|handle|book",
        "{NEG} my|our rule|rules",
        "~be not|n't down to me|us",
        "shoot the messenger",
        "our records|logs|system ~show|say|indicate|state|confirm",
        "the records|logs ~show|say|indicate|state|confirm",
        # 2026.11-3: justification of the company and disclaimers of responsibility,
        "out of my|our hands",
        "not in my|our hands",
        "~be just|simply|only? how (it|this|that|things|delivery|billing|banks|couriers) ~work|go",
        "~be just|simply? how the @NOUN ~work",
        "that ~be|'s how it ~be",
        "as per the terms|policy|conditions|rules|agreement|contract|t&cs|website|email",
        "~be clearly? stated|written|listed|explained|outlined|specified|mentioned|displayed|shown (on|in|at|that)",
        "clearly ~state|write|list|explain|outline|specify|mention",
        "(nobody|no one) else ~have? ~complain|report|mention|have",
        "for everyone|everybody else",
        "every other customer ~have|be|manage",
        "(we|our system|our systems|the system) ~do not|never ~make mistake|mistakes|error|errors",
        "our @NOUN ~do not|never ~charge|lose|miss|make",
        "what ~do you want me to ~do|say",
        "what (else|more) ~do you want",
        "not sure what else? you ~want|expect",
        "not mine|ours .|!|,",
        "fault , not mine|ours",
        "we ~have? ~follow the|our @NOUN? process|procedure|policy|rules|steps",
        "no fault|problem|issue|error|mistake on|at our end|side",
        "~leave you to it",
        "we ~do|did everything right|correctly",
        "by the book",
        "i ~be ~not|never the one who|that",
        "we|i ~do nothing wrong",
        "we|i ~do ~not|never ~do anything wrong",
        "we|i ~be ~not|never responsible|liable|accountable",
        "we|i ~be ~not|never to blame",
        "i ~be ~not|never even? working|here|there|on|in",
        "~be just|only|simply in the|a @NOUN|PROPN? team|department|office",
        "~be not|n't really? ours|mine to",
        "out of my|our reach|remit|power|scope|jurisdiction",
        "{NEG} something i|we made|invented|decided|chose|wrote|set",
        "{NEG} something i|we ~make up",
        "nothing wrong with (how|what|the way) we",
        "nothing wrong with our",
        ", not here|us|me|ours|mine .|!|;|,",
        "~must|probably|likely have happened in|at|with|during transit|the",
        "~be the @NOUN|PROPN 's .|!|;",
        "~be (all|clearly|fully)? explained|stated|written|listed|shown|covered|mentioned before you",
        "everyone|everybody else ~manage|get|have|do",
        "other customers|people|passengers ~have? ~manage",
        "(nobody|no one) (here|else here)",
        "without a|any single? complaint|problem|issue",
        "~be between you and your|the",
        "~be (one|a question|a matter) for the|your",
        "~take it|that|this up with",
        "~take as long as it|they ~take",
        "it is what it is",
        "i ~can|could ~promise|guarantee|assure you? that|this .|!|;",
        "{NEG} something i|we ~can|could personally? ~speed|change|control|influence|decide|fix|do|help|sort|answer",
        "above my pay grade",
        "~shoot the messenger",
        "~blame the|your courier|bank|post",
        "not me .|,",
        "~be only human",
        "i ~do not control",
        "~have nothing to do with",
        f"{NEG} really|exactly|actually|even? my|our fault|problem|department|job|responsibility|call|decision|issue|concern",
        "insulting|shouting|yelling|swearing|screaming|abusing|calling at? me|us .? ~will|be not|n't",
        "~be|'m just? doing my job",
        "~do not blame me|us",
        "~blame me|us",
        f"i ~do {NEG} make the rules|policy|policies",
        "i ~do {NEG} write the rules|policy",
        "i ~be just|only the? messenger|following",
        "~take it up with",
        "~complain to someone|the|somebody|them|head",
        f"~be {NEG} (true|correct|what happened)",
        "you ~be|'re wrong|mistaken|incorrect|confused",
        "i never ~say|said|promise|promised|tell|told",
        f"i ~do {NEG} ~say|promise|tell",
        "nothing to do with me|us",
        "~be|'s not on me|us",
        f"i ~can {NEG} help it if",
        f"i ~can {NEG} help what|how|if",
        "not my problem",
        "that ~be|'s your problem",
        "~blame the courier|bank|warehouse|system|supplier|manufacturer",
        f"{NEG} something i|we ~have any? control",
        "out of|beyond my|our control",
        f"~have {NEG} control",
        f"i|we ~do {NEG} ~set|make|decide|choose|miss|write|cause|control|design|run|schedule|price|assign|allocate|dispatch|manage|approve",
        "i just work here",
        "i only work here",
        "~handle|manage|do|cause|run by a|the third",
        "third-party|third party",
        f"responsible|responsibility ,? {NEG} us|me|ours",
        f", {NEG} us|me",
        "i ~can assure you",
        "~be correct",
        "~say|says|show|shows otherwise",
        "clearly ~say|says|show|shows",
        "~take it out on me",
        "i ~be not thick|stupid|deaf|an|a",
        "i ~have ~work here",
        "~be not going to help",
        "~will|wo not (help|get you anywhere)",
    ],
    "TONE_BLAME": [
        *BLAME_FORMS,
        # 2026.11-5 (round 6): 'it's in the T&Cs you signed'
        "t&cs|t&c you ~sign|agree|accept",
        # 2026.11-5 (round 5): 'I can't do that while you're shouting at me'
        "while you ~be|'re shouting|swearing|yelling|screaming",
        # 2026.11-5 (round 3): 'you're the one shouting'
        "you ~be|'re the one shouting|yelling|swearing|being|screaming",
        # 2026.11-5 (round 2): 'it's in the contract you signed', 'you keep interrupting'
        "contract|terms|agreement you ~sign|agree|accept",
        "you ~keep interrupting|shouting|repeating|talking|swearing|ringing|calling",
        # 2026.11-5: 'there was no need to wait'
        "was no need to|for",
        "you|u ~would|'d ~appreciate|understand|know|see that|this|it? if you|u",
        # 2026.11-3: general blame forms, checked on sentences written for the tests,
        "you ~be the one who|that",
        "you were the one",
        "(maybe|perhaps) next time",
        "next time ,? ~read|check|try|make|look|pay|use|choose|order|double-check",
        "next time|round ,? please",
        "in (the)? future ,? please",
        "(nobody|no one) ~force|make|tell|ask you",
        "you ~must|might have|'ve ~click|press|enter|type|pay|order|select|choose|tick|put|give|use|miss|forget|ignore|delete",
        "you really|honestly|probably (should|need to|ought to) ~keep|check|read|look|pay|make|be",
        "you ~should|could|might|ought to? have|'ve ~read|check|look|call|ask|follow|notice|keep|contact|double-check",
        "did|do|have you even",
        "did|do|have|has you|anyone|anybody|someone|somebody actually|really|even|ever ~check|read|look|try|open|bother|sign|answer|listen|follow|test|unbox|inspect|order|call|notice",
        "did|have you ~check|read|look|search|follow|try|fill|enter|open .? .? properly|carefully|thoroughly|correctly",
        "at your end",
        "you had plenty|enough|ample|lots of? warning|notice|time|chances|opportunity",
        "you ~be clearly|already told|warned|informed|notified|advised",
        "before calling|contacting|ringing|messaging|emailing|complaining|chasing us|me?",
        "most|many people|customers ~keep|have|get|use|check|book|order|buy|set",
        "you ~pick|choose|select|book|opt for? the cheapest|cheaper|basic|standard|economy|slowest|non-refundable",
        "(nobody|no one) ~answer|respond|pick|open",
        "(nobody|no one) ~be home|in|there|available|around",
        "perhaps|maybe ~check|read|look|try|make|double-check your|the",
        "you really know how to",
        "~leave it too|this|that|so late",
        "~leave it until|till the last",
        "which you|yours ~be|do|have|can|could|would n't|not .|,|!|;|?",
        "~would|'d have been sensible|wise|smart|advisable|prudent",
        "what ~do you ~expect",
        "you clearly|obviously ~do|did|have|can|should|are|were|'re not?",
        f"you ~do|have {NEG} (~read|~listen|~bother|~check|~pay attention)",
        f"you {NEG} ~read|listen|bother|check",
        "if you ~have|'d|had ~read|listen|bother|check|pay",
        "~be your own? fault",
        "your own fault",
        "user error",
        "~try reading|listening",
        "~learn to ~read",
    ],
    "TONE_THREAT": [
        # 2026.11-6 (H): 'Go ahead, but a chargeback will freeze your account'
        "go ahead ,? but",
        # 2026.11-6 (G): consequences said back to a refusal
        "collections|debt agency|agencies|collectors",
        "~affect your credit score|rating|file",
        # 2026.11-5 (round 5): 'your account would be suspended', 'passed to a debt collection agency'
        "account ~will|would|'ll|'d ~be suspended|closed|frozen|blocked",
        "to a debt",
        # 2026.11-5 (round 3): 'call me a thief again and this call ends'
        "again and this|the call|chat ~end",
        "again and i|we ~will|'ll",
        # 2026.11-5 (round 2): 'they'd be passed to a debt collector', 'it'll go to collections'
        "to our? debt collector|collectors|collection|collections|recovery",
        "a debt collector|collectors",
        "to collections",
        # 2026.11-5: "One more insult and I'll put a note on your account"
        "one more @NOUN|ADJ @NOUN? and i|we ~will|'ll",
        "i|we (~will|~be going to|~have to) ~disconnect|end|terminate|close|leave this|the chat|call|conversation",
        "i ~be ~end|disconnect|close|terminate|leave this|the chat|call|conversation",
        "~do that|this again and",
        "~keep this|that up and",
        "if you ~keep this|that up",
        "one more word",
        "i|we (~will|~be going to) (~hang up|~terminate|~ban|~block|~blacklist|~report|~suspend|~disconnect|~close|~cancel) your|on|you",
        "i|we ~will|'ll end this|the call|chat|conversation",
        "~call|get (security|the police)",
        "legal action",
        "or else",
        "you ~will|'ll regret",
        "~be ~ban|block|blacklist",
        "take it or leave it",
        "good luck getting",
        "i|we ~can|could make this|things|it difficult|hard|worse",
        "~hang up on you|u",
        "~will|'ll|going to ~hang up",
        "i ~be hanging up|going",
        "see how far that ~get",
        "go to the ombudsman then",
        "~talk|speak to me like that again",
    ],
    "TONE_INSULT": [
        # 2026.11-5 (round 6): 'good riddance'
        "good riddance",
        # 2026.11-5 (round 3): 'not as thick as someone who ...'
        "not as thick|stupid|daft|dim|clueless|dumb as",
        # 2026.11-5 (round 2): 'with callers like you all day'
        "callers|customers|people like you",
        # 2026.11-5: 'takes one to know one'
        "~take one to know one",
        # 2026.11-5: 'it's pretty simple English', 'bit dramatic'
        "@ADV simple|basic english",
        "(a)? bit|little dramatic",
        "{INSULTN}",
        "what a|an {INSULT}|{INSULTN}",
        "you ~be|'re being? so|very|really|too|quite|just|a|bit|little|completely|totally|extremely|incredibly|being* {INSULT}",
        "your complaint|request|attitude|behaviour|behavior|demand|demands|question|expectations ~be so|very|really|completely|totally|just|a|bit|little* {INSULT}",
        "~do not ~be so? {INSULT}",
        "~stop being {INSULT}",
        "get a life",
        "you ~be|'re being? such? a|an {INSULTP}",
        "~do not ~be such? a|an {INSULTP}",
        "~stop being such? a|an {INSULTP}",
        "~shut up",
        "grow up",
        "you people",
        "your kind",
        "~have|get a brain",
        "~have n't|not got a brain",
        "~be not thick|stupid|deaf|an idiot",
    ],
    "TONE_BOUNDARY": [
        "~keep this|things|the|our|it conversation|chat|call? respectful|civil|polite|calm|constructive|professional|courteous",
        "i ~will|would|do ~need|ask|like us|you to ~keep|stay",
        "~need us to",
        "let us|'s keep",
        "please ~avoid|refrain",
        "so that? i ~can ~help|continue|sort",
        "i ~would|'d ~ask|appreciate it? that|if we|you",
        "i ~would|'d ~ask|appreciate for|us",
        "~keep it|this|things civil|respectful|polite",
        "~keep things|it|this polite|respectful|civil",
        "as long as we",
        "no more name-calling|swearing|insults",
        "~respond to insults",
        "here to help",
    ],
    "TONE_COURTESY": [
        "please",
        "thank|thanks you?",
        "i ~would|'d be happy|glad|pleased to",
        "i ~be happy|glad|here to help",
        "let me",
    ],
}

# ---------------------------------------------------------------------------------
# Dependency patterns (spaCy DependencyMatcher).
# ---------------------------------------------------------------------------------
PAST_TAGS = ["VBD", "VBN", "VBG"]
REQUEST_VERBS = [
    "send",
    "provide",
    "confirm",
    "give",
    "tell",
    "check",
    "let",
    "share",
    "email",
    "attach",
    "upload",
    "call",
    "contact",
    "reply",
    "answer",
    "fill",
    "enter",
    "try",
    "restart",
    "log",
    "click",
    "read",
    "wait",
    "hold",
    "keep",
    "see",
    "note",
    "need",
    "want",
    "like",
    "have",
    "get",
    "receive",
    "find",
    "expect",
    "hear",
]
APOLOGY = ["sorry", "apologise", "apologize", "apology", "apologies", "regret", "condolence"]

# Each pattern is anchored on its rarest node ("you", "your", an apology word) and
# reaches the head with "<" (is a dependent of): the matcher then only expands from a
# handful of tokens per reply.
DEP_PATTERNS: dict[str, list[list[dict]]] = {
    # "you were charged twice", "you've been waiting", "you had to call three times"
    "YOU_EXPERIENCE": [
        [
            {
                "RIGHT_ID": "subj",
                "RIGHT_ATTRS": {
                    "LOWER": {"IN": ["you", "u"]},
                    "DEP": {"IN": ["nsubj", "nsubjpass"]},
                },
            },
            {
                "LEFT_ID": "subj",
                "REL_OP": "<",
                "RIGHT_ID": "verb",
                "RIGHT_ATTRS": {
                    "POS": {"IN": ["VERB", "AUX"]},
                    "TAG": {"IN": PAST_TAGS + ["VBZ", "VBP"]},
                },
            },
        ]
    ],
    # "your parcel still hasn't arrived", "your refund was rejected"
    "YOUR_THING": [
        [
            {"RIGHT_ID": "poss", "RIGHT_ATTRS": {"LOWER": {"IN": ["your", "ur"]}, "DEP": "poss"}},
            {
                "LEFT_ID": "poss",
                "REL_OP": "<",
                "RIGHT_ID": "subj",
                "RIGHT_ATTRS": {
                    "DEP": {"IN": ["nsubj", "nsubjpass"]},
                    "POS": {"IN": ["NOUN", "PROPN"]},
                },
            },
            {
                "LEFT_ID": "subj",
                "REL_OP": "<",
                "RIGHT_ID": "verb",
                "RIGHT_ATTRS": {"POS": {"IN": ["VERB", "AUX"]}},
            },
        ]
    ],
    # every apology word; its complement is inspected in features._apology_hits
    "APOLOGY": [
        [
            {"RIGHT_ID": "apol", "RIGHT_ATTRS": {"LEMMA": {"IN": APOLOGY}}},
        ]
    ],
    # negated cognition: "I don't understand / see / get / know why ..."
    "NEG_COGNITION": [
        [
            {
                "RIGHT_ID": "verb",
                "RIGHT_ATTRS": {
                    "LEMMA": {"IN": ["understand", "see", "get", "know", "think", "believe"]}
                },
            },
            {"LEFT_ID": "verb", "REL_OP": ">", "RIGHT_ID": "neg", "RIGHT_ATTRS": {"DEP": "neg"}},
            {
                "LEFT_ID": "verb",
                "REL_OP": ">",
                "RIGHT_ID": "comp",
                "RIGHT_ATTRS": {"DEP": {"IN": ["ccomp", "xcomp", "dobj", "advcl"]}},
            },
        ]
    ],
    # predicate insult: "you are (being) rude", "you're not being unreasonable" (negated: legit)
    "INSULT_PRED": [
        [
            {
                "RIGHT_ID": "adj",
                "RIGHT_ATTRS": {
                    "DEP": {"IN": ["acomp", "attr"]},
                    "LEMMA": {"IN": sorted(INSULT_ADJ | INSULT_NOUN | INSULT_NOUN_PRED)},
                },
            },
            {"LEFT_ID": "adj", "REL_OP": "<", "RIGHT_ID": "cop", "RIGHT_ATTRS": {"LEMMA": "be"}},
            {
                "LEFT_ID": "cop",
                "REL_OP": ">",
                "RIGHT_ID": "subj",
                "RIGHT_ATTRS": {"DEP": "nsubj", "LOWER": {"IN": ["you", "u"]}},
            },
        ]
    ],
    # remedy: "I'll arrange a replacement", "we've refunded", "let me book an engineer"
    "ACTION_FIRST_PERSON": [
        [
            {
                "RIGHT_ID": "subj",
                "RIGHT_ATTRS": {
                    "DEP": {"IN": ["nsubj", "dobj"]},
                    "LOWER": {"IN": ["i", "we", "me", "us"]},
                },
            },
            {"LEFT_ID": "subj", "REL_OP": "<", "RIGHT_ID": "verb", "RIGHT_ATTRS": {"POS": "VERB"}},
        ]
    ],
    "REMEDY_NOUN": [
        [
            {
                "RIGHT_ID": "noun",
                "RIGHT_ATTRS": {
                    "LEMMA": {
                        "IN": [
                            "refund",
                            "replacement",
                            "credit",
                            "voucher",
                            "compensation",
                            "discount",
                            "reimbursement",
                            "redelivery",
                            "exchange",
                            "callback",
                            "upgrade",
                            "gesture",
                            "engineer",
                            "technician",
                            "courier",
                            "appointment",
                            "visit",
                            "waiver",
                            "rebate",
                        ]
                    }
                },
            },
        ]
    ],
}

ACTION_VERBS = frozenset(
    """
refund replace send book arrange issue credit cancel waive reverse fix escalate process
expedite reship reorder call ring email schedule upgrade compensate apply raise chase
prioritise prioritize courier organise organize reinstate restore reconnect remove correct
dispatch offer rebook reschedule resend redeliver collect repair sort authorise authorize
approve add transfer reimburse pay post deliver cover
""".split()
)

TIME_WORDS = frozenset(
    """
today tonight tomorrow morning afternoon evening monday tuesday wednesday thursday friday
saturday sunday hour hours minute minutes day days week weekend am pm midday noon eod
""".split()
)

PHRASE_LISTS: dict[str, list[str]] = {
    "ACK_CANNED": [
        # 2026.11-6: "I can imagine how you're feeling" names no feeling, like "I know how you feel"
        "imagine how you're feeling",
        "imagine how you are feeling",
        "imagine how you feel",
        "imagine how you must feel",
        "thank you for contacting",
        "thanks for contacting",
        "thank you for reaching out",
        "thanks for reaching out",
        "thank you for your patience",
        "thanks for your patience",
        "we value your",
        "your call is important",
        "your feedback is important",
        "thank you for your feedback",
        "thanks for your feedback",
        "we appreciate your business",
        "thank you for bringing this to our attention",
        "how can i help",
        "how may i help",
        "how can i assist",
        "how may i assist",
        "is there anything else",
        "thank you for your message",
        "thanks for your message",
        "sorry for any inconvenience",
        "bringing this to our attention",
        "bringing this to my attention",
        "we value you",
        "apologies for any inconvenience",
        "we apologise for any inconvenience",
        "we apologize for any inconvenience",
        "sorry for the inconvenience",
        "i understand your concern",
        "i understand your concerns",
        "i completely understand how you feel",
        "i understand how you feel",
        "i know how you feel",
        "sorry to hear about your experience",
        "we're sorry to hear about your experience",
        "we strive to",
        "rest assured",
    ],
}


def _split_first(pattern: list[dict]) -> list[list[dict]]:
    """Speed: give every pattern a plain-valued first token.

    The Matcher tests every pattern's first token at every position; a plain value
    ({"LOWER": "sorry"}) is compared in C, a set predicate ({"LOWER": {"IN": [...]}})
    goes through a Python-level predicate call. So "sorry|apologise for" becomes
    "sorry for" + "apologise for", and a leading optional token is expanded into the
    pattern with and without it. Matches are identical; matching is several times faster.
    """
    if not pattern:
        return [pattern]
    first = dict(pattern[0])
    op = first.pop("OP", None)
    if op == "?":
        without = _split_first(pattern[1:]) if len(pattern) > 1 else []
        return without + _split_first([first] + pattern[1:])
    if op is not None or len(first) != 1:
        return [pattern]
    ((attr, value),) = first.items()
    if isinstance(value, dict) and set(value) == {"IN"} and attr in ("LOWER", "LEMMA", "ORTH"):
        return [[{attr: v}] + pattern[1:] for v in dict.fromkeys(value["IN"])]
    return [pattern]


def _phrase_words(pattern: list[dict]) -> list[list[str]] | None:
    """The word alternatives of a pattern made only of LOWER tokens, else None."""
    out = []
    for tok in pattern:
        if set(tok) != {"LOWER"}:
            return None
        v = tok["LOWER"]
        if isinstance(v, str):
            out.append([v])
        elif isinstance(v, dict) and set(v) == {"IN"}:
            out.append(list(v["IN"]))
        else:
            return None
    return out


def _product(parts: list[list[str]]) -> list[list[str]]:
    combos: list[list[str]] = [[]]
    for alts in parts:
        combos = [c + [a] for c in combos for a in alts]
    return combos


def _token_patterns(nlp) -> tuple[dict[str, list[list[dict]]], dict[str, list]]:
    """TOKEN_PATTERNS compiled: (label -> Matcher patterns, label -> phrase Docs)."""
    from spacy.tokens import Doc

    token: dict[str, list[list[dict]]] = {}
    phrases_by: dict[str, list] = {}
    for label, specs in TOKEN_PATTERNS.items():
        patterns = []
        phrases: list[list[str]] = []
        for spec in specs:
            if spec == "{EMO}":
                continue  # set lookup in features.py
            for x in expand_groups(spec):
                pat = P(x)
                words = _phrase_words(pat)
                if words is not None and len(_product(words)) <= 400:
                    phrases.extend(_product(words))
                else:
                    patterns.append(pat)
        if patterns:
            token[label] = [q for pat in patterns for q in _split_first(pat)]
        if phrases:
            phrases_by[label] = [Doc(nlp.vocab, words=w) for w in phrases]
    for label, texts in PHRASE_LISTS.items():
        phrases_by.setdefault(label, []).extend(nlp.tokenizer.pipe(texts))
    return token, phrases_by


@lru_cache(maxsize=4)
def build_matchers(nlp) -> tuple[FastMatcher, PhraseMatcher]:
    """Compile all patterns for this pipeline's vocab (once per process).

    Patterns that are fixed word sequences (LOWER only, no operators) go to a
    PhraseMatcher (hash lookups); the rest to the scorer's FastMatcher (fastmatch.py),
    which returns what spaCy's Matcher would. DEP_PATTERNS are read off the parse by
    `find_dep_matches`. The single-token emotion list is matched in features.py by a set
    lookup on lemma and lower case.
    """
    token, phrases = _token_patterns(nlp)
    matcher = FastMatcher()
    for label, pats in token.items():
        matcher.add(label, pats)
    phrase = PhraseMatcher(nlp.vocab, attr="LOWER")
    for label, docs in phrases.items():
        phrase.add(label, docs)
    return matcher, phrase


def build_reference_matchers(nlp) -> tuple[Matcher, DependencyMatcher]:
    """spaCy's own Matcher / DependencyMatcher over the same patterns (tests only)."""
    token, _ = _token_patterns(nlp)
    matcher = Matcher(nlp.vocab, validate=True)
    for label, pats in token.items():
        matcher.add(label, pats)
    dep = DependencyMatcher(nlp.vocab, validate=True)
    for label, pats in DEP_PATTERNS.items():
        dep.add(label, pats)
    return matcher, dep


# ---------------------------------------------------------------------------------
# DEP_PATTERNS read straight off the parse (speed). spaCy's DependencyMatcher builds
# key-to-position maps and runs a token Matcher over every reply before it looks at a
# tree; these few two- or three-node patterns are cheaper as direct head / children
# checks. `find_dep_matches` returns what DependencyMatcher(DEP_PATTERNS) returns:
# {label: [token ids in RIGHT_ID order]}; tests/test_scorer.py checks they agree.
# ---------------------------------------------------------------------------------
_YOU = frozenset({"you", "u"})
_YOUR = frozenset({"your", "ur"})
_SUBJ = frozenset({"nsubj", "nsubjpass"})
_VERBISH = frozenset({"VERB", "AUX"})
_EXP_TAGS = frozenset(PAST_TAGS + ["VBZ", "VBP"])
_APOLOGY = frozenset(APOLOGY)
_COGNITION = frozenset(["understand", "see", "get", "know", "think", "believe"])
_COMP_DEPS = frozenset(["ccomp", "xcomp", "dobj", "advcl"])
_INSULT_ANY = frozenset(INSULT_ADJ | INSULT_NOUN | INSULT_NOUN_PRED)
_FIRST_PERSON = frozenset(["i", "we", "me", "us"])
_REMEDY_NOUNS = frozenset(DEP_PATTERNS["REMEDY_NOUN"][0][0]["RIGHT_ATTRS"]["LEMMA"]["IN"])


def find_dep_matches(doc, T=None) -> dict[str, list[list[int]]]:
    if T is None:
        from .toks import Toks

        T = Toks(doc)
    out: dict[str, list[list[int]]] = {}
    low_, lem_, dep_, pos_, tag_, head_, kids_ = T.low, T.lem, T.dep, T.pos, T.tag, T.head, T.kids
    for i in range(T.n):
        lower, lemma, dep = low_[i], lem_[i], dep_[i]
        if lemma in _APOLOGY:
            out.setdefault("APOLOGY", []).append([i])
        if lemma in _REMEDY_NOUNS:
            out.setdefault("REMEDY_NOUN", []).append([i])
        if lemma in _COGNITION:
            kids = kids_[i]
            negs = [c for c in kids if dep_[c] == "neg"]
            if negs:
                comps = [c for c in kids if dep_[c] in _COMP_DEPS]
                for n_ in negs:
                    for c in comps:
                        out.setdefault("NEG_COGNITION", []).append([i, n_, c])
        if dep in _SUBJ and lower in _YOU:
            h = head_[i]
            if h != i and pos_[h] in _VERBISH and tag_[h] in _EXP_TAGS:
                out.setdefault("YOU_EXPERIENCE", []).append([i, h])
        elif dep == "poss" and lower in _YOUR:
            h = head_[i]
            if (
                h != i
                and dep_[h] in _SUBJ
                and pos_[h] in ("NOUN", "PROPN")
                and head_[h] != h
                and pos_[head_[h]] in _VERBISH
            ):
                out.setdefault("YOUR_THING", []).append([i, h, head_[h]])
        elif (dep == "acomp" or dep == "attr") and lemma in _INSULT_ANY:
            h = head_[i]
            if h != i and lem_[h] == "be":
                for c in kids_[h]:
                    if dep_[c] == "nsubj" and low_[c] in _YOU:
                        out.setdefault("INSULT_PRED", []).append([i, h, c])
        if (dep == "nsubj" or dep == "dobj") and lower in _FIRST_PERSON:
            h = head_[i]
            if h != i and pos_[h] == "VERB":
                out.setdefault("ACTION_FIRST_PERSON", []).append([i, h])
    return out
