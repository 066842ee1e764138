"""Typing raw cells by the contract's conventions, column by column (vectorised).

Each function takes the raw cells of one column and returns the typed column and
the row positions that failed, with a reason per failure. CSV cells are all text;
workbook cells may be text, numbers, booleans or datetimes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .issues import Issue
from .read import CellProblem, RawTable, blank_mask
from .schema import Column, Table

TRUE_WORDS = {"true": True, "yes": True, "y": True, "1": True,
              "false": False, "no": False, "n": False, "0": False}
_ISO_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"  # ASCII digits only: \d would take full-width ones
#: Dates are held at microsecond resolution: every day of the years 1-9999 (a far-future
#: "9999-12-31" included) is representable, which nanoseconds (1677-2262) are not.
DATE_DTYPE = "datetime64[us]"


@dataclass(frozen=True)
class CellKinds:
    """Masks of what each raw cell holds (blank text counts as text)."""

    text: np.ndarray
    number: np.ndarray
    boolean: np.ndarray
    date: np.ndarray
    time: np.ndarray
    problem: np.ndarray  # a CellProblem from the workbook reader
    other: np.ndarray  # anything else a workbook may hold (a duration)


def _is_number(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def _types(raw: pd.Series) -> CellKinds:
    kind = pd.api.types.infer_dtype(raw, skipna=True)
    n = len(raw)
    none = np.zeros(n, bool)
    if kind in ("string", "empty"):
        return CellKinds(raw.notna().to_numpy(), none, none, none, none, none, none)
    present = raw.notna().to_numpy()
    t = raw.map(type)
    is_str = t.eq(str).to_numpy()
    is_bool = t.isin([bool, np.bool_]).to_numpy()
    is_num = present & raw.map(_is_number).to_numpy(bool)
    is_date = raw.map(lambda v: isinstance(v, (dt.date, pd.Timestamp))).to_numpy(bool)
    is_time = raw.map(lambda v: isinstance(v, dt.time)).to_numpy(bool)
    is_problem = raw.map(lambda v: isinstance(v, CellProblem)).to_numpy(bool)
    other = present & ~(is_str | is_bool | is_num | is_date | is_time | is_problem)
    return CellKinds(is_str, is_num, is_bool, is_date, is_time, is_problem, other)


def _number_text(values: pd.Series) -> pd.Series:
    """Workbook numbers in a text column: whole numbers as integer text."""

    def one(v):
        f = float(v)
        if np.isfinite(f) and f == int(f):
            return str(int(f))
        return repr(f)

    return values.map(one)


def coerce_column(raw: pd.Series, col: Column) -> tuple[pd.Series, dict[int, tuple[str, str]]]:
    """Type one column. Returns (values, {position: (code, reason)}) for cells that failed."""
    n = len(raw)
    raw = raw.reset_index(drop=True)
    blank = blank_mask(raw)
    k = _types(raw)
    is_str = k.text & ~blank
    bad: dict[int, tuple[str, str]] = {}

    def fail(mask: np.ndarray, reason: str, code: str = "wrong_type") -> None:
        for i in np.flatnonzero(mask):
            bad.setdefault(int(i), (code, reason))

    for i in np.flatnonzero(k.problem):
        p = raw.iloc[i]
        bad[int(i)] = (p.code, p.reason)
    fail(k.other, "a cell of an unsupported kind (a duration?); write the value as text or a number")

    text = pd.Series([None] * n, dtype=object)
    if is_str.any():
        text[is_str] = raw[is_str].str.strip()

    if col.kind in ("id", "text", "enum"):
        if k.number.any():
            text[k.number] = _number_text(raw[k.number])
        if k.boolean.any():
            text[k.boolean] = raw[k.boolean].map(lambda v: "true" if v else "false")
        fail(k.date, "a date cell where text is expected (did Excel turn the entry into a date? format the column as text)")
        fail(k.time, "a time cell where text is expected (did Excel turn the entry into a time? format the column as text)")
        if col.kind == "enum":
            lowered = text.where(text.isna(), text.str.lower()) if text.notna().any() else text
            ok = lowered.isin(col.allowed).to_numpy() | lowered.isna().to_numpy()
            allowed = ", ".join(repr(a) for a in col.allowed)
            fail(~ok, f"not one of the allowed values: {allowed}", "not_allowed")
            text = lowered.where(ok, None)
        values = text.astype(object)
    elif col.kind == "date":
        days = np.full(n, np.datetime64("NaT"), dtype=DATE_DTYPE)
        if is_str.any():
            idx = np.flatnonzero(is_str)
            s = raw[is_str].str.strip()
            shape_ok = s.str.fullmatch(_ISO_DATE).fillna(False).to_numpy(bool)
            parsed = _iso_days(s.where(shape_ok))
            good = ~np.isnat(parsed)
            days[idx[good]] = parsed[good]
            fail(_scatter(n, idx[~shape_ok]), "not a date: dates are written YYYY-MM-DD")
            fail(_scatter(n, idx[shape_ok & ~good]), "not a valid calendar date")
        if k.date.any():
            idx = np.flatnonzero(k.date)
            # the day of a date cell (a time of day on it is not part of the contract's dates)
            days[idx] = np.array([dt.date(v.year, v.month, v.day) for v in raw[k.date]],
                                 dtype="datetime64[D]").astype(DATE_DTYPE)
        fail(k.time, "a time of day, not a date")
        fail(k.number | k.boolean, "a number where a date is expected; write dates as YYYY-MM-DD or use a date cell")
        values = pd.Series(days, dtype=DATE_DTYPE)
    elif col.kind == "number":
        values = pd.Series(np.nan, index=range(n), dtype="float64")
        if is_str.any():
            s = raw[is_str].str.strip()
            num = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
            finite = np.isfinite(num)
            idx = np.flatnonzero(is_str)
            values.iloc[idx[finite]] = num[finite]
            fail(_scatter(n, idx[~finite]), "not a number (use a dot as the decimal separator)")
        if k.number.any():
            num = pd.to_numeric(raw[k.number], errors="coerce").to_numpy(dtype=float)
            finite = np.isfinite(num)
            idx = np.flatnonzero(k.number)
            values.iloc[idx[finite]] = num[finite]
            fail(_scatter(n, idx[~finite]), "not a finite number")
        fail(k.boolean | k.date | k.time, "not a number")
    elif col.kind == "bool":
        out = pd.Series([None] * n, dtype=object)
        if is_str.any():
            mapped = raw[is_str].str.strip().str.lower().map(TRUE_WORDS)
            out[is_str] = mapped
            fail(_scatter(n, np.flatnonzero(is_str)[mapped.isna().to_numpy()]),
                 "not a boolean: use true/false, yes/no, y/n or 1/0")
        if k.boolean.any():
            out[k.boolean] = raw[k.boolean].map(bool)
        if k.number.any():
            nums = pd.to_numeric(raw[k.number], errors="coerce")
            ok = nums.isin([0, 1]).to_numpy()
            out.iloc[np.flatnonzero(k.number)[ok]] = nums[ok].map(lambda v: bool(v)).to_numpy()
            fail(_scatter(n, np.flatnonzero(k.number)[~ok]), "not a boolean: use true/false, yes/no, y/n or 1/0")
        fail(k.date | k.time, "a date where a boolean is expected")
        values = out
    else:  # pragma: no cover - schema is static
        raise ValueError(col.kind)

    missing = values.isna().to_numpy() & ~_scatter(n, np.fromiter(bad.keys(), int, len(bad)))
    if col.default is not None:
        values = values.where(~missing, col.default)
    elif col.required:
        fail(missing, "a value is required", "missing_value")
    if col.kind == "bool" and col.default is not None:
        values = values.astype(bool)
    return values, bad


def _iso_days(s: pd.Series) -> np.ndarray:
    """YYYY-MM-DD text (or NaN) as days at :data:`DATE_DTYPE`; NaT where not a calendar date."""
    parsed = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
    out = parsed.to_numpy().astype(DATE_DTYPE)
    # pandas < 3 parses at nanoseconds and so loses dates after 2262: parse those one by one.
    for i in np.flatnonzero(np.isnat(out) & s.notna().to_numpy()):
        try:
            out[i] = np.datetime64(s.iloc[i], "D")
        except ValueError:
            pass
    return out


def _scatter(n: int, idx: np.ndarray) -> np.ndarray:
    m = np.zeros(n, bool)
    m[idx] = True
    return m


def coerce_table(raw: RawTable, table: Table) -> tuple[pd.DataFrame, list[Issue], list[Issue]]:
    """Type every contract column of a raw table; absent optional columns become missing."""
    errors: list[Issue] = []
    warnings: list[Issue] = []
    present = set(raw.frame.columns)
    for extra in [c for c in raw.frame.columns if c not in table.column_names]:
        warnings.append(Issue("unknown_column", table.name, 1, extra, extra,
                              f"column '{extra}' is not in the contract for {table.name} and is ignored", "warning"))
    cols: dict[str, pd.Series] = {}
    n = len(raw.frame)
    for col in table.columns:
        if col.name not in present:
            if col.required:
                errors.append(Issue("missing_column", table.name, 1, col.name, None,
                                    f"required column '{col.name}' is missing"))
            cells = pd.Series([None] * n, dtype=object)
            col_for_missing = Column(col.name, col.kind, False, col.allowed, col.default)
            values, _ = coerce_column(cells, col_for_missing)
        else:
            values, bad = coerce_column(raw.frame[col.name], col)
            if bad:
                rawcol = raw.frame[col.name].reset_index(drop=True)
                for pos, (code, reason) in sorted(bad.items()):
                    v = rawcol.iloc[pos]
                    shown = v is not None and not isinstance(v, CellProblem)
                    errors.append(Issue(code, table.name, int(raw.rows[pos]), col.name,
                                        _show(v), f"{reason} (got {_show(v)!r})" if shown else reason))
        cols[col.name] = values.reset_index(drop=True)
    frame = pd.DataFrame(cols)
    frame["_row"] = raw.rows
    return frame, errors, warnings


def _show(v: object) -> object:
    if v is None:
        return None
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()
    if isinstance(v, float) and not np.isfinite(v):
        return str(v)
    if isinstance(v, (str, int, float, bool)):
        return v
    return str(v)  # a CellProblem shows as what the cell held
