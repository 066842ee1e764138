"""How the report writes numbers, dates and a finding's evidence for people.

Numbers keep six significant digits (the JSON keeps every digit); a missing value is an
em dash. Evidence, which rules nest freely, is flattened to (label, text) rows.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Iterator

import numpy as np
import pandas as pd

MISSING = "—"
#: Items of a list shown in the evidence before "… and N more".
MAX_LIST_ITEMS = 12
#: Elements of a list of records shown as their own rows.
MAX_RECORDS = 8
MAX_DEPTH = 4
#: Percentages below this print as "< 0.0001%" (one in a million).
TINY_PERCENT = 1e-4


def is_missing(x: Any) -> bool:
    if x is None or x is pd.NaT:
        return True
    if isinstance(x, (float, np.floating)):
        return not math.isfinite(float(x))
    return False


def num(x: Any, digits: int = 6) -> str:
    """A number with ``digits`` significant digits; integers as integers."""
    if is_missing(x):
        return MISSING
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    if isinstance(x, (int, np.integer)):
        return f"{int(x):,}" if abs(int(x)) >= 10_000 else str(int(x))
    if isinstance(x, (float, np.floating)):
        f = float(x)
        if f == int(f) and abs(f) < 1e15:
            return str(int(f))
        return f"{f:.{digits}g}"
    return str(x)


def pct(x: Any, digits: int = 1) -> str:
    """A fraction as a percentage (0.873 -> '87.3%')."""
    if is_missing(x):
        return MISSING
    p = 100 * float(x)
    if p != 0 and abs(p) < TINY_PERCENT:
        return f"< {TINY_PERCENT:g}%"  # below one in a million; the JSON has the number
    if p != 0 and abs(p) < 10 ** -digits:
        return f"{p:.2g}%"  # a small rate keeps two significant digits instead of printing 0.0%
    return f"{p:.{digits}f}%"


def pct_interval(ci: Any, digits: int = 1) -> str:
    if not ci or any(is_missing(v) for v in ci):
        return MISSING
    return f"{pct(ci[0], digits)} to {pct(ci[1], digits)}"


def interval(ci: Any, digits: int = 6) -> str:
    if not ci or any(is_missing(v) for v in ci):
        return MISSING
    return f"{num(ci[0], digits)} to {num(ci[1], digits)}"


def limits(lower: Any, upper: Any) -> str:
    lo, hi = (None if is_missing(lower) else lower), (None if is_missing(upper) else upper)
    if lo is not None and hi is not None:
        return f"{num(lo)} to {num(hi)}"
    if lo is not None:
        return f"≥ {num(lo)}"
    if hi is not None:
        return f"≤ {num(hi)}"
    return MISSING


def day(x: Any) -> str:
    if is_missing(x):
        return MISSING
    if isinstance(x, pd.Timestamp):
        return x.date().isoformat()
    if isinstance(x, (dt.date, dt.datetime)):
        return x.isoformat()[:10]
    return str(x)


_WORDS = {"ci": "CI", "sd": "SD", "oos": "OOS", "pct": "%", "id": "ID", "ids": "IDs", "cqa": "CQA", "cqas": "CQAs",
          "loa": "LoA", "pq": "PQ", "ppq": "PPQ"}


def label(key: str) -> str:
    """An evidence key for people: 'n_pairs' -> 'N pairs'; 'bias_pct_ci' -> 'Bias % CI'."""
    words = [_WORDS.get(w.lower(), w) for w in str(key).strip().split("_") if w]
    text = " ".join(words)
    return text[:1].upper() + text[1:] if text else str(key)


def _is_interval_key(key: str) -> bool:
    return bool({"ci", "range", "interval", "band"} & set(str(key).lower().split("_")))


def scalar(x: Any) -> str:
    if isinstance(x, str):
        return x
    if isinstance(x, (pd.Timestamp, dt.date, dt.datetime)):
        return day(x)
    return num(x)


def _is_scalar(x: Any) -> bool:
    return not isinstance(x, (dict, list, tuple, set, frozenset, np.ndarray))


def _cell(x: Any) -> str:
    if _is_scalar(x):
        return scalar(x)
    if isinstance(x, dict):
        return "; ".join(f"{label(k)}: {_cell(v)}" for k, v in x.items())
    items = list(x)
    shown = ", ".join(_cell(i) for i in items[:MAX_LIST_ITEMS])
    return shown + (f" … ({len(items)} in all)" if len(items) > MAX_LIST_ITEMS else "")


def _spread(record: dict, path: tuple = (), depth: int = 0) -> dict[tuple, Any]:
    """A record's nested dicts spread into paths ({'tost': {'margin': 1}} -> {('tost', 'margin'): 1})."""
    out: dict[tuple, Any] = {}
    for k, v in record.items():
        if isinstance(v, dict) and v and depth < 1:
            out.update(_spread(v, path + (k,), depth + 1))
        else:
            out[path + (k,)] = v
    return out


