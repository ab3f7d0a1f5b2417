"""Answer hooks for the CLI tests (``--answer-hook tests.evals.hooks:worse``)."""


def worse(item: dict) -> str:
    return "I cannot help with that."
