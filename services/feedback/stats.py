"""Statistics for retrain triggers, implemented here (no scipy): normal CDF via math.erf, its inverse by
bisection, the pooled two-proportion z-test and the Wilson score interval."""

from __future__ import annotations

import math
from dataclasses import dataclass


def normal_cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def normal_ppf(p: float) -> float:
    """Inverse of :func:`normal_cdf` (bisection to 1e-12; plenty for alphas)."""
    if not 0.0 < p < 1.0:
        raise ValueError("p must be in (0, 1)")
    lo, hi = -40.0, 40.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if normal_cdf(mid) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12:
            break
    return (lo + hi) / 2


@dataclass(frozen=True)
class ZTest:
    z: float
    p_value: float  # one-sided: P(Z >= z) under H0 that the two proportions are equal
    p1: float
    p2: float
    pooled: float


def two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> ZTest:
    """Pooled z-test that proportion 1 (baseline) exceeds proportion 2 (current). One-sided p-value."""
    if n1 <= 0 or n2 <= 0:
        raise ValueError("both samples need n > 0")
    if not (0 <= x1 <= n1 and 0 <= x2 <= n2):
        raise ValueError("successes must be within [0, n]")
    p1, p2 = x1 / n1, x2 / n2
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0.0:
        z = 0.0 if p1 == p2 else math.copysign(math.inf, p1 - p2)
    else:
        z = (p1 - p2) / se
    return ZTest(z=z, p_value=1.0 - normal_cdf(z), p1=p1, p2=p2, pooled=pooled)


def wilson_interval(x: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Two-sided (1 - alpha) Wilson score interval for x successes out of n."""
    if n <= 0:
        raise ValueError("n must be > 0")
    z = normal_ppf(1 - alpha / 2)
    p = x / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class DropDecision:
    significant: bool
    statistics: dict[str, float]
    why: str


def acceptance_drop(baseline_accepted: int, baseline_shown: int, current_accepted: int, current_shown: int, *,
                    alpha: float = 0.01, min_samples: int = 200, min_drop: float = 0.0,
                    method: str = "ztest") -> DropDecision:
    """Has the acceptance rate dropped significantly against its baseline?

    ``method="ztest"``: one-sided pooled two-proportion z-test, significant when p < alpha.
    ``method="wilson"``: significant when the (1 - alpha) Wilson intervals do not overlap, current below.
    Both also require ``min_samples`` shown responses on each side and an absolute drop >= ``min_drop``.
    """
    x1, n1, x2, n2 = baseline_accepted, baseline_shown, current_accepted, current_shown
    x1, x2 = min(x1, n1), min(x2, n2)  # accepted responses can exceed shown ones only through data errors
    stats: dict[str, float] = {"baseline_accepted": x1, "baseline_shown": n1, "current_accepted": x2,
                               "current_shown": n2, "alpha": alpha, "min_samples": min_samples}
    if n1 < min_samples or n2 < min_samples:
        return DropDecision(False, stats, f"too few samples (baseline {n1}, current {n2}, need {min_samples})")
    t = two_proportion_z(x1, n1, x2, n2)
    lo1, hi1 = wilson_interval(x1, n1, alpha)
    lo2, hi2 = wilson_interval(x2, n2, alpha)
    stats.update({"baseline_rate": t.p1, "current_rate": t.p2, "drop": t.p1 - t.p2, "z": t.z,
                  "p_value": t.p_value, "baseline_wilson_low": lo1, "baseline_wilson_high": hi1,
                  "current_wilson_low": lo2, "current_wilson_high": hi2})
    if method == "ztest":
        stats["method_ztest"] = 1.0
        sig = t.p_value < alpha
    elif method == "wilson":
        stats["method_wilson"] = 1.0
        sig = hi2 < lo1
    else:
        raise ValueError(f"unknown method {method!r}")
    if sig and t.p1 - t.p2 < min_drop:
        return DropDecision(False, stats, f"drop {t.p1 - t.p2:.4f} below min_drop {min_drop}")
    return DropDecision(sig, stats, "significant drop" if sig else "no significant drop")
