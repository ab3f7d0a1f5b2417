"""The domain: pure cores (retrieval, guardrails, cache, feedback, evals) and small edge adapters (warehouse, api)."""
