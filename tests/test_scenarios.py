"""Scenario files: the shipped customers are complete, and authoring mistakes are caught."""

from __future__ import annotations

import copy
import hashlib
import os
import re
from pathlib import Path

import pytest
import yaml

from coach.scenarios import (
    DIFFICULTIES,
    ENDINGS,
    MOODS,
    MOVES,
    REGISTERS,
    STARTING_FRUSTRATION_RANGE,
    Problem,
    Scenario,
    ScenarioError,
    UnknownScenario,
    fill_placeholders,
    get_scenario,
    load_all,
    load_scenario,
    mood_for,
    register_for,
    scenario_files,
    validate_file,
    validate_files,
)

SCENARIOS_DIR = Path(__file__).resolve().parent.parent / "scenarios"
REQUIRED_IDS = {
    "late-express-delivery",
    "double-charge-overdrawn",
    "broken-replacement",
    "missed-technician",
    "flight-cancelled-funeral",
    "insurance-claim-delay",
    "abusive-billing-caller",
    "lost-medication-parcel",
}
TEMPLATE = SCENARIOS_DIR / "late-express-delivery.yml"


@pytest.fixture(scope="module")
def shipped() -> dict[str, Scenario]:
    return load_all(SCENARIOS_DIR)


# --------------------------------------------------------------------------- shipped content


def test_every_shipped_scenario_validates_cleanly():
    files = scenario_files(SCENARIOS_DIR)
    assert files, "no scenario files found"
    assert [str(p) for p in validate_files(files)] == []


def test_the_catalogue_covers_the_required_customers(shipped):
    assert REQUIRED_IDS <= set(shipped)
    assert len(shipped) >= 8
    assert {s.difficulty for s in shipped.values()} == set(DIFFICULTIES)
    assert len({s.emotion for s in shipped.values()}) >= 6
    abusive = [s.id for s in shipped.values() if s.abusive]
    assert abusive == ["abusive-billing-caller"]
    assert list(shipped) == sorted(shipped)


def test_required_scenarios_have_the_briefed_difficulty(shipped):
    expected = {
        "late-express-delivery": "medium",
        "double-charge-overdrawn": "hard",
        "broken-replacement": "easy",
        "missed-technician": "medium",
        "flight-cancelled-funeral": "hard",
        "insurance-claim-delay": "medium",
        "abusive-billing-caller": "hard",
        "lost-medication-parcel": "easy",
    }
    assert {sid: shipped[sid].difficulty for sid in expected} == expected


def test_harder_customers_start_angrier_and_are_harder_to_calm(shipped):
    def average(difficulty, attr):
        values = [getattr(s, attr) for s in shipped.values() if s.difficulty == difficulty]
        return sum(values) / len(values)

    start = {d: average(d, "starting_frustration") for d in DIFFICULTIES}
    threshold = {d: average(d, "calmed_threshold") for d in DIFFICULTIES}
    assert start["hard"] >= start["medium"] >= start["easy"]
    assert threshold["hard"] <= threshold["medium"] <= threshold["easy"]
    assert start["hard"] > start["easy"] and threshold["hard"] < threshold["easy"]


def test_shipped_scenarios_carry_more_lines_than_the_minimum(shipped):
    """Enough variety that a single move or mood can come up several times."""
    for s in shipped.values():
        assert len(s.lines.opening) >= 3, s.id
        for band in MOODS:
            assert len(s.lines.moods[band]) >= 6, (s.id, band)
        for band in ("angry", "annoyed"):  # where a so-so session spends most turns
            assert len(s.lines.moods[band]) >= 8, (s.id, band)
        for move in MOVES:
            for register in REGISTERS:
                assert len(s.lines.moves[move][register]) >= 3, (s.id, move, register)
        assert len(s.lines.demand_manager) >= 2, s.id
        for ending in ENDINGS:
            assert len(s.lines.endings[ending]) >= 2, (s.id, ending)


GOOD_TRAINEE = (
    ["greet", "acknowledge_feelings", "ask_details", "apologise", "ask_details"]
    + ["explain_policy", "offer_remedy", "acknowledge_feelings", "offer_remedy", "goodbye"],
    [-0.7] * 10,
)
POOR_TRAINEE = (
    ["dismiss", "explain_policy", "blame_customer", "other", "tell_to_calm_down"]
    + ["explain_policy", "dismiss", "ask_details", "other", "explain_policy"],
    [+0.4] * 10,
)
UNEVEN_TRAINEE = (
    ["ask_details", "other", "acknowledge_feelings", "ask_details", "explain_policy"]
    + ["set_boundary", "offer_remedy", "other", "ask_details", "escalate"],
    [-0.35] * 10,
)
# Two steps forward, one back: the customer hovers in the same mood for most of the session.
SLOW_TRAINEE = (
    ["ask_details", "dismiss", "acknowledge_feelings", "explain_policy", "apologise"]
    + ["other", "ask_details", "explain_policy", "acknowledge_feelings", "other"],
    [+0.4, -0.8] * 5,
)


