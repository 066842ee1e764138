"""Cross-row and cross-table checks of typed tables: keys, references, overlaps.

Every check is vectorised over whole columns and appends to one list of issues;
nothing stops at the first problem.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .issues import Issue
from .schema import DATE_RANGES, METHOD_MEASURES, REFERENCES, TABLES_BY_NAME

Frames = dict[str, pd.DataFrame]


def _issues(frame: pd.DataFrame, mask, table: str, column: str, code: str, message) -> list[Issue]:
    """One issue per masked row; ``message`` is a function of the row (a Series)."""
    mask = np.asarray(mask, bool)
    if not mask.any():  # the usual case: no selection of a large frame to build
        return []
    sel = frame.loc[mask]
    out = []
    for rec in sel.to_dict("records"):
        out.append(Issue(code, table, int(rec["_row"]), column, _plain(rec.get(column)), message(rec)))
    return out


def _plain(v):
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return None if pd.isna(v) else v.date().isoformat()
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    return v


def check_nonempty(frames: Frames) -> list[Issue]:
    """The program table holds exactly one row. Other tables may have a header and no rows
    (no study or administration yet, no specification proposed): the contract asks only
    that required tables and columns be present, and the audit judges what is absent."""
    out = []
    prog = frames.get("program")
    if prog is not None and len(prog) == 0:
        out.append(Issue("empty_table", "program", None, None, None,
                         "the program table must hold exactly one row; it has none"))
    if prog is not None and len(prog) > 1:
        for r, pid in zip(prog["_row"].iloc[1:], prog["program_id"].iloc[1:]):
            out.append(Issue("program_rows", "program", int(r), "program_id", _plain(pid),
                             f"the program table must hold exactly one row; it holds {len(prog)}"))
    return out


def check_keys(frames: Frames) -> list[Issue]:
    out = []
    for name, t in TABLES_BY_NAME.items():
        f = frames.get(name)
        if f is None or not t.key or len(f) == 0:
            continue
        keyed = f.dropna(subset=list(t.key))
        dup = keyed.duplicated(subset=list(t.key), keep="first")
        if dup.any():
            first = keyed.drop_duplicates(subset=list(t.key), keep="first").set_index(list(t.key))["_row"]
            key_label = ", ".join(t.key)

            def msg(rec, first=first, t=t, key_label=key_label):
                k = tuple(rec[c] for c in t.key)
                shown = ", ".join(str(_plain(v)) for v in k)
                r = first.loc[k if len(k) > 1 else k[0]]
                return f"duplicate key ({key_label}) = ({shown}); first given on row {int(r)}"

            out += _issues(keyed, dup.to_numpy(), name, t.key[0], "duplicate_key", msg)
    # change ids are unique across process_changes and method_changes
    pc, mc = frames.get("process_changes"), frames.get("method_changes")
    if pc is not None and mc is not None and len(pc) and len(mc):
        clash = mc["change_id"].isin(set(pc["change_id"].dropna()))
        out += _issues(mc, clash.to_numpy(), "method_changes", "change_id", "duplicate_key",
                       lambda rec: f"change_id '{rec['change_id']}' is also used in process_changes; change ids must be unique across both tables")
    pv = frames.get("process_versions")
    if pv is not None and len(pv):
        keyed = pv.dropna(subset=["effective_date"])
        dup = keyed.duplicated(subset=["effective_date"], keep="first")
        out += _issues(keyed, dup.to_numpy(), "process_versions", "effective_date", "duplicate_key",
                       lambda rec: "another process version has the same effective_date")
    return out


def _known(frames: Frames, unavailable: frozenset[str], table: str, column: str) -> bool:
    """Whether a table's column could be read: references into it can then be judged."""
    return table in frames and table not in unavailable and f"{table}.{column}" not in unavailable


