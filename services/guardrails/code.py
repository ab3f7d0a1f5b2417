"""Python code check (layer ``syntactic``, code ``code_syntax``): ``ast.parse`` the code.

The code may be bare or inside a Markdown fence (```` ```python ... ``` ````); every ``python``/``py`` fence in
a model answer is checked and the span points at the failing line inside the original text.
"""

from __future__ import annotations

import ast
import re
import warnings

from services.guardrails.policy import make_trigger
from services.guardrails.triggers import Layer, Severity, Stage, Trigger

_FENCE = re.compile(r"```[ \t]*(python3?|py)[ \t]*\n(.*?)(?:\n```|\Z)", re.S | re.I)


def python_blocks(text: str) -> list[tuple[int, str]]:
    """``(offset, code)`` of every Python fence in ``text``, or the whole text when there is none."""
    blocks = [(m.start(2), m.group(2)) for m in _FENCE.finditer(text)]
    return blocks or [(0, text)]


def _line_span(code: str, lineno: int | None, offset: int | None) -> tuple[int, int]:
    if not lineno:
        return (0, len(code))
    lines = code.split("\n")
    lineno = min(lineno, len(lines))
    start = sum(len(x) + 1 for x in lines[: lineno - 1])
    return (start, start + len(lines[lineno - 1]))


def check_python(text: str, *, stage: Stage = Stage.OUTPUT) -> list[Trigger]:
    """``code_syntax`` triggers for Python code that does not parse (one per failing block)."""
    out: list[Trigger] = []
    for base, code in python_blocks(text):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SyntaxWarning)
                ast.parse(code)
        except SyntaxError as exc:
            a, b = _line_span(code, exc.lineno, exc.offset)
            out.append(make_trigger(Layer.SYNTACTIC, "code_syntax", Severity.MEDIUM, stage=stage,
                                    span=(base + a, base + b), label="python",
                                    detail=f"{exc.msg} (line {exc.lineno})"))
        except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, absurd nesting
            out.append(make_trigger(Layer.SYNTACTIC, "code_syntax", Severity.MEDIUM, stage=stage,
                                    span=(base, base + len(code)), label="python", detail=type(exc).__name__))
    return out