@pytest.mark.parametrize(
    "script",
    [GOOD_TRAINEE, POOR_TRAINEE, UNEVEN_TRAINEE, SLOW_TRAINEE],
    ids=["good", "poor", "uneven", "slow"],
)
def test_a_ten_turn_session_never_repeats_a_customer_line(shipped, script):
    """Each reply is a move line plus a mood line, never one the customer already said.

    Frustration moves by a scripted step per turn; the session ends as the contract says:
    escalated at 10, resolved once calmed after a remedy was offered.
    """
    moves, steps = script
    for s in shipped.values():
        said: set[str] = set()

        def pick(options, what, s=s, said=said):
            fresh = [line for line in options if line not in said]
            assert fresh, f"{s.id}: ran out of {what} lines"
            said.add(fresh[0])
            return fresh[0]

        pick(s.lines.opening, "opening")
        frustration = s.starting_frustration
        remedy_offered = False
        for move, step in zip(moves, steps, strict=True):
            frustration = min(10.0, max(0.0, frustration + step))
            remedy_offered = remedy_offered or move == "offer_remedy"
            if frustration >= 10.0:  # the customer gives up: demands a manager
                pick(s.lines.demand_manager, "demand_manager")
                break
            mood = mood_for(frustration)
            pick(s.lines.moves[move][register_for(mood)], f"{move}/{register_for(mood)}")
            pick(s.lines.moods[mood], f"mood {mood}")
            if remedy_offered and frustration <= s.calmed_threshold:  # contract: resolved
                pick(s.lines.endings["resolved"], "resolved ending")
                break


def test_every_shipped_line_fills_in_cleanly(shipped):
    for s in shipped.values():
        lines = [*s.lines.opening, *s.lines.demand_manager]
        lines += [line for band in s.lines.moods.values() for line in band]
        lines += [line for regs in s.lines.moves.values() for reg in regs.values() for line in reg]
        lines += [line for ending in s.lines.endings.values() for line in ending]
        for line in lines:
            filled = fill_placeholders(line, s.persona.facts)
            assert "{" not in filled and "}" not in filled, (s.id, line)
            assert filled.strip() and len(filled) <= 500, (s.id, line)


def test_ask_details_lines_give_facts(shipped):
    for s in shipped.values():
        for register in REGISTERS:
            lines = s.lines.moves["ask_details"][register]
            assert all(re.search(r"\{\w+\}", line) for line in lines), (s.id, register)


# --------------------------------------------------------------------------- loading


def test_load_scenario_builds_the_model():
    s = load_scenario(TEMPLATE)
    assert s.id == "late-express-delivery"
    assert s.difficulty == "medium" and s.emotion == "anger" and s.emotion_level == "high"
    assert s.version == hashlib.sha256(TEMPLATE.read_bytes()).hexdigest()[:16]
    assert s.source == str(TEMPLATE)
    assert s.raw["id"] == s.id
    assert isinstance(s.lines.opening, tuple)
    assert isinstance(s.lines.moves["dismiss"]["upset"], tuple)
    assert isinstance(s.lines.moods["furious"], tuple)
    assert s.persona.facts["order_number"] == "EX-448213"
    assert set(s.sensitivity) == {"acknowledgment", "validation", "calm_tone"}
    low, high = STARTING_FRUSTRATION_RANGE[s.difficulty]
    assert low <= s.starting_frustration <= high


def test_fill_placeholders():
    facts = {"order_number": "EX-1", "date": "Monday"}
    filled = fill_placeholders("It's {order_number}, since {date}.", facts)
    assert filled == "It's EX-1, since Monday."
    assert fill_placeholders("No facts here.", facts) == "No facts here."
    assert fill_placeholders("Keep {unknown} as is.", facts) == "Keep {unknown} as is."


def test_unknown_id_lists_the_known_ones():
    with pytest.raises(UnknownScenario) as info:
        get_scenario("no-such-customer", directory=SCENARIOS_DIR)
    assert isinstance(info.value, KeyError)
    message = str(info.value)
    assert "no-such-customer" in message
    for sid in REQUIRED_IDS:
        assert sid in message


