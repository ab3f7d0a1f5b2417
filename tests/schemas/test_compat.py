"""The schema-compatibility guard and the checker behind it (schemas/compat.py).

The first tests are the guard: the current .avsc files must stay backward and forward compatible with the
last released snapshot. The rest prove the checker implements the Avro spec's resolution rules, and for
several evolutions that it agrees with what fastavro actually does with writer -> reader resolution.
"""

from __future__ import annotations

import copy
import io
import json
import shutil
from pathlib import Path

import fastavro
import pytest

from schemas import compat
from schemas.compat import (SchemaError, check_backward, check_can_read, check_forward, check_full, compare_dirs,
                            latest_snapshot)
from schemas.codec import AVRO_DIR, SNAPSHOT_DIR

CURRENT_FILES = sorted(p.name for p in AVRO_DIR.glob("*.avsc"))


def rec(name: str, *fields: dict, **extra) -> dict:
    return {"type": "record", "name": name, "fields": list(fields), **extra}


def f(name: str, type_, **extra) -> dict:
    return {"name": name, "type": type_, **extra}


def roundtrip(writer, reader, datum):
    """Write ``datum`` with ``writer`` and read it back with ``reader`` through fastavro's resolution."""
    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, fastavro.parse_schema(copy.deepcopy(writer)), datum)
    buf.seek(0)
    return fastavro.schemaless_reader(buf, fastavro.parse_schema(copy.deepcopy(writer)),
                                      fastavro.parse_schema(copy.deepcopy(reader)))


def one_problem(problems: list[str], *needles: str) -> None:
    assert len(problems) == 1, problems
    for needle in needles:
        assert needle in problems[0], problems


# -- the guard --------------------------------------------------------------------------------------------

def test_latest_snapshot_is_v1_and_no_released_event_type_was_removed():
    snap = latest_snapshot()
    assert snap == SNAPSHOT_DIR / "v1"
    released = {p.name for p in snap.glob("*.avsc")}
    assert released and released <= set(CURRENT_FILES)  # new event types since the snapshot are fine


@pytest.mark.parametrize("name", CURRENT_FILES)
def test_current_schema_backward_and_forward_compatible_with_last_snapshot(name):
    new = json.loads((AVRO_DIR / name).read_text())
    old_path = latest_snapshot() / name
    if not old_path.exists():
        pytest.skip(f"{name} is a new event type since the last snapshot")
    old = json.loads(old_path.read_text())
    assert check_backward(new, old) == [], "new consumers could not read data already on the topics"
    assert check_forward(new, old) == [], "consumers not yet upgraded could not read the new data"


def test_cli_passes_on_the_repository(capsys):
    assert compat.main([]) == 0
    assert "full-compatible" in capsys.readouterr().out


@pytest.fixture
def schema_dirs(tmp_path: Path) -> tuple[Path, Path]:
    avro, snap = tmp_path / "avro", tmp_path / "snapshots" / "v1"
    shutil.copytree(AVRO_DIR, avro)
    shutil.copytree(AVRO_DIR, snap)
    return avro, snap


def _edit(path: Path, change) -> None:
    schema = json.loads(path.read_text())
    change(schema)
    path.write_text(json.dumps(schema, indent=2))


def test_guard_fails_on_a_required_field_added_to_user_signal(schema_dirs, capsys):
    avro, snap = schema_dirs
    assert compare_dirs(avro, snap) == []
    _edit(avro / "user_signal.avsc", lambda s: s["fields"].append({"name": "rating", "type": "int"}))

    problems = compare_dirs(avro, snap)
    one_problem(problems, "user_signal.avsc", "backward", "UserSignal.rating", "no default")
    assert compare_dirs(avro, snap, mode="forward") == []  # old readers just skip the new field

    assert compat.main(["--avro-dir", str(avro), "--snapshot", str(snap)]) == 1
    err = capsys.readouterr().err
    assert "UserSignal.rating" in err and "1 schema compatibility problem" in err


