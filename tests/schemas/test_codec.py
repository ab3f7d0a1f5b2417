"""The Avro codec (schemas/codec.py) and the generated models (schemas/models.py)."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import struct
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import fastavro
import pydantic
import pytest

from schemas import codegen, models
from schemas.codec import (AVRO_DIR, CONFLUENT_MAGIC, SINGLE_OBJECT_MAGIC, Codec, ConfluentCodec, DecodeError,
                           SchemaRegistry, SchemaRegistryClient, default_registry, fingerprint64, make_codec)

SCHEMAS = {json.loads(p.read_text())["name"]: json.loads(p.read_text()) for p in sorted(AVRO_DIR.glob("*.avsc"))}
EVENT_TYPES = sorted(SCHEMAS)
UTC = dt.timezone.utc


# -- building model instances from the schemas ------------------------------------------------------------

class _Values:
    """Distinct, valid values for every Avro type, so a mixed-up field would not round-trip."""

    def __init__(self) -> None:
        self.n = 0

    def next(self) -> int:
        self.n += 1
        return self.n

    def of(self, t, field_name: str = ""):
        if isinstance(t, list):
            return self.of(next(x for x in t if x != "null"), field_name)
        if isinstance(t, dict):
            logical = t.get("logicalType")
            if logical == "uuid":
                return uuid.uuid4()
            if logical == "timestamp-millis":
                return dt.datetime(2024, 2, 29, 23, 59, 58, 999000, tzinfo=UTC) - dt.timedelta(minutes=self.next())
            kind = t["type"]
            if kind == "enum":
                return t["symbols"][self.next() % len(t["symbols"])]
            if kind == "array":
                return [self.of(t["items"]), self.of(t["items"])]
            if kind == "map":
                return {f"k{self.next()}": self.of(t["values"]), f"k{self.next()}": self.of(t["values"])}
            if kind == "record":
                return {f["name"]: self.of(f["type"], f["name"]) for f in t["fields"]}
            return self.of(kind, field_name)
        n = self.next()
        return {"string": f"{field_name or 's'}-{n}-é✓", "int": -(2**31) + n if n % 2 else 2**31 - n,
                "long": 2**62 + n, "double": n + 0.25, "float": n + 0.5, "boolean": n % 2 == 0,
                "bytes": bytes([n % 256, 0, 255]) + b"\x00raw"}[t]


def full_kwargs(event_type: str) -> dict:
    values = _Values()
    return {f["name"]: values.of(f["type"], f["name"]) for f in SCHEMAS[event_type]["fields"]}


def minimal_kwargs(event_type: str) -> dict:
    values = _Values()
    kwargs = {f["name"]: values.of(f["type"], f["name"]) for f in SCHEMAS[event_type]["fields"]
              if "default" not in f and f["name"] not in ("event_id", "event_time")}
    if event_type in models.REQUEST_SCOPED_TYPES:
        kwargs["request_id"] = "req-1"
    return kwargs


def roundtrip(codec: Codec, model: models.Event) -> tuple[bytes, models.Event]:
    data = codec.encode(model.EVENT_TYPE, model.to_avro())
    event_type, record = codec.decode(data, expected_type=model.EVENT_TYPE)
    assert event_type == model.EVENT_TYPE
    return data, type(model).from_avro(record)


def write_body(schema: dict, record: dict) -> bytes:
    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, fastavro.parse_schema(schema), record)
    return buf.getvalue()


@pytest.fixture(scope="module")
def codec() -> Codec:
    return Codec()


# -- registry and models --------------------------------------------------------------------------------------

def test_every_schema_file_has_a_model_and_a_registered_type():
    assert sorted(models.EVENT_MODELS) == EVENT_TYPES == default_registry().event_types
    assert all(models.EVENT_MODELS[t].EVENT_TYPE == t for t in EVENT_TYPES)


def test_models_py_is_up_to_date_with_the_avsc_files():
    assert codegen.generate() == codegen.MODELS_PATH.read_text(), "run: python -m schemas.codegen"


# -- round trips ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_fully_populated_event_round_trips_exactly(codec, event_type):
    kwargs = full_kwargs(event_type)
    model = models.EVENT_MODELS[event_type](**kwargs)
    # every optional field is set, every array and map is non-empty
    for name, value in model.model_dump().items():
        assert value is not None and value != [] and value != {}, name
    data, back = roundtrip(codec, model)
    assert back == model
    assert back.model_dump() == model.model_dump()  # same values, not only equal-comparing ones
    assert data[:2] == b"\xc3\x01" and data[2:10] == fingerprint64(SCHEMAS[event_type])


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_minimal_event_round_trips_with_defaults(codec, event_type):
    model = models.EVENT_MODELS[event_type](**minimal_kwargs(event_type))
    _, back = roundtrip(codec, model)
    assert back == model
    for f in SCHEMAS[event_type]["fields"]:
        if "default" in f and f["name"] != "request_id":
            assert getattr(back, f["name"]) == f["default"], f["name"]


def test_nested_records_round_trip_with_their_values(codec):
    citations = [models.Citation(doc_id="d1", chunk_id="c1", span_start=0, span_end=2**31 - 1, score=0.5),
                 models.Citation(doc_id="d2")]
    model = models.LlmResponse(tenant_id="t", app_id="a", request_id="r", text="answer", latency_ms=12.5,
                               citations=citations, cached=True)
    _, record = codec.decode(codec.encode("LlmResponse", model.to_avro()))
    assert record["citations"][0] == {"doc_id": "d1", "chunk_id": "c1", "span_start": 0,
                                      "span_end": 2**31 - 1, "score": 0.5}
    assert record["citations"][1]["chunk_id"] is None
    assert models.LlmResponse.from_avro(record).citations == citations


def test_timestamps_are_truncated_to_millis_and_converted_to_utc(codec):
    plus2 = dt.timezone(dt.timedelta(hours=2))
    model = models.UserSignal(tenant_id="t", app_id="a", request_id="r", kind="copy",
                              event_time=dt.datetime(2024, 5, 6, 9, 8, 7, 654321, tzinfo=plus2))
    expected = dt.datetime(2024, 5, 6, 7, 8, 7, 654000, tzinfo=UTC)
    assert model.event_time == expected and model.event_time.utcoffset() == dt.timedelta(0)
    _, record = codec.decode(codec.encode("UserSignal", model.to_avro()))
    assert record["event_time"] == expected
    assert models.UserSignal.from_avro(record) == model


def test_naive_timestamps_are_taken_as_utc(codec):
    model = models.UserSignal(tenant_id="t", app_id="a", request_id="r", kind="copy",
                              event_time=dt.datetime(2019, 12, 31, 23, 59, 59, 999999))
    assert model.event_time == dt.datetime(2019, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)
    _, back = roundtrip(codec, model)
    assert back == model and back.event_time.tzinfo is not None


@pytest.mark.parametrize("when", [dt.datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
                                  dt.datetime(2200, 1, 1, tzinfo=UTC), dt.datetime(1970, 1, 1, 0, 0, 1)])
def test_event_time_outside_2000_2200_is_rejected(when):
    with pytest.raises(pydantic.ValidationError, match="between 2000-01-01 and 2200-01-01"):
        models.UserSignal(tenant_id="t", app_id="a", request_id="r", kind="copy", event_time=when)


def test_default_event_id_and_time_are_fresh_and_millisecond_precise():
    a = models.UserSignal(tenant_id="t", app_id="a", request_id="r", kind="copy")
    b = models.UserSignal(tenant_id="t", app_id="a", request_id="r", kind="copy")
    assert a.event_id != b.event_id and a.event_id.version == 4
    assert a.event_time.microsecond % 1000 == 0 and a.event_time.tzinfo is not None
    assert abs(dt.datetime.now(UTC) - a.event_time) < dt.timedelta(seconds=5)


# -- wire format and fingerprints -----------------------------------------------------------------------------

CRC64_EMPTY = 0xC15D213AA4D7A795


def _crc64_table() -> list[int]:
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (CRC64_EMPTY & -(fp & 1))
        table.append(fp)
    return table


_TABLE = _crc64_table()


def crc64_avro(data: bytes) -> int:
    """The Avro spec's reference fingerprint64 (Rabin CRC-64)."""
    fp = CRC64_EMPTY
    for byte in data:
        fp = (fp >> 8) ^ _TABLE[(fp ^ byte) & 0xFF]
    return fp


_PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}


def canonical(schema, namespace: str | None = None) -> str:
    """Parsing Canonical Form (spec: PRIMITIVES, FULLNAMES, STRIP, ORDER, STRINGS, WHITESPACE)."""
    dump = lambda v: json.dumps(v, ensure_ascii=False, separators=(",", ":"))  # noqa: E731
    if isinstance(schema, list):
        return "[" + ",".join(canonical(s, namespace) for s in schema) + "]"
    if isinstance(schema, str):
        return dump(schema if schema in _PRIMITIVES or "." in schema or not namespace else f"{namespace}.{schema}")
    kind = schema["type"]
    if kind in _PRIMITIVES:
        return dump(kind)
    if kind == "array":
        return '{"type":"array","items":' + canonical(schema["items"], namespace) + "}"
    if kind == "map":
        return '{"type":"map","values":' + canonical(schema["values"], namespace) + "}"
    if kind in ("record", "enum", "fixed"):
        name = schema["name"]
        ns = name.rsplit(".", 1)[0] if "." in name else schema.get("namespace", namespace)
        out = '{"name":' + dump(f"{ns}.{name}" if ns and "." not in name else name) + ',"type":' + dump(kind)
        if kind == "record":
            out += ',"fields":[' + ",".join('{"name":' + dump(f["name"]) + ',"type":' + canonical(f["type"], ns) + "}"
                                            for f in schema["fields"]) + "]"
        elif kind == "enum":
            out += ',"symbols":' + dump(schema["symbols"])
        else:
            out += ',"size":' + str(int(schema["size"]))
        return out + "}"
    return canonical(kind, namespace)