#: Records shown side by side (one column each) rather than one row each.
MAX_SIDE_BY_SIDE = 6


def _records_table(name: str, records: list[dict], headers: list[str] | None = None) -> dict:
    """Records as one small table: up to :data:`MAX_SIDE_BY_SIDE` side by side (one column
    each, headed by ``headers`` or the records' first text field), more one row each."""
    spread = [_spread(r) for r in records]
    keys: list[tuple] = []
    for r in spread:
        keys += [k for k in r if k not in keys]

    def text(k: tuple) -> str:
        return " › ".join(label(p) for p in k)

    head_key = None
    if headers is None and keys and all(isinstance(r.get(keys[0]), str) for r in spread):
        head_key = keys[0]
        headers = [str(r[head_key]) for r in spread]
    if len(records) <= MAX_SIDE_BY_SIDE:
        columns = headers or [f"[{i + 1}]" for i in range(len(records))]
        rows = [[text(k)] + [_value(k[-1], r.get(k)) for r in spread] for k in keys if k != head_key]
        return {"kind": "table", "label": name, "columns": [""] + columns, "rows": rows, "more": 0}
    shown = [k for k in keys if k != head_key][:8]
    first = [] if headers is None else [text(head_key) if head_key else ""]
    rows = [([headers[i]] if headers is not None else []) + [_value(k[-1], r.get(k)) for k in shown]
            for i, r in enumerate(spread[:MAX_RECORDS])]
    return {"kind": "table", "label": name, "columns": first + [text(k) for k in shown], "rows": rows,
            "more": max(len(records) - MAX_RECORDS, 0)}


def _is_record_map(x: Any) -> bool:
    """A dict of records keyed by name (e.g. one entry per attribute)."""
    return isinstance(x, dict) and len(x) >= 2 and all(isinstance(v, dict) and v for v in x.values())


def _value(key: str, x: Any) -> str:
    if (_is_interval_key(key) and isinstance(x, (list, tuple)) and len(x) == 2
            and all(_is_scalar(v) and not isinstance(v, str) for v in x)):
        return interval(x)
    return _cell(x) if x is not None else MISSING


def evidence_items(evidence: Any, prefix: str = "", depth: int = 0, key: str = "") -> Iterator[dict]:
    """Rows of nested evidence for the report: ``{"kind": "row", "label", "value"}``, or
    ``{"kind": "table", ...}`` for a list of records. Nested dicts read 'outer › inner';
    a pair under a key naming a CI or range reads 'a to b'; long lists are cut after
    :data:`MAX_LIST_ITEMS` items with the total (the JSON holds them all)."""
    if isinstance(evidence, dict):
        if not evidence and prefix:
            yield {"kind": "row", "label": prefix, "value": "none"}
        if depth > 0 and _is_record_map(evidence):
            yield _records_table(prefix, list(evidence.values()), [str(k) for k in evidence])
            return
        for k, v in evidence.items():
            name = f"{prefix} › {label(k)}" if prefix else label(k)
            yield from evidence_items(v, name, depth + 1, str(k))
        return
    if isinstance(evidence, (list, tuple, set, frozenset, np.ndarray)):
        items = sorted(evidence, key=str) if isinstance(evidence, (set, frozenset)) else list(evidence)
        if not items:
            yield {"kind": "row", "label": prefix or "Value", "value": "none"}
        elif all(isinstance(i, dict) for i in items) and depth < MAX_DEPTH:
            yield _records_table(prefix or "Value", items)
        else:
            yield {"kind": "row", "label": prefix or "Value", "value": _value(key, items)}
        return
    yield {"kind": "row", "label": prefix or "Value", "value": scalar(evidence)}
