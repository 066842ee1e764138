"""Thresholds: the catalog's defaults, a user's TOML file, and per-modality overrides."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .rules import all_rules


class ConfigError(Exception):
    """A configuration file that cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: list[str], *, source: str = ""):
        self.problems = problems
        where = f" in {source}" if source else ""
        super().__init__(f"the configuration{where} is invalid: " + "; ".join(problems))


@dataclass(frozen=True)
class Config:
    """Threshold values by rule code and name, with optional per-modality overrides."""

    values: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    modality: Mapping[str, Mapping[str, Mapping[str, float]]] = field(default_factory=dict)
    source: str | None = None

    def get(self, code: str, name: str, *, modality: str | None = None) -> float:
        if modality and name in self.modality.get(modality, {}).get(code, {}):
            return self.modality[modality][code][name]
        if name in self.values.get(code, {}):
            return self.values[code][name]
        return defaults()[code][name]

    def effective(self, modality: str | None = None) -> dict[str, dict[str, float]]:
        """Every threshold in force, as the report states them."""
        out: dict[str, dict[str, float]] = {}
        for code, names in defaults().items():
            out[code] = {n: self.get(code, n, modality=modality) for n in names}
        return {c: v for c, v in out.items() if v}


def defaults() -> dict[str, dict[str, float]]:
    return {code: {t.name: t.default for t in r.thresholds} for code, r in all_rules().items()}


def _check_table(code: str, table: Any, where: str, problems: list[str]) -> dict[str, float]:
    rules = all_rules()
    if code not in rules:
        problems.append(f"[{where}] is not a rule code (known: {', '.join(rules)})")
        return {}
    if not isinstance(table, dict):
        problems.append(f"[{where}] must be a table of thresholds")
        return {}
    known = {t.name: t for t in rules[code].thresholds}
    out = {}
    for key, value in table.items():
        if key not in known:
            hint = f"; {code} has {', '.join(known)}" if known else f"; {code} has no thresholds"
            problems.append(f"[{where}] {key}: unknown threshold{hint}")
            continue
        t = known[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(f"[{where}] {key} = {value!r}: must be a number")
            continue
        if not math.isfinite(value):
            problems.append(f"[{where}] {key} = {value!r}: must be a finite number")
            continue
        if t.kind == "fraction" and not (0 <= value <= 1):
            problems.append(f"[{where}] {key} = {value!r}: must be a fraction between 0 and 1 (write 0.9 for 90%)")
            continue
        if t.kind in ("int", "days") and (value != int(value) or value < 0):
            problems.append(f"[{where}] {key} = {value!r}: must be a whole number ≥ 0")
            continue
        if t.kind == "float" and value < 0:
            problems.append(f"[{where}] {key} = {value!r}: must not be negative")
            continue
        out[key] = int(value) if t.kind in ("int", "days") else float(value)
    return out


def parse_config(data: Mapping[str, Any], *, source: str = "") -> Config:
    from .dossier.schema import MODALITIES

    problems: list[str] = []
    values: dict[str, dict[str, float]] = {}
    modality: dict[str, dict[str, dict[str, float]]] = {}
    for code, table in data.items():
        if code == "modality":
            if not isinstance(table, dict):
                problems.append("[modality] must hold tables such as [modality.autologous_cell.MS001]")
                continue
            for mod, rules in table.items():
                if mod not in MODALITIES:
                    problems.append(f"[modality.{mod}] is not a modality (known: {', '.join(MODALITIES)})")
                    continue
                if not isinstance(rules, dict):
                    problems.append(f"[modality.{mod}] must hold rule tables")
                    continue
                for c, t in rules.items():
                    modality.setdefault(mod, {})[c] = _check_table(c, t, f"modality.{mod}.{c}", problems)
            continue
        values[code] = _check_table(code, table, code, problems)
    if problems:
        raise ConfigError(problems, source=source)
    return Config(values=values, modality=modality, source=source or None)


def load_config(path: str | Path | None) -> Config:
    if path is None:
        return Config()
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"no such file: {p}"], source=str(p)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"cannot read {p}: {exc}"], source=str(p)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"not valid TOML: {exc}"], source=str(p)) from None
    return parse_config(data, source=str(p))