def test_guard_fails_on_a_required_field_removed(schema_dirs):
    avro, snap = schema_dirs
    _edit(avro / "llm_response.avsc", lambda s: s["fields"].remove(
        next(x for x in s["fields"] if x["name"] == "latency_ms")))
    one_problem(compare_dirs(avro, snap), "forward", "LlmResponse.latency_ms", "no default")


def test_guard_fails_on_enum_symbol_added_without_default(schema_dirs):
    avro, snap = schema_dirs

    def add_symbol(s):
        next(x for x in s["fields"] if x["name"] == "kind")["type"]["symbols"].append("share")
    _edit(avro / "user_signal.avsc", add_symbol)
    one_problem(compare_dirs(avro, snap), "forward", "UserSignal.kind", "share")


def test_guard_fails_on_removed_event_type_but_not_on_new_one(schema_dirs, capsys):
    avro, snap = schema_dirs
    (avro / "eval_result.avsc").unlink()
    new = json.loads((avro / "document.avsc").read_text())
    new["name"] = "BrandNewEvent"
    (avro / "brand_new_event.avsc").write_text(json.dumps(new))
    one_problem(compare_dirs(avro, snap), "EvalResult", "removed")
    assert compat.main(["--avro-dir", str(avro), "--snapshot", str(snap)]) == 1
    assert "EvalResult: event type removed" in capsys.readouterr().err


def test_renamed_event_type_with_alias_is_not_a_removal(schema_dirs):
    avro, snap = schema_dirs

    def rename(s):
        s["name"], s["aliases"] = "EvalMetric", ["EvalResult"]
    _edit(avro / "eval_result.avsc", rename)
    # old readers do not know the new name (aliases only help the reader), so the forward check flags it
    one_problem(compare_dirs(avro, snap), "forward", "name changed")
    assert compare_dirs(avro, snap, mode="backward") == []


def test_latest_snapshot_orders_versions_numerically(tmp_path):
    for v in ("v1", "v2", "v10", "v9"):
        (tmp_path / v).mkdir()
        (tmp_path / v / "x.avsc").write_text('"int"')
    (tmp_path / "v11").mkdir()  # empty folders are not releases
    assert latest_snapshot(tmp_path) == tmp_path / "v10"
    assert latest_snapshot(tmp_path / "missing") is None


def test_cli_reports_a_missing_snapshot_folder(tmp_path, capsys):
    assert compat.main(["--snapshot", str(tmp_path / "nope")]) == 2
    assert "not found" in capsys.readouterr().err


# -- records ----------------------------------------------------------------------------------------------

OLD = rec("R", f("a", "int"), f("b", "string"))


def test_identical_schemas_are_compatible():
    assert check_full(OLD, copy.deepcopy(OLD)) == []


def test_added_field_without_default_is_backward_incompatible_only():
    new = rec("R", f("a", "int"), f("b", "string"), f("c", "long"))
    one_problem(check_backward(new, OLD), "R.c", "no default")
    assert check_forward(new, OLD) == []
    with pytest.raises(fastavro.read.SchemaResolutionError):
        roundtrip(OLD, new, {"a": 1, "b": "x"})
    assert roundtrip(new, OLD, {"a": 1, "b": "x", "c": 2}) == {"a": 1, "b": "x"}


def test_added_field_with_default_is_fully_compatible_and_reads_the_default():
    new = rec("R", f("a", "int"), f("b", "string"), f("c", ["null", "long"], default=None),
              f("d", {"type": "array", "items": "string"}, default=["x"]))
    assert check_full(new, OLD) == []
    assert roundtrip(OLD, new, {"a": 1, "b": "x"}) == {"a": 1, "b": "x", "c": None, "d": ["x"]}


def test_removed_field_without_default_is_forward_incompatible_only():
    new = rec("R", f("a", "int"))
    assert check_backward(new, OLD) == []
    one_problem(check_forward(new, OLD), "R.b", "no default")
    assert roundtrip(OLD, new, {"a": 1, "b": "x"}) == {"a": 1}
    with pytest.raises(fastavro.read.SchemaResolutionError):
        roundtrip(new, OLD, {"a": 1})


def test_removed_field_with_default_is_fully_compatible():
    old = rec("R", f("a", "int"), f("b", "string", default="z"))
    new = rec("R", f("a", "int"))
    assert check_full(new, old) == []
    assert roundtrip(new, old, {"a": 1}) == {"a": 1, "b": "z"}


