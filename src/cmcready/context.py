"""The audit context: the dossier, the as-of date, the thresholds, and shared analyses.

Analyses that several rules need (the pivotal window, spec methods, bridging fits,
values on the spec scale...) are computed once per audit through :func:`cached`,
so each lives in its own module under ``analysis/`` and no rule recomputes it.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar

import pandas as pd

from .config import Config
from .dossier import Dossier

T = TypeVar("T")


@dataclass(eq=False)
class AuditContext:
    dossier: Dossier
    as_of: dt.date
    config: Config = field(default_factory=Config)
    seed: int = 20231101
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def as_of_ts(self) -> pd.Timestamp:
        return pd.Timestamp(self.as_of)

    def threshold(self, code: str, name: str) -> float:
        return self.config.get(code, name, modality=self.dossier.program.modality)


def cached(fn: Callable[..., T]) -> Callable[..., T]:
    """Memoise an analysis ``fn(ctx, *args)`` on the context (arguments must be hashable)."""

    @functools.wraps(fn)
    def wrapper(ctx: AuditContext, *args):
        key = (fn.__module__, fn.__qualname__, args)
        if key not in ctx._memo:
            ctx._memo[key] = fn(ctx, *args)
        return ctx._memo[key]

    return wrapper
