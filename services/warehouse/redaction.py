"""PII redaction of free-text fields before events are stored in ClickHouse (``FLYWHEEL_REDACT_PII``).

The sink does not decode events in Python, so a byte-level prefilter picks the messages that could hold PII
(an ``@``, a run of digits, a dotted quad, a colon-separated hex group) outside the envelope's event id;
only those are decoded, redacted with the validator-based detector of :mod:`services.guardrails` (Luhn,
mod-97, phone-number metadata...: numbers failing their checksum are kept) and re-encoded. Documents are
not redacted: a knowledge base legitimately holds support addresses and phone numbers.

Known gap of the prefilter: a digit run glued to a letter is not a candidate (that is what keeps UUIDs and
request ids out), and the byte before a string is its length, which is a letter or digit for some lengths
(24-28, 33-45, 49-61 characters); so a field of such a length that *starts* with a phone or card number and
holds no other candidate is stored unredacted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from schemas.codec import Codec, SchemaInfo
from services.guardrails import DEFAULT_POLICY, Policy, redact_pii

# Free-text fields per event type (string fields, or map<string, string> fields whose values are redacted).
REDACTED_FIELDS: Mapping[str, tuple[str, ...]] = {
    "InteractionRequest": ("query", "params"),
    "Retrieval": ("query",),
    "LlmResponse": ("text", "error"),
    "UserSignal": ("correction_text", "comment"),
    "GuardrailTrigger": ("detail",),
    "CacheWarmTrigger": ("query", "params"),
    "EvalResult": ("detail",),
    "EvalItem": ("query", "observed_output", "expected_output"),
}

# A prefilter, not a detector: a false candidate costs a decode, so ids must not look like PII: a digit run
# glued to letters, "_" or "-" (UUIDs, "req-123456") is not a candidate. Separate simple searches are ~3x
# faster than one alternation. IBANs are caught by their digit run.
_EMAIL = re.compile(rb"\w@[\w-]+\.").search
_DIGITS = re.compile(rb"(?<![0-9A-Za-z_-])\d[\d \-.()/]{5,}\d(?![0-9A-Za-z_])").search  # phone, card, SSN, IPv4
_IPV6 = re.compile(rb"[0-9A-Fa-f]:[0-9A-Fa-f]{0,4}:").search
_EVENT_ID_BYTES = 37  # zigzag length byte (0x48) + 36 characters of the UUID


@dataclass
class Redaction:
    value: bytes
    changed: bool


class Redactor:
    def __init__(self, codec: Codec, policy: Policy = DEFAULT_POLICY) -> None:
        self.codec = codec
        self.policy = policy

    def applies_to(self, event_type: str) -> bool:
        return event_type in REDACTED_FIELDS

    def may_contain_pii(self, value: bytes, body_start: int) -> bool:
        pos = body_start + _EVENT_ID_BYTES
        return bool((b"@" in value and _EMAIL(value, pos)) or _DIGITS(value, pos)
                    or (b":" in value and _IPV6(value, pos)))

    def redact(self, writer: SchemaInfo, value: bytes) -> Redaction:
        """Decode, redact the free-text fields, and re-encode in the current schema when anything changed.
        Raises :class:`schemas.codec.DecodeError` for a message that does not decode."""
        event_type, record = self.codec.decode(value, expected_type=writer.event_type)
        changed = False
        for name in REDACTED_FIELDS[event_type]:
            field_value = record.get(name)
            if isinstance(field_value, str):
                redacted, triggers = redact_pii(field_value, self.policy)
                if triggers and redacted != field_value:
                    record[name], changed = redacted, True
            elif isinstance(field_value, dict):
                for key, item in field_value.items():
                    if isinstance(item, str):
                        redacted, triggers = redact_pii(item, self.policy)
                        if triggers and redacted != item:
                            field_value[key], changed = redacted, True
        if not changed:
            return Redaction(value, False)
        return Redaction(self.codec.encode(event_type, record), True)