def test_invalid_default_of_a_missing_field_is_flagged():
    new = rec("R", f("a", "int"), f("b", "string"), f("c", ["null", "string"], default="oops"))
    one_problem(check_backward(new, OLD), "R.c", "default is invalid")
    new = rec("R", f("a", "int"), f("b", "string"), f("c", "int", default=2**31))
    one_problem(check_backward(new, OLD), "R.c", "default is invalid")


def test_field_rename_needs_a_reader_alias():
    renamed = rec("R", f("a", "int"), f("title", "string"))
    one_problem(check_backward(renamed, OLD), "R.title", "no default")
    aliased = rec("R", f("a", "int"), f("title", "string", aliases=["b"]))
    assert check_backward(aliased, OLD) == []
    assert roundtrip(OLD, aliased, {"a": 1, "b": "x"}) == {"a": 1, "title": "x"}
    one_problem(check_forward(aliased, OLD), "R.b")  # the old reader has no alias for 'title'


def test_field_type_change_is_reported_with_its_path():
    nested = rec("Outer", f("inner", rec("Inner", f("x", "int"))))
    changed = rec("Outer", f("inner", rec("Inner", f("x", "string"))))
    one_problem(check_backward(changed, nested), "Outer.inner.x", "int", "string")


# -- primitives and promotions ----------------------------------------------------------------------------

@pytest.mark.parametrize("writer,reader,datum,expected", [
    ("int", "long", 7, 7),
    ("int", "float", 7, 7.0),
    ("int", "double", -7, -7.0),
    ("long", "float", 2**40, float(2**40)),
    ("long", "double", 2**40, float(2**40)),
    ("float", "double", 1.5, 1.5),
    ("string", "bytes", "hé", "hé".encode()),
    ("bytes", "string", "hé".encode(), "hé"),
])
def test_promotions_are_readable_and_fastavro_agrees(writer, reader, datum, expected):
    assert check_can_read(reader, writer) == []
    assert roundtrip(writer, reader, datum) == expected


@pytest.mark.parametrize("writer,reader", [
    ("long", "int"), ("double", "float"), ("float", "long"), ("double", "long"), ("long", "int"),
    ("int", "string"), ("string", "int"), ("boolean", "int"), ("null", "string"), ("bytes", "int"),
])
def test_non_promotions_are_flagged_and_fastavro_fails(writer, reader):
    datum = {"long": 1, "double": 1.0, "float": 1.0, "int": 1, "string": "1", "boolean": True,
             "null": None, "bytes": b"1"}[writer]
    one_problem(check_can_read(reader, writer), "cannot be read")
    with pytest.raises(fastavro.read.SchemaResolutionError):
        roundtrip(writer, reader, datum)


def test_int_to_long_field_is_backward_but_not_forward_compatible():
    old = rec("R", f("n", "int"))
    new = rec("R", f("n", "long"))
    assert check_backward(new, old) == []
    one_problem(check_forward(new, old), "R.n", "long", "int")
    assert roundtrip(old, new, {"n": 3}) == {"n": 3}
    with pytest.raises(fastavro.read.SchemaResolutionError):
        roundtrip(new, old, {"n": 3})


def test_int_to_string_field_is_incompatible_both_ways():
    old, new = rec("R", f("n", "int")), rec("R", f("n", "string"))
    problems = check_full(new, old)
    assert len(problems) == 2 and all("R.n" in p for p in problems), problems


# -- enums ------------------------------------------------------------------------------------------------

E_OLD = {"type": "enum", "name": "Kind", "symbols": ["a", "b"]}
E_NEW = {"type": "enum", "name": "Kind", "symbols": ["a", "b", "c"]}


def test_enum_symbol_added_without_default_is_forward_incompatible():
    assert check_backward(E_NEW, E_OLD) == []
    one_problem(check_forward(E_NEW, E_OLD), "Kind", "c", "no default")
    with pytest.raises(fastavro.read.SchemaResolutionError):
        roundtrip(E_NEW, E_OLD, "c")


