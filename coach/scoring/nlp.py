"""The one spaCy pipeline of the process (lazy singleton).

Loaded on first use, never downloaded: the pipeline package named by
coach.config.spacy_model() must be installed. The named-entity recogniser is not
used by the scorer and is excluded, which saves about a fifth of the parse time.
"""

from __future__ import annotations

import threading

from coach import config

# Pipes the scorer does not use. The benchmark loads "bare spaCy" with the same list.
EXCLUDED_PIPES = ("ner",)

_lock = threading.Lock()
_nlp = None
_known: frozenset[str] | None = None


def get_nlp():
    """The loaded pipeline (tok2vec, tagger, parser, attribute_ruler, lemmatizer)."""
    global _nlp, _known
    if _nlp is None:
        with _lock:
            if _nlp is None:
                import spacy

                name = config.spacy_model()
                try:
                    nlp = spacy.load(name, exclude=list(EXCLUDED_PIPES))
                except OSError as exc:  # pragma: no cover - depends on the install
                    raise RuntimeError(
                        f"spaCy pipeline {name!r} is not installed; install the package "
                        "listed in requirements.lock or set COACH_SPACY_MODEL"
                    ) from exc
                # Snapshot of the words the pipeline ships with, taken before any text is
                # processed (processing adds every new token to the string store). Used to
                # tell a typo ("frustating") from a real word ("relay") in normalize.py.
                _known = frozenset(s.lower() for s in nlp.vocab.strings if s.isalpha())
                _nlp = nlp
    return _nlp


def known_words() -> frozenset[str]:
    get_nlp()
    assert _known is not None
    return _known
