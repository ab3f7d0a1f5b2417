"""SQL checks with sqlglot (layer ``syntactic``): ``sql_syntax`` and ``sql_write``.

The text is parsed in the given dialect (``clickhouse``, ``postgres``, ``sqlite``, ``mysql`` ... any sqlglot
dialect). A parse failure is ``sql_syntax`` (span at the error position when sqlglot reports one). Only read-only
queries pass: a single ``SELECT`` / set operation / ``VALUES`` (plus ``DESCRIBE``, ``SHOW`` and ``EXPLAIN`` of a
read-only query). Everything else is ``sql_write``, labelled with the reason:

* ``ddl`` / ``dml`` / ``dcl`` / ``command``: CREATE, DROP, ALTER, TRUNCATE, INSERT, UPDATE, DELETE, MERGE, COPY,
  GRANT, REVOKE, SET, PRAGMA, USE, ATTACH, VACUUM, OPTIMIZE and statements sqlglot only knows as a raw command;
* ``multiple_statements``: more than one statement (``SELECT 1; DROP TABLE t``);
* ``write_in_subquery``: a write nested in a CTE or subquery (``WITH d AS (DELETE ... RETURNING *) SELECT``);
* ``select_into``: ``SELECT ... INTO new_table``;
* ``locking``: ``SELECT ... FOR UPDATE / FOR SHARE``;
* ``side_effect_function``: functions that write, read the server's files or reach the network
  (``pg_read_file``, ``lo_export``, ``dblink``, ``load_extension``, ClickHouse ``url()``/``file()``/``s3()``...).
"""

from __future__ import annotations

import logging
import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from services.guardrails.policy import make_trigger
from services.guardrails.triggers import Layer, Severity, Stage, Trigger


class _DropFallbackWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "Falling back to parsing as a 'Command'" not in record.getMessage()


logging.getLogger("sqlglot").addFilter(_DropFallbackWarning())

_WRITE_NODES: dict[type[exp.Expression], str] = {}
for _name, _label in (
    ("Insert", "dml"), ("Update", "dml"), ("Delete", "dml"), ("Merge", "dml"), ("Copy", "dml"), ("LoadData", "dml"),
    ("Create", "ddl"), ("Drop", "ddl"), ("Alter", "ddl"), ("AlterTable", "ddl"), ("TruncateTable", "ddl"),
    ("RenameTable", "ddl"), ("Comment", "ddl"), ("Analyze", "ddl"), ("Cache", "ddl"), ("Uncache", "ddl"),
    ("Refresh", "ddl"), ("Grant", "dcl"), ("Revoke", "dcl"), ("Set", "command"), ("Pragma", "command"),
    ("Use", "command"), ("Command", "command"), ("Transaction", "command"), ("Commit", "command"),
    ("Rollback", "command"), ("Kill", "command"), ("Attach", "ddl"), ("Detach", "ddl"), ("Summarize", "command"),
):
    _cls = getattr(exp, _name, None)
    if isinstance(_cls, type):
        _WRITE_NODES[_cls] = _label

_READ_ROOTS: tuple[type[exp.Expression], ...] = tuple(
    c for c in (getattr(exp, n, None) for n in ("Select", "Union", "Intersect", "Except", "Values", "Describe",
                                                 "Show", "Subquery", "Paren"))
    if isinstance(c, type)
)

SIDE_EFFECT_FUNCTIONS = frozenset({
    # PostgreSQL
    "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_stat_file", "lo_import", "lo_export", "lo_unlink",
    "dblink", "dblink_exec", "dblink_connect", "pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf",
    "pg_rotate_logfile", "set_config", "nextval", "setval", "pg_advisory_lock", "copy_from_program",
    # SQLite
    "load_extension", "writefile", "readfile", "fts3_tokenizer", "edit",
    # MySQL
    "load_file", "get_lock",
    # ClickHouse table functions that reach files, the network or other databases
    "url", "urlcluster", "file", "s3", "s3cluster", "gcs", "hdfs", "remote", "remotesecure", "cluster",
    "clusterallreplicas", "mysql", "postgresql", "mongodb", "jdbc", "odbc", "executable", "azureblobstorage",
    "redis", "sqlite", "input",
    # SQL Server
    "xp_cmdshell", "openrowset", "opendatasource", "openquery",
})

