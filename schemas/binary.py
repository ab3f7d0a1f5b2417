"""Avro object container files built from already-encoded bodies (the warehouse sink's bulk path).

The sink does not decode events in Python (fastavro manages ~40k records/s here): it hands the untouched
bodies to ClickHouse as one Avro object container per writer schema, and ClickHouse decodes them natively.
"""

from __future__ import annotations

import json
import os
from typing import Sequence


def _zigzag(n: int) -> bytes:
    n = (n << 1) ^ (n >> 63)
    out = bytearray()
    while n & ~0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


_SMALL = [_zigzag(n) for n in range(1 << 14)]  # block lengths of typical events, looked up instead of computed


def object_container(schema: dict, bodies: Sequence[bytes]) -> bytes:
    """An Avro object container file (codec null) holding ``bodies`` as-is, one block per body.

    One block per record keeps records independent: a body with trailing bytes cannot shift the records
    after it (readers tolerate unread bytes at the end of a block).
    """
    sync = os.urandom(16)
    meta = {b"avro.schema": json.dumps(schema, separators=(",", ":")).encode(), b"avro.codec": b"null"}
    parts = [b"Obj\x01", _zigzag(len(meta))]
    for k, v in meta.items():
        parts += [_zigzag(len(k)), k, _zigzag(len(v)), v]
    parts += [b"\x00", sync]
    small = _SMALL
    append = parts.append
    for body in bodies:
        n = len(body)
        append(b"\x02")
        append(small[n] if n < 16384 else _zigzag(n))
        append(body)
        append(sync)
    return b"".join(parts)
