"""`coach score`: JSON Lines in, one JSON object out per input line, in order (contract §1).

Each input line is an object {"customer": str, "reply": str, "history": [...]?,
"scenario": str?}. Every line produces exactly one output line, so output line N always
answers input line N:

* a valid line -> the score object (Score.to_dict(): the three scores, evidence, tips,
  scorer_version, plus remedy_offered and customer_emotional; "id" is echoed if given);
* anything else -> {"error": "line N: <what is wrong>"}: bad JSON, not an object,
  missing/empty/non-string customer or reply, malformed history, a reply longer than
  coach.config.max_message_chars(), a line that is not UTF-8, and a blank line (an
  error rather than skipped, so the output stays aligned with the input).

`scenario` (an extension of the contract) names the scenario being played: its brief is
what the trainee knows of the customer's story, so a reply naming it counts as referring
to their problem. An id that is not a known scenario is not an error: the line is scored
without the brief and the output carries a "warnings" list saying so.

The other lines are still scored; the exit status is 1 if any line was an error, else 0.
Valid lines are scored in batches (nlp.pipe) and written as each batch completes.
"""

from __future__ import annotations

import json
import sys
from typing import IO

from coach import config

BATCH = 64
ROLES = ("customer", "trainee")


def _validate(obj, line_no: int, max_chars: int) -> tuple[tuple | None, str | None]:
    if not isinstance(obj, dict):
        return None, f"line {line_no}: expected a JSON object, got {type(obj).__name__}"
    for key in ("customer", "reply"):
        if key not in obj:
            return None, f"line {line_no}: missing '{key}'"
        value = obj[key]
        if not isinstance(value, str):
            return None, f"line {line_no}: '{key}' must be a string, got {type(value).__name__}"
        if not value.strip():
            return None, f"line {line_no}: '{key}' is empty"
    if len(obj["reply"]) > max_chars:
        return None, (
            f"line {line_no}: 'reply' is {len(obj['reply'])} characters, "
            f"longer than the limit of {max_chars}"
        )
    history = obj.get("history")
    if history is not None:
        if not isinstance(history, list):
            return None, f"line {line_no}: 'history' must be a list, got {type(history).__name__}"
        for k, item in enumerate(history):
            if not isinstance(item, dict):
                return None, f"line {line_no}: history[{k}] must be an object"
            if item.get("role") not in ROLES:
                return None, f"line {line_no}: history[{k}].role must be 'customer' or 'trainee'"
            if not isinstance(item.get("text"), str):
                return None, f"line {line_no}: history[{k}].text must be a string"
    scenario = obj.get("scenario")
    if scenario is not None and not isinstance(scenario, str):
        return None, f"line {line_no}: 'scenario' must be a string, got {type(scenario).__name__}"
    return (obj["customer"], obj["reply"], history, scenario), None


def _background(scenario: str | None) -> tuple[tuple[str, ...] | None, list[str]]:
    """The scenario's brief for the scorer, or None and a warning if it is not known."""
    if scenario is None:
        return None, []
    from coach.scenarios import scenario_background

    brief = scenario_background(scenario)
    if brief is None:
        return None, [f"unknown scenario {scenario[:80]!r}: scored without its brief"]
    return brief, []


def _lines(stdin: IO):
    """Yield (line_no, text or None, decode_error or None); bytes are decoded per line."""
    source = getattr(stdin, "buffer", None)
    if source is None:
        for n, line in enumerate(stdin, 1):
            if isinstance(line, bytes):
                try:
                    line = line.decode("utf-8")
                except UnicodeDecodeError as exc:
                    yield n, None, f"line {n}: not valid UTF-8 ({exc.reason})"
                    continue
            yield n, line, None
        return
    for n, raw in enumerate(source, 1):
        try:
            yield n, raw.decode("utf-8"), None
        except UnicodeDecodeError as exc:
            yield n, None, f"line {n}: not valid UTF-8 ({exc.reason})"


def main(stdin: IO | None = None, stdout: IO | None = None) -> int:
    from . import score_many

    stdin = sys.stdin if stdin is None else stdin
    stdout = sys.stdout if stdout is None else stdout
    max_chars = config.max_message_chars()
    pending: list[tuple[int, dict | None, tuple | None]] = []  # (line, error obj, item)
    failed = False

    def flush() -> None:
        nonlocal failed
        items = [it for _, err, it in pending if it is not None]
        try:
            scores = iter(score_many([it[:4] for it in items]))
            batch_error = None
        except Exception as exc:  # noqa: BLE001 - one bad batch must not kill the stream
            scores, batch_error = None, exc
        for line_no, err, item in pending:
            if err is not None:
                out = err
            elif batch_error is not None:
                out = _score_one(item, line_no)
            else:
                out = _output(next(scores).to_dict(), item)  # type: ignore[union-attr]
            if "error" in out:
                failed = True
            stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        stdout.flush()
        pending.clear()

    n_valid = 0
    for line_no, text, decode_error in _lines(stdin):
        if decode_error is not None:
            pending.append((line_no, {"error": decode_error}, None))
        elif not text.strip():
            pending.append(
                (line_no, {"error": f"line {line_no}: blank line (expected a JSON object)"}, None)
            )
        else:
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                problem = f"line {line_no}: not valid JSON ({exc.msg}, column {exc.colno})"
                pending.append((line_no, {"error": problem}, None))
            else:
                item, problem = _validate(obj, line_no, max_chars)
                if problem is not None:
                    pending.append((line_no, {"error": problem}, None))
                else:
                    ident = obj.get("id") if isinstance(obj.get("id"), (str, int)) else None
                    context, warnings = _background(item[3])
                    pending.append((line_no, None, (*item[:3], context, ident, warnings)))
                    n_valid += 1
        if n_valid >= BATCH:
            flush()
            n_valid = 0
    if pending:
        flush()
    return 1 if failed else 0


def _score_one(item: tuple, line_no: int) -> dict:
    from . import score

    try:
        out = score(*item[:4]).to_dict()
    except Exception as exc:  # noqa: BLE001
        return {"error": f"line {line_no}: scoring failed ({type(exc).__name__}: {exc})"}
    return _output(out, item)


def _output(out: dict, item: tuple) -> dict:
    """The score object with the input's id (first) and any warnings."""
    ident, warnings = item[4], item[5]
    if warnings:
        out["warnings"] = warnings
    return {"id": ident, **out} if ident is not None else out


if __name__ == "__main__":
    raise SystemExit(main(sys.stdin, sys.stdout))
