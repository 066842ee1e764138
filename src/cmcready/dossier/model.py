"""The typed, immutable dossier: one record of a program, loaded once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from .schema import PATIENT_SPECIFIC_MODALITIES, TABLES


@dataclass(frozen=True)
class Program:
    program_id: str
    product_name: str
    modality: str
    approval_basis: str
    commercial_process_version: str | None
    submission_target: dt.date | None

    @property
    def patient_specific(self) -> bool:
        return self.modality in PATIENT_SPECIFIC_MODALITIES


def _freeze(frame: pd.DataFrame) -> pd.DataFrame:
    # Copy-on-write frames: a caller's edits never reach the dossier's own data.
    return frame.copy()


@dataclass(frozen=True, eq=False)
class Dossier:
    """A valid dossier. Tables are pandas frames typed by the contract.

    Every contract column is present (absent optional columns are all missing):
    ids and text as ``object`` (``None`` when missing), dates as ``datetime64[us]``
    (``NaT``; microseconds so that every ISO day, 9999-12-31 included, is held exactly),
    numbers as ``float64`` (``NaN``), booleans as ``bool`` where the contract gives a
    default. ``_row`` is the row the user sees in the source.

    Lots are also known by their *rank*, their position in ``lot_order`` (the lot ids
    sorted): the reportable results carry it as ``_lot``, and lot sets (administered,
    pivotal) are boolean arrays over ranks. At portfolio scale this replaces hashing
    hundreds of thousands of id strings, once per question, by an array lookup.
    """

    program: Program
    tables: dict[str, pd.DataFrame]
    source: str = ""
    sha256: str = ""
    warnings: tuple = field(default=())

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables")
        if tables is not None and name in tables:
            return tables[name]
        raise AttributeError(name)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Dossier):
            return NotImplemented
        if self.program != other.program or self.tables.keys() != other.tables.keys():
            return False
        return all(self.tables[k].equals(other.tables[k]) for k in self.tables)

    __hash__ = None  # type: ignore[assignment]

    # ---- indexes the rules share -------------------------------------------------
    @cached_property
    def lots_by_id(self) -> pd.DataFrame:
        return self.tables["lots"].set_index("lot_id", drop=False)

    @cached_property
    def _lot_ranking(self) -> tuple[pd.Index, np.ndarray]:
        """(lot_order, the rank of every result's lot)."""
        ids = pd.Index(self.tables["lots"]["lot_id"].dropna(), dtype=object)
        # Exports often list lots in id order already: then there is nothing to sort.
        order = ids.to_numpy() if ids.is_monotonic_increasing and ids.is_unique else np.unique(ids.to_numpy())
        lots_of_results = self.tables["results"]["lot_id"]
        ranks = pd.Index(order, dtype=object).get_indexer(lots_of_results)
        if (ranks < 0).any():
            # Results of lots missing from the lots table (only in a dossier that was not
            # validated): rank them too, so that no two lots share a rank.
            extra = lots_of_results[ranks < 0].dropna().unique()
            order = np.unique(np.concatenate([order, np.asarray(extra, dtype=object)]))
            ranks = pd.Index(order, dtype=object).get_indexer(lots_of_results)
        return pd.Index(order, dtype=object), ranks

    @property
    def lot_order(self) -> pd.Index:
        """Every lot id, sorted and unique: a lot's position here is its rank."""
        return self._lot_ranking[0]

    @cached_property
    def lot_table_ranks(self) -> np.ndarray:
        """The rank of each row's lot in the lots table."""
        return self.lot_ranks(self.tables["lots"]["lot_id"])

    @cached_property
    def lot_table_rows(self) -> np.ndarray:
        """For each rank, the position of its row in the lots table, -1 for a lot with no
        row; one more element (-1) at the end, read by a rank of -1."""
        rows = np.full(len(self.lot_order) + 1, -1, dtype=np.int64)
        ranks = self.lot_table_ranks
        rows[ranks[ranks >= 0]] = np.flatnonzero(ranks >= 0)
        return rows

    def lot_ranks(self, lot_ids) -> np.ndarray:
        """The rank of each lot id (-1 for an id that is not a lot)."""
        return self.lot_order.get_indexer(pd.Index(lot_ids, dtype=object))

    def lot_flags(self, lot_ids) -> np.ndarray:
        """A boolean array over ranks, true at the given lots, with one more element (false)
        at the end, so that indexing it with a rank of -1 (no lot) reads false."""
        return self.rank_flags(self.lot_ranks(list(lot_ids)))

    def rank_flags(self, ranks) -> np.ndarray:
        """:meth:`lot_flags` of lots given by rank (ranks of -1 are ignored)."""
        ranks = np.asarray(ranks, dtype=np.int64)
        flags = np.zeros(len(self.lot_order) + 1, dtype=bool)
        flags[ranks[ranks >= 0]] = True
        return flags

    @cached_property
    def reportable_results(self) -> pd.DataFrame:
        """The reportable results, with ``_lot``, the rank of their lot (-1 when it has none)."""
        r = self.tables["results"]
        keep = r["reportable"].to_numpy(bool)
        return r.loc[keep].assign(_lot=self._lot_ranking[1][keep])

    @cached_property
    def administered_flags(self) -> np.ndarray:
        """``lot_flags`` of the administered lots."""
        return self.lot_flags(self.administered_lot_ids)

    @cached_property
    def pivotal_flags(self) -> np.ndarray:
        """``lot_flags`` of the lots administered in a pivotal study."""
        return self.lot_flags(self.pivotal_lot_ids)

    @cached_property
    def administered_results(self) -> pd.DataFrame:
        """The reportable results of administered lots."""
        r = self.reportable_results
        return r.loc[self.administered_flags[r["_lot"].to_numpy()]]

    @cached_property
    def methods_by_id(self) -> pd.DataFrame:
        return self.tables["methods"].set_index("method_id", drop=False)

    @cached_property
    def attributes_by_id(self) -> pd.DataFrame:
        return self.tables["attributes"].set_index("attribute_id", drop=False)

    def methods_of(self, attribute_id: str) -> pd.DataFrame:
        m = self.tables["methods"]
        return m.loc[m["attribute_id"] == attribute_id]

    @cached_property
    def _reportable_by_attribute(self) -> dict[str, pd.DataFrame]:
        return {a: g for a, g in self.reportable_results.groupby("attribute_id", sort=False)}

    def results_of(self, *, lot_id: str | None = None, attribute_id: str | None = None,
                   reportable_only: bool = True) -> pd.DataFrame:
        if reportable_only and attribute_id is not None and lot_id is None:
            # The rules ask for one attribute's results many times; group them once.
            empty = self.reportable_results.iloc[:0]
            return self._reportable_by_attribute.get(attribute_id, empty)
        r = self.reportable_results if reportable_only else self.tables["results"]
        mask = pd.Series(True, index=r.index)
        if lot_id is not None:
            mask &= r["lot_id"] == lot_id
        if attribute_id is not None:
            mask &= r["attribute_id"] == attribute_id
        return r.loc[mask]

    @cached_property
    def administered_lot_ids(self) -> frozenset[str]:
        return frozenset(self.tables["administrations"]["lot_id"].dropna())

    @cached_property
    def pivotal_study_ids(self) -> frozenset[str]:
        s = self.tables["studies"]
        return frozenset(s.loc[s["pivotal"].to_numpy(bool), "study_id"])

    @cached_property
    def pivotal_lot_ids(self) -> frozenset[str]:
        a = self.tables["administrations"]
        return frozenset(a.loc[a["study_id"].isin(self.pivotal_study_ids), "lot_id"])

    def specifications_in_force(self, on: dt.date | pd.Timestamp, kind: str | None = None) -> pd.DataFrame:
        """Specifications whose [effective_from, effective_to] contains ``on`` (both ends included)."""
        s = self.tables["specifications"]
        day = pd.Timestamp(on)
        mask = (s["effective_from"] <= day) & (s["effective_to"].isna() | (s["effective_to"] >= day))
        if kind is not None:
            mask &= s["kind"] == kind
        return s.loc[mask]


TABLE_NAMES = tuple(t.name for t in TABLES)
