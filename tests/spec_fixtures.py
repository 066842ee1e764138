"""Fixtures for the specification-coverage tests (SP001–SP004, attributes block, plan).

``program(lots, attributes=...)`` rebuilds the base program's lots, results and
administrations from a list of ``lot(...)`` rows, so each test states the values it needs.
Everything else (program, studies, process version, methods, specs) follows the base
program; the attributes come from ``ATTRIBUTES``.
"""

from __future__ import annotations

import math

import pandas as pd
from scipy import stats

from tests.builders import AS_OF, D, base_tables

ATTRIBUTES = {
    # id: (name, category, method, limit_basis, release (lo, hi), proposed (lo, hi))
    "POT": ("Potency", "potency", "M-POT", "clinical", (50.0, 150.0), (50.0, 150.0)),
    "VIA": ("Viability", "viability", "M-VIA", "clinical", (70.0, 100.0), (70.0, 100.0)),
    "VCN": ("Vector copy number", "safety", "M-VCN", "safety", (None, 5.0), (None, 5.0)),
    "CD3": ("CD3+ fraction", "identity", "M-CD3", "clinical", (60.0, None), (60.0, None)),
    "IFN": ("IFN-gamma release", "potency", "M-IFN", "clinical", (1.0, 5000.0), (1.0, 5000.0)),
}

FIRST_DAY = D("2023-01-02")


def normal_quantiles(n: int, mean: float, sd: float) -> list[float]:
    """n evenly spread normal quantiles: a sample Shapiro–Wilk cannot reject."""
    return [mean + sd * float(stats.norm.ppf((i + 0.5) / n)) for i in range(n)]


def lot(lot_id: str, *, dosed: bool = True, status: str = "released", expired: bool = False,
        version: str = "v1", study: str = "PIV", qualifier: dict | None = None, **values: float) -> dict:
    return {"lot_id": lot_id, "dosed": dosed, "status": status, "expired": expired, "version": version,
            "study": study, "values": values, "qualifier": qualifier or {}}


def program(lots: list[dict], *, attributes=("POT",), modality: str = "allogeneic_cell",
            proposed: dict | None = None) -> dict[str, pd.DataFrame]:
    """Tables of the base program with these lots; ``proposed`` overrides proposed limits by attribute."""
    t = base_tables()
    proposed = proposed or {}
    t["program"] = t["program"].assign(modality=modality)
    made = {x["lot_id"]: FIRST_DAY + pd.Timedelta(days=7 * i) for i, x in enumerate(lots)}
    t["lots"] = pd.DataFrame([{
        "lot_id": x["lot_id"], "process_version": x["version"], "manufacture_date": made[x["lot_id"]],
        "purpose": "clinical", "status": x["status"], "failure_reason": None,
        "release_date": made[x["lot_id"]] + pd.Timedelta(days=10),
        "expiry_date": D("2024-08-01") if x["expired"] else made[x["lot_id"]] + pd.Timedelta(days=730),
    } for x in lots])
    t["results"] = pd.DataFrame([{
        "lot_id": x["lot_id"], "attribute_id": a, "method_id": ATTRIBUTES[a][2], "value": float(v),
        "qualifier": x["qualifier"].get(a), "test_date": made[x["lot_id"]] + pd.Timedelta(days=5),
        "reportable": True,
    } for x in lots for a, v in x["values"].items()])
    dosed = [x for x in lots if x["dosed"]]
    t["administrations"] = pd.DataFrame([{
        "patient_id": f"P-{i + 1:03d}", "study_id": x["study"], "lot_id": x["lot_id"],
        "administration_date": made[x["lot_id"]] + pd.Timedelta(days=15),
    } for i, x in enumerate(dosed)])
    t["attributes"] = pd.DataFrame([{
        "attribute_id": a, "name": ATTRIBUTES[a][0], "unit": "", "category": ATTRIBUTES[a][1], "cqa": True,
        "limit_basis": ATTRIBUTES[a][3],
    } for a in attributes])
    t["methods"] = pd.DataFrame([{
        "method_id": ATTRIBUTES[a][2], "attribute_id": a, "name": ATTRIBUTES[a][0] + " assay",
        "validation_status": "validated", "validated_date": D("2022-01-01"), "in_use_from": D("2022-01-01"),
        "in_use_to": None,
    } for a in attributes])
    specs = []
    for a in attributes:
        rel = ATTRIBUTES[a][4]
        prop = proposed.get(a, ATTRIBUTES[a][5])
        specs.append({"attribute_id": a, "kind": "release", "method_id": ATTRIBUTES[a][2], "lower": rel[0],
                      "upper": rel[1], "effective_from": D("2022-01-01"), "effective_to": None})
        if prop is not None:
            specs.append({"attribute_id": a, "kind": "proposed_commercial", "method_id": ATTRIBUTES[a][2],
                          "lower": prop[0], "upper": prop[1], "effective_from": D("2024-01-01"),
                          "effective_to": None})
    t["specifications"] = pd.DataFrame(specs)
    return t


