"""Avro schema compatibility checker (the Avro specification's *Schema Resolution* rules).

``check_can_read(reader, writer)`` lists every reason why data written with ``writer`` could not be read
with ``reader``; an empty list means the reader can read all of it. The rules, as in the spec:

* **records** (matched by unqualified or qualified name, or a reader alias): fields are matched by name or
  by a reader field's aliases; a reader field missing from the writer needs a default (which must be
  valid for the field's type); writer fields missing from the reader are skipped.
* **promotions**: int -> long, float, double; long -> float, double; float -> double; string <-> bytes.
* **enums**: a writer symbol missing from the reader is an error unless the reader enum has a ``default``.
* **unions**: each writer branch must be readable by some reader branch (or by the reader itself when
  the reader is not a union); a non-union writer must be readable by some reader branch. Like Java's
  resolver, the reader branch of the same type is preferred over one reachable by promotion.
* **arrays / maps**: items / values resolved recursively. **fixed**: same name and size.
* **logical types**: a change of logical type (e.g. ``timestamp-millis`` <-> ``timestamp-micros``), or adding
  or removing one, changes what the stored number means and is flagged; the one exception is ``uuid``,
  whose value is the string itself (a ``uuid`` string reads as a plain string and vice versa). Decimals
  must keep their scale and may only widen their precision.

``check_backward(new, old)``: the new schema reads data written with the old one (upgrade consumers
first). ``check_forward(new, old)``: the old schema reads data written with the new one (upgrade producers
first). ``check_full``: both.

CLI: ``python -m schemas.compat [--snapshot DIR] [--avro-dir DIR] [--mode full|backward|forward]`` checks
every current ``schemas/avro/*.avsc`` against the released snapshot (default: the highest ``vN`` folder in
``schemas/snapshots/``) and exits 1 listing the problems. A new event type (no snapshot file) is fine; an
event type in the snapshot that is gone from the current schemas is an error.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMAS_DIR = Path(__file__).parent
AVRO_DIR = SCHEMAS_DIR / "avro"
SNAPSHOTS_ROOT = SCHEMAS_DIR / "snapshots"

PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
NAMED = frozenset({"record", "error", "enum", "fixed"})
# writer type -> reader types it can be promoted to
PROMOTIONS: dict[str, frozenset[str]] = {
    "int": frozenset({"long", "float", "double"}),
    "long": frozenset({"float", "double"}),
    "float": frozenset({"double"}),
    "string": frozenset({"bytes"}),
    "bytes": frozenset({"string"}),
}
# Logical types whose value is the underlying value itself, so adding or removing them changes nothing.
TRANSPARENT_LOGICAL_TYPES = frozenset({"uuid"})

Schema = Any  # the JSON form: str, list or dict


class SchemaError(ValueError):
    """A schema that is not valid Avro (unknown type, unknown named reference, missing attribute)."""


# -- normalisation ------------------------------------------------------------------------------------

@dataclass(eq=False)
class Node:
    """One type of a schema, with names fully qualified and named references resolved to their definition."""

    type: str  # a primitive, record, enum, fixed, array, map or union
    logical: str | None = None
    props: dict = field(default_factory=dict)  # precision/scale of decimals
    fullname: str = ""
    aliases: tuple[str, ...] = ()  # fully qualified
    fields: list["Field"] = field(default_factory=list)
    symbols: list[str] = field(default_factory=list)
    enum_default: str | None = None
    size: int | None = None
    items: "Node | None" = None  # array items, map values
    branches: list["Node"] = field(default_factory=list)

    @property
    def short(self) -> str:
        return self.fullname.rsplit(".", 1)[-1]

    def describe(self) -> str:
        if self.type == "union":
            return "[" + ", ".join(b.describe() for b in self.branches) + "]"
        if self.type in NAMED:
            return f"{self.type} {self.short}"
        if self.type == "array":
            return f"array<{self.items.describe()}>"  # type: ignore[union-attr]
        if self.type == "map":
            return f"map<{self.items.describe()}>"  # type: ignore[union-attr]
        return f"{self.type}({self.logical})" if self.logical else self.type


@dataclass(eq=False)
class Field:
    name: str
    aliases: tuple[str, ...]
    type: Node
    has_default: bool
    default: Any


def _qualify(name: str, namespace: str | None) -> str:
    if "." in name or not namespace:
        return name
    return f"{namespace}.{name}"


class _Normaliser:
    def __init__(self) -> None:
        self.names: dict[str, Node] = {}

    def node(self, schema: Schema, namespace: str | None) -> Node:
        if isinstance(schema, list):
            return Node("union", branches=[self.node(s, namespace) for s in schema])
        if isinstance(schema, str):
            if schema in PRIMITIVES:
                return Node(schema)
            for candidate in (_qualify(schema, namespace), schema):
                if candidate in self.names:
                    return self.names[candidate]
            raise SchemaError(f"unknown type {schema!r}")
        if not isinstance(schema, dict) or "type" not in schema:
            raise SchemaError(f"not a schema: {schema!r}")
        kind = schema["type"]
        if isinstance(kind, (list, dict)) or (isinstance(kind, str) and kind not in PRIMITIVES | NAMED
                                              | {"array", "map"}):
            inner = self.node(kind, namespace)  # {"type": "SomeName"} or {"type": {...}}
            if schema.get("logicalType") and inner.type in PRIMITIVES:
                return Node(inner.type, logical=schema["logicalType"], props=_logical_props(schema))
            return inner
        logical = schema.get("logicalType")
        if kind in PRIMITIVES:
            return Node(kind, logical=logical, props=_logical_props(schema))
        if kind == "array":
            return Node("array", items=self.node(_required(schema, "items"), namespace))
        if kind == "map":
            return Node("map", items=self.node(_required(schema, "values"), namespace))
        # named types
        name = _required(schema, "name")
        ns = name.rsplit(".", 1)[0] if "." in name else schema.get("namespace", namespace)
        fullname = _qualify(name, ns)
        node = Node("record" if kind == "error" else kind, logical=logical, props=_logical_props(schema),
                    fullname=fullname, aliases=tuple(_qualify(a, ns) for a in schema.get("aliases", ())))
        if fullname in self.names:
            raise SchemaError(f"type {fullname} is defined twice")
        self.names[fullname] = node  # registered before the fields, so records may refer to themselves
        if kind in ("record", "error"):
            for f in _required(schema, "fields"):
                node.fields.append(Field(_required(f, "name"), tuple(f.get("aliases", ())),
                                         self.node(_required(f, "type"), ns), "default" in f, f.get("default")))
        elif kind == "enum":
            node.symbols = list(_required(schema, "symbols"))
            node.enum_default = schema.get("default")
        else:
            node.size = int(_required(schema, "size"))
        return node


def _required(schema: dict, key: str) -> Any:
    if key not in schema:
        raise SchemaError(f"{schema.get('type')} schema {schema.get('name', '')!s} has no {key!r}: {schema!r}")
    return schema[key]


def _logical_props(schema: dict) -> dict:
    return {k: schema[k] for k in ("precision", "scale") if k in schema}


def normalise(schema: Schema) -> Node:
    """The schema as a tree of :class:`Node` (raises :class:`SchemaError` when it is not valid Avro)."""
    if isinstance(schema, str) and schema.strip()[:1] in ("{", "["):
        schema = json.loads(schema)
    return _Normaliser().node(schema, None)


# -- default values -------------------------------------------------------------------------------------

def _default_problem(node: Node, value: Any) -> str | None:
    """Why ``value`` is not a valid default for ``node`` (None when it is)."""
    t = node.type
    if t == "union":  # the default of a union is a value of its first branch
        return _default_problem(node.branches[0], value) if node.branches else "empty union"
    ok: bool
    if t == "null":
        ok = value is None
    elif t == "boolean":
        ok = isinstance(value, bool)
    elif t in ("int", "long"):
        bits = 31 if t == "int" else 63
        ok = isinstance(value, int) and not isinstance(value, bool) and -(2**bits) <= value < 2**bits
    elif t in ("float", "double"):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif t in ("string", "bytes", "fixed"):
        ok = isinstance(value, str) and (t != "fixed" or len(value) == node.size)
    elif t == "enum":
        ok = value in node.symbols
    elif t == "array":
        if not isinstance(value, list):
            return f"{value!r} is not an array"
        return next((p for p in (_default_problem(node.items, v) for v in value) if p), None)  # type: ignore
    elif t == "map":
        if not isinstance(value, dict):
            return f"{value!r} is not a map"
        return next((p for p in (_default_problem(node.items, v) for v in value.values()) if p), None)  # type: ignore
    elif t == "record":
        if not isinstance(value, dict):
            return f"{value!r} is not a record"
        for f in node.fields:
            if f.name in value:
                problem = _default_problem(f.type, value[f.name])
            elif f.has_default:
                continue
            else:
                problem = f"record default has no value for field {f.name!r}"
            if problem:
                return problem
        return None
    else:
        return f"unknown type {t}"
    return None if ok else f"{value!r} is not a valid {node.describe()}"


# -- resolution -----------------------------------------------------------------------------------------

def _names(node: Node) -> set[str]:
    return {node.fullname, node.short}


def _names_match(reader: Node, writer: Node) -> bool:
    """Named types match by unqualified or qualified name, or when a reader alias names the writer."""
    if reader.short == writer.short:
        return True
    writer_names = _names(writer)
    return any(a in writer_names or a.rsplit(".", 1)[-1] == writer.short for a in reader.aliases)


def _matches(reader: Node, writer: Node, exact: bool) -> bool:
    """The spec's shallow "schemas match" test (``exact`` excludes the promotions)."""
    if reader.type in NAMED or writer.type in NAMED:
        return reader.type == writer.type and _names_match(reader, writer)
    if reader.type == writer.type:
        return True
    return not exact and reader.type in PROMOTIONS.get(writer.type, ())


