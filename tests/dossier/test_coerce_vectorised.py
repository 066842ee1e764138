"""The vectorised typing of whole columns agrees with typing each cell on its own.

The references below read one cell at a time, as the contract states the conventions:
surrounding spaces do not count, dates are YYYY-MM-DD in ASCII digits on the calendar,
enums and booleans ignore case.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from cmcready.dossier.coerce import TRUE_WORDS, coerce_column
from cmcready.dossier.schema import Column

SPACE = st.sampled_from(["", " ", "\t", "\u00a0", "\u3000"])
DATE_LIKE = st.one_of(
    st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True),
    st.from_regex(r"[0-9２]{1,5}-[0-9]{1,3}-[0-9]{1,3}", fullmatch=True),
    st.sampled_from(["0000-02-29", "1900-02-29", "2000-02-29", "2023-02-29", "2024-02-29", "9999-12-31",
                     "2023-04-31", "2023-00-01", "2023-13-01", "2023-01-00", "2023-01-02 00:00", "٢٠٢٣-٠١-٠١"]),
)
CELL = st.one_of(st.tuples(SPACE, DATE_LIKE, SPACE).map("".join), st.text(max_size=11), SPACE,
                 st.sampled_from(["Yes", " n ", "TRUE", "0", "1", "2", "Release", "PROPOSED_commercial "]))
COLUMN = st.lists(st.one_of(CELL, st.none()), max_size=40)


def _typed(cells: list, kind: str, allowed=()) -> tuple[list, dict]:
    values, bad = coerce_column(pd.Series(cells, dtype=object), Column("c", kind, False, allowed))
    return values.tolist(), {i: reason for i, (_, reason) in bad.items()}


@settings(max_examples=300, deadline=None)
@given(COLUMN, st.booleans())
def test_dates_are_typed_as_cell_by_cell(cells, all_text):
    if all_text:  # a CSV column: text only, no missing cells
        cells = ["" if c is None else c for c in cells]
    values, bad = _typed(cells, "date")
    for i, c in enumerate(cells):
        s = c.strip() if c is not None else ""
        if s == "":
            assert pd.isna(values[i]) and i not in bad
        elif not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", s):
            assert pd.isna(values[i]) and "YYYY-MM-DD" in bad[i]
        else:
            try:  # Python's calendar: years 0001-9999, as users and the JSON know dates
                day = np.datetime64(dt.date.fromisoformat(s), "D")
            except ValueError:
                assert pd.isna(values[i]) and bad[i] == "not a valid calendar date"
            else:
                assert np.datetime64(values[i], "D") == day and i not in bad


@settings(max_examples=200, deadline=None)
@given(COLUMN, st.booleans())
def test_text_enum_and_booleans_are_typed_as_cell_by_cell(cells, all_text):
    if all_text:
        cells = ["" if c is None else c for c in cells]
    stripped = [c.strip() or None if c is not None else None for c in cells]
    assert _typed(cells, "text") == (stripped, {})

    allowed = ("release", "proposed_commercial", "2")
    values, bad = _typed(cells, "enum", allowed)
    lowered = [s.lower() if s is not None else None for s in stripped]
    assert values == [s if s in allowed else None for s in lowered]
    assert sorted(bad) == [i for i, s in enumerate(lowered) if s is not None and s not in allowed]

    values, bad = _typed(cells, "bool")
    for i, s in enumerate(lowered):
        if s is None:
            assert values[i] is None and i not in bad
        elif s in TRUE_WORDS:
            assert values[i] == TRUE_WORDS[s] and i not in bad
        else:
            assert pd.isna(values[i]) and "not a boolean" in bad[i]
