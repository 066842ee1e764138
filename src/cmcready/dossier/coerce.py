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
from .read import CellProblem, RawTable, strip_cells
from .schema import Column, Table

TRUE_WORDS = {"true": True, "yes": True, "y": True, "1": True,
              "false": False, "no": False, "n": False, "0": False}
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


def _types(values: np.ndarray) -> CellKinds:
    n = len(values)
    none = np.zeros(n, bool)
    if pd.api.types.infer_dtype(values, skipna=False) == "string":  # all text (CSV): none missing
        return CellKinds(np.ones(n, bool), none, none, none, none, none, none)
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        return CellKinds(~pd.isna(values), none, none, none, none, none, none)
    raw = pd.Series(values, dtype=object)
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


def _number_text(v) -> str:
    """A workbook number in a text column: a whole number as integer text."""
    if isinstance(v, (int, np.integer)):
        return str(int(v))  # exactly, however many digits
    f = float(v)
    if np.isfinite(f) and f == int(f):
        return str(int(f))
    return repr(f)


def coerce_column(raw: pd.Series, col: Column, stripped: tuple[np.ndarray, np.ndarray] | None = None,
                  ) -> tuple[pd.Series, dict[int, tuple[str, str]]]:
    """Type one column. Returns (values, {position: (code, reason)}) for cells that failed.

    ``stripped`` is :func:`~cmcready.dossier.read.strip_cells` of ``raw`` when the reader
    has it already.
    """
    cells = raw.to_numpy(dtype=object)
    n = len(cells)
    text_cells, blank = stripped if stripped is not None else strip_cells(cells)
    k = _types(cells)
    is_str = k.text & ~blank
    idx = np.flatnonzero(is_str)
    text = text_cells[idx]  # the non-blank text cells, stripped
    bad: dict[int, tuple[str, str]] = {}

    def fail(mask: np.ndarray, reason: str, code: str = "wrong_type") -> None:
        for i in np.flatnonzero(mask):
            bad.setdefault(int(i), (code, reason))

    for i in np.flatnonzero(k.problem):
        p = cells[i]
        bad[int(i)] = (p.code, p.reason)
    fail(k.other, "a cell of an unsupported kind (a duration?); write the value as text or a number")

    if col.kind in ("id", "text", "enum"):
        if len(idx) == n:  # every cell is text: the stripped column as it is
            out = text_cells.copy()
        else:
            out = np.full(n, None, dtype=object)
            out[idx] = text
        if k.number.any():
            out[k.number] = [_number_text(v) for v in cells[k.number]]
            infinite = np.zeros(n, bool)
            infinite[k.number] = [isinstance(v, (float, np.floating)) and not np.isfinite(v) for v in cells[k.number]]
            fail(infinite, "not a finite number")
        if k.boolean.any():
            out[k.boolean] = ["true" if v else "false" for v in cells[k.boolean]]
        fail(k.date, "a date cell where text is expected (did Excel turn the entry into a date? format the column as text)")
        fail(k.time, "a time cell where text is expected (did Excel turn the entry into a time? format the column as text)")
        if col.kind == "enum":
            given = np.flatnonzero(is_str | k.number | k.boolean)  # where ``out`` holds text
            out[given] = _by_distinct(lambda u: np.array([v.lower() for v in u], dtype=object), out[given])
            ok = np.ones(n, bool)
            ok[given] = pd.Series(out[given], dtype=object).isin(col.allowed).to_numpy()
            allowed = ", ".join(repr(a) for a in col.allowed)
            fail(~ok, f"not one of the allowed values: {allowed}", "not_allowed")
            out[~ok] = None
        # Known from the masks: pandas' isna over an object column costs as much as typing it.
        have = is_str | k.number | k.boolean
        if col.kind == "enum":
            have &= ok
        values = pd.Series(out, dtype=object)
    elif col.kind == "date":
        days = np.full(n, np.datetime64("NaT"), dtype=DATE_DTYPE)
        if len(idx):
            parsed, shaped = _by_distinct(_iso_days, text)
            good = ~np.isnat(parsed)
            days[idx[good]] = parsed[good]
            fail(_scatter(n, idx[~shaped]), "not a date: dates are written YYYY-MM-DD")
            fail(_scatter(n, idx[shaped & ~good]), "not a valid calendar date")
        if k.date.any():
            # the day of a date cell (a time of day on it is not part of the contract's dates)
            days[k.date] = np.array([dt.date(v.year, v.month, v.day) for v in cells[k.date]],
                                    dtype="datetime64[D]").astype(DATE_DTYPE)
        fail(k.time, "a time of day, not a date")
        fail(k.number | k.boolean, "a number where a date is expected; write dates as YYYY-MM-DD or use a date cell")
        have = ~np.isnat(days)
        values = pd.Series(days, dtype=DATE_DTYPE)
    elif col.kind == "number":
        out = np.full(n, np.nan)
        numbers = np.flatnonzero(k.number)
        for where, given, reason in ((idx, text, "not a number (use a dot as the decimal separator)"),
                                     (numbers, cells[numbers], "not a finite number")):
            if len(where):
                num = _numbers(given, text=given is text)
                finite = np.isfinite(num)
                out[where[finite]] = num[finite]
                fail(_scatter(n, where[~finite]), reason)
        fail(k.boolean | k.date | k.time, "not a number")
        have = ~np.isnan(out)
        values = pd.Series(out, dtype="float64")
    elif col.kind == "bool":
        # 1 true, 0 false, -1 missing, -2 not a boolean
        state = np.full(n, -1, dtype=np.int8)
        if len(idx):
            words = {True: 1, False: 0}
            state[idx] = _by_distinct(
                lambda u: np.array([words.get(TRUE_WORDS.get(v.lower()), -2) for v in u], dtype=np.int8), text)
            fail(_scatter(n, idx[state[idx] == -2]), "not a boolean: use true/false, yes/no, y/n or 1/0")
        if k.boolean.any():
            state[k.boolean] = [1 if v else 0 for v in cells[k.boolean]]
        if k.number.any():
            nums = pd.Series(_numbers(cells[k.number], text=False))
            ok = nums.isin([0, 1]).to_numpy()
            state[np.flatnonzero(k.number)[ok]] = nums[ok].to_numpy().astype(np.int8)
            fail(_scatter(n, np.flatnonzero(k.number)[~ok]), "not a boolean: use true/false, yes/no, y/n or 1/0")
        fail(k.date | k.time, "a date where a boolean is expected")
        have = state >= 0
        if col.default is not None:  # typed at once: a missing cell takes the default
            values = pd.Series(np.where(have, state == 1, bool(col.default)), dtype=bool)
        else:
            out = np.full(n, None, dtype=object)
            out[state == 1] = True
            out[state == 0] = False
            values = pd.Series(out, dtype=object)
    else:  # pragma: no cover - schema is static
        raise ValueError(col.kind)

    missing = ~have & ~_scatter(n, np.fromiter(bad.keys(), int, len(bad)))
    if col.default is not None:
        values = values.where(~missing, col.default)
    elif col.required:
        fail(missing, "a value is required", "missing_value")
    if col.kind == "bool" and col.default is not None:
        values = values.astype(bool)
    return values, bad


