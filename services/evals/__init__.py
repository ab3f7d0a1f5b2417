"""Evals: regenerate versioned eval sets from production feedback, run them, gate on regressions. See README.md."""