_EXPLAIN = re.compile(r"^\s*explain\b(\s+(?:analyze|analyse)\b)?(?:\s+(?:verbose|ast|syntax|plan|pipeline|estimate"
                      r"|query\s+tree|format\s+\w+)\b)*\s*(.*)$", re.I | re.S)
_SHOW_DESC = re.compile(r"^\s*(?:show|describe|desc)\b", re.I)


def _func_name(node: exp.Expression) -> str | None:
    if isinstance(node, exp.Anonymous):
        return str(node.this).lower()
    if isinstance(node, exp.Func):
        return node.sql_name().lower()
    return None


def _write_reason(stmt: exp.Expression) -> str | None:
    """Why ``stmt`` is not read-only, or None if it is."""
    if not isinstance(stmt, _READ_ROOTS):
        for cls, label in _WRITE_NODES.items():
            if isinstance(stmt, cls):
                return label
        return "not_a_query"
    for node in stmt.walk():
        if node is stmt:
            continue
        for cls, _label in _WRITE_NODES.items():
            if isinstance(node, cls):
                return "write_in_subquery"
        if isinstance(node, exp.Into):
            return "select_into"
        if isinstance(node, exp.Lock):
            return "locking"
        name = _func_name(node)
        if name and name in SIDE_EFFECT_FUNCTIONS:
            return "side_effect_function"
    return None


def _error_span(err: ParseError, text: str) -> tuple[int, int]:
    errors = getattr(err, "errors", None) or []
    if errors:
        e = errors[0]
        line, col = e.get("line"), e.get("col")
        if isinstance(line, int) and isinstance(col, int):
            lines = text.split("\n")
            offset = sum(len(x) + 1 for x in lines[:max(0, line - 1)]) + max(0, col - 1)
            offset = min(offset, len(text))
            return (max(0, offset - len(e.get("highlight") or "") + 1), min(len(text), offset + 1))
    return (0, len(text))


def check_sql(text: str, dialect: str | None = None, *, stage: Stage = Stage.OUTPUT) -> list[Trigger]:
    """Triggers for the SQL ``text`` in ``dialect`` (None = sqlglot's generic dialect)."""
    if dialect:
        try:
            sqlglot.Dialect.get_or_raise(dialect)
        except ValueError as exc:
            raise ValueError(f"unknown SQL dialect {dialect!r}") from exc
    try:
        statements = [s for s in sqlglot.parse(text, read=dialect or None) if s is not None]
    except (ParseError, TokenError) as exc:
        span = _error_span(exc, text) if isinstance(exc, ParseError) else (0, len(text))
        msg = str(exc).split("\n")[0][:200]
        return [make_trigger(Layer.SYNTACTIC, "sql_syntax", Severity.MEDIUM, stage=stage, span=span,
                             label=dialect or "generic", detail=msg)]
    if not statements:
        return [make_trigger(Layer.SYNTACTIC, "sql_syntax", Severity.MEDIUM, stage=stage, span=(0, len(text)),
                             label=dialect or "generic", detail="no SQL statement")]
    if len(statements) > 1:
        kinds = ", ".join(type(s).__name__.upper() for s in statements)
        return [make_trigger(Layer.SYNTACTIC, "sql_write", Severity.HIGH, stage=stage, span=(0, len(text)),
                             label="multiple_statements", detail=f"{len(statements)} statements: {kinds}")]
    stmt = statements[0]
    reason = _write_reason(stmt)
    if reason == "command" and isinstance(stmt, exp.Command):
        reason = _command_reason(stmt, text, dialect)
    if reason is None:
        return []
    severity = Severity.CRITICAL if reason in ("ddl", "dcl") else Severity.HIGH
    return [make_trigger(Layer.SYNTACTIC, "sql_write", severity, stage=stage, span=(0, len(text)), label=reason,
                         detail=f"{type(stmt).__name__} statement is not a read-only query ({reason})")]


def _command_reason(stmt: exp.Command, text: str, dialect: str | None) -> str | None:
    """SHOW/DESCRIBE are read-only; EXPLAIN is read-only when what it explains is (and it is not ANALYZE)."""
    if _SHOW_DESC.match(text):
        return None
    m = _EXPLAIN.match(text)
    if m:
        if m.group(1):
            return "command"  # EXPLAIN ANALYZE executes the statement
        inner = m.group(2)
        try:
            parsed = [s for s in sqlglot.parse(inner, read=dialect or None) if s is not None]
        except (ParseError, TokenError):
            return "command"
        if len(parsed) == 1 and _write_reason(parsed[0]) is None:
            return None
    return "command"
