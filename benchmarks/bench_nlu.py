"""NLU cross-validation: how well the trainee's *move* is recognised on unseen examples.

Runs `rasa test nlu --cross-validation` on data/nlu.yml with the project's config and
prints the macro and weighted F1 of the intent classifier on the held-out folds.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--out", default="results/bench-nlu.json")
    args = parser.parse_args()
    out_dir = ROOT / "results" / "nlu-cv"
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false")
    began = time.perf_counter()
    subprocess.run(
        [
            str(Path(sys.executable).parent / "rasa"),
            "test",
            "nlu",
            "--nlu",
            "data/nlu.yml",
            "--config",
            "config.yml",
            "--cross-validation",
            "--folds",
            str(args.folds),
            "--out",
            str(out_dir),
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    seconds = time.perf_counter() - began
    report = json.loads((out_dir / "intent_report.json").read_text())
    intents = {
        k: v
        for k, v in report.items()
        if isinstance(v, dict)
        and "f1-score" in v
        and k not in ("macro avg", "weighted avg", "micro avg")
    }
    figures = {
        "folds": args.folds,
        "macro_f1": report["macro avg"]["f1-score"],
        "weighted_f1": report["weighted avg"]["f1-score"],
        "accuracy": report.get("accuracy"),
        "per_intent_f1": {k: round(v["f1-score"], 3) for k, v in sorted(intents.items())},
        "seconds": round(seconds, 1),
    }
    print(f"NLU {args.folds}-fold cross-validation (test folds)")
    print(f"  macro F1 {figures['macro_f1']:.3f}  weighted F1 {figures['weighted_f1']:.3f}")
    for name, f1 in figures["per_intent_f1"].items():
        print(f"  {name:22s} {f1:.3f}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(figures, indent=2))
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
