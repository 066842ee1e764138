"""docs/configuration.md lists every threshold of the registry and cannot drift from it."""

from __future__ import annotations

import tomllib
from pathlib import Path

from cmcready.config import defaults, parse_config
from cmcready.report.config_doc import configuration_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_docs_configuration_md_is_generated_from_the_registry():
    assert (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8") == configuration_markdown(), (
        "docs/configuration.md is stale: regenerate with `python -m cmcready.report.config_doc`")


def test_every_threshold_is_documented():
    text = configuration_markdown()
    for code, names in defaults().items():
        for name in names:
            assert f"| `[{code}]` | `{name}` |" in text


def test_the_documented_example_is_a_valid_configuration():
    text = configuration_markdown()
    example = text.split("```toml\n", 1)[1].split("```", 1)[0]
    config = parse_config(tomllib.loads(example))
    assert config.get("AM002", "max_days") == 21
    assert config.get("MS001", "min_rate", modality="autologous_cell") == 0.93
    assert config.get("MS001", "min_rate", modality="allogeneic_cell") == 0.90
