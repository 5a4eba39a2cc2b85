"""Reading and checking scenario files.

A scenario is one YAML file, ``<id>.yml``, in ``config.scenarios_dir()``. Adding or
editing one needs no code change and no retraining: :func:`get_scenario` notices a new
or changed file on the next call (a cache keyed by path and modification time keeps
repeated calls cheap).

:func:`validate_file` reports *every* authoring mistake it can find, each with the file
and a dotted field path, so ``coach scenarios validate`` can show them all at once.
The format is described in docs/scenario-format.md.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from coach import config
from coach.scenarios.model import (
    DIFFICULTIES,
    EMOTION_LEVELS,
    ENDINGS,
    MOODS,
    MOVES,
    REGISTERS,
    SENSITIVITY_KEYS,
    STARTING_FRUSTRATION_RANGE,
    Lines,
    Persona,
    Scenario,
)

SUFFIX = ".yml"
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ID_MAX_CHARS = 64
FACT_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
# A well-formed placeholder; any other brace in a line is malformed.
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

MAX_LINE_CHARS = 400
MAX_FILE_BYTES = 1_000_000
FRUSTRATION_RANGE = (0.0, 10.0)
SENSITIVITY_RANGE = (0.2, 2.0)

# Minimum number of lines per list; the shipped scenarios carry more.
MIN_OPENING = 3
MIN_MOOD_LINES = 4
MIN_MOVE_LINES = 2
MIN_DEMAND_MANAGER = 2
MIN_ENDING_LINES = 2

# Plain text fields at the top level -> their maximum length in characters.
_TEXT_FIELDS: dict[str, int] = {
    "title": 100,
    "business": 100,
    "emotion": 40,
    "summary": 400,
}
TOP_LEVEL_KEYS = (
    "id",
    "title",
    "business",
    "emotion",
    "emotion_level",
    "difficulty",
    "summary",
    "abusive",
    "persona",
    "mood",
    "lines",
)
PERSONA_KEYS = ("name", "situation", "facts")
MOOD_KEYS = ("starting_frustration", "calmed_threshold", "sensitivity")
LINES_KEYS = ("opening", "moods", "moves", "demand_manager", "endings")


# --------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class Problem:
    """One authoring mistake: where it is and what is wrong."""

    file: str
    field: str  # dotted path, e.g. "lines.moves.dismiss.upset"; "" for the whole file
    message: str

    def __str__(self) -> str:
        if self.field:
            return f"{self.file}: {self.field}: {self.message}"
        return f"{self.file}: {self.message}"


class ScenarioError(Exception):
    """One or more scenario files are broken; ``problems`` lists every mistake found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in scenario files"
        super().__init__("\n".join([head + ":", *(f"  {p}" for p in self.problems)]))

    def __str__(self) -> str:
        return self.args[0]


class UnknownScenario(KeyError):
    """No scenario with that id (or the id is not a valid scenario id at all)."""

    def __init__(self, scenario_id: str, known: list[str], reason: str = ""):
        self.scenario_id = scenario_id
        self.known = list(known)
        known_text = ", ".join(self.known) if self.known else "(none)"
        what = reason or f"unknown scenario {scenario_id!r}"
        self.message = f"{what}; known scenarios: {known_text}"
        super().__init__(self.message)

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return self.message