def test_enum_symbol_added_is_fine_when_the_old_reader_has_a_default():
    old = {**E_OLD, "default": "a"}
    new = {**E_NEW, "default": "a"}
    assert check_full(new, old) == []
    assert roundtrip(new, old, "c") == "a"


def test_enum_symbol_removed_is_backward_incompatible():
    new = {"type": "enum", "name": "Kind", "symbols": ["a"]}
    one_problem(check_backward(new, E_OLD), "b")
    assert check_forward(new, E_OLD) == []


def test_enum_default_must_be_a_symbol():
    reader = {"type": "enum", "name": "Kind", "symbols": ["a"], "default": "zzz"}
    one_problem(check_can_read(reader, E_OLD), "default 'zzz'")


def test_enum_rename_without_alias_is_incompatible():
    one_problem(check_can_read({**E_OLD, "name": "Other"}, E_OLD), "name changed")
    assert check_can_read({**E_OLD, "name": "Other", "aliases": ["Kind"]}, E_OLD) == []


# -- unions -----------------------------------------------------------------------------------------------

def test_making_a_field_nullable_is_backward_compatible_only():
    old, new = rec("R", f("x", "string")), rec("R", f("x", ["null", "string"], default=None))
    assert check_backward(new, old) == []
    assert roundtrip(old, new, {"x": "v"}) == {"x": "v"}
    one_problem(check_forward(new, old), "R.x<null>", "null cannot be read as string")
    with pytest.raises(fastavro.read.SchemaResolutionError):
        roundtrip(new, old, {"x": None})  # the checker is right: a null would break the old reader


def test_union_writer_branches_each_need_a_reader_branch():
    writer = ["null", "int", "string"]
    assert check_can_read(["null", "string", "long"], writer) == []  # int promoted to long
    assert roundtrip(writer, ["null", "string", "long"], 4) == 4
    one_problem(check_can_read(["null", "int"], writer), "<string>", "matches no branch")
    with pytest.raises(fastavro.read.SchemaResolutionError):
        roundtrip(writer, ["null", "int"], "s")


def test_non_union_writer_must_match_some_reader_branch():
    assert check_can_read(["null", "double"], "int") == []
    assert roundtrip("int", ["null", "double"], 3) == 3.0
    one_problem(check_can_read(["null", "boolean"], "int"), "matches no branch")


def test_union_reader_prefers_the_exact_branch_and_checks_it_deeply():
    writer = rec("R", f("a", "int"))
    reader = ["null", rec("R", f("a", "int"), f("b", "string"))]
    one_problem(check_can_read(reader, writer), "R.b", "no default")
    assert check_can_read(["long", "int"], "int") == []


def test_union_writer_and_non_union_reader():
    one_problem(check_can_read("long", ["null", "int"]), "<null>")
    assert check_can_read("long", ["int", "long"]) == []
    assert roundtrip(["int", "long"], "long", 5) == 5


# -- arrays, maps, fixed, named types ---------------------------------------------------------------------

def test_arrays_and_maps_resolve_their_items():
    assert check_can_read({"type": "array", "items": "long"}, {"type": "array", "items": "int"}) == []
    assert roundtrip({"type": "array", "items": "int"}, {"type": "array", "items": "long"}, [1, 2]) == [1, 2]
    one_problem(check_can_read({"type": "array", "items": "int"}, {"type": "array", "items": "long"}), "[]")
    assert check_can_read({"type": "map", "values": "double"}, {"type": "map", "values": "float"}) == []
    one_problem(check_can_read({"type": "map", "values": "string"}, {"type": "map", "values": "int"}), "{}")
    one_problem(check_can_read({"type": "map", "values": "int"}, {"type": "array", "items": "int"}),
                "cannot be read")


def test_array_of_records_reports_the_item_path():
    old = rec("Resp", f("cites", {"type": "array", "items": rec("Cite", f("doc", "string"))}))
    new = rec("Resp", f("cites", {"type": "array", "items": rec("Cite", f("doc", "string"), f("n", "int"))}))
    one_problem(check_backward(new, old), "Resp.cites[].n")


