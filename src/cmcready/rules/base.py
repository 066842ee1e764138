"""What a rule is and what it yields: findings, and 'not applicable' notes."""

from __future__ import annotations

import datetime as dt
import inspect
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable

if TYPE_CHECKING:
    from ..context import AuditContext

SEVERITIES = ("critical", "major", "minor", "info")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
FAMILIES = {
    "assays": "Assay changes and bridging",
    "process": "Process lock and the pivotal study",
    "manufacturing": "Manufacturing success",
    "specifications": "Specifications and clinical coverage",
    "records": "Record integrity",
    "potency": "Potency and clinical outcome",
}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    title: str
    subjects: dict[str, Any]
    evidence: dict[str, Any]
    why: str
    references: tuple[str, ...]
    action: str
    due_date: dt.date | None = None

    def __post_init__(self):
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")
        if "lot_ids" in self.subjects:
            object.__setattr__(self, "subjects", {**self.subjects, "lot_ids": sorted(set(self.subjects["lot_ids"]))})

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "title": self.title,
            "subjects": {k: v for k, v in self.subjects.items() if v is not None},
            "evidence": self.evidence,
            "why": self.why,
            "references": list(self.references),
            "action": self.action,
            "due_date": self.due_date.isoformat() if self.due_date else None,
        }


@dataclass(frozen=True)
class NotApplicable:
    code: str
    reason: str


@dataclass(frozen=True)
class Threshold:
    name: str
    default: float | int
    description: str
    kind: str = "float"  # "fraction", "int", "float", "days"


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    family: str
    severity: str  # how severity is decided, as the catalog says it
    thresholds: tuple[Threshold, ...]
    check: Callable[["AuditContext"], Iterable[Finding | NotApplicable]]
    doc: str

    def sections(self) -> dict[str, str]:
        """The docstring's fixed sections: what it checks, why it matters, how to fix, references."""
        return parse_sections(self.doc)


SECTION_NAMES = ("What it checks", "Why it matters", "How to fix", "References")


def parse_sections(doc: str) -> dict[str, str]:
    text = inspect.cleandoc(doc or "")
    parts = re.split(r"^(%s)\n-+\n" % "|".join(map(re.escape, SECTION_NAMES)), text, flags=re.M)
    out = {}
    for i in range(1, len(parts) - 1, 2):
        out[parts[i]] = parts[i + 1].strip()
    return out


_REGISTRY: dict[str, Rule] = {}


def rule(*, code: str, title: str, family: str, severity: str, thresholds: Iterable[Threshold] = ()):
    """Register a rule's check function (its docstring is the rule's documentation)."""
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}")

    def register(fn):
        if code in _REGISTRY:
            raise ValueError(f"rule {code} registered twice")
        _REGISTRY[code] = Rule(code, title, family, severity, tuple(thresholds), fn, fn.__doc__ or "")
        return fn

    return register


def registered() -> dict[str, Rule]:
    return _REGISTRY
