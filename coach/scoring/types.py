"""The scorer's result types: what `coach score` prints and what a stored turn keeps."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

DIMENSIONS = ("acknowledgment", "validation", "calm_tone")


@dataclass(frozen=True)
class Span:
    """A piece of the reply that drove a score; offsets index into the reply text."""

    start: int
    end: int
    text: str
    why: str
    # +1: these words support the dimension; -1: they count against it; 0: context only
    # (e.g. a phrase taken back by "but", or negated), so a highlight can say which way.
    effect: int = 0


@dataclass(frozen=True)
class HistoryItem:
    role: str  # "customer" | "trainee"
    text: str


@dataclass
class Score:
    acknowledgment: float
    validation: float
    calm_tone: float
    evidence: dict[str, list[Span]] = field(default_factory=dict)
    tips: list[str] = field(default_factory=list)
    scorer_version: str = ""
    # Extra signals used by the customer model; not part of the rubric's three scores.
    remedy_offered: bool = False
    customer_emotional: bool = True

    def to_dict(self) -> dict:
        """The `coach score` JSON object (contract §1), plus the extra keys."""
        out = asdict(self)
        out["evidence"] = {
            dim: [asdict(s) if isinstance(s, Span) else s for s in self.evidence.get(dim, [])]
            for dim in DIMENSIONS
        }
        return out
