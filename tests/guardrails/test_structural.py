import pytest
from pydantic import BaseModel

from services.guardrails.structural import check_json, extract_json, response_format

SCHEMA = {"type": "object", "properties": {"items": {"type": "array", "items": {
    "type": "object", "properties": {"price": {"type": "number"}}, "required": ["price"]}}}, "required": ["items"]}


def test_errors_name_failing_paths():
    triggers = check_json('{"items": [{"price": 1}, {"price": "x"}, {}]}', SCHEMA)
    assert [t.label for t in triggers] == ["$.items[1].price", "$.items[2]"]
    assert all(t.code == "schema_violation" for t in triggers)


def test_fenced_json_and_invalid_json():
    text = 'Sure:\n```json\n{"items": []}\n```'
    found = extract_json(text)
    assert found is not None and found.value == {"items": []} and text[found.start:found.end] == '{"items": []}'
    (t,) = check_json('{"items": [1,]}')
    assert t.code == "json_invalid"


class Answer(BaseModel):
    title: str
    score: float


def test_pydantic_model_and_response_format():
    (t,) = check_json('{"title": "x", "score": "high"}', Answer)
    assert t.label == "$.score"
    rf = response_format(Answer, name="answer")
    assert rf["type"] == "json_schema" and rf["json_schema"]["strict"] is True
    schema = rf["json_schema"]["schema"]
    assert schema["additionalProperties"] is False and set(schema["required"]) == {"title", "score"}
    rf2 = response_format(SCHEMA, strict=False)
    assert rf2["json_schema"]["schema"] == SCHEMA


@pytest.mark.parametrize("text,const", [('{"a": NaN}', "NaN"), ("[1, Infinity]", "Infinity"), ('{"x": -Infinity}', "-Infinity")])
def test_non_standard_json_constants_are_invalid(text, const):
    # Python's json.loads accepts these; RFC 8259 does not (found by the independent blind set json_blind.jsonl)
    from services.guardrails.pipeline import guard

    res = guard(text, kind="json", stage="output")
    assert res.verdict == "block"
    t = res.triggers[0]
    assert t.code == "json_invalid" and text[t.span_start:].startswith(const)