@pytest.mark.parametrize("schema,expected_hex", [  # the spec's test vectors (little-endian bytes)
    ("int", "8f5c393f1ad57572"), ({"type": "int"}, "8f5c393f1ad57572"), ("long", "b71df49344e154d0"),
    ("double", "7e95ab32c035758e"), ("bytes", "651920c3da16c04f"),
])
def test_reference_crc64_matches_the_spec_vectors_and_the_codec(schema, expected_hex):
    assert struct.pack("<Q", crc64_avro(canonical(schema).encode())).hex() == expected_hex
    assert fingerprint64(json.dumps(schema)).hex() == expected_hex  # the JSON text of the schema


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_fingerprint64_is_crc64_avro_of_the_canonical_form(event_type):
    schema = SCHEMAS[event_type]
    pcf = canonical(schema)
    assert '"doc"' not in pcf and '"default"' not in pcf and "logicalType" not in pcf and " " not in pcf
    assert pcf.startswith('{"name":"io.flywheel.events.' + event_type + '","type":"record"')
    expected = struct.pack("<Q", crc64_avro(pcf.encode()))
    assert fingerprint64(schema) == expected
    assert fingerprint64(json.dumps(schema)) == expected  # the str form too
    assert default_registry().schema(event_type).fingerprint == expected


def test_fingerprints_ignore_docs_and_defaults_but_not_types():
    schema = SCHEMAS["UserSignal"]
    doc_only = json.loads(json.dumps(schema))
    doc_only["doc"] = "another doc"
    assert fingerprint64(doc_only) == fingerprint64(schema)
    retyped = json.loads(json.dumps(schema))
    retyped["fields"][-1]["type"] = ["null", "bytes"]
    assert fingerprint64(retyped) != fingerprint64(schema)


# -- decode errors --------------------------------------------------------------------------------------------

def _valid(codec: Codec) -> bytes:
    return codec.encode("UserSignal", models.UserSignal(tenant_id="t", app_id="a", request_id="r",
                                                        kind="edit", comment="c").to_avro())


def test_unknown_fingerprint_is_unknown_schema(codec):
    data = _valid(codec)
    with pytest.raises(DecodeError) as err:
        codec.decode(data[:2] + b"\x01" * 8 + data[10:])
    assert err.value.error_type == "unknown_schema" and "0101010101010101" in str(err.value)