# --------------------------------------------------------------------------- YAML


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that records keys written twice in one mapping (YAML keeps the last)."""

    def __init__(self, stream):
        super().__init__(stream)
        self.duplicate_keys: list[tuple[str, int, int]] = []  # key, first line, second line

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue
                key = key_node.value
                line = key_node.start_mark.line + 1
                if key in seen:
                    self.duplicate_keys.append((key, seen[key], line))
                else:
                    seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _parse_yaml(text: str) -> tuple[Any, list[tuple[str, int, int]]]:
    loader = _StrictLoader(text)
    try:
        return loader.get_single_data(), loader.duplicate_keys
    finally:
        loader.dispose()


def _yaml_error_message(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    detail = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    if context:
        where = f" at line {context_mark.line + 1}" if context_mark is not None else ""
        detail += f" ({context}{where})"
    if mark is not None:
        return f"invalid YAML at line {mark.line + 1}, column {mark.column + 1}: {detail}"
    return f"invalid YAML: {detail}"


# --------------------------------------------------------------------------- checks


class _Checker:
    """Collects the problems of one parsed file."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def add(self, fld: str, message: str) -> None:
        self.problems.append(Problem(self.file, fld, message))

    # -- generic helpers

    def mapping(self, value: Any, fld: str, keys: tuple[str, ...]) -> dict | None:
        """Check that value is a mapping with exactly the expected keys."""
        if not isinstance(value, dict):
            self.add(fld, f"must be a mapping with keys {', '.join(keys)} (got {_kind(value)})")
            return None
        for key in value:
            if not isinstance(key, str):
                self.add(_join(fld, key), "YAML read this key as true/false or a number")
            elif key not in keys:
                self.add(_join(fld, key), "unknown key" + _did_you_mean(key, keys))
        for key in keys:
            if key not in value:
                self.add(_join(fld, key), "missing required key")
        return value

    def text(self, value: Any, fld: str, max_chars: int) -> str | None:
        if not isinstance(value, str):
            self.add(fld, f"must be text (got {_kind(value)})")
            return None
        if not value.strip():
            self.add(fld, "must not be empty")
            return None
        if len(value) > max_chars:
            self.add(fld, f"is too long ({len(value)} characters, at most {max_chars})")
        return value

    def number(self, value: Any, fld: str, low: float, high: float) -> float | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.add(fld, f"must be a number from {low:g} to {high:g} (got {_kind(value)})")
            return None
        if value != value or not low <= value <= high:  # NaN or out of range
            self.add(fld, f"must be from {low:g} to {high:g} (got {value})")
            return None
        return float(value)

    def choice(self, value: Any, fld: str, allowed: tuple[str, ...]) -> str | None:
        if not isinstance(value, str) or value not in allowed:
            shown = repr(value) if isinstance(value, str) else _kind(value)
            self.add(fld, f"must be one of {', '.join(allowed)} (got {shown})")
            return None
        return value

    def line_list(self, value: Any, fld: str, minimum: int) -> list[tuple[str, str]]:
        """A list of customer lines; returns (field, line) for each usable line."""
        if not isinstance(value, list):
            self.add(fld, f"must be a list of lines (got {_kind(value)})")
            return []
        out: list[tuple[str, str]] = []
        for i, item in enumerate(value):
            item_fld = f"{fld}[{i}]"
            if isinstance(item, dict):
                self.add(
                    item_fld,
                    "must be text, but YAML read a mapping: quote a line that contains ': '",
                )
                continue
            if not isinstance(item, str):
                self.add(item_fld, f"must be text (got {_kind(item)}); quote it")
                continue
            if not item.strip():
                self.add(item_fld, "is empty")
                continue
            out.append((item_fld, item))
        if len(value) < minimum:
            self.add(fld, f"needs at least {minimum} lines (has {len(value)})")
        return out


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"true/false {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"number {value}"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _join(prefix: str, key: Any) -> str:
    return f"{prefix}.{key}" if prefix else str(key)


