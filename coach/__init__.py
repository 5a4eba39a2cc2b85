"""Empathy Coach domain package.

Everything here is plain Python (spaCy, SQLAlchemy, PyYAML): no Rasa imports, so the
scorer, the customer model and the storage can be used and tested without a bot.
"""

__version__ = "0.1.0"
