from services.guardrails.pii import find_pii, iban_ok, luhn_ok, redact_pii
from services.guardrails.triggers import Action, Layer
from ._data import pii_scores


def test_pii_span_f1_bar():
    s = pii_scores()
    print(f"pii precision={s['precision']:.3f} recall={s['recall']:.3f} f1={s['f1']:.3f}")
    assert s["f1"] >= 0.95


def test_redaction_uses_typed_placeholders_and_spans_point_at_the_input():
    text = "Mail a@b.io, card 4111-1111-1111-1111, IBAN GB82 WEST 1234 5698 7654 32, SSN 123-45-6789, ip 10.0.0.1"
    red, triggers = redact_pii(text)
    assert red == "Mail [EMAIL], card [CREDIT_CARD], IBAN [IBAN], SSN [SSN], ip [IP]"
    assert [t.label for t in triggers] == ["email", "credit_card", "iban", "ssn", "ip"]
    for t in triggers:
        assert (t.layer, t.code, t.action) == (Layer.SAFETY, "pii", Action.REDACT)
        assert text[t.span_start:t.span_end] not in (t.detail or "")  # detail never carries the value


def test_numbers_failing_their_checksum_are_not_redacted():
    for text in ("card 4111 1111 1111 1112", "iban DE89 3704 0044 0532 0130 01", "ssn 000-12-3456",
                 "ip 300.1.2.3", "order 1234 5678 9012 3456"):
        red, triggers = redact_pii(text)
        assert red == text and triggers == [], text


def test_validators():
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert iban_ok("DE89370400440532013000") and not iban_ok("DE89370400440532013001")


def test_phone_needs_a_valid_number():
    assert [m.kind for m in find_pii("call +1 415-555-2671")] == ["phone"]
    assert find_pii("call 123-4567") == []
