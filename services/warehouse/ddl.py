"""How Avro fields map to ClickHouse columns (the raw tables hold one column per Avro field).

Used by tests to prove every migration's raw table matches its event's .avsc, and by the sink to know
which columns an Avro writer schema fills.
"""

from __future__ import annotations

# Avro fields whose text can be long: stored with ZSTD.
LONG_TEXT = {"query", "text", "correction_text", "comment", "detail", "original_value", "reason"}
LOW_CARDINALITY = {"tenant_id", "app_id", "feature", "model", "prompt_version", "cohort", "method",
                   "content_type", "source_topic", "error_type", "metric", "code"}

_PRIMITIVE = {"string": "String", "bytes": "String", "int": "Int32", "long": "Int64", "float": "Float32",
              "double": "Float64", "boolean": "Bool"}


def column_type(avro_type: object, name: str = "") -> str:
    """The ClickHouse type for an Avro type (the sink inserts Avro, ClickHouse converts)."""
    if isinstance(avro_type, list):
        inner = [t for t in avro_type if t != "null"]
        if len(inner) != 1:
            raise ValueError(f"{name}: only [null, T] unions are supported")
        base = column_type(inner[0], name)
        if "null" not in avro_type:
            return base
        if base.startswith("LowCardinality("):
            return f"LowCardinality(Nullable({base[len('LowCardinality('):-1]}))"
        return f"Nullable({base})"
    if isinstance(avro_type, str):
        if avro_type in _PRIMITIVE:
            base = _PRIMITIVE[avro_type]
            if base == "String" and name in LOW_CARDINALITY:
                return "LowCardinality(String)"
            return base
        raise ValueError(f"{name}: named type reference {avro_type} not supported in raw tables")
    assert isinstance(avro_type, dict)
    logical = avro_type.get("logicalType")
    if logical == "uuid":
        return "UUID"
    if logical == "timestamp-millis":
        return "DateTime64(3, 'UTC')"
    kind = avro_type["type"]
    if kind == "enum":
        return "LowCardinality(String)"
    if kind == "map":
        return f"Map(String, {column_type(avro_type['values'], name)})"
    if kind == "array":
        items = avro_type["items"]
        if isinstance(items, dict) and items.get("type") == "record":
            inner = ", ".join(f"{f['name']} {column_type(f['type'], f['name'])}" for f in items["fields"])
            return f"Nested({inner})"
        return f"Array({column_type(items, name)})"
    if isinstance(kind, (str, list)):
        return column_type(kind, name)
    raise ValueError(f"{name}: unsupported Avro type {avro_type}")


def column_defs(schema: dict) -> list[tuple[str, str]]:
    return [(f["name"], column_type(f["type"], f["name"])) for f in schema["fields"]]
