"""Typing raw cells by the contract's conventions, column by column (vectorised).

Each function takes the raw cells of one column and returns the typed column and
the row positions that failed, with a reason per failure. CSV cells are all text;
workbook cells may be text, numbers, booleans or datetimes.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .issues import Issue
from .read import RawTable, blank_mask
from .schema import Column, Table

TRUE_WORDS = {"true": True, "yes": True, "y": True, "1": True,
              "false": False, "no": False, "n": False, "0": False}
_ISO_DATE = r"\d{4}-\d{2}-\d{2}"
_DATE_TYPES = (dt.datetime, dt.date, dt.time, pd.Timestamp)


def _types(raw: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Masks of text, number, boolean and date cells (blank text counts as text)."""
    kind = pd.api.types.infer_dtype(raw, skipna=True)
    n = len(raw)
    if kind in ("string", "empty"):
        notna = raw.notna().to_numpy()
        return notna, np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool)
    t = raw.map(type)
    is_bool = t.isin([bool, np.bool_]).to_numpy()
    is_str = t.eq(str).to_numpy()
    is_date = raw.map(lambda v: isinstance(v, _DATE_TYPES)).to_numpy()
    is_num = raw.notna().to_numpy() & ~is_bool & ~is_str & ~is_date
    return is_str, is_num, is_bool, is_date


def _number_text(values: pd.Series) -> pd.Series:
    """Workbook numbers in a text column: whole numbers as integer text."""

    def one(v):
        f = float(v)
        if np.isfinite(f) and f == int(f):
            return str(int(f))
        return repr(f)

    return values.map(one)


