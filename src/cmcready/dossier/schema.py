"""The dossier contract as data: tables, columns, types, keys and references.

Everything the loader and the validator know about the input format lives here,
so that the contract in ``docs/dossier-format.md`` has one counterpart in code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["id", "text", "date", "bool", "number", "enum"]

MODALITIES = (
    "autologous_cell",
    "allogeneic_cell",
    "ex_vivo_gene_modified_cell",
    "in_vivo_gene_therapy",
    "other",
)
PATIENT_SPECIFIC_MODALITIES = ("autologous_cell", "ex_vivo_gene_modified_cell")
PHASES = ("1", "1/2", "2", "2/3", "3")
CATEGORIES = ("potency", "identity", "purity", "safety", "strength", "viability", "other")
LOT_STATUSES = ("released", "failed_manufacture", "rejected", "in_process")
LOT_PURPOSES = ("clinical", "engineering", "ppq", "development", "commercial")


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = False
    allowed: tuple[str, ...] = ()
    default: object = None


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    required: bool = False
    key: tuple[str, ...] = ()
    description: str = ""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


@dataclass(frozen=True)
class Reference:
    """``table.column`` must name an existing ``target.target_column``."""

    table: str
    column: str
    target: str
    target_column: str


def _c(name: str, kind: Kind = "id", *, req: bool = False, allowed=(), default=None) -> Column:
    return Column(name, kind, req, tuple(allowed), default)


TABLES: tuple[Table, ...] = (
    Table(
        "program",
        (
            _c("program_id", req=True),
            _c("product_name", "text", req=True),
            _c("modality", "enum", req=True, allowed=MODALITIES),
            _c("approval_basis", "enum", allowed=("phase2", "phase3"), default="phase2"),
            _c("commercial_process_version"),
            _c("submission_target", "date"),
        ),
        required=True,
    ),
    Table(
        "studies",
        (
            _c("study_id", req=True),
            _c("phase", "enum", req=True, allowed=PHASES),
            _c("pivotal", "bool", req=True),
            _c("enrollment_start", "date", req=True),
            _c("enrollment_end", "date"),
        ),
        required=True,
        key=("study_id",),
    ),
    Table(
        "process_versions",
        (
            _c("process_version", req=True),
            _c("effective_date", "date", req=True),
            _c("description", "text"),
        ),
        required=True,
        key=("process_version",),
    ),
    Table(
        "process_changes",
        (
            _c("change_id", req=True),
            _c("change_date", "date", req=True),
            _c("from_version", req=True),
            _c("to_version", req=True),
            _c("unit_operation", "text"),
            _c("description", "text", req=True),
            _c("risk", "enum", allowed=("high", "medium", "low")),
            _c("comparability_study_id"),
            _c("rationale", "text"),
            _c("approved_by", "text"),
            _c("approved_date", "date"),
        ),
        key=("change_id",),
    ),
    Table(
        "attributes",
        (
            _c("attribute_id", req=True),
            _c("name", "text", req=True),
            _c("unit", "text"),
            _c("category", "enum", req=True, allowed=CATEGORIES),
            _c("cqa", "bool", default=True),
            _c("limit_basis", "enum", allowed=("clinical", "safety"), default="clinical"),
        ),
        required=True,
        key=("attribute_id",),
    ),
    Table(
        "methods",
        (
            _c("method_id", req=True),
            _c("attribute_id", req=True),
            _c("name", "text"),
            _c(
                "validation_status",
                "enum",
                req=True,
                allowed=("exploratory", "qualified", "validated"),
            ),
            _c("validated_date", "date"),
            _c("in_use_from", "date", req=True),
            _c("in_use_to", "date"),
        ),
        required=True,
        key=("method_id",),
    ),
    Table(
        "method_changes",
        (
            _c("change_id", req=True),
            _c("change_date", "date", req=True),
            _c("attribute_id", req=True),
            _c("from_method", req=True),
            _c("to_method", req=True),
            _c("description", "text"),
            _c("bridging_study_id"),
            _c("rationale", "text"),
            _c("approved_by", "text"),
            _c("approved_date", "date"),
        ),
        key=("change_id",),
    ),
    Table(
        "lots",
        (
            _c("lot_id", req=True),
            _c("process_version", req=True),
            _c("manufacture_date", "date", req=True),
            _c("purpose", "enum", req=True, allowed=LOT_PURPOSES),
            _c("status", "enum", req=True, allowed=LOT_STATUSES),
            _c("failure_reason", "text"),
            _c("release_date", "date"),
            _c("expiry_date", "date"),
        ),
        required=True,
        key=("lot_id",),
    ),
    Table(
        "results",
        (
            _c("lot_id", req=True),
            _c("attribute_id", req=True),
            _c("method_id", req=True),
            _c("value", "number", req=True),
            _c("qualifier", "enum", allowed=("<", ">")),
            _c("test_date", "date", req=True),
            _c("reportable", "bool", default=True),
        ),
        required=True,
    ),
    Table(
        "administrations",
        (
            _c("patient_id", req=True),
            _c("study_id", req=True),
            _c("lot_id", req=True),
            _c("administration_date", "date", req=True),
        ),
        required=True,
        key=("patient_id", "lot_id", "administration_date"),
    ),
    Table(
        "specifications",
        (
            _c("attribute_id", req=True),
            _c("kind", "enum", req=True, allowed=("release", "proposed_commercial")),
            _c("method_id", req=True),
            _c("lower", "number"),
            _c("upper", "number"),
            _c("effective_from", "date", req=True),
            _c("effective_to", "date"),
        ),
        required=True,
        key=("attribute_id", "kind", "method_id", "effective_from"),
    ),
    Table(
        "bridging_studies",
        (
            _c("bridging_study_id", req=True),
            _c("attribute_id", req=True),
            _c("old_method", req=True),
            _c("new_method", req=True),
            _c("protocol_date", "date"),
            _c("acceptance_max_bias", "number"),
            _c("acceptance_max_bias_pct", "number"),
            _c("error_ratio", "number", default=1.0),
        ),
        key=("bridging_study_id",),
    ),
    Table(
        "bridging_results",
        (
            _c("bridging_study_id", req=True),
            _c("sample_id", req=True),
            _c("method_id", req=True),
            _c("value", "number", req=True),
            _c("test_date", "date", req=True),
        ),
    ),
    Table(
        "comparability_studies",
        (
            _c("comparability_study_id", req=True),
            _c("from_version", req=True),
            _c("to_version", req=True),
            _c("protocol_date", "date"),
            _c("completed_date", "date"),
        ),
        key=("comparability_study_id",),
    ),
    Table(
        "comparability_lots",
        (_c("comparability_study_id", req=True), _c("lot_id", req=True)),
        key=("comparability_study_id", "lot_id"),
    ),
    Table(
        "outcomes",
        (
            _c("patient_id", req=True),
            _c("endpoint", "text", req=True),
            _c("responder", "bool"),
            _c("value", "number"),
        ),
        key=("patient_id", "endpoint"),
    ),
)

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}

REFERENCES: tuple[Reference, ...] = (
    Reference("program", "commercial_process_version", "process_versions", "process_version"),
    Reference("process_changes", "from_version", "process_versions", "process_version"),
    Reference("process_changes", "to_version", "process_versions", "process_version"),
    Reference("process_changes", "comparability_study_id", "comparability_studies", "comparability_study_id"),
    Reference("methods", "attribute_id", "attributes", "attribute_id"),
    Reference("method_changes", "attribute_id", "attributes", "attribute_id"),
    Reference("method_changes", "from_method", "methods", "method_id"),
    Reference("method_changes", "to_method", "methods", "method_id"),
    Reference("method_changes", "bridging_study_id", "bridging_studies", "bridging_study_id"),
    Reference("lots", "process_version", "process_versions", "process_version"),
    Reference("results", "lot_id", "lots", "lot_id"),
    Reference("results", "attribute_id", "attributes", "attribute_id"),
    Reference("results", "method_id", "methods", "method_id"),
    Reference("administrations", "study_id", "studies", "study_id"),
    Reference("administrations", "lot_id", "lots", "lot_id"),
    Reference("specifications", "attribute_id", "attributes", "attribute_id"),
    Reference("specifications", "method_id", "methods", "method_id"),
    Reference("bridging_studies", "attribute_id", "attributes", "attribute_id"),
    Reference("bridging_studies", "old_method", "methods", "method_id"),
    Reference("bridging_studies", "new_method", "methods", "method_id"),
    Reference("bridging_results", "bridging_study_id", "bridging_studies", "bridging_study_id"),
    Reference("bridging_results", "method_id", "methods", "method_id"),
    Reference("comparability_studies", "from_version", "process_versions", "process_version"),
    Reference("comparability_studies", "to_version", "process_versions", "process_version"),
    Reference("comparability_lots", "comparability_study_id", "comparability_studies", "comparability_study_id"),
    Reference("comparability_lots", "lot_id", "lots", "lot_id"),
    Reference("outcomes", "patient_id", "administrations", "patient_id"),
)

#: (table, method column, attribute column): the method must measure that attribute.
METHOD_MEASURES: tuple[tuple[str, str, str], ...] = (
    ("results", "method_id", "attribute_id"),
    ("method_changes", "from_method", "attribute_id"),
    ("method_changes", "to_method", "attribute_id"),
    ("specifications", "method_id", "attribute_id"),
    ("bridging_studies", "old_method", "attribute_id"),
    ("bridging_studies", "new_method", "attribute_id"),
)

#: (table, start column, end column): an end date before its start is an error.
DATE_RANGES: tuple[tuple[str, str, str], ...] = (
    ("studies", "enrollment_start", "enrollment_end"),
    ("methods", "in_use_from", "in_use_to"),
    ("specifications", "effective_from", "effective_to"),
)
