"""Faust agents. Each module here defines ``register(app, runtime)`` and is loaded by streams/app.py.

Agents stay thin: decode, call a service, publish. They consume the raw Avro bytes of event topics through
:func:`event_topic` and decode with :func:`decode`; a message that does not decode is skipped here, because
the warehouse sink (which reads every event topic) already dead-letters it with its reason and bytes.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING, Any

import faust

from schemas.codec import DecodeError
from schemas.models import EVENT_MODELS, Event
from services.logging import get_logger

if TYPE_CHECKING:
    from streams.runtime import Runtime

log = get_logger("flywheel.agents")


def agent_modules() -> list[str]:
    return sorted(f"{__name__}.{m.name}" for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def register_all(app: faust.App, runtime: "Runtime") -> None:
    for name in agent_modules():
        importlib.import_module(name).register(app, runtime)


def event_topic(app: faust.App, runtime: "Runtime", event_type: str) -> Any:
    """The Faust topic carrying ``event_type``, as raw bytes (our codec does the Avro)."""
    spec = runtime.catalog.for_event(event_type)
    return app.topic(spec.name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw",
                     partitions=spec.partitions)


def decode(runtime: "Runtime", value: bytes, event_type: str) -> Event | None:
    """The event in ``value``, or None (logged) when it does not decode or validate."""
    try:
        _, record = runtime.codec.decode(value, expected_type=event_type)
        return EVENT_MODELS[event_type].from_avro(record)  # type: ignore[return-value]
    except (DecodeError, ValueError) as exc:
        log.debug("skipping undecodable message (the sink dead-letters it)", event_type=event_type, error=str(exc))
        return None