@pytest.mark.parametrize("mangle", [
    lambda d: b"",
    lambda d: b"garbage that is not avro at all",
    lambda d: d[:9],  # header cut short
    lambda d: d[:10],  # header, no body
    lambda d: d[:-3],  # truncated body
    lambda d: d + b"\x00",  # trailing byte
    lambda d: d[:10] + b"\xff" * 40,  # body of garbage
    lambda d: b"\xc3\x02" + d[2:],  # wrong magic version
], ids=["empty", "garbage", "short-header", "no-body", "truncated", "trailing", "garbage-body", "bad-magic"])
def test_garbage_and_truncated_bodies_are_undecodable(codec, mangle):
    with pytest.raises(DecodeError) as err:
        codec.decode(mangle(_valid(codec)))
    assert err.value.error_type == "undecodable"


def test_wrong_expected_type(codec):
    with pytest.raises(DecodeError) as err:
        codec.decode(_valid(codec), expected_type="LlmResponse")
    assert err.value.error_type == "wrong_type"


def test_confluent_bytes_without_a_registry_are_rejected(codec):
    with pytest.raises(DecodeError) as err:
        codec.decode(CONFLUENT_MAGIC + struct.pack(">I", 1) + _valid(codec)[10:])
    assert err.value.error_type == "unknown_schema" and "registry" in str(err.value)


def test_encode_unknown_event_type_names_the_known_ones(codec):
    with pytest.raises(KeyError, match="UserSignal"):
        codec.encode("NoSuchEvent", {})


# -- schema evolution --------------------------------------------------------------------------------------------

@pytest.fixture
def evolved(tmp_path: Path) -> tuple[SchemaRegistry, dict]:
    """A registry whose released snapshot holds an older UserSignal: the current one without its last field."""
    avro, snap = tmp_path / "avro", tmp_path / "snapshots" / "v1"
    shutil.copytree(AVRO_DIR, avro)
    snap.mkdir(parents=True)
    old = json.loads((AVRO_DIR / "user_signal.avsc").read_text())
    removed = old["fields"].pop()
    assert removed["name"] == "response_event_id" and removed["default"] is None
    (snap / "user_signal.avsc").write_text(json.dumps(old))
    return SchemaRegistry(avro, snap.parent), old


def test_old_writer_schema_decodes_with_the_current_reader(evolved):
    registry, old = evolved
    old_fp = fingerprint64(old)
    assert registry.by_fingerprint[old_fp].origin == "snapshot:v1"
    old_record = models.UserSignal(tenant_id="t", app_id="a", request_id="r", kind="regenerate", dwell_ms=42,
                                   comment="older producer").to_avro()
    del old_record["response_event_id"]
    # the body written with the old schema, framed with the old fingerprint, as an old producer did
    data = SINGLE_OBJECT_MAGIC + old_fp + write_body(old, old_record)

    event_type, record = Codec(registry).decode(data, expected_type="UserSignal")
    assert event_type == "UserSignal"
    assert record["response_event_id"] is None  # filled from the reader's default
    model = models.UserSignal.from_avro(record)
    assert (model.dwell_ms, model.comment, model.kind, model.event_id) == (42, "older producer", "regenerate",
                                                                           old_record["event_id"])
    # the default registry does not know this writer
    with pytest.raises(DecodeError) as err:
        Codec().decode(data)
    assert err.value.error_type == "unknown_schema"


def test_snapshot_of_a_removed_type_or_identical_schema_adds_no_writer(tmp_path):
    avro, snap = tmp_path / "avro", tmp_path / "snap" / "v1"
    avro.mkdir()
    snap.mkdir(parents=True)
    shutil.copy(AVRO_DIR / "user_signal.avsc", avro)
    shutil.copy(AVRO_DIR / "user_signal.avsc", snap)
    shutil.copy(AVRO_DIR / "document.avsc", snap)  # not a current type
    registry = SchemaRegistry(avro, snap.parent)
    assert registry.event_types == ["UserSignal"]
    assert [i.origin for i in registry.by_fingerprint.values()] == ["current"]


# -- Confluent wire format against a stand-in schema registry -------------------------------------------------