def coerce_column(raw: pd.Series, col: Column) -> tuple[pd.Series, dict[int, str]]:
    """Type one column. Returns (values, {position: reason}) for cells that failed."""
    n = len(raw)
    raw = raw.reset_index(drop=True)
    blank = blank_mask(raw)
    is_str, is_num, is_bool, is_date = _types(raw)
    is_str = is_str & ~blank
    bad: dict[int, str] = {}

    def fail(mask: np.ndarray, reason: str) -> None:
        for i in np.flatnonzero(mask):
            bad.setdefault(int(i), reason)

    text = pd.Series([None] * n, dtype=object)
    if is_str.any():
        text[is_str] = raw[is_str].str.strip()

    if col.kind in ("id", "text", "enum"):
        if is_num.any():
            text[is_num] = _number_text(raw[is_num])
        if is_bool.any():
            text[is_bool] = raw[is_bool].map(lambda v: "true" if v else "false")
        fail(is_date, "a date cell where text is expected (did Excel turn the entry into a date? format the column as text)")
        if col.kind == "enum":
            lowered = text.where(text.isna(), text.str.lower()) if text.notna().any() else text
            ok = lowered.isin(col.allowed).to_numpy() | lowered.isna().to_numpy()
            allowed = ", ".join(repr(a) for a in col.allowed)
            fail(~ok, f"not one of the allowed values: {allowed}")
            text = lowered.where(ok, None)
        values = text.astype(object)
    elif col.kind == "date":
        values = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
        if is_str.any():
            s = raw[is_str].str.strip()
            shape_ok = s.str.fullmatch(_ISO_DATE).fillna(False).to_numpy(bool)
            parsed = pd.to_datetime(s.where(shape_ok), format="%Y-%m-%d", errors="coerce")
            good = parsed.notna().to_numpy()
            idx = np.flatnonzero(is_str)
            values.iloc[idx[good]] = parsed[good].to_numpy()
            reason_shape = "not a date: dates are written YYYY-MM-DD"
            fail(_scatter(n, idx[~shape_ok]), reason_shape)
            fail(_scatter(n, idx[shape_ok & ~good]), "not a valid calendar date (or outside the years 1677–2262)")
        if is_date.any():
            dates = raw[is_date]
            if dates.map(lambda v: isinstance(v, dt.time) and not isinstance(v, dt.datetime)).any():
                tmask = is_date & raw.map(lambda v: isinstance(v, dt.time) and not isinstance(v, dt.datetime)).to_numpy()
                fail(tmask, "a time of day, not a date")
                is_date = is_date & ~tmask
            conv = raw[is_date].map(_date_cell)
            ok = conv.notna().to_numpy()
            idx = np.flatnonzero(is_date)
            values.iloc[idx[ok]] = pd.to_datetime(conv[ok].tolist()).to_numpy() if ok.any() else []
            fail(_scatter(n, idx[~ok]), "a date outside the supported years 1677–2262")
        fail(is_num | is_bool, "a number where a date is expected; write dates as YYYY-MM-DD or use a date cell")
    elif col.kind == "number":
        values = pd.Series(np.nan, index=range(n), dtype="float64")
        if is_str.any():
            s = raw[is_str].str.strip()
            num = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
            finite = np.isfinite(num)
            idx = np.flatnonzero(is_str)
            values.iloc[idx[finite]] = num[finite]
            fail(_scatter(n, idx[~finite]), "not a number (use a dot as the decimal separator)")
        if is_num.any():
            num = pd.to_numeric(raw[is_num], errors="coerce").to_numpy(dtype=float)
            finite = np.isfinite(num)
            idx = np.flatnonzero(is_num)
            values.iloc[idx[finite]] = num[finite]
            fail(_scatter(n, idx[~finite]), "not a finite number")
        fail(is_bool | is_date, "not a number")
    elif col.kind == "bool":
        out = pd.Series([None] * n, dtype=object)
        if is_str.any():
            mapped = raw[is_str].str.strip().str.lower().map(TRUE_WORDS)
            out[is_str] = mapped
            fail(_scatter(n, np.flatnonzero(is_str)[mapped.isna().to_numpy()]),
                 "not a boolean: use true/false, yes/no, y/n or 1/0")
        if is_bool.any():
            out[is_bool] = raw[is_bool].map(bool)
        if is_num.any():
            nums = pd.to_numeric(raw[is_num], errors="coerce")
            ok = nums.isin([0, 1]).to_numpy()
            out.iloc[np.flatnonzero(is_num)[ok]] = nums[ok].map(lambda v: bool(v)).to_numpy()
            fail(_scatter(n, np.flatnonzero(is_num)[~ok]), "not a boolean: use true/false, yes/no, y/n or 1/0")
        fail(is_date, "a date where a boolean is expected")
        values = out
    else:  # pragma: no cover - schema is static
        raise ValueError(col.kind)

    missing = values.isna().to_numpy() & ~_scatter(n, np.fromiter(bad.keys(), int, len(bad)))
    if col.default is not None:
        values = values.where(~missing, col.default)
    elif col.required:
        fail(missing, "a value is required")
    if col.kind == "bool" and col.default is not None:
        values = values.astype(bool)
    return values, bad


def _date_cell(v) -> pd.Timestamp | None:
    """A workbook date cell as a day, or None when pandas cannot represent it."""
    try:
        ts = pd.Timestamp(v).normalize()
        ts.as_unit("ns")
        return ts
    except (pd.errors.OutOfBoundsDatetime, ValueError, OverflowError):
        return None


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
                for pos, reason in sorted(bad.items()):
                    v = rawcol.iloc[pos]
                    errors.append(Issue(_code(reason), table.name, int(raw.rows[pos]), col.name,
                                        _show(v), f"{reason} (got {_show(v)!r})" if v is not None else reason))
        cols[col.name] = values.reset_index(drop=True)
    frame = pd.DataFrame(cols)
    frame["_row"] = raw.rows
    return frame, errors, warnings


def _code(reason: str) -> str:
    if reason.startswith("a value is required"):
        return "missing_value"
    if reason.startswith("not one of"):
        return "not_allowed"
    return "wrong_type"


def _show(v: object) -> object:
    if v is None:
        return None
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()
    if isinstance(v, float) and not np.isfinite(v):
        return str(v)
    if isinstance(v, (str, int, float, bool)):
        return v
    return str(v)