@pytest.mark.parametrize(
    "bad_id",
    ["../secret", "..", "sub/secret", "/etc/passwd", "Secret", "secret.yml", "", " secret"],
)
def test_ids_that_could_escape_the_folder_are_rejected(tmp_path, bad_id):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (tmp_path / "secret.yml").write_bytes(_valid_yaml("secret"))
    (folder / "sub").mkdir()
    (folder / "sub" / "secret.yml").write_bytes(_valid_yaml("secret"))
    with pytest.raises(UnknownScenario):
        get_scenario(bad_id, directory=folder)


def test_get_scenario_caches_and_reloads_an_edited_file(tmp_path):
    path = tmp_path / "my-customer.yml"
    path.write_bytes(_valid_yaml("my-customer"))
    first = get_scenario("my-customer", directory=tmp_path)
    assert get_scenario("my-customer", directory=tmp_path) is first  # cached

    data = _valid_data("my-customer")
    data["title"] = "An edited title"
    _write(path, data)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    second = get_scenario("my-customer", directory=tmp_path)
    assert second.title == "An edited title"
    assert second.version != first.version


def test_a_new_file_is_picked_up_without_restart(tmp_path):
    (tmp_path / "first-one.yml").write_bytes(_valid_yaml("first-one"))
    assert list(load_all(tmp_path)) == ["first-one"]
    with pytest.raises(UnknownScenario):
        get_scenario("added-later", directory=tmp_path)
    (tmp_path / "added-later.yml").write_bytes(_valid_yaml("added-later"))
    assert get_scenario("added-later", directory=tmp_path).id == "added-later"
    assert list(load_all(tmp_path)) == ["added-later", "first-one"]


