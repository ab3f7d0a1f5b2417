"""The ``flywheel`` console script: one entry point, argparse sub-commands.

Runtime commands (``up``, ``topics``, ``migrate``) live here; service commands are contributed by
``services/<area>/cli.py`` modules exposing ``register(subparsers)``. Each registered sub-command sets
``func`` (a callable taking the parsed args and returning an exit code).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

# Modules that contribute sub-commands; a module that is not there yet is skipped.
SERVICE_CLI_MODULES = (
    "streams.runtime_cli",
    "streams.docs_cli",
    "services.retrieval.cli",
    "services.guardrails.cli",
    "services.cache.cli",
    "services.evals.cli",
    "services.feedback.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flywheel", description="Event-driven feedback backbone for LLM systems.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SERVICE_CLI_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue  # that area has no CLI yet
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