def _logical_problem(reader: Node, writer: Node) -> str | None:
    r, w = reader.logical, writer.logical
    if r == w:
        if r == "decimal":
            rs, ws = reader.props.get("scale", 0), writer.props.get("scale", 0)
            rp, wp = reader.props.get("precision"), writer.props.get("precision")
            if rs != ws:
                return f"decimal scale changed from {ws} (writer) to {rs} (reader)"
            if rp is not None and wp is not None and rp < wp:
                return f"decimal precision narrowed from {wp} (writer) to {rp} (reader)"
        return None
    if (r is None and w in TRANSPARENT_LOGICAL_TYPES) or (w is None and r in TRANSPARENT_LOGICAL_TYPES):
        return None
    return f"logical type changed from {w or 'none'} (writer) to {r or 'none'} (reader)"


ROOT = "$"  # the path of a top-level schema that is not a named type (named ones start with their name)


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self._seen: set[tuple[int, int]] = set()  # record pairs being checked (recursive types)

    def add(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def check(self, reader: Node, writer: Node, path: str) -> None:
        if writer.type == "union":
            for i, branch in enumerate(writer.branches):
                sub = f"{path}<{branch.describe()}>" if len(writer.branches) > 1 else path
                if reader.type == "union":
                    self._to_union(reader, branch, sub)
                else:
                    self.check(reader, branch, sub)
            return
        if reader.type == "union":
            self._to_union(reader, writer, path)
            return
        if not _matches(reader, writer, exact=False):
            if reader.type == writer.type and reader.type in NAMED:
                self.add(path, f"{writer.type} name changed from {writer.fullname} (writer) to "
                               f"{reader.fullname} (reader) with no alias")
            else:
                self.add(path, f"writer type {writer.describe()} cannot be read as {reader.describe()}")
            return
        if path == ROOT and reader.type in NAMED:
            path = reader.short
        logical = _logical_problem(reader, writer)
        if logical:
            self.add(path, logical)
        kind = reader.type
        if kind == "record":
            self._record(reader, writer, path)
        elif kind == "enum":
            missing = [s for s in writer.symbols if s not in reader.symbols]
            if missing and reader.enum_default is None:
                self.add(path, f"enum {reader.short} lacks writer symbol(s) {', '.join(missing)} "
                               "and has no default")
            elif reader.enum_default is not None and reader.enum_default not in reader.symbols:
                self.add(path, f"enum {reader.short} default {reader.enum_default!r} is not one of its symbols")
        elif kind == "fixed":
            if reader.size != writer.size:
                self.add(path, f"fixed {reader.short} size changed from {writer.size} (writer) to "
                               f"{reader.size} (reader)")
        elif kind == "array":
            self.check(reader.items, writer.items, path + "[]")  # type: ignore[arg-type]
        elif kind == "map":
            self.check(reader.items, writer.items, path + "{}")  # type: ignore[arg-type]

    def _to_union(self, reader: Node, writer: Node, path: str) -> None:
        for exact in (True, False):
            for branch in reader.branches:
                if _matches(branch, writer, exact):
                    self.check(branch, writer, path)
                    return
        self.add(path, f"writer type {writer.describe()} matches no branch of the reader union "
                       f"{reader.describe()}")

    def _record(self, reader: Node, writer: Node, path: str) -> None:
        key = (id(reader), id(writer))
        if key in self._seen:
            return
        self._seen.add(key)
        by_name = {f.name: f for f in writer.fields}
        for rf in reader.fields:
            wf = by_name.get(rf.name) or next((by_name[a] for a in rf.aliases if a in by_name), None)
            fpath = f"{path}.{rf.name}"
            if wf is not None:
                self.check(rf.type, wf.type, fpath)
            elif not rf.has_default:
                self.add(fpath, f"reader field {rf.name!r} ({rf.type.describe()}) is not in the writer schema "
                                "and has no default")
            else:
                problem = _default_problem(rf.type, rf.default)
                if problem:
                    self.add(fpath, f"reader field {rf.name!r} is not in the writer schema and its default "
                                    f"is invalid: {problem}")


def check_can_read(reader: Schema, writer: Schema) -> list[str]:
    """Problems that stop ``reader`` from reading data written with ``writer`` (empty: compatible)."""
    r, w = normalise(reader), normalise(writer)
    checker = _Checker()
    checker.check(r, w, ROOT)
    return checker.problems


def check_backward(new: Schema, old: Schema) -> list[str]:
    """Can consumers on ``new`` read data produced with ``old``?"""
    return check_can_read(new, old)


def check_forward(new: Schema, old: Schema) -> list[str]:
    """Can consumers still on ``old`` read data produced with ``new``?"""
    return check_can_read(old, new)


def check_full(new: Schema, old: Schema) -> list[str]:
    """Backward and forward: each problem is prefixed with the direction that fails."""
    return ([f"backward (new reads old): {p}" for p in check_backward(new, old)]
            + [f"forward (old reads new): {p}" for p in check_forward(new, old)])


CHECKS = {"backward": check_backward, "forward": check_forward, "full": check_full}


# -- directories and snapshots --------------------------------------------------------------------------

def _version_key(path: Path) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", path.name))


def latest_snapshot(root: Path = SNAPSHOTS_ROOT) -> Path | None:
    """The highest version folder (``v1`` < ``v2`` < ``v10``) of ``root`` that holds .avsc files."""
    if not root.is_dir():
        return None
    versions = [p for p in root.iterdir() if p.is_dir() and any(p.glob("*.avsc"))]
    return max(versions, key=_version_key, default=None)


def _load_dir(directory: Path) -> dict[str, tuple[Path, dict]]:
    """Event type (unqualified record name) -> (file, schema)."""
    out: dict[str, tuple[Path, dict]] = {}
    for path in sorted(directory.glob("*.avsc")):
        try:
            schema = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise SchemaError(f"{path}: invalid JSON: {exc}") from exc
        name = str(schema.get("name", path.stem)).rsplit(".", 1)[-1] if isinstance(schema, dict) else path.stem
        if name in out:
            raise SchemaError(f"{path} and {out[name][0]} both define {name}")
        out[name] = (path, schema)
    return out


def compare_dirs(avro_dir: Path = AVRO_DIR, snapshot_dir: Path | None = None, mode: str = "full") -> list[str]:
    """Problems of the current schemas in ``avro_dir`` against the snapshot (default: the latest one)."""
    if snapshot_dir is None:
        snapshot_dir = latest_snapshot()
        if snapshot_dir is None:
            raise SchemaError(f"no snapshot folder with .avsc files under {SNAPSHOTS_ROOT}")
    check = CHECKS[mode]
    current, released = _load_dir(avro_dir), _load_dir(snapshot_dir)
    problems: list[str] = []
    for name, (old_path, old) in released.items():
        new_entry = current.get(name)
        if new_entry is None:  # renamed with an alias to the old name?
            new_entry = next((entry for entry in current.values()
                              if isinstance(entry[1], dict) and name in {a.rsplit(".", 1)[-1]
                                                                         for a in entry[1].get("aliases", ())}),
                             None)
        if new_entry is None:
            problems.append(f"{name}: event type removed (released in {old_path}, no current schema defines it)")
            continue
        try:
            problems.extend(f"{new_entry[0].name}: {p}" for p in check(new_entry[1], old))
        except SchemaError as exc:
            problems.append(f"{new_entry[0].name}: invalid schema: {exc}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m schemas.compat", description=__doc__.split("\n\n")[0])
    parser.add_argument("--snapshot", type=Path, default=None,
                        help="released snapshot folder (default: highest version under schemas/snapshots/)")
    parser.add_argument("--avro-dir", type=Path, default=AVRO_DIR, help="current schemas (default: schemas/avro)")
    parser.add_argument("--mode", choices=sorted(CHECKS), default="full",
                        help="backward: new reads old; forward: old reads new; full: both (default)")
    args = parser.parse_args(argv)
    try:
        snapshot = args.snapshot or latest_snapshot()
        if snapshot is None or not snapshot.is_dir():
            print(f"compat: snapshot folder not found: {snapshot or SNAPSHOTS_ROOT}", file=sys.stderr)
            return 2
        problems = compare_dirs(args.avro_dir, snapshot, args.mode)
    except SchemaError as exc:
        print(f"compat: {exc}", file=sys.stderr)
        return 2
    if problems:
        print(f"{len(problems)} schema compatibility problem(s) ({args.mode}) against {snapshot}:", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    print(f"schemas in {args.avro_dir} are {args.mode}-compatible with {snapshot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