# ---- the acceptance scenario: the clinic dosed only mid-range lots ------------------------

MID_DOSED = normal_quantiles(20, 100.0, 8.0)  # 20 dosed lots, range about 84.7–115.3
INVENTORY = {  # released, not administered, not expired: candidates
    "L-INV-LOW": 53.0, "L-INV-HIGH": 148.0, "L-INV-LOW2": 60.0, "L-INV-HIGH2": 140.0, "L-INV-MID": 100.0,
}
EXPIRED = {"L-OLD-LOW": 51.0}  # expired 2024-08-01, before AS_OF
REJECTED = {"L-REJ-HIGH": 149.5}  # rejected at release (in the projection, never dosed)


def mid_range_lots() -> list[dict]:
    lots = [lot(f"L-{i + 1:03d}", POT=v) for i, v in enumerate(MID_DOSED)]
    lots += [lot(k, dosed=False, POT=v) for k, v in INVENTORY.items()]
    lots += [lot(k, dosed=False, expired=True, POT=v) for k, v in EXPIRED.items()]
    lots += [lot(k, dosed=False, status="rejected", POT=v) for k, v in REJECTED.items()]
    return lots


def mid_range_program(**kw) -> dict[str, pd.DataFrame]:
    return program(mid_range_lots(), **kw)


def edge_dosed_program() -> dict[str, pd.DataFrame]:
    """The same inventory, but the clinic deliberately dosed lots near both limits."""
    lots = [lot(f"L-{i + 1:03d}", POT=v) for i, v in enumerate(normal_quantiles(20, 100.0, 15.0))]
    lots += [lot("L-EDGE-LOW", POT=54.0), lot("L-EDGE-HIGH", POT=146.0)]
    lots += [lot(k, dosed=False, POT=v) for k, v in INVENTORY.items() if k not in ("L-INV-LOW", "L-INV-HIGH")]
    return program(lots)


# ---- independent arithmetic ------------------------------------------------------------------

def phi(z: float) -> float:
    """Standard normal CDF by the error function (independent of scipy.stats.norm)."""
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def mean_sd(values) -> tuple[float, float]:
    v = [float(x) for x in values]
    m = math.fsum(v) / len(v)
    return m, math.sqrt(math.fsum((x - m) ** 2 for x in v) / (len(v) - 1))


def normal_rate_outside(values, lower, upper) -> float:
    m, s = mean_sd(values)
    rate = 0.0
    if lower is not None:
        rate += phi((lower - m) / s)
    if upper is not None:
        rate += 1.0 - phi((upper - m) / s)
    return rate


__all__ = ["AS_OF", "ATTRIBUTES", "EXPIRED", "INVENTORY", "MID_DOSED", "REJECTED", "edge_dosed_program", "lot",
           "mean_sd", "mid_range_lots", "mid_range_program", "normal_quantiles", "normal_rate_outside", "phi",
           "program"]
