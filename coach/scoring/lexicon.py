"""Word lists the scorer's patterns are built from.

Lists are of *lemmas* (matched against spaCy's lemma) unless the name says LOWER.
They name general linguistic categories (emotion words, minimisers, procedure nouns)
rather than memorised replies; the phrase patterns that combine them live in
patterns.py.
"""

from __future__ import annotations

# --- the customer's state ---------------------------------------------------------
# Emotion / burden words a reply can use to *name* what the customer feels.
EMOTION_LEMMAS = frozenset(
    """
frustrated frustrating frustration frustrate upset upsetting annoyed annoying annoyance annoy
angry anger furious fury livid irritated irritating irritation infuriating infuriate maddening
mad worried worrying worry anxious anxiety stressed stressful stress distressing distress
exhausting exhausted exhaust draining drained tiring tired weary disappointed disappointing
disappointment disappoint scary scared frightening frightened fear afraid alarming alarmed
nervous unsettling confusing confused confusion overwhelming overwhelmed hurt hurtful awful
horrible terrible nightmare hassle headache ordeal grief sad sadness unhappy miserable
concerned concern panic panicked helpless powerless embarrassing embarrassed humiliating
aggravating aggravation exasperating exasperated exasperation outraged outrage disheartening
discouraging inconvenient fed-up sick fed agitated bothered bother troubling troubled
gutted devastated devastating heartbroken heartbreaking fuming distraught shaken rattled desperate
hopeless terrified terrifying petrified letdown robbed cheated unfair disaster shock shocked
frightened dreadful unsettled insulted ignored abandoned stranded heartbreak traumatic upsetting
""".split()
)

# Families of feelings, for telling a named feeling the customer has not shown ("I understand
# your frustration" to someone who said they are frightened) from one they have. Words in no
# family ("upset", "awful", "hassle") fit any feeling. Inflected forms are listed because the
# customer's message is matched word by word, without a parse.
EMOTION_FAMILIES: dict[str, frozenset[str]] = {
    name: frozenset(words.split())
    for name, words in {
        "anger": """frustrated frustrating frustration frustrate annoyed annoying annoyance annoy
            angry anger furious fury livid irritated irritating irritation infuriating infuriate
            infuriated maddening mad fuming outraged outrage exasperated exasperating
            exasperation aggravating aggravation agitated seething raging""",
        "fear": """worried worrying worry worries anxious anxiety stressed stressful stress
            scary scared frightening frightened fear afraid alarming alarmed nervous panic
            panicked panicking terrified terrifying petrified unsettling unsettled distress
            distressed distressing frantic""",
        "sadness": """sad sadness heartbroken heartbreaking heartbreak grief grieving
            devastated devastating distraught miserable unhappy distress distressed distressing
            crying""",
        "disappointment": """disappointed disappointing disappointment disappoint letdown gutted
            disheartening discouraging""",
        "exhaustion": """exhausting exhausted exhaust draining drained tiring tired weary""",
    }.items()
}

# Emotion words that also occur in neutral procedure ("any concerns?", "sorry to bother you").
WEAK_EMOTION_LEMMAS = frozenset(
    {
        "concern",
        "concerned",
        "bother",
        "bothered",
        "sick",
        "fed",
        "hurt",
        "sad",
        "inconvenient",
        "confusion",
        "fear",
    }
)

# --- words that carry no reference to *this* customer's problem --------------------
GENERIC_LEMMAS = frozenset(
    """
help assist support contact reach service customer team department thing stuff matter issue
problem situation position case query request concern feedback experience inconvenience trouble
understand know see hear get make do be have go say tell let want need would could can will
shall may might must should like look check sort thank thanks please sorry apologise apologize
apology apologies patience moment minute today now day time way kind lot bit anything
something everything nothing one someone anyone everyone information detail details info
question answer message chat call-centre system process policy please hello hi hey okay ok yes
no sure well right just really also very much more please try able happy glad pleasure welcome
first last next new good great best bad fine nice lovely correct wrong hope appreciate
confirm provide send give update note noted mr mrs ms sir madam dear regards
cheers bye goodbye care rest travels luck anytime afternoon evening
""".split()
)

# Nouns that a procedural request mentions without acknowledging anything
# ("What is your order number?").
PROCEDURE_LEMMAS = frozenset(
    """
order number account reference detail details postcode address email name date birth
code id password username phone booking invoice receipt ticket case id card
""".split()
)

