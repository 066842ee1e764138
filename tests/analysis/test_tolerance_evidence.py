"""The attributes block carries a 99%/95% tolerance interval of the commercial process as
supporting evidence for the proposed range."""

from __future__ import annotations

import numpy as np
from scipy import stats

from cmcready.report.json_out import audit_json
from tests.builders import BASE_POTENCY, audit, base_tables


def test_two_sided_tolerance_interval_of_the_commercial_lots(tmp_path):
    entry = audit_json(audit(base_tables(), tmp_path))["attributes"]["POT"]
    ti = entry["tolerance_interval"]
    v = np.array(BASE_POTENCY)
    n = len(v)
    # Independent check of the exact two-sided k (Odeh/ISO 16269-6 definition): with
    # x̄ ± k s, the coverage of N(μ, σ) is at least 0.99 with probability 0.95. Howe's
    # approximation (NIST e-Handbook 7.2.6.3) is within 1% of the exact k for n = 22.
    chi2 = stats.chi2.ppf(0.05, n - 1)
    z = stats.norm.ppf((1 + 0.99) / 2)
    k_howe = z * np.sqrt((n - 1) * (1 + 1 / n) / chi2)
    assert abs(ti["k"] - k_howe) / k_howe < 0.01
    assert ti["sides"] == 2 and ti["model"] == entry["model"]
    if entry["model"] == "normal":
        assert ti["lower"] == np.mean(v) - ti["k"] * np.std(v, ddof=1)
        assert ti["upper"] == np.mean(v) + ti["k"] * np.std(v, ddof=1)
    # Wilks: [min, max] of 22 values covers 99% with confidence 1 - p^n - n p^(n-1)(1-p)
    p = 0.99
    wilks = 1 - p**n - n * p ** (n - 1) * (1 - p)
    assert abs(ti["nonparametric_confidence_of_extremes"] - wilks) < 1e-12
    assert ti["within_proposed_limits"] == (ti["lower"] >= 50 and ti["upper"] <= 150)


def test_one_sided_spec_gives_a_one_sided_limit(tmp_path):
    t = base_tables()
    t["specifications"].loc[1, "upper"] = None  # proposed: lower limit only
    ti = audit_json(audit(t, tmp_path))["attributes"]["POT"]["tolerance_interval"]
    n = len(BASE_POTENCY)
    # one-sided k via the noncentral t (NIST e-Handbook 7.2.6.3): k = t'(0.95; n-1, z_0.99 √n)/√n
    k = stats.nct.ppf(0.95, n - 1, stats.norm.ppf(0.99) * np.sqrt(n)) / np.sqrt(n)
    assert ti["sides"] == 1 and ti["upper"] is None
    assert abs(ti["k"] - k) < 1e-6