def _numbers(cells: np.ndarray, *, text: bool) -> np.ndarray:
    """Each cell (all text, or all workbook numbers) as a float; NaN where it is not a number.

    The fast path is numpy's conversion, which is Python's ``float``: correctly rounded and
    three times faster than ``pandas.to_numeric``. ``float`` also takes what the contract
    does not (``1_000``, digits of other scripts), so text holding an underscore or a
    non-ASCII character, or a column with any cell ``float`` refuses, goes through
    ``to_numeric``, which turns what it cannot read into NaN.
    """
    joined = "".join(cells) if text else ""
    if joined.isascii() and "_" not in joined:
        try:
            return cells.astype(float)
        except (ValueError, TypeError, OverflowError):
            pass
    try:
        return np.asarray(pd.to_numeric(cells, errors="coerce"), dtype=float)
    except (OverflowError, TypeError, ValueError):  # an integer beyond floats: cell by cell
        return np.array([_number_or_nan(v) for v in cells], dtype=float)


def _number_or_nan(v) -> float:
    try:
        return float(pd.to_numeric(v))
    except (ValueError, TypeError, OverflowError):
        return np.nan


def _by_distinct(f, text: np.ndarray):
    """``f(text)`` for an ``f`` of arrays (returning an array or a tuple of them), worked out
    once per distinct value: most columns repeat a few values many times."""
    codes, distinct = pd.factorize(text)
    got = f(distinct)
    return tuple(a[codes] for a in got) if isinstance(got, tuple) else got[codes]


_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9]  # where YYYY-MM-DD has its digits


def _iso_days(text: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Text as days at :data:`DATE_DTYPE`, and whether each is shaped YYYY-MM-DD.

    NaT where it is not, or is not a calendar date (years 0001-9999).
    Worked out from the character codes, a whole column at once: numpy's parser gives up
    on a column at its first bad cell, and pandas < 3 parses at nanoseconds, which loses
    the dates after 2262.
    """
    n = len(text)
    chars = np.array(text, dtype="U10").view(np.uint32).reshape(n, 10).astype(np.int64)
    digits = chars[:, _DIGITS] - ord("0")
    # ASCII digits only: str.isdigit and \d take full-width ones
    shaped = (np.fromiter(map(len, text), np.intp, n) == 10) & (chars[:, [4, 7]] == ord("-")).all(axis=1) \
        & ((digits >= 0) & (digits <= 9)).all(axis=1)
    days = np.full(n, np.datetime64("NaT"), dtype=DATE_DTYPE)
    d = digits[shaped]
    year, month, day = d[:, :4] @ [1000, 100, 10, 1], d[:, 4:6] @ [10, 1], d[:, 6:] @ [10, 1]
    first = (12 * (year - 1970) + np.clip(month, 1, 12) - 1).astype("datetime64[M]")
    length = ((first + 1).astype("datetime64[D]") - first.astype("datetime64[D]")).astype(np.int64)
    # Year 0000 exists for numpy but not in the calendar users and Python's dates know.
    valid = (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= length)
    days[np.flatnonzero(shaped)[valid]] = (first.astype("datetime64[D]") + (day - 1))[valid]
    return days, shaped


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
    if present and not present & set(table.column_names):
        # A title or a note above the header: say where the header must be, once.
        errors.append(Issue("missing_column", table.name, 1, None, None,
                            f"row 1 holds none of the column names of {table.name} (it has "
                            f"{', '.join(repr(c) for c in sorted(present)[:3])}); the header must be the first row"))
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
            values, bad = coerce_column(raw.frame[col.name], col, raw.stripped.get(col.name))
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