class _Distinct:
    """Id columns factorised once per validation: the reference checks ask about the same
    large columns (results.lot_id, results.method_id, ...) several times, and judging each
    distinct value once is far cheaper than hashing every row again per question."""

    def __init__(self, frames: Frames):
        self.frames = frames
        self._memo: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}

    def __call__(self, table: str, column: str) -> tuple[np.ndarray, np.ndarray]:
        """(codes, distinct values) of a column; code -1 marks a missing cell."""
        key = (table, column)
        if key not in self._memo:
            codes, uniques = pd.factorize(self.frames[table][column].to_numpy(object))
            self._memo[key] = codes, np.asarray(uniques, dtype=object)
        return self._memo[key]


def _where(codes: np.ndarray, distinct_flags: np.ndarray) -> np.ndarray:
    """Rows whose distinct value is flagged (never a missing cell)."""
    return (codes >= 0) & np.append(distinct_flags, False)[codes]


def check_references(frames: Frames, unavailable: frozenset[str] = frozenset()) -> list[Issue]:
    """Every id column refers to its table; a method measures the attribute its row names.

    ``unavailable`` names tables ("lots") or columns ("lots.lot_id") that could not be read
    (an unreadable file, a missing required table or column): their problem is reported
    once, and references into them are not judged, rather than flagged row by row.
    """
    out = []
    distinct = _Distinct(frames)
    for ref in REFERENCES:
        f, target = frames.get(ref.table), frames.get(ref.target)
        if f is None or len(f) == 0 or ref.column not in f:
            continue
        if not _known(frames, unavailable, ref.target, ref.target_column):
            continue
        codes, values = distinct(ref.table, ref.column)
        known = distinct(ref.target, ref.target_column)[1] if target is not None and len(target) else []
        bad = _where(codes, ~pd.Index(values, dtype=object).isin(known))
        what = ref.target_column.replace("_id", "").replace("_", " ")
        out += _issues(f, bad, ref.table, ref.column, "unknown_reference",
                       lambda rec, ref=ref, what=what: f"{what} '{rec[ref.column]}' is not in {ref.target}")
    methods, attributes = frames.get("methods"), frames.get("attributes")
    if methods is not None and len(methods) and _known(frames, unavailable, "methods", "attribute_id") \
            and _known(frames, unavailable, "methods", "method_id"):
        measures = methods.dropna(subset=["method_id"]).drop_duplicates("method_id").set_index("method_id")["attribute_id"]
        measured_by = measures.to_dict()
        known_attributes = set(attributes["attribute_id"].dropna()) if attributes is not None else set()
        for table, mcol, acol in METHOD_MEASURES:
            f = frames.get(table)
            if f is None or len(f) == 0:
                continue
            # Judge each distinct (method, attribute) pair once. An unknown attribute (the
            # row's or the method's) is reported as such, not again as a mismatch on every
            # row that uses the method.
            mc, mu = distinct(table, mcol)
            ac, au = distinct(table, acol)
            pair = np.where((mc >= 0) & (ac >= 0), mc.astype(np.int64) * len(au) + ac, -1)
            pc, pairs = pd.factorize(pair)
            pair_bad = np.zeros(len(pairs), bool)
            for i, p_ in enumerate(pairs):
                if p_ < 0:
                    continue
                attr, measured = au[p_ % len(au)], measured_by.get(mu[p_ // len(au)])
                pair_bad[i] = attr in known_attributes and measured in known_attributes and measured != attr
            bad = _where(pc, pair_bad)
            out += _issues(f, bad, table, mcol, "method_attribute",
                           lambda rec, mcol=mcol, acol=acol: f"method '{rec[mcol]}' measures attribute '{measures[rec[mcol]]}', not '{rec[acol]}'")
    br, bs = frames.get("bridging_results"), frames.get("bridging_studies")
    if br is not None and bs is not None and len(br) and len(bs) and _known(frames, unavailable, "bridging_studies", "old_method") \
            and _known(frames, unavailable, "bridging_studies", "new_method"):
        s = bs.dropna(subset=["bridging_study_id"]).drop_duplicates("bridging_study_id").set_index("bridging_study_id")
        old = br["bridging_study_id"].map(s["old_method"])
        new = br["bridging_study_id"].map(s["new_method"])
        # a method missing from methods (the result's, or its study's) is reported as such,
        # not again as outside its study on every result row
        real_methods = set(methods["method_id"].dropna()) if methods is not None else set()
        bad = br["method_id"].isin(real_methods) & old.isin(real_methods) & new.isin(real_methods) \
            & (br["method_id"] != old) & (br["method_id"] != new)
        out += _issues(br, bad.to_numpy(), "bridging_results", "method_id", "unknown_reference",
                       lambda rec: f"method '{rec['method_id']}' is neither the old nor the new method of bridging study '{rec['bridging_study_id']}'")
    return out


def check_ranges(frames: Frames) -> list[Issue]:
    out = []
    for table, start, end in DATE_RANGES:
        f = frames.get(table)
        if f is None or len(f) == 0:
            continue
        bad = f[end].notna() & f[start].notna() & (f[end] < f[start])
        out += _issues(f, bad.to_numpy(), table, end, "date_order",
                       lambda rec, start=start, end=end: f"{end} {_plain(rec[end])} is before {start} {_plain(rec[start])}")
    spec = frames.get("specifications")
    if spec is not None and len(spec):
        none = spec["lower"].isna() & spec["upper"].isna()
        out += _issues(spec, none.to_numpy(), "specifications", "lower", "missing_value",
                       lambda rec: "a specification needs a lower or an upper limit (or both)")
        inv = spec["lower"].notna() & spec["upper"].notna() & (spec["lower"] > spec["upper"])
        out += _issues(spec, inv.to_numpy(), "specifications", "upper", "limit_order",
                       lambda rec: f"upper limit {rec['upper']:g} is below lower limit {rec['lower']:g}")
        out += _overlaps(spec)
    return out


#: The end of an open-ended interval: after every representable date.
_OPEN_END = np.datetime64("9999-12-31T23:59:59", "us")


def _overlaps(spec: pd.DataFrame) -> list[Issue]:
    """At most one proposed spec per attribute, one release spec per attribute and method, on any date.

    Intervals include both ends; an empty ``effective_to`` is open-ended. Within a group
    sorted by start, a row overlaps an earlier one exactly when it starts on or before
    the latest end among the earlier rows; the issue names that row.
    """
    out = []
    s = spec.dropna(subset=["attribute_id", "kind", "method_id", "effective_from"])
    s = s.loc[~(s["effective_to"] < s["effective_from"])]  # an inverted interval is its own error
    if s.empty:
        return out
    s = s.assign(_group_method=np.where(s["kind"] == "release", s["method_id"], ""),
                 _end=s["effective_to"].to_numpy().astype("datetime64[us]"))
    s["_end"] = s["_end"].fillna(pd.Timestamp(_OPEN_END))
    s = s.sort_values(["attribute_id", "kind", "_group_method", "effective_from", "_row"]).reset_index(drop=True)
    keys = ["attribute_id", "kind", "_group_method"]
    grp = s[keys]
    same = (grp == grp.shift()).all(axis=1).to_numpy()
    group = np.cumsum(~same)
    running_end = s.groupby(group)["_end"].cummax()
    # the row holding the running latest end (the first to reach it)
    takes_lead = ~same | (s["_end"] > running_end.shift()).to_numpy()
    leader = pd.Series(np.where(takes_lead, s["_row"], np.nan)).groupby(group).ffill()
    bad = same & (s["effective_from"] <= running_end.shift()).to_numpy()
    for i in np.flatnonzero(bad):
        rec = s.iloc[i]
        partner = int(leader.iloc[i - 1])
        what = "proposed commercial specification" if rec["kind"] == "proposed_commercial" \
            else f"release specification for method '{rec['method_id']}'"
        out.append(Issue("overlap", "specifications", int(rec["_row"]), "effective_from", _plain(rec["effective_from"]),
                         f"this {what} of attribute '{rec['attribute_id']}' is in force on dates when the one on "
                         f"row {partner} is too: at most one may be in force on any date"))
    return sorted(out, key=lambda i: i.row)


def validate_frames(frames: Frames, unavailable: frozenset[str] = frozenset()) -> list[Issue]:
    return (check_nonempty(frames) + check_keys(frames) + check_references(frames, unavailable)
            + check_ranges(frames))
