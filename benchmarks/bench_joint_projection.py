"""Benchmark for cmcready.stats.projection.joint_failure_rate.

Prints wall-clock timings (best of several repeats); it is a script, not a
test. Target: 30 attributes, 1e6 Monte Carlo draws for the point estimate in
under 2 s on a 2-core machine.

Run:  python benchmarks/bench_joint_projection.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from cmcready.stats.projection import joint_failure_rate


def _lots(n_lots: int, n_attrs: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n_attrs, n_attrs))
    cov = a @ a.T / n_attrs + np.eye(n_attrs)
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    z = rng.multivariate_normal(np.zeros(n_attrs), corr, size=n_lots)
    data = 100.0 + 5.0 * z
    data[:, ::3] = np.exp(0.3 * z[:, ::3])  # every third attribute lognormal
    return data


def _best(fn, repeats: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--attrs", type=int, default=30)
    parser.add_argument("--lots", type=int, default=40)
    args = parser.parse_args()

    p = args.attrs
    data = _lots(args.lots, p)
    logs = [j % 3 == 0 for j in range(p)]
    lowers = [0.4 if log else 88.0 for log in logs]
    uppers = [2.5 if log else 112.0 for log in logs]
    common = dict(data=data, lowers=lowers, uppers=uppers, log_scale=logs, seed=1)

    print(f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPUs")
    print(f"{args.lots} lots x {p} attributes ({sum(logs)} on the log scale); best of {args.repeats}")

    t, r = _best(lambda: joint_failure_rate(**common, n_draws=1_000_000, n_boot=0), args.repeats)
    print(f"point estimate, 1e6 draws:                 {t:6.3f} s  rate={r.rate:.5f} (MC SE {r.mc_se:.1e})")
    print(f"  target < 2 s: {'met' if t < 2.0 else 'NOT met'}")

    t, r = _best(lambda: joint_failure_rate(**common, n_draws=200_000, n_boot=0), args.repeats)
    print(f"point estimate, 2e5 draws (default):       {t:6.3f} s  rate={r.rate:.5f}")

    t, r = _best(
        lambda: joint_failure_rate(**common, n_draws=1_000_000, n_boot=200, n_draws_boot=20_000), args.repeats
    )
    print(f"1e6 draws + 200 bootstrap x 2e4 draws:     {t:6.3f} s  ci=({r.ci[0]:.5f}, {r.ci[1]:.5f})")


if __name__ == "__main__":
    main()
