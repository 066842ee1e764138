"""The rule registry: every module ``xx000_name.py`` in this package holds one rule."""

from __future__ import annotations

import functools
import importlib
import pkgutil
import re

from .base import FAMILIES, SEVERITIES, Finding, NotApplicable, Rule, Threshold, registered, rule

_RULE_MODULE = re.compile(r"^[a-z]{2}\d{3}_\w+$")


@functools.cache
def _import_rule_modules() -> None:
    for m in pkgutil.iter_modules(__path__):
        if _RULE_MODULE.match(m.name):
            importlib.import_module(f"{__name__}.{m.name}")


def all_rules() -> dict[str, Rule]:
    """Every registered rule, by code, in code order."""
    _import_rule_modules()
    return dict(sorted(registered().items()))


__all__ = ["FAMILIES", "SEVERITIES", "Finding", "NotApplicable", "Rule", "Threshold", "all_rules", "rule"]
