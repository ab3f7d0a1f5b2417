"""Feedback: signals to labels, failure taxonomy, rollup SQL, statistics and retrain decisions.

Pure cores (``labels``, ``taxonomy``, ``stats``, ``retrain``) import nothing outside the standard library,
numpy and pydantic; ``views`` and ``queries`` hold the ClickHouse SQL (they take a client). See README.md.
"""
