"""The labelled reply datasets (tests/data/replies_*.jsonl) are well formed and usable.

Structure, size, balance, hard-case coverage and split hygiene, plus a few label-policy
invariants from tests/data/README.md that catch labelling slips.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "data"))

import check_dataset as cd  # noqa: E402


@pytest.fixture(scope="module")
def splits() -> dict[str, cd.Split]:
    return cd.load_all()


@pytest.fixture(scope="module")
def dev(splits: dict[str, cd.Split]) -> cd.Split:
    return splits["dev"]


@pytest.fixture(scope="module")
def test_split(splits: dict[str, cd.Split]) -> cd.Split:
    return splits["test"]


def _all(splits: dict[str, cd.Split]) -> list[dict]:
    return [r for s in splits.values() for r in s.records]


def test_every_line_is_a_json_object(splits: dict[str, cd.Split]) -> None:
    problems = [p for s in splits.values() for p in s.problems]
    assert not problems, problems
    for split in splits.values():
        assert split.records, f"{split.name} is empty"


def test_records_have_required_keys_and_binary_labels(splits: dict[str, cd.Split]) -> None:
    problems = [
        p for s in splits.values() for r in s.records for p in cd.record_problems(r, s.name)
    ]
    assert not problems, problems[:20]


def test_ids_are_unique_across_splits(splits: dict[str, cd.Split]) -> None:
    assert cd.duplicate_ids(splits.values()) == []


def test_no_pair_labelled_twice_within_a_split(splits: dict[str, cd.Split]) -> None:
    for split in splits.values():
        assert cd.duplicate_replies_within(split) == [], split.name


def test_sizes(dev: cd.Split, test_split: cd.Split) -> None:
    assert len(dev.records) + len(test_split.records) >= cd.MIN_TOTAL
    assert len(test_split.records) >= cd.MIN_TEST
    # dev is the bigger (tuning) split
    assert len(dev.records) > len(test_split.records)


def test_no_reply_shared_between_splits(dev: cd.Split, test_split: cd.Split) -> None:
    assert cd.shared_replies(dev, test_split) == []
    assert cd.near_duplicates(dev, test_split) == []


def test_test_split_uses_its_own_customer_messages(dev: cd.Split, test_split: cd.Split) -> None:
    assert cd.shared_customers(dev, test_split) == []


@pytest.mark.parametrize("tag", cd.HARD_CASE_TAGS)
def test_hard_case_tag_in_both_splits(tag: str, dev: cd.Split, test_split: cd.Split) -> None:
    n_dev = cd.tag_counts(dev.records)[tag]
    n_test = cd.tag_counts(test_split.records)[tag]
    assert n_dev > 0 and n_test > 0, (tag, n_dev, n_test)
    assert n_dev + n_test >= cd.MIN_PER_HARD_TAG, (tag, n_dev + n_test)


@pytest.mark.parametrize("split_name", ["dev", "test"])
@pytest.mark.parametrize("dim", cd.DIMENSIONS)
def test_each_dimension_has_both_classes(
    split_name: str, dim: str, splits: dict[str, cd.Split]
) -> None:
    rate = cd.positive_rates(splits[split_name].records)[dim]
    assert min(rate, 1 - rate) >= cd.MIN_MINORITY_SHARE, (split_name, dim, rate)


def test_every_scenario_in_both_splits(splits: dict[str, cd.Split]) -> None:
    for split in splits.values():
        seen = {r["scenario"] for r in split.records}
        assert set(cd.CORE_SCENARIOS) <= seen <= set(cd.SCENARIOS), (
            split.name,
            set(cd.CORE_SCENARIOS) - seen,
        )


def test_checker_reports_no_problems(splits: dict[str, cd.Split]) -> None:
    assert cd.all_problems(splits) == []


# --- label-policy invariants (README "Labelling rules") -------------------------------


def _tagged(splits: dict[str, cd.Split], tag: str) -> list[dict]:
    return [r for r in _all(splits) if tag in r["tags"]]


@pytest.mark.parametrize(
    "tag", ["shouting", "sarcasm", "passive_aggressive", "order_to_emotion", "blame", "threat"]
)
def test_tone_failures_are_not_calm(tag: str, splits: dict[str, cd.Split]) -> None:
    bad = [r["id"] for r in _tagged(splits, tag) if r["calm_tone"] != 0]
    assert not bad, bad


@pytest.mark.parametrize("tag", ["boundary", "polite_dismissive", "procedural", "benign_trigger"])
def test_polite_forms_are_calm(tag: str, splits: dict[str, cd.Split]) -> None:
    bad = [r["id"] for r in _tagged(splits, tag) if r["calm_tone"] != 1]
    assert not bad, bad


def test_sarcasm_never_validates_and_acknowledges_only_with_a_note(
    splits: dict[str, cd.Split],
) -> None:
    # a sarcastic aside next to a sincere restatement of the charge may still acknowledge
    # ("Crooks? Charming. £451 of that is roaming, ..."): only with a note saying so
    bad = [
        r["id"]
        for r in _tagged(splits, "sarcasm")
        if r["validation"] or (r["acknowledgment"] and not r.get("note"))
    ]
    assert not bad, bad


@pytest.mark.parametrize("tag", ["generic_apology", "polite_dismissive", "minimising", "blame"])
def test_invalidating_or_generic_forms_do_not_validate(
    tag: str, splits: dict[str, cd.Split]
) -> None:
    bad = [r["id"] for r in _tagged(splits, tag) if r["validation"] != 0]
    assert not bad, bad


def test_understand_but_only_keeps_validation_when_but_leads_to_a_remedy(
    splits: dict[str, cd.Split],
) -> None:
    bad = [
        r["id"]
        for r in _tagged(splits, "understand_but")
        if r["validation"] == 1 and "remedy" not in r["tags"]
    ]
    assert not bad, bad


def test_paraphrase_tag_means_acknowledged(splits: dict[str, cd.Split]) -> None:
    bad = [r["id"] for r in _tagged(splits, "paraphrase_ack") if r["acknowledgment"] != 1]
    assert not bad, bad


def test_validation_no_stock_words_really_has_none(splits: dict[str, cd.Split]) -> None:
    stock = ("understand", "sorry", "frustrat", "apolog")
    bad = [
        r["id"]
        for r in _tagged(splits, "validation_no_stock_words")
        if r["validation"] != 1 or any(w in r["reply"].lower() for w in stock)
    ]
    assert not bad, bad


def test_unusual_label_patterns_carry_a_note(splits: dict[str, cd.Split]) -> None:
    """Validation without acknowledgment, or empathy that still fails tone, is non-obvious."""
    unusual = {(0, 1, 1), (0, 1, 0), (1, 1, 0)}
    bad = [
        r["id"]
        for r in _all(splits)
        if (r["acknowledgment"], r["validation"], r["calm_tone"]) in unusual
        and not r.get("note", "").strip()
    ]
    assert not bad, bad


def test_script_prints_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert cd.main([]) == 0
    out = capsys.readouterr().out
    assert "acknowledgment positive" in out and "OK: no problems found" in out
