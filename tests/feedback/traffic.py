"""Simulated traffic with known truth: responses and signals per cohort with exact acceptance rates."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass, field

from schemas.models import InteractionRequest, LlmResponse, UserSignal

ACCEPT_PATTERNS = (["accept"], ["copy", "thumbs_up"], ["continue"], ["thumbs_up"])
REJECT_PATTERNS = (["thumbs_down"], ["regenerate"], ["abandon"], ["edit"], ["dismiss"], [])


@dataclass
class Truth:
    shown: dict = field(default_factory=dict)  # (cohort, period) -> responses
    accepted: dict = field(default_factory=dict)  # (cohort, period) -> accepted responses
    kinds: dict = field(default_factory=dict)  # (cohort, period, kind) -> signals
    per_minute: dict = field(default_factory=dict)  # (cohort, window_start) -> [shown, accepted]
    signals: int = 0


def simulate(anchor: dt.datetime, rates: dict, seed: int = 7, tenant: str = "acme", app: str = "shop",
             feature: str = "support_chat") -> tuple[list, Truth]:
    """``rates``: {(cohort, period): (responses, acceptance rate)}; period 'baseline' lies in
    [anchor - 5h, anchor - 2h), 'current' in [anchor - 59 min, anchor - 1 min)."""
    rng = random.Random(seed)
    events, truth = [], Truth()
    for (cohort, period), (n, rate) in sorted(rates.items()):
        start, span = ((anchor - dt.timedelta(hours=5), 3 * 3600 - 1) if period == "baseline"
                       else (anchor - dt.timedelta(minutes=59), 58 * 60 - 1))
        n_acc = round(n * rate)
        flags = [True] * n_acc + [False] * (n - n_acc)
        rng.shuffle(flags)
        truth.shown[(cohort, period)] = n
        truth.accepted[(cohort, period)] = n_acc
        for i, accepted in enumerate(flags):
            t = start + dt.timedelta(seconds=rng.randint(0, span), milliseconds=rng.randint(0, 999))
            rid = f"{cohort}-{period}-{i}-{uuid.UUID(int=rng.getrandbits(128)).hex[:8]}"
            dims = dict(tenant_id=tenant, app_id=app, request_id=rid, feature=feature, model="m1",
                        prompt_version="v1", cohort=cohort, user_id=f"u{i % 97}")
            resp = LlmResponse(event_id=uuid.UUID(int=rng.getrandbits(128)), event_time=t, text="Returns take 14 days.",
                               latency_ms=300.0, **dims)
            events += [InteractionRequest(event_id=uuid.UUID(int=rng.getrandbits(128)), event_time=t,
                                          query="how long do returns take?", **dims), resp]
            minute = t.replace(second=0, microsecond=0)
            pm = truth.per_minute.setdefault((cohort, minute), [0, 0])
            pm[0] += 1
            pm[1] += accepted
            kinds = rng.choice(ACCEPT_PATTERNS if accepted else REJECT_PATTERNS)
            for k, kind in enumerate(kinds):
                st = t + dt.timedelta(milliseconds=10 + k)
                if st.replace(second=0, microsecond=0) != minute:
                    st = t
                events.append(UserSignal(event_id=uuid.UUID(int=rng.getrandbits(128)), event_time=st, kind=kind,
                                         response_event_id=str(resp.event_id), **dims))
                key = (cohort, period, kind)
                truth.kinds[key] = truth.kinds.get(key, 0) + 1
                truth.signals += 1
    return events, truth