def test_fixed_size_and_name():
    fx = {"type": "fixed", "name": "Hash", "size": 16}
    assert check_full({**fx}, fx) == []
    one_problem(check_can_read({**fx, "size": 32}, fx), "size changed from 16")
    with pytest.raises(fastavro.read.SchemaResolutionError):
        roundtrip(fx, {**fx, "size": 32}, b"x" * 16)
    one_problem(check_can_read({**fx, "name": "Other"}, fx), "name changed")


def test_named_types_match_by_unqualified_or_qualified_name_and_alias():
    writer = rec("R", f("a", "int"), namespace="old.ns")
    assert check_can_read(rec("R", f("a", "int"), namespace="new.ns"), writer) == []
    assert roundtrip(writer, rec("R", f("a", "int"), namespace="new.ns"), {"a": 1}) == {"a": 1}
    assert check_can_read(rec("S", f("a", "int"), aliases=["old.ns.R"]), writer) == []
    assert check_can_read(rec("S", f("a", "int"), aliases=["R"]), writer) == []
    assert roundtrip(writer, rec("S", f("a", "int"), aliases=["R"]), {"a": 1}) == {"a": 1}
    one_problem(check_can_read(rec("S", f("a", "int")), writer), "name changed from old.ns.R")
    with pytest.raises(fastavro.read.SchemaResolutionError):
        roundtrip(writer, rec("S", f("a", "int")), {"a": 1})


def test_named_references_and_recursive_types_resolve():
    node = rec("Node", f("value", "int"), f("next", ["null", "Node"], default=None), namespace="t")
    new = rec("Node", f("value", "long"), f("next", ["null", "t.Node"], default=None), namespace="t")
    assert check_backward(new, node) == []
    one_problem(check_forward(new, node), "Node.value")
    pair = rec("Pair", f("left", {"type": "enum", "name": "Side", "symbols": ["l", "r"]}),
               f("right", "Side"))
    pair2 = rec("Pair", f("left", {"type": "enum", "name": "Side", "symbols": ["l"]}), f("right", "Side"))
    assert len(check_backward(pair2, pair)) == 2  # both uses of Side lose 'r'


def test_invalid_schemas_raise():
    with pytest.raises(SchemaError):
        check_can_read("Nope", "int")
    with pytest.raises(SchemaError):
        check_can_read({"type": "record", "name": "R"}, "int")


# -- logical types ----------------------------------------------------------------------------------------

TS_MILLIS = {"type": "long", "logicalType": "timestamp-millis"}
TS_MICROS = {"type": "long", "logicalType": "timestamp-micros"}
UUID = {"type": "string", "logicalType": "uuid"}


def test_timestamp_precision_change_is_flagged_although_fastavro_reads_it():
    one_problem(check_can_read(TS_MICROS, TS_MILLIS), "timestamp-millis", "timestamp-micros")
    one_problem(check_can_read(TS_MILLIS, TS_MICROS), "logical type changed")
    roundtrip(TS_MILLIS, TS_MICROS, 1000)  # no error: the bytes are a long either way, only the checker sees it


def test_uuid_to_plain_string_is_fine_both_ways():
    assert check_full("string", UUID) == []
    assert check_full(rec("R", f("id", "string")), rec("R", f("id", UUID))) == []


def test_adding_or_removing_a_meaningful_logical_type_is_flagged():
    one_problem(check_can_read("long", TS_MILLIS), "timestamp-millis (writer) to none")
    one_problem(check_can_read(TS_MILLIS, "long"), "none (writer) to timestamp-millis")
    one_problem(check_can_read({"type": "int", "logicalType": "date"}, TS_MILLIS), "cannot be read")


def test_decimal_scale_and_precision():
    dec = {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}
    assert check_can_read({**dec, "precision": 12}, dec) == []
    one_problem(check_can_read({**dec, "scale": 3}, dec), "scale")
    one_problem(check_can_read({**dec, "precision": 8}, dec), "precision")


def test_check_full_prefixes_the_direction():
    problems = check_full(rec("R", f("n", "long")), rec("R", f("n", "int")))
    assert problems == [p for p in problems if p.startswith("forward (old reads new): R.n")] and problems