# --- concept clusters: paraphrase without shared words ------------------------------
# "charged twice" ~ "double billed", "cracked" ~ "damaged". Each word maps to a cluster id.
_CLUSTERS = {
    "CHARGE": "charge charged bill billed billing debit debited payment pay paid overcharge "
    "overcharged money transaction fee cost price amount",
    "DOUBLE": "twice double doubled duplicate duplicated two second again",
    "REFUND": "refund refunded reimburse reimbursement repay repaid money-back credit",
    "DELIVER": "deliver delivered delivery arrive arrived arrival ship shipped shipping "
    "dispatch dispatched courier parcel package post posted",
    "BROKEN": "broken break broke damaged damage cracked crack smashed smash faulty "
    "defective dented dent scratched scratch torn shattered shatter dead stopped "
    "leaking leak",
    "WAIT": "wait waited waiting late delay delayed delays still hold held ages long",
    "CANCEL": "cancel cancelled canceled cancellation",
    "ENGINEER": "engineer technician tech fitter installer repairman",
    "APPOINTMENT": "appointment visit booking slot booked book",
    "NOSHOW": "never noshow no-show missed miss",
    "CALL": "call called calling phone phoned ring rang rung",
    "INTERNET": "internet wifi broadband connection signal outage network online",
    "MISSING": "missing lost lose vanished disappeared",
    "LUGGAGE": "bag bags luggage suitcase baggage",
    "FLIGHT": "flight flights plane trip holiday travel",
    "REPLACE": "replacement replace replaced exchange exchanged swap",
    "PROMISE": "promise promised told assured guaranteed",
    "IGNORE": "ignore ignored ignoring unanswered",
    "WRONG": "wrong incorrect different mistake error mixed",
    "CHASE": "chase chased chasing follow-up",
    "HOUR": "hour hours afternoon morning evening",
    "WEEK": "week weeks fortnight",
    "MONTH": "month months",
    "DAY": "day days",
    "BEREAVEMENT": "funeral loss died death passed bereavement bereaved grieving grief condolences",
    "MOTHER": "mum mother mom mam mummy",
    "FATHER": "dad father daddy",
    "MEDICATION": "medication medicine tablets pills prescription insulin meds",
}
CONCEPT = {w: cid for cid, words in _CLUSTERS.items() for w in words.split()}

NUMBER_WORDS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "fifteen": "15",
    "twenty": "20",
    "thirty": "30",
    "forty": "40",
    "fifty": "50",
    "hundred": "100",
    "first": "1",
    "second": "2",
    "third": "3",
    "fourth": "4",
    "fifth": "5",
    "sixth": "6",
    "once": "1",
    "twice": "2",
    "thrice": "3",
}

IRREGULAR = {
    "broken": "break",
    "broke": "break",
    "sent": "send",
    "paid": "pay",
    "told": "tell",
    "bought": "buy",
    "came": "come",
    "went": "go",
    "gone": "go",
    "took": "take",
    "taken": "take",
    "lost": "lose",
    "left": "leave",
    "rang": "ring",
    "rung": "ring",
    "spent": "spend",
    "got": "get",
    "gotten": "get",
    "gave": "give",
    "given": "give",
    "said": "say",
    "held": "hold",
    "kept": "keep",
    "made": "make",
    "wrote": "write",
    "written": "write",
    "heard": "hear",
    "felt": "feel",
    "fell": "fall",
    "fallen": "fall",
    "stuck": "stick",
    "children": "child",
    "people": "person",
    "men": "man",
    "women": "woman",
}

# --- acronyms and codes are not shouting --------------------------------------------
ACRONYMS = frozenset(
    """
UK US USA EU ID IDS SMS MMS PIN PINS OK TV PC ATM FAQ VAT GBP USD EUR DHL UPS USPS TNT DPD
BT HR CEO ETA ASAP AM PM IBAN BIC SWIFT PDF URL IP DNS ISP SIM IMEI GB MB KB TB HD USB DVD
CD VIP FYI RMA PO NB PS BST GMT UTC EST PST CET QR OTP API NHS GP MOT DVLA HMRC IT A&E
RSVP TBC TBA NY LA NYC EMEA APAC AI OS IOS PAYG SKU REF ORD INV CS CSR CRM KYC AML NFC
WIFI LTE ADSL VDSL FTTP FTTC ONT CPU RAM SSD UAE RAF BBC ITV DM DMS EV AC DC FAQS ETAS PS5
VPN ATM4 TSB HSBC RBS UPI AMEX VISA PAYPAL OTPS PDFS URLS APR LOL LMAO OMG BTW TBH IMO DD GPS LOT
""".split()
)

# --- seeds for the typo-tolerant key lexicon (normalize.py) ----------------------------
# Every lexicon word of 5+ letters is also a typo target; these add inflections the
# patterns rely on that are not listed above.
_EXTRA_KEY_WORDS = """
understand understood understanding understandable understandably apologise apologize
apologies apologising apologizing apologised apologized sorry frustrated frustrating
frustration completely absolutely totally definitely certainly imagine appreciate
responsibility unacceptable acceptable ridiculous obviously already mentioned explained
respect respectful language listen listening shouting yelling screaming relax panic
replacement refund refunded engineer technician reasonable entitled justified naturally
disappointing disappointed disappointment annoying annoyed stressful worried worrying
exhausting infuriating confusing upsetting absolutely genuinely honestly deserve deserved
inconvenience experience situation patience customer service arrange arranged booked
compensation voucher discount escalate escalated priority tomorrow morning afternoon
evening overreacting overreact dramatic apparently whatever seriously honestly clearly
mistake walking through explaining telling sharing policy terms conditions department
""".split()

KEY_WORDS = frozenset(
    w
    for w in (set(EMOTION_LEMMAS) | set(_EXTRA_KEY_WORDS) | set(CONCEPT))
    if len(w) >= 5 and w.isalpha()
)