def test_load_all_reports_every_broken_file(tmp_path):
    (tmp_path / "good-one.yml").write_bytes(_valid_yaml("good-one"))
    bad = _valid_data("bad-one")
    del bad["summary"]
    _write(tmp_path / "bad-one.yml", bad)
    (tmp_path / "worse-one.yml").write_text("id: [oops\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_all(tmp_path)
    files = {Path(p.file).name for p in info.value.problems}
    assert files == {"bad-one.yml", "worse-one.yml"}
    assert "bad-one.yml: summary: missing required key" in str(info.value)


def test_load_scenario_raises_with_all_problems(tmp_path):
    data = _valid_data("x-customer")
    data["difficulty"] = "extreme"
    data["abusive"] = "no"
    path = _write(tmp_path / "x-customer.yml", data)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert {p.field for p in info.value.problems} >= {"difficulty", "abusive"}


# --------------------------------------------------------------------------- authoring mistakes


def _valid_data(scenario_id: str) -> dict:
    data = copy.deepcopy(yaml.safe_load(TEMPLATE.read_text(encoding="utf-8")))
    data["id"] = scenario_id
    return data


def _valid_yaml(scenario_id: str) -> bytes:
    return yaml.safe_dump(_valid_data(scenario_id), allow_unicode=True, sort_keys=False).encode()


def _write(path: Path, data) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _problems(tmp_path: Path, mutate, name: str = "my-customer") -> list[Problem]:
    data = _valid_data(name)
    mutate(data)
    return validate_file(_write(tmp_path / f"{name}.yml", data))


def _fields(problems: list[Problem]) -> dict[str, str]:
    return {p.field: p.message for p in problems}


def test_a_valid_copy_has_no_problems(tmp_path):
    assert _problems(tmp_path, lambda d: None) == []


def test_problem_reads_file_field_and_message(tmp_path):
    def one_line(d):
        d["lines"]["moves"]["dismiss"]["upset"] = ["Is that it?"]

    problems = _problems(tmp_path, one_line)
    path = tmp_path / "my-customer.yml"
    assert [str(p) for p in problems] == [
        f"{path}: lines.moves.dismiss.upset: needs at least 2 lines (has 1)"
    ]
    assert problems[0].file == str(path)


def test_missing_key(tmp_path):
    fields = _fields(_problems(tmp_path, lambda d: d.pop("difficulty")))
    assert "missing" in fields["difficulty"]


def test_misspelt_key_is_an_error_with_a_suggestion(tmp_path):
    fields = _fields(_problems(tmp_path, lambda d: d.update(dificulty=d.pop("difficulty"))))
    assert "unknown key" in fields["dificulty"] and "'difficulty'" in fields["dificulty"]
    assert "missing" in fields["difficulty"]


def test_misspelt_nested_keys(tmp_path):
    def mutate(d):
        d["mood"]["sensitivity"]["valdation"] = d["mood"]["sensitivity"].pop("validation")
        d["lines"]["moves"]["apologize"] = d["lines"]["moves"].pop("apologise")
        d["lines"]["moves"]["greet"]["upst"] = d["lines"]["moves"]["greet"].pop("upset")

    fields = _fields(_problems(tmp_path, mutate))
    assert "'validation'" in fields["mood.sensitivity.valdation"]
    assert "missing" in fields["mood.sensitivity.validation"]
    assert "'apologise'" in fields["lines.moves.apologize"]
    assert "missing" in fields["lines.moves.apologise"]
    assert "missing" in fields["lines.moves.greet.upset"]


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "my-customer.yml"
    text = TEMPLATE.read_text(encoding="utf-8").splitlines()
    line_no = next(i for i, line in enumerate(text) if line.startswith("title:"))
    text[line_no] = "title: [Late express delivery"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    problems = validate_file(path)
    assert len(problems) == 1
    assert problems[0].field == ""
    assert re.search(r"invalid YAML at line \d+", problems[0].message)
    reported = int(re.search(r"line (\d+)", problems[0].message).group(1))
    assert line_no + 1 <= reported <= line_no + 2


def test_key_written_twice_is_reported(tmp_path):
    path = tmp_path / "my-customer.yml"
    path.write_text(
        TEMPLATE.read_text(encoding="utf-8").replace(
            "difficulty: medium\n", "difficulty: medium\ndifficulty: hard\n"
        ),
        encoding="utf-8",
    )
    problems = validate_file(path)
    assert any(p.field == "difficulty" and "twice" in p.message for p in problems)


def test_not_a_mapping_empty_and_unreadable(tmp_path):
    listing = tmp_path / "a-list.yml"
    listing.write_text("- just\n- a list\n", encoding="utf-8")
    assert "mapping" in validate_file(listing)[0].message

    empty = tmp_path / "empty.yml"
    empty.write_text("# nothing yet\n", encoding="utf-8")
    assert "empty" in validate_file(empty)[0].message

    missing = tmp_path / "missing.yml"
    assert "cannot read" in validate_file(missing)[0].message

    binary = tmp_path / "binary.yml"
    binary.write_bytes(b"id: \xff\xfe\n")
    assert "UTF-8" in validate_file(binary)[0].message


def test_unknown_and_malformed_placeholders(tmp_path):
    def mutate(d):
        d["lines"]["opening"][0] = "It's {order_numbr}, I've given it twice."
        d["lines"]["opening"][1] = "It's {order_number, I've given it twice."
        d["lines"]["moods"]["angry"][2] = "Since {ordered_on} I've waited } and waited."

    fields = _fields(_problems(tmp_path, mutate))
    assert "unknown placeholder {order_numbr}" in fields["lines.opening[0]"]
    assert "'order_number'" in fields["lines.opening[0]"]  # suggestion
    assert "malformed" in fields["lines.opening[1]"]
    assert "malformed" in fields["lines.moods.angry[2]"]


def test_too_few_and_missing_lines(tmp_path):
    def mutate(d):
        d["lines"]["opening"] = d["lines"]["opening"][:2]
        d["lines"]["moods"]["calming"] = d["lines"]["moods"]["calming"][:3]
        del d["lines"]["moods"]["satisfied"]
        del d["lines"]["moves"]["escalate"]
        del d["lines"]["moves"]["goodbye"]["settled"]
        del d["lines"]["endings"]["ended"]
        d["lines"]["demand_manager"] = []

    fields = _fields(_problems(tmp_path, mutate))
    assert fields["lines.opening"] == "needs at least 3 lines (has 2)"
    assert fields["lines.moods.calming"] == "needs at least 4 lines (has 3)"
    assert fields["lines.demand_manager"] == "needs at least 2 lines (has 0)"
    for fld in (
        "lines.moods.satisfied",
        "lines.moves.escalate",
        "lines.moves.goodbye.settled",
        "lines.endings.ended",
    ):
        assert "missing" in fields[fld], fld


def test_bad_lines(tmp_path):
    def mutate(d):
        moods = d["lines"]["moods"]
        moods["furious"][0] = "   "
        moods["furious"][1] = "x" * 401
        moods["annoyed"][0] = moods["angry"][0].upper()  # a repeat, only the case differs
        moods["calming"][0] = {"Okay": "that's better"}  # an unquoted 'Okay: that's better'
        moods["calming"][1] = 42

    fields = _fields(_problems(tmp_path, mutate))
    assert "empty" in fields["lines.moods.furious[0]"]
    assert "too long" in fields["lines.moods.furious[1]"]
    assert "lines.moods.angry[0]" in fields["lines.moods.annoyed[0]"]
    assert "quote" in fields["lines.moods.calming[0]"]
    assert "must be text" in fields["lines.moods.calming[1]"]


def test_id_must_match_file_name_and_be_kebab_case(tmp_path):
    fields = _fields(_problems(tmp_path, lambda d: d.update(id="someone-else")))
    assert "file name" in fields["id"]

    fields = _fields(_problems(tmp_path, lambda d: None, name="Bad_Name"))
    assert "kebab-case" in fields["id"]


def test_wrong_types_and_choices(tmp_path):
    def mutate(d):
        d["difficulty"] = "extreme"
        d["emotion_level"] = "very"
        d["abusive"] = "no"
        d["title"] = ""
        d["persona"]["facts"]["order_number"] = 448213
        d["mood"]["starting_frustration"] = "eight"
        d["mood"]["sensitivity"] = [1, 1, 1]

    fields = _fields(_problems(tmp_path, mutate))
    assert "easy, medium, hard" in fields["difficulty"]
    assert "high, medium, low" in fields["emotion_level"]
    assert "true or false" in fields["abusive"]
    assert "empty" in fields["title"]
    assert "quotes" in fields["persona.facts.order_number"]
    assert "number" in fields["mood.starting_frustration"]
    assert "mapping" in fields["mood.sensitivity"]


def test_numbers_out_of_range(tmp_path):
    def mutate(d):
        d["mood"]["starting_frustration"] = 12
        d["mood"]["calmed_threshold"] = -1
        d["mood"]["sensitivity"]["validation"] = 3.0
        d["mood"]["sensitivity"]["calm_tone"] = 0.1

    fields = _fields(_problems(tmp_path, mutate))
    assert "from 0 to 10" in fields["mood.starting_frustration"]
    assert "from 0 to 10" in fields["mood.calmed_threshold"]
    assert "from 0.2 to 2" in fields["mood.sensitivity.validation"]
    assert "from 0.2 to 2" in fields["mood.sensitivity.calm_tone"]


def test_frustration_must_fit_the_difficulty_and_threshold_lie_below(tmp_path):
    def mutate(d):
        d["difficulty"] = "easy"
        d["mood"]["starting_frustration"] = 9
        d["mood"]["calmed_threshold"] = 9.5

    fields = _fields(_problems(tmp_path, mutate))
    assert "easy customer starts from 3 to 7" in fields["mood.starting_frustration"]
    assert "below starting_frustration" in fields["mood.calmed_threshold"]


def test_every_problem_is_collected_not_just_the_first(tmp_path):
    def mutate(d):
        d.pop("summary")
        d["dificulty"] = d.pop("difficulty")
        d["mood"]["calmed_threshold"] = 11
        d["lines"]["opening"] = ["Only {nope}."]
        del d["lines"]["moods"]["angry"]

    fields = _fields(_problems(tmp_path, mutate))
    expected = {
        "summary",
        "dificulty",
        "difficulty",
        "mood.calmed_threshold",
        "lines.opening",
        "lines.opening[0]",
        "lines.moods.angry",
    }
    assert expected <= set(fields)


def test_duplicate_ids_across_files(tmp_path):
    one = tmp_path / "one"
    two = tmp_path / "two"
    one.mkdir()
    two.mkdir()
    (one / "same-customer.yml").write_bytes(_valid_yaml("same-customer"))
    (two / "same-customer.yml").write_bytes(_valid_yaml("same-customer"))
    problems = validate_files([one / "same-customer.yml", two / "same-customer.yml"])
    assert len(problems) == 1
    assert problems[0].file == str(two / "same-customer.yml")
    assert problems[0].field == "id"
    assert str(one / "same-customer.yml") in problems[0].message


def test_only_yml_files_are_scenarios(tmp_path):
    (tmp_path / "notes.txt").write_text("not a scenario", encoding="utf-8")
    (tmp_path / "a-customer.yml").write_bytes(_valid_yaml("a-customer"))
    assert [p.name for p in scenario_files(tmp_path)] == ["a-customer.yml"]
    wrong_suffix = tmp_path / "a-customer.yaml"
    wrong_suffix.write_bytes(_valid_yaml("a-customer"))
    assert any(".yml" in p.message for p in validate_file(wrong_suffix))