def _did_you_mean(key: str, options) -> str:
    close = difflib.get_close_matches(key, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _norm(line: str) -> str:
    return " ".join(line.split()).casefold()


def _check_placeholders(chk: _Checker, fld: str, line: str, facts: set[str] | None) -> None:
    stripped = PLACEHOLDER.sub("", line)
    if "{" in stripped or "}" in stripped:
        chk.add(fld, "malformed placeholder: braces must look like {fact_key}")
    if facts is None:  # persona.facts itself is broken; don't pile on
        return
    for name in PLACEHOLDER.findall(line):
        if name not in facts:
            known = ", ".join(sorted(facts)) or "(none)"
            chk.add(
                fld,
                f"unknown placeholder {{{name}}}{_did_you_mean(name, facts)};"
                f" persona.facts has: {known}",
            )


def _check_data(data: Any, path: Path, file: str) -> list[Problem]:
    chk = _Checker(file)
    top = chk.mapping(data, "", TOP_LEVEL_KEYS)
    if top is None:
        return chk.problems

    # -- identity and labels
    if "id" in top:
        sid = top["id"]
        if not isinstance(sid, str):
            chk.add("id", f"must be text (got {_kind(sid)})")
        elif not ID_PATTERN.match(sid) or len(sid) > ID_MAX_CHARS:
            chk.add(
                "id",
                f"{sid!r} is not a valid id: use lower-case letters, digits and single"
                f" hyphens (kebab-case), at most {ID_MAX_CHARS} characters",
            )
        elif sid != path.stem:
            chk.add("id", f"{sid!r} does not match the file name: rename the file to {sid}.yml")
    if path.suffix != SUFFIX:
        chk.add("", f"scenario files must end in {SUFFIX} (got {path.name!r})")
    for key, max_chars in _TEXT_FIELDS.items():
        if key in top:
            chk.text(top[key], key, max_chars)
    if "emotion_level" in top:
        chk.choice(top["emotion_level"], "emotion_level", EMOTION_LEVELS)
    difficulty = None
    if "difficulty" in top:
        difficulty = chk.choice(top["difficulty"], "difficulty", DIFFICULTIES)
    if "abusive" in top and not isinstance(top["abusive"], bool):
        chk.add("abusive", f"must be true or false (got {_kind(top['abusive'])})")

    # -- persona
    facts: set[str] | None = None
    persona = top.get("persona")
    if "persona" in top and chk.mapping(persona, "persona", PERSONA_KEYS) is not None:
        if "name" in persona:
            chk.text(persona["name"], "persona.name", 80)
        if "situation" in persona:
            chk.text(persona["situation"], "persona.situation", 1500)
        if "facts" in persona:
            facts = _check_facts(chk, persona["facts"])

    # -- mood
    mood = top.get("mood")
    if "mood" in top and chk.mapping(mood, "mood", MOOD_KEYS) is not None:
        start = threshold = None
        if "starting_frustration" in mood:
            start = chk.number(
                mood["starting_frustration"], "mood.starting_frustration", *FRUSTRATION_RANGE
            )
            if start is not None and difficulty is not None:
                low, high = STARTING_FRUSTRATION_RANGE[difficulty]
                if not low <= start <= high:
                    chk.add(
                        "mood.starting_frustration",
                        f"a {difficulty} customer starts from {low:g} to {high:g} (got {start:g})",
                    )
        if "calmed_threshold" in mood:
            threshold = chk.number(
                mood["calmed_threshold"], "mood.calmed_threshold", *FRUSTRATION_RANGE
            )
        if start is not None and threshold is not None and threshold >= start:
            chk.add(
                "mood.calmed_threshold",
                f"must be below starting_frustration ({threshold:g} >= {start:g})",
            )
        if "sensitivity" in mood:
            sens = chk.mapping(mood["sensitivity"], "mood.sensitivity", SENSITIVITY_KEYS)
            if sens is not None:
                for key in SENSITIVITY_KEYS:
                    if key in sens:
                        chk.number(sens[key], f"mood.sensitivity.{key}", *SENSITIVITY_RANGE)

    # -- lines
    lines = top.get("lines")
    if "lines" in top and chk.mapping(lines, "lines", LINES_KEYS) is not None:
        collected: list[tuple[str, str]] = []
        if "opening" in lines:
            collected += chk.line_list(lines["opening"], "lines.opening", MIN_OPENING)
        if "moods" in lines:
            moods = chk.mapping(lines["moods"], "lines.moods", MOODS)
            for band in MOODS:
                if moods is not None and band in moods:
                    collected += chk.line_list(moods[band], f"lines.moods.{band}", MIN_MOOD_LINES)
        if "moves" in lines:
            moves = chk.mapping(lines["moves"], "lines.moves", MOVES)
            for move in MOVES if moves is not None else ():
                if move not in moves:
                    continue
                fld = f"lines.moves.{move}"
                registers = chk.mapping(moves[move], fld, REGISTERS)
                for register in REGISTERS if registers is not None else ():
                    if register in registers:
                        collected += chk.line_list(
                            registers[register], f"{fld}.{register}", MIN_MOVE_LINES
                        )
        if "demand_manager" in lines:
            collected += chk.line_list(
                lines["demand_manager"], "lines.demand_manager", MIN_DEMAND_MANAGER
            )
        if "endings" in lines:
            endings = chk.mapping(lines["endings"], "lines.endings", ENDINGS)
            for ending in ENDINGS:
                if endings is not None and ending in endings:
                    collected += chk.line_list(
                        endings[ending], f"lines.endings.{ending}", MIN_ENDING_LINES
                    )
        _check_lines(chk, collected, facts)
    return chk.problems


def _check_facts(chk: _Checker, facts: Any) -> set[str] | None:
    if not isinstance(facts, dict):
        chk.add("persona.facts", f"must be a mapping of fact names to text (got {_kind(facts)})")
        return None
    if not facts:
        chk.add("persona.facts", "needs at least one fact (order number, date, amount...)")
    for key, value in facts.items():
        fld = f"persona.facts.{key}"
        if not isinstance(key, str):
            chk.add(fld, "YAML read this fact name as true/false or a number: quote it")
        elif not FACT_KEY_PATTERN.match(key):
            chk.add(
                fld,
                "fact names start with a lower-case letter and use only lower-case"
                " letters, digits and underscores",
            )
        if not isinstance(value, str):
            chk.add(fld, f"must be text (got {_kind(value)}); put it in quotes, e.g. '{value}'")
        elif not value.strip():
            chk.add(fld, "must not be empty")
        elif len(value) > 200:
            chk.add(fld, f"is too long ({len(value)} characters, at most 200)")
    return {k for k in facts if isinstance(k, str)}


def _check_lines(chk: _Checker, collected: list[tuple[str, str]], facts: set[str] | None) -> None:
    first_seen: dict[str, str] = {}
    for fld, line in collected:
        if len(line) > MAX_LINE_CHARS:
            chk.add(fld, f"is too long ({len(line)} characters, at most {MAX_LINE_CHARS})")
        _check_placeholders(chk, fld, line, facts)
        key = _norm(line)
        if key in first_seen:
            chk.add(fld, f"repeats the line at {first_seen[key]}: every line must be different")
        else:
            first_seen[key] = fld


# --------------------------------------------------------------------------- public API


def _read(path: Path, file: str) -> tuple[bytes | None, Any, list[Problem]]:
    """The file's bytes, its parsed content and the problems found so far."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None, None, [Problem(file, "", f"file is larger than {MAX_FILE_BYTES} bytes")]
        raw = path.read_bytes()
    except OSError as exc:
        return None, None, [Problem(file, "", f"cannot read file: {exc.strerror or exc}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return raw, None, [Problem(file, "", f"not UTF-8 text (byte {exc.start})")]
    try:
        data, duplicates = _parse_yaml(text)
    except yaml.YAMLError as exc:
        return raw, None, [Problem(file, "", _yaml_error_message(exc))]
    problems = [
        Problem(file, str(key), f"written twice (lines {first} and {second}); keep one")
        for key, first, second in duplicates
    ]
    if data is None:
        problems.append(Problem(file, "", "file is empty: expected a scenario mapping"))
    return raw, data, problems


def _inspect(path) -> tuple[bytes | None, Any, list[Problem]]:
    path = Path(path)
    file = str(path)
    raw, data, problems = _read(path, file)
    if data is not None:
        problems += _check_data(data, path, file)
    return raw, data, problems


def validate_file(path) -> list[Problem]:
    """Every problem in one scenario file (empty list: the file is good)."""
    return _inspect(path)[2]


def validate_files(paths) -> list[Problem]:
    """Every problem in the given files, plus ids used by more than one file."""
    problems: list[Problem] = []
    owners: dict[str, str] = {}
    for path in paths:
        _, data, file_problems = _inspect(path)
        problems += file_problems
        sid = data.get("id") if isinstance(data, dict) else None
        if isinstance(sid, str):
            if sid in owners:
                problems.append(
                    Problem(str(path), "id", f"{sid!r} is already used by {owners[sid]}")
                )
            else:
                owners[sid] = str(path)
    return problems


def scenario_files(directory=None) -> list[Path]:
    """The scenario files in a folder (default: config.scenarios_dir()), by name."""
    folder = Path(directory) if directory is not None else config.scenarios_dir()
    return sorted(p for p in folder.glob(f"*{SUFFIX}") if p.is_file())


def scenario_ids(directory=None) -> list[str]:
    """Ids of the scenario files present (by file name; they may still be invalid)."""
    return [p.stem for p in scenario_files(directory) if ID_PATTERN.match(p.stem)]


def _build(path: Path, raw: bytes, data: dict) -> Scenario:
    persona = data["persona"]
    mood = data["mood"]
    lines = data["lines"]
    return Scenario(
        id=data["id"],
        title=data["title"].strip(),
        business=data["business"].strip(),
        emotion=data["emotion"].strip(),
        emotion_level=data["emotion_level"],
        difficulty=data["difficulty"],
        summary=" ".join(data["summary"].split()),
        abusive=data["abusive"],
        persona=Persona(
            name=persona["name"].strip(),
            situation=" ".join(persona["situation"].split()),
            facts={k: v.strip() for k, v in persona["facts"].items()},
        ),
        starting_frustration=float(mood["starting_frustration"]),
        calmed_threshold=float(mood["calmed_threshold"]),
        sensitivity={k: float(mood["sensitivity"][k]) for k in SENSITIVITY_KEYS},
        lines=Lines(
            opening=_tuple(lines["opening"]),
            moods={band: _tuple(lines["moods"][band]) for band in MOODS},
            moves={
                move: {reg: _tuple(lines["moves"][move][reg]) for reg in REGISTERS}
                for move in MOVES
            },
            demand_manager=_tuple(lines["demand_manager"]),
            endings={ending: _tuple(lines["endings"][ending]) for ending in ENDINGS},
        ),
        version=hashlib.sha256(raw).hexdigest()[:16],
        source=str(path),
        raw=data,
    )


def _tuple(items: list[str]) -> tuple[str, ...]:
    return tuple(item.strip() for item in items)


def load_scenario(path) -> Scenario:
    """Load and check one file; raises ScenarioError listing every problem."""
    raw, data, problems = _inspect(path)
    if problems:
        raise ScenarioError(problems)
    return _build(Path(path), raw, data)


# Cache: resolved path -> (file signature, scenario). The signature changes whenever the
# file is edited or replaced, so a changed file is reloaded on the next call.
_cache: dict[Path, tuple[tuple, Scenario]] = {}
_cache_lock = threading.Lock()


def _signature(path: Path) -> tuple:
    st = path.stat()
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _cached_load(path: Path) -> Scenario:
    key = path.resolve()
    signature = _signature(key)
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None and hit[0] == signature:
        return hit[1]
    scenario = load_scenario(path)
    with _cache_lock:
        _cache[key] = (signature, scenario)
    return scenario


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def load_all(directory=None) -> dict[str, Scenario]:
    """Every scenario in the folder, by id (sorted); raises ScenarioError if any is broken."""
    folder = Path(directory) if directory is not None else config.scenarios_dir()
    if not folder.is_dir():
        raise ScenarioError([Problem(str(folder), "", "scenario folder does not exist")])
    scenarios: dict[str, Scenario] = {}
    problems: list[Problem] = []
    for path in scenario_files(folder):
        try:
            scenario = _cached_load(path)
        except ScenarioError as exc:
            problems += exc.problems
            continue
        except OSError as exc:  # removed between listing and reading
            problems.append(Problem(str(path), "", f"cannot read file: {exc.strerror or exc}"))
            continue
        scenarios[scenario.id] = scenario
    if problems:
        raise ScenarioError(problems)
    return dict(sorted(scenarios.items()))


def get_scenario(scenario_id: str, directory=None) -> Scenario:
    """One scenario by id, reloaded if its file changed; raises UnknownScenario."""
    folder = Path(directory) if directory is not None else config.scenarios_dir()
    if (
        not isinstance(scenario_id, str)
        or len(scenario_id) > ID_MAX_CHARS
        or not ID_PATTERN.match(scenario_id)
    ):
        raise UnknownScenario(
            str(scenario_id),
            _known(folder),
            reason=f"{scenario_id!r} is not a valid scenario id (lower-case kebab-case)",
        )
    path = folder / f"{scenario_id}{SUFFIX}"
    try:
        return _cached_load(path)
    except FileNotFoundError:
        raise UnknownScenario(scenario_id, _known(folder)) from None


def scenario_background(scenario_id: str | None, directory=None) -> tuple[str, ...] | None:
    """The brief of a scenario for the scorer's `context` (Scenario.background()), or None
    when there is no id or it names no usable scenario (the reply is then scored without)."""
    if not scenario_id:
        return None
    try:
        return get_scenario(scenario_id, directory).background()
    except (UnknownScenario, ScenarioError):
        return None


def _known(folder: Path) -> list[str]:
    try:
        return scenario_ids(folder)
    except OSError:
        return []


def fill_placeholders(line: str, facts: dict[str, str]) -> str:
    """Replace each {fact_key} with the fact; unknown placeholders are left as written."""
    return PLACEHOLDER.sub(lambda m: str(facts.get(m.group(1), m.group(0))), line)


__all__ = [
    "ID_PATTERN",
    "MAX_LINE_CHARS",
    "Problem",
    "ScenarioError",
    "UnknownScenario",
    "clear_cache",
    "fill_placeholders",
    "scenario_background",
    "get_scenario",
    "load_all",
    "load_scenario",
    "scenario_files",
    "scenario_ids",
    "validate_file",
    "validate_files",
]
