"""Check the labelled reply datasets (replies_dev.jsonl, replies_test.jsonl).

Run as a script for a summary table (exit status 1 if any problem is found):

    python tests/data/check_dataset.py [DEV_FILE TEST_FILE]

or import the functions (tests/test_dataset.py does). The labelling rules are in
tests/data/README.md; the rubric they follow is /work/shared/rubric.md.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
DEV_PATH = DATA_DIR / "replies_dev.jsonl"
TEST_PATH = DATA_DIR / "replies_test.jsonl"
SPLITS: dict[str, Path] = {"dev": DEV_PATH, "test": TEST_PATH}

DIMENSIONS: tuple[str, ...] = ("acknowledgment", "validation", "calm_tone")
REQUIRED_KEYS: tuple[str, ...] = ("id", "scenario", "customer", "reply", *DIMENSIONS, "tags")
OPTIONAL_KEYS: tuple[str, ...] = ("history", "note")
SCENARIOS: frozenset[str] = frozenset(
    {
        "late-express-delivery",
        "double-charge-overdrawn",
        "broken-replacement",
        "missed-technician",
        "flight-cancelled-funeral",
        "insurance-claim-delay",
        "abusive-billing-caller",
        "lost-medication-parcel",
        # added with the scenario; in dev from dev-0699 on (the test split predates it)
        "gym-cancellation-runaround",
    }
)
# Scenarios every split must cover (the test split was written before the gym scenario).
CORE_SCENARIOS: frozenset[str] = SCENARIOS - {"gym-cancellation-runaround"}
# The hard cases a report breaks scores out by. Every one must appear in both splits.
HARD_CASE_TAGS: tuple[str, ...] = (
    "negation",
    "sarcasm",
    "understand_but",
    "polite_dismissive",
    "validation_no_stock_words",
    "paraphrase_ack",
    "typos_lowercase",
    "abusive_customer",
    "no_opportunity",
    "generic_apology",
    "procedural",
    "shouting",
    "passive_aggressive",
    "blame",
    "remedy",
    "formulaic",
)
# Descriptive tags also in use; anything else is flagged as a probable typo.
EXTRA_TAGS: frozenset[str] = frozenset(
    {
        "good",
        "mixed",
        "minimising",
        "order_to_emotion",
        "defensive",
        "boundary",
        "insult",
        "threat",
        "history",
        "emoji",
        "filler",
        "benign_trigger",
        "impatient",
        "condescending",
    }
)
KNOWN_TAGS: frozenset[str] = frozenset(HARD_CASE_TAGS) | EXTRA_TAGS
MIN_TOTAL = 400
MIN_TEST = 120
MIN_PER_HARD_TAG = 15  # across both splits
MIN_MINORITY_SHARE = 0.25  # per dimension, per split
NEAR_DUPLICATE_JACCARD = 0.8


@dataclass
class Split:
    name: str
    path: Path
    records: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def load_split(name: str, path: Path) -> Split:
    """Parse a JSONL file; every unparsable or non-object line becomes a problem."""
    split = Split(name, path)
    if not path.exists():
        split.problems.append(f"{path}: file missing")
        return split
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            split.problems.append(f"{path.name}:{lineno}: blank line")
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            split.problems.append(f"{path.name}:{lineno}: invalid JSON ({exc.msg})")
            continue
        if not isinstance(obj, dict):
            split.problems.append(f"{path.name}:{lineno}: not a JSON object")
            continue
        obj["_line"] = lineno
        split.records.append(obj)
    return split


def record_problems(rec: dict, split_name: str) -> list[str]:
    """Schema problems of one record."""
    where = f"{split_name}:{rec.get('_line', '?')} ({rec.get('id', 'no id')})"
    out: list[str] = []
    for key in REQUIRED_KEYS:
        if key not in rec:
            out.append(f"{where}: missing key {key!r}")
    unknown = set(rec) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS) - {"_line"}
    if unknown:
        out.append(f"{where}: unknown keys {sorted(unknown)}")
    rid = rec.get("id")
    if not isinstance(rid, str) or not re.fullmatch(rf"{split_name}-\d{{4}}", rid):
        out.append(f"{where}: id must look like {split_name}-0001")
    if rec.get("scenario") not in SCENARIOS:
        out.append(f"{where}: unknown scenario {rec.get('scenario')!r}")
    for key in ("customer", "reply"):
        if key in rec and (not isinstance(rec[key], str) or not rec[key].strip()):
            out.append(f"{where}: {key} must be a non-empty string")
    for dim in DIMENSIONS:
        value = rec.get(dim)
        if dim in rec and (isinstance(value, bool) or value not in (0, 1)):
            out.append(f"{where}: {dim} must be 0 or 1, got {value!r}")
    tags = rec.get("tags")
    if "tags" in rec:
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            out.append(f"{where}: tags must be a list of strings")
        else:
            for tag in tags:
                if tag not in KNOWN_TAGS:
                    out.append(f"{where}: unknown tag {tag!r}")
            if len(set(tags)) != len(tags):
                out.append(f"{where}: duplicate tags")
    if "note" in rec and not isinstance(rec["note"], str):
        out.append(f"{where}: note must be a string")
    if "history" in rec:
        hist = rec["history"]
        ok = isinstance(hist, list) and all(
            isinstance(t, dict)
            and set(t) == {"role", "text"}
            and t["role"] in ("customer", "trainee")
            and isinstance(t["text"], str)
            for t in hist
        )
        if not ok:
            out.append(f"{where}: history must be a list of {{role, text}} turns")
    return out


def normalise(text: str) -> str:
    """Case-, punctuation- and whitespace-insensitive form used for overlap checks."""
    return " ".join(re.findall(r"[a-z0-9£$']+", text.lower().replace("’", "'")))


def duplicate_ids(splits: Iterable[Split]) -> list[str]:
    counts = Counter(r.get("id") for s in splits for r in s.records)
    return sorted(str(i) for i, n in counts.items() if n > 1)


def duplicate_replies_within(split: Split) -> list[str]:
    """The same (customer, reply) pair labelled twice in one split."""
    counts = Counter(
        (normalise(r.get("customer", "")), normalise(r.get("reply", ""))) for r in split.records
    )
    return sorted(reply for (_, reply), n in counts.items() if n > 1)


def shared_replies(a: Split, b: Split) -> list[str]:
    """Reply texts that occur (after normalisation) in both splits."""
    left = {normalise(r.get("reply", "")) for r in a.records}
    right = {normalise(r.get("reply", "")) for r in b.records}
    return sorted(left & right)


def shared_customers(a: Split, b: Split) -> list[str]:
    """Customer messages used in both splits (the test split has its own wording)."""
    left = {normalise(r.get("customer", "")) for r in a.records}
    right = {normalise(r.get("customer", "")) for r in b.records}
    return sorted(left & right)


def near_duplicates(a: Split, b: Split, threshold: float = NEAR_DUPLICATE_JACCARD):
    """Cross-split reply pairs whose word sets overlap at least `threshold` (Jaccard)."""
    pairs = []
    right = [(r["id"], set(normalise(r.get("reply", "")).split())) for r in b.records]
    for ra in a.records:
        wa = set(normalise(ra.get("reply", "")).split())
        for rid, wb in right:
            if wa and wb and len(wa & wb) / len(wa | wb) >= threshold:
                pairs.append((ra["id"], rid))
    return pairs


def positive_rates(records: list[dict]) -> dict[str, float]:
    n = len(records) or 1
    return {d: sum(r.get(d) == 1 for r in records) / n for d in DIMENSIONS}


def tag_counts(records: list[dict]) -> Counter:
    return Counter(t for r in records for t in r.get("tags", []) if isinstance(t, str))


def all_problems(splits: dict[str, Split]) -> list[str]:
    """Every problem that makes the dataset unusable or breaks the split policy."""
    problems: list[str] = []
    for split in splits.values():
        problems += split.problems
        for rec in split.records:
            problems += record_problems(rec, split.name)
        for reply in duplicate_replies_within(split):
            problems.append(f"{split.name}: same customer+reply labelled twice: {reply!r}")
    for rid in duplicate_ids(splits.values()):
        problems.append(f"duplicate id {rid}")
    if "dev" in splits and "test" in splits:
        dev, test = splits["dev"], splits["test"]
        for reply in shared_replies(dev, test):
            problems.append(f"reply shared between dev and test: {reply!r}")
        for cust in shared_customers(dev, test):
            problems.append(f"customer message shared between dev and test: {cust!r}")
        total = len(dev.records) + len(test.records)
        if total < MIN_TOTAL:
            problems.append(f"only {total} examples in total, need >= {MIN_TOTAL}")
        if len(test.records) < MIN_TEST:
            problems.append(f"test split has {len(test.records)} examples, need >= {MIN_TEST}")
        both = tag_counts(dev.records) + tag_counts(test.records)
        for tag in HARD_CASE_TAGS:
            for split in (dev, test):
                if tag_counts(split.records)[tag] == 0:
                    problems.append(f"hard-case tag {tag!r} missing from {split.name}")
            if both[tag] < MIN_PER_HARD_TAG:
                problems.append(f"hard-case tag {tag!r}: {both[tag]} < {MIN_PER_HARD_TAG}")
    for split in splits.values():
        for dim, rate in positive_rates(split.records).items():
            if min(rate, 1 - rate) < MIN_MINORITY_SHARE:
                problems.append(
                    f"{split.name}: {dim} minority class is {min(rate, 1 - rate):.0%}, "
                    f"need >= {MIN_MINORITY_SHARE:.0%}"
                )
    return problems


def load_all(paths: dict[str, Path] | None = None) -> dict[str, Split]:
    return {name: load_split(name, path) for name, path in (paths or SPLITS).items()}


def summary_table(splits: dict[str, Split]) -> str:
    names = list(splits)
    recs = {n: splits[n].records for n in names}
    recs["all"] = [r for n in names for r in splits[n].records]
    cols = [*names, "all"]
    lines = [f"{'':28}" + "".join(f"{c:>10}" for c in cols)]
    lines.append(f"{'examples':28}" + "".join(f"{len(recs[c]):>10}" for c in cols))
    for dim in DIMENSIONS:
        cells = "".join(f"{positive_rates(recs[c])[dim]:>10.1%}" for c in cols)
        lines.append(f"{dim + ' positive':28}" + cells)
    lines.append("")
    lines.append("scenario")
    for scen in sorted(SCENARIOS):
        cells = "".join(f"{sum(r.get('scenario') == scen for r in recs[c]):>10}" for c in cols)
        lines.append(f"  {scen:26}" + cells)
    lines.append("")
    lines.append("tag (hard cases first)")
    counts = {c: tag_counts(recs[c]) for c in cols}
    extra = sorted(set(counts["all"]) - set(HARD_CASE_TAGS))
    for tag in [*HARD_CASE_TAGS, *extra]:
        marker = "*" if tag in HARD_CASE_TAGS else " "
        lines.append(f"{marker} {tag:26}" + "".join(f"{counts[c][tag]:>10}" for c in cols))
    lines.append("")
    lines.append("label patterns (ack/val/calm)")
    pats = {c: Counter("".join(str(r.get(d)) for d in DIMENSIONS) for r in recs[c]) for c in cols}
    for pat in sorted(pats["all"], reverse=True):
        lines.append(f"  {pat:26}" + "".join(f"{pats[c][pat]:>10}" for c in cols))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    paths = dict(zip(("dev", "test"), map(Path, argv), strict=False)) if argv else None
    splits = load_all(paths)
    print(summary_table(splits))
    if "dev" in splits and "test" in splits:
        near = near_duplicates(splits["dev"], splits["test"])
        if near:
            print(f"\nnear-duplicate replies across splits (review): {near}")
    problems = all_problems(splits)
    print()
    if problems:
        print(f"{len(problems)} problem(s):")
        for p in problems:
            print(f"  - {p}")
        return 1
    print("OK: no problems found")
    return 0


if __name__ == "__main__":
    sys.exit(main())