class _RegistryStandIn(BaseHTTPRequestHandler):
    schemas: dict[int, str]
    calls: list[str]

    def log_message(self, *args) -> None:  # keep pytest output clean
        pass

    def _reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        self.calls.append(f"POST {self.path}")
        parts = self.path.strip("/").split("/")
        if len(parts) != 3 or parts[0] != "subjects" or parts[2] != "versions":
            return self._reply(404, {"error_code": 404, "message": "not found"})
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        schema = body["schema"]
        json.loads(schema)  # a real registry rejects invalid JSON
        for schema_id, known in self.schemas.items():
            if json.loads(known) == json.loads(schema):
                return self._reply(200, {"id": schema_id})
        schema_id = 100 + len(self.schemas)
        self.schemas[schema_id] = schema
        self._reply(200, {"id": schema_id})

    def do_GET(self) -> None:
        self.calls.append(f"GET {self.path}")
        prefix = "/schemas/ids/"
        if self.path.startswith(prefix) and int(self.path[len(prefix):]) in self.schemas:
            return self._reply(200, {"schema": self.schemas[int(self.path[len(prefix):])]})
        self._reply(404, {"error_code": 40403, "message": "Schema not found"})


@pytest.fixture
def registry_url():
    handler = type("Handler", (_RegistryStandIn,), {"schemas": {}, "calls": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_confluent_round_trip_through_a_registry(registry_url):
    url, handler = registry_url
    producer = make_codec(url)
    assert isinstance(producer, ConfluentCodec)
    model = models.UserSignal(tenant_id="t", app_id="a", request_id="r", kind="thumbs_down", value=-1.0)
    data = producer.encode("UserSignal", model.to_avro(), topic="signals")
    schema_id = struct.unpack(">I", data[1:5])[0]
    assert data[:1] == b"\x00" and schema_id == 100
    assert json.loads(handler.schemas[schema_id]) == SCHEMAS["UserSignal"]
    assert handler.calls == ["POST /subjects/signals-value/versions"]
    producer.encode("UserSignal", model.to_avro(), topic="signals")
    assert len(handler.calls) == 1  # the id is cached

    consumer = ConfluentCodec(SchemaRegistryClient(url))  # a fresh process: must fetch the schema by id
    event_type, record = consumer.decode(data, expected_type="UserSignal")
    assert event_type == "UserSignal" and models.UserSignal.from_avro(record) == model
    assert handler.calls[-1] == f"GET /schemas/ids/{schema_id}"
    consumer.decode(data)
    assert sum(c.startswith("GET") for c in handler.calls) == 1

    # the same topic may still carry single-object messages
    single = Codec().encode("UserSignal", model.to_avro())
    assert models.UserSignal.from_avro(consumer.decode(single)[1]) == model


def test_confluent_writer_known_only_to_the_registry_is_resolved(registry_url):
    url, handler = registry_url
    old = json.loads((AVRO_DIR / "user_signal.avsc").read_text())
    old["fields"].pop()  # an older producer's schema, never snapshotted here
    old_id = SchemaRegistryClient(url).register("signals-value", old)
    record = models.UserSignal(tenant_id="t", app_id="a", request_id="r", kind="accept").to_avro()
    del record["response_event_id"]
    data = CONFLUENT_MAGIC + struct.pack(">I", old_id) + write_body(old, record)
    event_type, decoded = ConfluentCodec(SchemaRegistryClient(url)).decode(data)
    assert event_type == "UserSignal"
    assert decoded == {**record, "response_event_id": None}


def test_confluent_unknown_id_and_foreign_schema_are_unknown_schema(registry_url):
    url, _ = registry_url
    consumer = ConfluentCodec(SchemaRegistryClient(url))
    with pytest.raises(DecodeError) as err:
        consumer.decode(CONFLUENT_MAGIC + struct.pack(">I", 999) + b"\x00")
    assert err.value.error_type == "unknown_schema" and "999" in str(err.value)
    foreign = SchemaRegistryClient(url).register("other-value", {"type": "record", "name": "Other",
                                                                 "fields": [{"name": "x", "type": "int"}]})
    with pytest.raises(DecodeError) as err:
        consumer.decode(CONFLUENT_MAGIC + struct.pack(">I", foreign) + b"\x02")
    assert err.value.error_type == "unknown_schema" and "not a flywheel event" in str(err.value)


def test_make_codec_without_url_is_single_object():
    assert type(make_codec(None)) is Codec and type(make_codec("")) is Codec


# -- model validation ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("event_type", sorted(models.REQUEST_SCOPED_TYPES))
def test_request_scoped_events_require_request_id(event_type):
    kwargs = minimal_kwargs(event_type)
    models.EVENT_MODELS[event_type](**kwargs)
    for missing in (None, ""):
        with pytest.raises(pydantic.ValidationError, match="request-scoped"):
            models.EVENT_MODELS[event_type](**{**kwargs, "request_id": missing})


def test_non_request_scoped_events_do_not_require_request_id():
    assert models.REQUEST_SCOPED_TYPES < set(EVENT_TYPES)
    for event_type in set(EVENT_TYPES) - models.REQUEST_SCOPED_TYPES:
        assert models.EVENT_MODELS[event_type](**minimal_kwargs(event_type)).request_id is None


@pytest.mark.parametrize("field", ["tenant_id", "app_id"])
@pytest.mark.parametrize("value", ["", "   "])
def test_empty_tenant_and_app_are_rejected(field, value):
    with pytest.raises(pydantic.ValidationError, match="must not be empty"):
        models.UserSignal(**{**minimal_kwargs("UserSignal"), field: value})


def test_extra_keys_are_rejected_also_in_nested_records():
    with pytest.raises(pydantic.ValidationError, match="extra"):
        models.UserSignal(**minimal_kwargs("UserSignal"), rating=5)
    with pytest.raises(pydantic.ValidationError, match="extra"):
        models.Citation(doc_id="d", page=3)
    with pytest.raises(pydantic.ValidationError, match="extra"):
        models.UserSignal.from_avro({**models.UserSignal(**minimal_kwargs("UserSignal")).to_avro(), "x": 1})


def test_int32_and_int64_bounds_are_enforced():
    base = minimal_kwargs("DeadLetter")
    for ok in (-(2**31), 2**31 - 1):
        models.DeadLetter(**{**base, "source_partition": ok})
    for bad in (-(2**31) - 1, 2**31):
        with pytest.raises(pydantic.ValidationError):
            models.DeadLetter(**{**base, "source_partition": bad})
    with pytest.raises(pydantic.ValidationError):
        models.DeadLetter(**{**base, "source_offset": 2**63})
    with pytest.raises(pydantic.ValidationError):
        models.Citation(doc_id="d", span_start=2**31)
    models.DeadLetter(**{**base, "source_offset": 2**63 - 1})


def test_enum_values_and_required_fields_are_checked():
    with pytest.raises(pydantic.ValidationError):
        models.UserSignal(**{**minimal_kwargs("UserSignal"), "kind": "share"})
    kwargs = minimal_kwargs("LlmResponse")
    del kwargs["latency_ms"]
    with pytest.raises(pydantic.ValidationError, match="latency_ms"):
        models.LlmResponse(**kwargs)


# -- registry edge cases: a non-record schema id is the message's fault; an outage is not --

@pytest.mark.parametrize("foreign", ['"string"', '["null", "string"]'])
def test_confluent_id_of_a_non_record_schema_is_unknown_schema(registry_url, foreign):
    url, handler = registry_url
    handler.schemas[7] = foreign
    with pytest.raises(DecodeError) as err:
        ConfluentCodec(SchemaRegistryClient(url)).decode(CONFLUENT_MAGIC + struct.pack(">I", 7) + b"\x02a")
    assert err.value.error_type == "unknown_schema"


def test_registry_outage_is_not_a_decode_error():
    import socket
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    consumer = ConfluentCodec(SchemaRegistryClient(f"http://127.0.0.1:{port}", timeout=1))
    with pytest.raises(Exception) as err:
        consumer.decode(CONFLUENT_MAGIC + struct.pack(">I", 7) + b"\x02a")
    assert not isinstance(err.value, DecodeError), err.value
