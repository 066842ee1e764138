"""An independent reading of PR001–PR006, MS001–MS002, DR001–DR004, PO001 and the
``manufacturing`` block, written from audit-rules.md ("Precise semantics") with plain
Python loops and none of the package's analysis code, plus a generator of random valid
dossiers that exercise them. The review tests compare the audit with this oracle.

Scope of the oracle: dossiers without bridging studies and with one method per attribute
(so "on the spec scale" is "measured with the spec method"), which is what
:func:`random_dossier` writes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

T = pd.Timestamp
BASE = T("2022-01-01")
PIVOTAL_RULES = ["AM007", "PR001", "PR002", "PR003", "PR005"]


def _missing(v) -> bool:
    if isinstance(v, str):
        return not v.strip()
    return v is None or bool(pd.isna(v))


def _records(tables: dict, name: str) -> list[dict]:
    frame = tables.get(name)
    return [] if frame is None else frame.to_dict("records")


def _in_force(row: dict, day, start: str, end: str) -> bool:
    return T(row[start]) <= day and (_missing(row[end]) or T(row[end]) >= day)


def expected(tables: dict, as_of: dt.date, *, k_sd: float = 3.0, pr005_days: int = 90):
    """(findings, not_applicable codes, manufacturing block) as the catalog defines them.

    Findings are tuples (code, severity, subjects, due_date)."""
    day = T(as_of)
    program = tables["program"].iloc[0].to_dict()
    studies = _records(tables, "studies")
    changes = _records(tables, "process_changes")
    lots = {r["lot_id"]: r for r in _records(tables, "lots")}
    results = _records(tables, "results")
    for r in results:
        r["reportable"] = True if _missing(r.get("reportable")) else bool(r["reportable"])
        r["qualifier"] = None if _missing(r.get("qualifier")) else r["qualifier"]
    reportable = [r for r in results if r["reportable"]]
    administrations = _records(tables, "administrations")
    attributes = {r["attribute_id"]: r for r in _records(tables, "attributes")}
    methods = {r["method_id"]: r for r in _records(tables, "methods")}
    specs = _records(tables, "specifications")
    comparability = _records(tables, "comparability_studies")
    comparability_lots = _records(tables, "comparability_lots")
    outcomes = _records(tables, "outcomes")
    found: list[tuple] = []

    effective = {r["process_version"]: T(r["effective_date"]) for r in _records(tables, "process_versions")}
    commercial = program.get("commercial_process_version")
    if _missing(commercial):
        commercial = max(effective, key=effective.get)

    def studies_of(a, b):
        return [c["comparability_study_id"] for c in comparability if {c["from_version"], c["to_version"]} == {a, b}]

    # --- the pivotal window and the rules that need it
    pivotal_ids = {s["study_id"] for s in studies if s["pivotal"]}
    pivotal_lots = sorted({a["lot_id"] for a in administrations if a["study_id"] in pivotal_ids})
    not_applicable = [] if pivotal_ids and pivotal_lots else list(PIVOTAL_RULES)
    if not not_applicable:
        pivotal = [s for s in studies if s["pivotal"]]
        start = min(T(s["enrollment_start"]) for s in pivotal)
        if all(not _missing(s["enrollment_end"]) for s in pivotal):
            end = max(T(s["enrollment_end"]) for s in pivotal)
        else:
            end = max(day, start)
        due = start.date() if start > day else None
        for ch in changes:
            if start <= T(ch["change_date"]) <= end:
                covered = not _missing(ch["comparability_study_id"]) or studies_of(ch["from_version"], ch["to_version"])
                severity = "critical" if ch["risk"] == "high" or not covered else "major"
                found.append(("PR001", severity, {"change_id": ch["change_id"], "process_version": ch["to_version"]},
                              due))
        versions = sorted({lots[x]["process_version"] for x in pivotal_lots})
        if any(not studies_of(a, b) for a, b in combinations(versions, 2)):
            found.append(("PR002", "critical", {"lot_ids": pivotal_lots}, None))
        per_version = Counter(lots[x]["process_version"] for x in pivotal_lots)
        top = [v for v, n in per_version.items() if n == max(per_version.values())]
        if commercial not in top:
            severity = "major" if any(studies_of(commercial, v) for v in top) else "critical"
            found.append(("PR003", severity, {"process_version": commercial}, None))
        for ch in changes:
            if 1 <= (start - T(ch["change_date"])).days <= pr005_days:
                ready = [x for x in lots.values() if x["process_version"] == ch["to_version"]
                         and x["status"] == "released" and T(x["manufacture_date"]) < start]
                if len(ready) < 3:
                    found.append(("PR005", "major",
                                  {"change_id": ch["change_id"], "process_version": ch["to_version"]}, due))

    # --- PR006
    first = min(effective, key=effective.get)
    led_to = {c["to_version"] for c in changes}
    for v in sorted(effective):
        early = sorted(x["lot_id"] for x in lots.values()
                       if x["process_version"] == v and T(x["manufacture_date"]) < effective[v])
        if early or (v != first and v not in led_to):
            found.append(("PR006", "major", {"process_version": v, **({"lot_ids": early} if early else {})}, None))
    for ch in changes:
        if _missing(ch["rationale"]) or _missing(ch["approved_by"]) or _missing(ch["approved_date"]):
            found.append(("PR006", "major", {"change_id": ch["change_id"]}, None))

    # --- manufacturing, MS001, MS002
    manufacturing = {}
    for v in effective:
        counted = [x for x in lots.values() if x["process_version"] == v and x["purpose"] in ("clinical", "commercial")]
        released = sum(x["status"] == "released" for x in counted)
        attempted = sum(x["status"] in ("released", "failed_manufacture", "rejected") for x in counted)
        if attempted:
            lower = 0.0 if released == 0 else stats.beta.ppf(0.025, released, attempted - released + 1)
            upper = 1.0 if released == attempted else stats.beta.ppf(0.975, released + 1, attempted - released)
            manufacturing[v] = {"attempted": attempted, "released": released,
                                "success_rate": released / attempted, "ci": [lower, upper]}
        else:
            manufacturing[v] = {"attempted": 0, "released": 0, "success_rate": None, "ci": None}
    cp = manufacturing[commercial]
    if cp["attempted"] and (cp["success_rate"] < 0.90 or cp["ci"][0] < 0.80):
        found.append(("MS001", "critical" if cp["success_rate"] < 0.80 else "major",
                      {"process_version": commercial}, None))
    leading = sorted((T(c["change_date"]), c["change_id"], c["from_version"]) for c in changes
                     if c["to_version"] == commercial)
    earlier = [v for v in effective if effective[v] < effective[commercial]]
    previous = leading[-1][2] if leading else (max(earlier, key=effective.get) if earlier else None)
    if previous and previous != commercial and cp["attempted"] and manufacturing[previous]["attempted"]:
        pv = manufacturing[previous]
        # P(X <= released of the commercial process), X hypergeometric given the margins
        p = stats.hypergeom.cdf(cp["released"], cp["attempted"] + pv["attempted"], cp["released"] + pv["released"],
                                cp["attempted"])
        if cp["success_rate"] < pv["success_rate"] and p < 0.05:
            found.append(("MS002", "major", {"process_version": commercial}, None))

    # --- DR001: every result row
    outside: dict[str, set] = {}
    for r in results:
        m = methods[r["method_id"]]
        if not _in_force(m, T(r["test_date"]), "in_use_from", "in_use_to"):
            outside.setdefault(r["method_id"], set()).add(r["lot_id"])
    for mid, lot_set in outside.items():
        found.append(("DR001", "minor", {"method_id": mid, "attribute_id": methods[mid]["attribute_id"],
                                         "lot_ids": sorted(lot_set)}, None))

    # --- DR002, DR003, DR004
    administered = sorted({a["lot_id"] for a in administrations})
    for lot_id in administered:
        lot = lots[lot_id]
        bad = sorted((a["administration_date"], a["study_id"], a["patient_id"]) for a in administrations
                     if a["lot_id"] == lot_id and (
                         lot["status"] != "released" or _missing(lot["release_date"])
                         or a["administration_date"] < lot["release_date"]))
        if bad:
            found.append(("DR002", "major", {"lot_ids": [lot_id], "study_id": bad[0][1]}, None))
        made = T(lot["manufacture_date"])
        for aid in sorted(a for a in attributes if attributes[a]["cqa"]):
            in_force = any(s["kind"] == "release" and s["attribute_id"] == aid
                           and _in_force(s, made, "effective_from", "effective_to") for s in specs)
            if in_force and not any(r["lot_id"] == lot_id and r["attribute_id"] == aid for r in reportable):
                found.append(("DR003", "major", {"lot_ids": [lot_id], "attribute_id": aid}, None))
    for r in reportable:
        if r["lot_id"] not in administered:
            continue
        for s in specs:
            if (s["kind"], s["attribute_id"], s["method_id"]) != ("release", r["attribute_id"], r["method_id"]) \
                    or not _in_force(s, T(r["test_date"]), "effective_from", "effective_to"):
                continue
            x, lo, hi = r["value"], s["lower"], s["upper"]
            has_lo, has_hi = not _missing(lo), not _missing(hi)
            if r["qualifier"] == "<":  # every value below x is below L only when x <= L
                fails = has_lo and x <= lo
            elif r["qualifier"] == ">":
                fails = has_hi and x >= hi
            else:
                fails = (has_lo and x < lo) or (has_hi and x > hi)
            if fails:
                found.append(("DR004", "major", {"lot_ids": [r["lot_id"]], "attribute_id": r["attribute_id"],
                                                 "method_id": r["method_id"]}, None))

    # --- the scale of an attribute: its proposed spec's method, else the reference method
    def scale(aid):
        proposed = [s for s in specs if s["kind"] == "proposed_commercial" and s["attribute_id"] == aid
                    and _in_force(s, day, "effective_from", "effective_to")]
        if proposed:
            return proposed[0]["method_id"]
        own = [m for m in methods.values() if m["attribute_id"] == aid]
        in_use = [m for m in own if _in_force(m, day, "in_use_from", "in_use_to")]
        ended = [m for m in own if not _missing(m["in_use_to"])]
        if in_use:
            return max(in_use, key=lambda m: (m["in_use_from"], m["method_id"]))["method_id"]
        if ended:
            return max(ended, key=lambda m: (m["in_use_to"], m["method_id"]))["method_id"]
        return max(own, key=lambda m: (m["in_use_from"], m["method_id"]))["method_id"] if own else None

    def lot_value(lot_id, aid, method):
        vs = [r["value"] for r in reportable
              if (r["lot_id"], r["attribute_id"], r["method_id"]) == (lot_id, aid, method)]
        return float(np.mean(vs)) if vs else None

    # --- PR004
    for c in sorted(comparability, key=lambda c: c["comparability_study_id"]):
        sid = c["comparability_study_id"]
        listed = sorted({x["lot_id"] for x in comparability_lots if x["comparability_study_id"] == sid})
        pre = [x for x in listed if lots[x]["process_version"] == c["from_version"]]
        post = [x for x in listed if lots[x]["process_version"] == c["to_version"]]
        lots_out, potency_out = set(), False
        for aid in sorted(a for a in attributes if attributes[a]["cqa"]):
            method = scale(aid)
            ref = [v for v in (lot_value(x, aid, method) for x in pre) if v is not None]
            if method is None or len(ref) < 2:
                continue
            mean, sd = float(np.mean(ref)), float(np.std(ref, ddof=1))
            for x in post:
                v = lot_value(x, aid, method)
                if v is not None and not (mean - k_sd * sd <= v <= mean + k_sd * sd):
                    lots_out.add(x)
                    potency_out |= attributes[aid]["category"] == "potency"
        tested = [T(r["test_date"]) for r in reportable if r["lot_id"] in post]
        late = _missing(c["protocol_date"]) or bool(tested and T(c["protocol_date"]) > min(tested))
        if len(pre) < 3 or len(post) < 3 or lots_out or late:
            subjects = {"comparability_study_id": sid, **({"lot_ids": sorted(lots_out)} if lots_out else {})}
            found.append(("PR004", "critical" if potency_out else "major", subjects, None))

    # --- PO001
    if outcomes:
        potency = sorted(a for a in attributes if attributes[a]["category"] == "potency")
        if not potency:
            found.append(("PO001", "minor", {}, None))
        endpoints = sorted({o["endpoint"] for o in outcomes if not _missing(o.get("responder"))})
        for aid in potency:
            method = scale(aid)
            for endpoint in endpoints:
                x, y = [], []
                for o in outcomes:
                    if o["endpoint"] != endpoint or _missing(o.get("responder")):
                        continue
                    received = {a["lot_id"] for a in administrations if a["patient_id"] == o["patient_id"]}
                    values = [v for v in (lot_value(lot, aid, method) for lot in sorted(received)) if v is not None]
                    if method and values:
                        x.append(float(np.mean(values)))
                        y.append(float(bool(o["responder"])))
                if slope_shown(np.array(x), np.array(y)):
                    continue
                found.append(("PO001", "minor", {"attribute_id": aid}, None))
    return found, sorted(not_applicable), manufacturing


def slope_shown(x: np.ndarray, y: np.ndarray) -> bool:
    """A logistic slope with a two-sided Wald p below 0.05 (IRLS, no package code)."""
    if len(x) < 10 or y.sum() in (0, len(y)) or np.ptp(x) == 0:
        return False
    x0, x1 = x[y == 0], x[y == 1]
    if x0.max() <= x1.min() or x1.max() <= x0.min():  # (quasi-)complete separation: no finite MLE
        return False
    X = np.column_stack([np.ones_like(x), (x - x.mean()) / x.std()])
    b = np.zeros(2)
    for _ in range(100):
        p = 1 / (1 + np.exp(-X @ b))
        info = X.T @ (X * (p * (1 - p))[:, None])
        step = np.linalg.solve(info, X.T @ (y - p))
        b += step
        if np.abs(step).max() < 1e-12:
            break
    p = 1 / (1 + np.exp(-X @ b))
    se = np.sqrt(np.linalg.inv(X.T @ (X * (p * (1 - p))[:, None]))[1, 1])
    return 2 * stats.norm.sf(abs(b[1] / se)) < 0.05


# ---------------------------------------------------------------------------------------------
# Random valid dossiers
# ---------------------------------------------------------------------------------------------
# Days (from 2022-01-01) that several dates share, so that boundaries (a change on the window's
# first day, 90 or 91 days before it, a lot made on its version's effective date...) occur often.
ANCHORS = (299, 300, 301, 390, 391, 480, 500, 600)
SPEC_EDGES = (75.0, 125.0, 80.0, 85.0, 74.9, 125.1)


def random_dossier(seed: int, *, boundaries: bool = False) -> tuple[dict[str, pd.DataFrame], dt.date]:
    rng = np.random.default_rng(seed)

    def day(lo=0, hi=900):
        if boundaries and rng.random() < 0.5:
            return BASE + pd.Timedelta(days=int(rng.choice(ANCHORS)))
        return BASE + pd.Timedelta(days=int(rng.integers(lo, hi)))

    def maybe(p, v):
        return v if rng.random() < p else None

    def shift(lo, hi, near=(-1, 0, 1)):
        return pd.Timedelta(days=int(rng.choice(near) if boundaries and rng.random() < 0.3 else rng.integers(lo, hi)))

    nv = int(rng.integers(1, 5))
    names = [str(n) for n in rng.permutation(["pA", "pB", "pC", "pD"])[:nv]]  # name order is not date order
    effective = {n: BASE + pd.Timedelta(days=int(e))
                 for n, e in zip(names, sorted(rng.choice(np.arange(700), size=nv, replace=False)))}
    lots = []
    for i in range(int(rng.integers(2, 30))):
        v = names[int(rng.integers(nv))]
        made = effective[v] + shift(-15, 300)
        status = str(rng.choice(["released", "failed_manufacture", "rejected", "in_process"], p=[.75, .1, .1, .05]))
        released = made + pd.Timedelta(days=int(rng.integers(5, 30))) if status in ("released", "rejected") else None
        lots.append({"lot_id": f"L{i:02d}", "process_version": v, "manufacture_date": made,
                     "purpose": str(rng.choice(["clinical", "commercial", "engineering", "ppq", "development"],
                                               p=[.6, .1, .1, .1, .1])),
                     "status": status, "failure_reason": None,
                     "release_date": None if rng.random() < 0.08 else released, "expiry_date": None})
    studies = []
    for i in range(int(rng.integers(1, 4))):
        start = day(100, 800)
        end = max(start, day(100, 900)) if boundaries else start + pd.Timedelta(days=int(rng.integers(0, 400)))
        studies.append({"study_id": f"S{i}", "phase": "2", "pivotal": bool(rng.random() < 0.6),
                        "enrollment_start": start, "enrollment_end": maybe(0.6, end)})
    administrations, seen = [], set()
    for _ in range(int(rng.integers(1, 40))):
        lot = lots[int(rng.integers(len(lots)))]
        if boundaries and lot["release_date"] is not None and rng.random() < 0.4:
            when = lot["release_date"] + pd.Timedelta(days=int(rng.choice([-1, 0, 1])))
        else:
            when = lot["manufacture_date"] + pd.Timedelta(days=int(rng.integers(0, 60)))
        row = {"patient_id": f"P{int(rng.integers(25)):02d}", "study_id": f"S{int(rng.integers(len(studies)))}",
               "lot_id": lot["lot_id"], "administration_date": when}
        if (row["patient_id"], row["lot_id"], when) not in seen:
            seen.add((row["patient_id"], row["lot_id"], when))
            administrations.append(row)
    comparability, comparability_lots = [], []
    for i in range(int(rng.integers(0, 3)) if nv >= 2 else 0):
        a, b = (str(v) for v in rng.choice(names, size=2, replace=False))
        comparability.append({"comparability_study_id": f"CS{i}", "from_version": a, "to_version": b,
                              "protocol_date": maybe(0.8, day()), "completed_date": None})
        for lot_id in rng.choice([x["lot_id"] for x in lots], size=min(len(lots), int(rng.integers(1, 9))),
                                 replace=False):
            comparability_lots.append({"comparability_study_id": f"CS{i}", "lot_id": str(lot_id)})
    changes = []
    for i, v in enumerate(names):
        if (i == 0 and rng.random() < 0.9) or rng.random() < 0.2:
            continue
        near = effective[v] + pd.Timedelta(days=int(rng.integers(-3, 3)))
        when = day() if boundaries and rng.random() < 0.4 else near
        changes.append({"change_id": f"PC{i}", "change_date": when, "from_version": names[int(rng.integers(nv))],
                        "to_version": v, "unit_operation": None, "description": "change",
                        "risk": rng.choice(["high", "medium", "low", None]),
                        "comparability_study_id": maybe(0.3, comparability[0]["comparability_study_id"])
                        if comparability else None,
                        "rationale": maybe(0.85, "why"), "approved_by": maybe(0.9, "QA"),
                        "approved_date": maybe(0.9, when)})
    if changes and rng.random() < 0.2:
        changes.append({**changes[-1], "change_id": "PC-twin"})  # two changes on one day
    results = []
    for lot in lots:
        for aid, mid, mean, sd in (("POT", "M-POT", 100, 15), ("PUR", "M-PUR", 90, 4)):
            for _ in range(int(rng.choice([0, 1, 1, 1, 2]))):
                value = float(rng.choice(SPEC_EDGES)) if boundaries and rng.random() < 0.3 \
                    else round(float(rng.normal(mean, sd)), 1)
                results.append({"lot_id": lot["lot_id"], "attribute_id": aid, "method_id": mid, "value": value,
                                "qualifier": rng.choice([None] * 5 + ["<", ">"]),
                                "test_date": lot["manufacture_date"] + pd.Timedelta(days=int(rng.integers(0, 20))),
                                "reportable": bool(rng.random() < 0.9)})
    split = BASE + pd.Timedelta(days=int(rng.integers(200, 600)))
    specs = [{"attribute_id": "POT", "kind": "release", "method_id": "M-POT", "lower": 75.0, "upper": 125.0,
              "effective_from": BASE + pd.Timedelta(days=int(rng.integers(0, 150))), "effective_to": split},
             {"attribute_id": "POT", "kind": "release", "method_id": "M-POT", "lower": 80.0, "upper": None,
              "effective_from": split + pd.Timedelta(days=1), "effective_to": None}]
    if rng.random() < 0.7:
        specs.append({"attribute_id": "PUR", "kind": "release", "method_id": "M-PUR", "lower": 85.0, "upper": None,
                      "effective_from": day(0, 400), "effective_to": None})
    if rng.random() < 0.8:
        specs.append({"attribute_id": "POT", "kind": "proposed_commercial", "method_id": "M-POT", "lower": 70.0,
                      "upper": 130.0, "effective_from": day(0, 800), "effective_to": None})
    method_start = BASE + pd.Timedelta(days=int(rng.integers(0, 200)))
    tables = {
        "program": pd.DataFrame([{"program_id": "RND", "product_name": "Random", "modality": "allogeneic_cell",
                                  "approval_basis": "phase2",
                                  "commercial_process_version": names[int(rng.integers(nv))] if rng.random() < 0.6
                                  else None, "submission_target": None}]),
        "studies": pd.DataFrame(studies),
        "process_versions": pd.DataFrame({"process_version": list(effective),
                                          "effective_date": list(effective.values()), "description": "version"}),
        "attributes": pd.DataFrame([
            {"attribute_id": "POT", "name": "Potency", "unit": "%", "category": "potency", "cqa": True,
             "limit_basis": "clinical"},
            {"attribute_id": "PUR", "name": "Purity", "unit": "%", "category": "purity", "cqa": bool(rng.random() < .7),
             "limit_basis": "clinical"}]),
        "methods": pd.DataFrame([
            {"method_id": "M-POT", "attribute_id": "POT", "name": "potency assay", "validation_status": "validated",
             "validated_date": None, "in_use_from": method_start,
             "in_use_to": maybe(0.3, BASE + pd.Timedelta(days=int(rng.integers(700, 1100))))},
            {"method_id": "M-PUR", "attribute_id": "PUR", "name": "purity assay", "validation_status": "validated",
             "validated_date": None, "in_use_from": BASE + pd.Timedelta(days=int(rng.integers(0, 200))),
             "in_use_to": maybe(0.3, BASE + pd.Timedelta(days=int(rng.integers(500, 1100))))}]),
        "lots": pd.DataFrame(lots),
        "results": pd.DataFrame(results, columns=["lot_id", "attribute_id", "method_id", "value", "qualifier",
                                                  "test_date", "reportable"]),
        "administrations": pd.DataFrame(administrations),
        "specifications": pd.DataFrame(specs),
    }
    change_columns = ["change_id", "change_date", "from_version", "to_version", "unit_operation", "description",
                      "risk", "comparability_study_id", "rationale", "approved_by", "approved_date"]
    if changes or rng.random() < 0.5:  # otherwise the optional table is absent
        tables["process_changes"] = pd.DataFrame(changes, columns=change_columns)
    if comparability or rng.random() < 0.5:
        tables["comparability_studies"] = pd.DataFrame(
            comparability, columns=["comparability_study_id", "from_version", "to_version", "protocol_date",
                                    "completed_date"])
        tables["comparability_lots"] = pd.DataFrame(comparability_lots, columns=["comparability_study_id", "lot_id"])
    patients = sorted({a["patient_id"] for a in administrations})
    if rng.random() < 0.6:
        tables["outcomes"] = pd.DataFrame([{"patient_id": p, "endpoint": "ORR", "responder": bool(rng.random() < .4),
                                            "value": None} for p in patients])
    return tables, (BASE + pd.Timedelta(days=int(rng.integers(300, 1000)))).date()
