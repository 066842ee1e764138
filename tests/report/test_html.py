"""The HTML readiness report: content, escaping, self-containment, size and sparse dossiers."""

from __future__ import annotations

import dataclasses
import html as html_lib
import re

import markupsafe
import pandas as pd
import pytest

from cmcready.audit import AuditResult
from cmcready.report import formatting as fmt
from cmcready.report import sections
from cmcready.report.html import render_html
from cmcready.report.json_out import audit_json
from cmcready.rules import Finding, NotApplicable
from tests.builders import AS_OF, add_rows, base_tables
from tests.report.html_fixtures import (
    HOSTILE_ATTRIBUTE_ID,
    HOSTILE_ATTRIBUTE_NAME,
    HOSTILE_CQA_NAME,
    HOSTILE_METHOD_ID,
    audit_tables,
    big_tables,
    demo_result,
    hostile_tables,
    make_plan,
)

SVG_NAMESPACE = "http://www.w3.org/2000/svg"


def esc(text: str) -> str:
    """Text as the template writes it (Jinja's autoescape)."""
    return str(markupsafe.escape(text))


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[AuditResult, dict, str]:
    result, plan = demo_result(tmp_path_factory.mktemp("demo"))
    return result, plan, render_html(result, plan=plan)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[AuditResult, str]:
    result = audit_tables(hostile_tables(), tmp_path_factory.mktemp("hostile"), AS_OF)
    return result, render_html(result, plan=make_plan(result.dossier, as_of=AS_OF))


def panel(page: str, anchor: str) -> str:
    """The HTML of the element with id ``anchor`` up to the next panel or section."""
    start = page.index(f'id="{anchor}"')
    end = min(i for i in (page.find('<div class="panel', start + 1), page.find("<section", start + 1), len(page))
              if i > 0)
    return page[start:end]


def svg_texts(svg_or_page: str) -> list[str]:
    """The text nodes of the SVG figures, unescaped."""
    return [html_lib.unescape(t) for t in re.findall(r"<text\b[^>]*>([^<]*)</text>", svg_or_page)]


# ---- content -------------------------------------------------------------------------


def test_every_finding_code_of_the_json_appears_in_the_report(demo):
    result, _, page = demo
    codes = {f["code"] for f in audit_json(result)["findings"]}
    assert codes, "the demo is expected to have findings"
    for code in codes:
        assert f'<span class="code">{code}</span>' in page


def test_every_finding_has_its_own_card_with_severity_why_action_and_references(demo):
    result, _, page = demo
    cards = re.findall(r'<article class="finding (\w+)(?: long)?" id="finding-(\d+)">', page)
    # The demo has fewer findings per code than the detail cap, so every finding is a card.
    assert len(cards) == len(result.findings)
    for severity, number in cards:
        f = result.findings[int(number) - 1]
        assert severity == f.severity
        card = page[page.index(f'id="finding-{number}"'):]
        card = card[:card.index("</article>")]
        assert esc(f.title) in card and esc(f.why) in card and esc(f.action) in card
        for ref in f.references:
            assert esc(ref) in card
        due = f"Due <b>{f.due_date.isoformat()}</b>" if f.due_date else "No due date follows from the record"
        assert due in card


def test_header_states_the_verdict_and_counts_by_severity_and_pattern(demo):
    result, _, page = demo
    s = result.summary()
    assert f'<div class="tile critical{"" if s["critical"] else " zero"}"><div class="n">{s["critical"]}</div>' in page
    assert sections.verdict(s)["sentence"] in page
    families = {"assays": 0, "process": 0, "specifications": 0, "records": 0}
    from cmcready.rules import all_rules

    rules = all_rules()
    for f in result.findings:
        family = rules[f.code].family
        key = {"manufacturing": "process", "potency": "records"}.get(family, family)
        families[key] += 1
    rows = {r["key"]: r["total"] for r in sections.pattern_counts(result)}
    assert rows == families
    assert f"Program <b>{result.dossier.program.program_id}</b>" in page
    assert f"As of <b>{result.as_of.isoformat()}</b>" in page


def test_findings_are_grouped_by_pattern_most_severe_first(demo):
    result, _, _ = demo
    from cmcready.rules.base import SEVERITY_RANK

    for group in sections.findings_by_pattern(result):
        ranks = [SEVERITY_RANK[f["severity"]] for f in group["findings"]]
        assert ranks == sorted(ranks), group["key"]


def test_every_attribute_has_a_section_with_a_values_figure(demo):
    result, _, page = demo
    ids = sorted(result.dossier.attributes["attribute_id"])
    for i, aid in enumerate(ids, start=1):
        section = panel(page, f"attribute-{i}")
        assert f"<h3>{aid}: " in section
        assert section.count('<svg class="figure-svg"') == 1, aid


def test_values_figure_draws_the_json_clinical_range_and_proposed_limits(demo):
    result, _, page = demo
    ids = sorted(result.dossier.attributes["attribute_id"])
    for i, aid in enumerate(ids, start=1):
        a = result.attributes[aid]
        texts = svg_texts(panel(page, f"attribute-{i}"))
        if a["clinical_min"] is not None:
            # The legend quotes the JSON's clinical range, 4 significant digits.
            assert f"clinical experience {a['clinical_min']:.4g}–{a['clinical_max']:.4g}" in texts, aid
        if a["proposed_lower"] is not None and a["proposed_upper"] is not None:
            assert f"proposed commercial {a['proposed_lower']:.4g}–{a['proposed_upper']:.4g}" in texts
        elif a["proposed_lower"] is not None:
            assert f"proposed commercial ≥ {a['proposed_lower']:.4g}" in texts
        elif a["proposed_upper"] is not None:
            assert f"proposed commercial ≤ {a['proposed_upper']:.4g}" in texts


def test_bridging_figure_draws_the_deming_line_of_the_json(demo):
    result, _, page = demo
    assert result.bridging, "the demo has a bridging study"
    for i, (sid, b) in enumerate(sorted(result.bridging.items()), start=1):
        section = panel(page, f"bridging-{i}")
        assert sid in section
        assert section.count('<svg class="figure-svg"') == 1
        texts = svg_texts(section)
        assert f"Deming y = {fmt.num(b['intercept'], 4)} + {fmt.num(b['slope'], 4)}·x" in texts
        assert any(t.startswith("Passing–Bablok y = ") for t in texts)
        assert any(t.startswith("95% limits of agreement") for t in texts)
        # The facts table quotes the slope and its jackknife CI from the JSON.
        assert f"{fmt.num(b['slope'])} ({fmt.num(b['slope_ci'][0])} to {fmt.num(b['slope_ci'][1])})" in section


def test_manufacturing_figure_and_table_quote_the_json_rates(demo):
    result, _, page = demo
    section = page[page.index('id="manufacturing"'):page.index('id="plan"')]
    texts = svg_texts(section)
    for version, m in result.manufacturing.items():
        if m["success_rate"] is None:
            continue
        lo, hi = m["ci"]
        # e.g. 47/54 = 87.0% (95% CI 75.1–94.6%)
        label = (f"{m['released']}/{m['attempted']} = {100 * m['success_rate']:.1f}%  "
                 f"(95% CI {100 * lo:.1f}–{100 * hi:.1f}%)")
        assert label in texts, version
        assert f"<b>{100 * m['success_rate']:.1f}%</b>" in section


def test_timeline_shows_studies_versions_methods_and_dates(demo):
    result, _, page = demo
    section = page[page.index('id="timeline"'):page.index('id="findings"')]
    texts = svg_texts(section)
    d = result.dossier
    for sid in d.studies["study_id"]:
        assert sid in texts
    for v in d.process_versions["process_version"]:
        assert f"process {v}" in texts
    for m in d.methods.to_dict("records"):
        assert f"{m['attribute_id']}: {m['method_id']}" in texts
    assert f"as of {result.as_of.isoformat()} " in texts
    assert f"BLA target {d.program.submission_target.isoformat()} " in texts
    assert "pivotal window" in texts
    for change in d.process_changes["change_id"]:
        assert change in texts


def test_method_section_states_thresholds_models_not_applicable_and_provenance(demo, hostile):
    result, _, page = demo
    section = page[page.index('id="method"'):]
    d = result.dossier
    assert esc(d.source) in section
    assert d.sha256 in section and len(d.sha256) == 64
    assert f"version {result.version}" in section
    effective = result.context.config.effective(d.program.modality)
    for code, values in effective.items():
        for name in values:
            assert f'<td class="mono">{name}</td>' in section, (code, name)
    assert "Clopper–Pearson" in section and "Fisher exact" in section and "jackknife" in section
    assert "Shapiro–Wilk" in section and f"seed {result.context.seed}" in section
    for aid, a in result.attributes.items():
        if a.get("model"):
            assert f"<td>{aid}</td><td>{a['spec_method'] or a.get('scale_method')}</td><td>{a['model']}</td>" in section
    # The hostile base program has a single-attribute plan; the demo lists rules not evaluated, if any.
    for n in result.not_applicable:
        assert esc(n.reason) in section


def test_not_applicable_rules_are_listed_with_their_reason(tmp_path):
    t = base_tables()
    t["studies"] = t["studies"].assign(pivotal=False)  # no pivotal study: PR001... not evaluated
    result = audit_tables(t, tmp_path, AS_OF)
    page = render_html(result)
    assert result.not_applicable, "without a pivotal study some rules are not evaluated"
    section = page[page.index('id="not-applicable"'):]
    for n in result.not_applicable:
        assert f'<span class="code">{n.code}</span>' in section
        assert esc(n.reason) in section


def test_dosing_plan_lists_targets_and_lots_or_the_note(demo):
    _, plan, page = demo
    section = page[page.index('id="plan"'):page.index('id="method"')]
    for t in plan["targets"]:
        assert f'<td class="num">{fmt.num(t["proposed"])}</td>' in section
    if plan.get("note"):
        assert esc(plan["note"]) in section
    for lot in plan["recommended_lots"]:
        assert f'<td class="mono">{lot["lot_id"]}</td>' in section


def test_plan_with_recommended_lots_lists_them_in_order():
    plan = {"as_of": "2024-09-01",
            "targets": [{"attribute_id": "POT", "limit": "upper", "proposed": 150.0, "clinical_extreme": 140.0}],
            "recommended_lots": [{"lot_id": "L-9", "extends": [{"attribute_id": "POT", "limit": "upper",
                                                                "value": 146.5}]},
                                 {"lot_id": "L-3", "extends": [{"attribute_id": "POT", "limit": "upper",
                                                                "value": 143.0}]}]}
    view = sections.plan_view(plan, {"POT": "Potency"})
    assert [(lot["order"], lot["lot_id"]) for lot in view["lots"]] == [(1, "L-9"), (2, "L-3")]
    assert view["lots"][0]["extends"] == ["POT upper: 146.5"]
    # gap = |150 - 140| = 10
    assert view["targets"] == [{"attribute": "POT (Potency)", "limit": "upper", "proposed": "150",
                                "clinical_extreme": "140", "gap": "10"}]


# ---- escaping and self-containment ---------------------------------------------------


def test_user_text_is_escaped_everywhere(hostile):
    result, page = hostile
    assert "<script" not in page.lower()
    assert "<img" not in page.lower()
    assert "</script> & Co" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in page  # title and heading
    # A finding quotes the second CQA's name, escaped.
    assert any(f.code == "SP005" for f in result.findings)
    assert esc(HOSTILE_CQA_NAME) in page
    # Figure text is escaped by the SVG writer, and '$' does not start mathtext.
    texts = svg_texts(page)
    assert f"{HOSTILE_ATTRIBUTE_ID}: {HOSTILE_METHOD_ID}" in texts
    assert f"{HOSTILE_METHOD_ID} (%)" in texts
    assert "&lt;script&gt;" in page[page.index("<svg"):]
    assert esc(HOSTILE_ATTRIBUTE_NAME) in page


@pytest.mark.parametrize("which", ["demo", "hostile"])
def test_no_resource_from_any_network(which, demo, hostile):
    page = demo[2] if which == "demo" else hostile[1]
    urls = re.findall(r"https?://[^\s\"'<>)]*", page)
    assert set(urls) <= {SVG_NAMESPACE}, set(urls) - {SVG_NAMESPACE}
    for m in re.finditer(r"https?://", page):
        assert page[m.start() - 7:m.start()] == 'xmlns="', page[m.start() - 40:m.end() + 40]
    lowered = page.lower()
    for tag in ("<script", "<link", "<img", "<iframe", "<object", "<embed", "<image", "@import", "@font-face"):
        assert tag not in lowered, tag
    # Attributes live in tags; escaped user text never holds a raw '<', so this finds every tag.
    tags = " ".join(re.findall(r"<[a-zA-Z][^>]*>", page))
    assert not re.search(r"\s(src|srcset|data|poster|action|formaction|background)\s*=", tags, re.I)
    assert set(re.findall(r'href="(.)', tags)) <= {"#"}
    assert set(re.findall(r"url\((.)", page)) <= {"#"}


def test_element_ids_are_unique_across_the_figures(demo):
    page = demo[2]
    ids = re.findall(r'\bid="([^"]+)"', page)
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates
    for ref in set(re.findall(r'(?:href="#|url\(#)([^")]+)', page)):
        assert ref in ids, ref


def test_report_is_deterministic(demo, tmp_path):
    result, plan, page = demo
    assert render_html(result, plan=plan) == page
    again, plan_again = demo_result(tmp_path)
    # A fresh audit of a fresh copy: only the input's path and the workbook's hash (its zip
    # entries carry the time of writing) may differ.
    def anonymous(r, text):
        return text.replace(r.dossier.source, "<input>").replace(r.dossier.sha256, "<sha>").replace(
            r.dossier.sha256[:16], "<sha16>")

    assert anonymous(again, render_html(again, plan=plan_again)) == anonymous(result, page)
    assert "<dc:date>" not in page and "<?xml" not in page and "<!DOCTYPE svg" not in page


def test_print_css_keeps_findings_and_figures_whole(demo):
    page = demo[2]
    assert "@page" in page
    print_css = page[page.index("@media print"):]
    assert "break-inside: avoid" in print_css
    assert ".finding, figure" in print_css


# ---- sparse dossiers never crash ----------------------------------------------------


def _without_proposed_specs(t):
    t["specifications"] = t["specifications"].loc[t["specifications"]["kind"] != "proposed_commercial"]
    return t


def _without_pivotal_study(t):
    t["studies"] = t["studies"].assign(pivotal=False)
    return t


def _single_lot(t):
    keep = t["lots"]["lot_id"].iloc[:1]
    t["lots"] = t["lots"].loc[t["lots"]["lot_id"].isin(keep)]
    t["results"] = t["results"].loc[t["results"]["lot_id"].isin(keep)]
    t["administrations"] = t["administrations"].loc[t["administrations"]["lot_id"].isin(keep)]
    return t


def _with_bridging_of_two_samples(t):
    # A second method measured the same samples only twice: too few pairs for a fit.
    t = add_rows(t, "methods", [{"method_id": "M-NEW", "attribute_id": "POT", "name": "new",
                                 "validation_status": "validated", "validated_date": pd.Timestamp("2024-05-01"),
                                 "in_use_from": pd.Timestamp("2024-05-01"), "in_use_to": None}])
    t = add_rows(t, "bridging_studies", [{"bridging_study_id": "BR-1", "attribute_id": "POT",
                                          "old_method": "M-POT", "new_method": "M-NEW"}])
    return add_rows(t, "bridging_results", [
        {"bridging_study_id": "BR-1", "sample_id": s, "method_id": m, "value": v,
         "test_date": pd.Timestamp("2024-05-02")}
        for s, m, v in (("S1", "M-POT", 90.0), ("S1", "M-NEW", 92.0), ("S2", "M-POT", 110.0), ("S2", "M-NEW", 111.0))])


@pytest.mark.parametrize("change", [_without_proposed_specs, _without_pivotal_study, _single_lot,
                                    _with_bridging_of_two_samples],
                         ids=lambda f: f.__name__.strip("_"))
def test_sparse_dossier_renders(change, tmp_path):
    result = audit_tables(change(base_tables()), tmp_path, AS_OF)
    page = render_html(result)
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    for code in {f.code for f in result.findings}:
        assert f'<span class="code">{code}</span>' in page
    assert 'id="attribute-1"' in page and 'id="method"' in page


def test_two_sample_bridge_is_shown_without_a_fit(tmp_path):
    result = audit_tables(_with_bridging_of_two_samples(base_tables()), tmp_path, AS_OF)
    page = render_html(result)
    section = panel(page, "bridging-1")
    assert "No Deming fit: 2 paired samples; at least 3 are needed for a fit." in section
    assert "Deming y =" not in section


def test_empty_json_blocks_render(tmp_path):
    result = audit_tables(base_tables(), tmp_path, AS_OF)
    empty = dataclasses.replace(result, attributes={}, bridging={}, manufacturing={},
                                joint_projected_failure_rate=None)
    page = render_html(empty, plan=None)
    assert "No manufacturing outcomes are available." in page
    assert "No dosing plan was computed" in page
    # The values figure still comes from the shared per-lot values; only the JSON-only
    # lines (clinical band) are absent.
    section = panel(page, "attribute-1")
    assert '<svg class="figure-svg"' in section
    assert not any(t.startswith("clinical experience") for t in svg_texts(section))


def test_clean_program_says_ready(tmp_path):
    result = audit_tables(base_tables(), tmp_path, AS_OF)
    assert not result.findings
    page = render_html(result)
    assert "Ready: no findings on this record." in page
    assert "No rule fired on this record as of 2024-09-01." in page


# ---- many findings and many lots stay small -----------------------------------------


def _finding(code: str, i: int, severity: str = "major") -> Finding:
    return Finding(code=code, severity=severity, title=f"{code} finding {i}",
                   subjects={"lot_ids": [f"L-{i:05d}"], "attribute_id": "POT"},
                   evidence={"value": 1.5 * i, "limits": {"lower": 50.0, "upper": 150.0}},
                   why="Because.", references=("ICH Q6B",), action=f"Fix lot L-{i:05d}.")


def test_many_findings_of_one_rule_are_summarised(tmp_path):
    result = audit_tables(base_tables(), tmp_path, AS_OF)
    many = [_finding("DR004", i) for i in range(3000)] + [_finding("SP005", 0, "minor")]
    page = render_html(dataclasses.replace(result, findings=many))
    cards = re.findall(r'<article class="finding \w+(?: long)?" id="finding-\d+">', page)
    # 25 DR004 cards + 1 SP005 card; 200 DR004 compact rows; 3000 - 25 - 200 = 2775 left to the JSON.
    assert len(cards) == sections.MAX_DETAILED_PER_CODE + 1 == 26
    assert page.count('<tr id="finding-') == sections.MAX_COMPACT_PER_CODE == 200
    assert "<b>2775</b> further <span class=\"code\">DR004</span> findings" in page
    assert len(page.encode()) < 2_000_000
    # Every in-page link lands on something the page holds.
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    assert set(re.findall(r'href="#([^"]+)"', page)) <= ids


def test_links_to_findings_the_report_does_not_show_go_to_their_pattern(tmp_path):
    result = audit_tables(base_tables(), tmp_path, AS_OF)
    # 300 DR004 findings on other attributes, then one on POT: past the cards and compact rows.
    many = [dataclasses.replace(_finding("DR004", i), subjects={"attribute_id": "OTHER"}) for i in range(300)]
    many.append(_finding("DR004", 300))
    page = render_html(dataclasses.replace(result, findings=many))
    links = panel(page, "attribute-1")
    assert '<a href="#pattern-records"><span class="code">DR004</span> (major)</a>' in links


def test_long_lot_lists_are_cut_in_the_subjects(tmp_path):
    result = audit_tables(base_tables(), tmp_path, AS_OF)
    f = dataclasses.replace(_finding("PR002", 0), subjects={"lot_ids": [f"L-{i:03d}" for i in range(30)]})
    page = render_html(dataclasses.replace(result, findings=[f]))
    # 30 lots: the first 12 shown, 30 - 12 = 18 more
    assert "30 lots <b>L-000, L-001," in page
    assert "and 18 more (the JSON lists all)" in page
    assert "L-012" not in page


def test_hundred_thousand_lot_dossier_gives_a_small_report(tmp_path):
    # 100,000 lots, 20,000 administered, values N(100, 30) against release 50-150:
    # about 10% of administered lots fail release (DR004), far more than the detail cap.
    result = audit_tables(big_tables(100_000, 20_000), tmp_path, AS_OF)
    page = render_html(result)
    size = len(page.encode())
    assert size < 10_000_000
    assert size < 2_000_000  # in practice well below the limit
    section = panel(page, "attribute-1")
    assert "monthly 5–95% bands and medians per process version (100,000 lots), 20,000 administered" in section
    assert any(t == "administered lots: monthly range" for t in svg_texts(section))


# ---- formatting ------------------------------------------------------------------------


def test_evidence_is_flattened_for_people():
    items = list(fmt.evidence_items({
        "n_pairs": 12,
        "slope_ci": [0.9278671, 1.4194612],
        "bias_at_limits": {"lower": 0.358, "upper": None},
        "failed_lot_ids": [f"L-{i}" for i in range(15)],
        "limits": [{"limit": "lower", "bias": 0.35, "bias_ci": [-6.4, 7.1]},
                   {"limit": "upper", "bias": 10.7, "bias_ci": [2.6, 18.8]}],
    }))
    rows = {i["label"]: i["value"] for i in items if i["kind"] == "row"}
    assert rows["N pairs"] == "12"
    assert rows["Slope CI"] == "0.927867 to 1.41946"  # six significant digits
    assert rows["Bias at limits › Lower"] == "0.358"
    assert rows["Bias at limits › Upper"] == "—"
    # 15 ids: 12 shown, then the total
    assert rows["Failed lot IDs"].endswith("L-11 … (15 in all)")
    table = next(i for i in items if i["kind"] == "table")
    assert table["columns"] == ["", "lower", "upper"]
    assert table["rows"] == [["Bias", "0.35", "10.7"], ["Bias CI", "-6.4 to 7.1", "2.6 to 18.8"]]


def test_many_records_become_one_row_each():
    records = [{"lot_id": f"L-{i}", "value": float(i)} for i in range(10)]
    (table,) = fmt.evidence_items({"lots": records})
    assert table["columns"] == ["Lot ID", "Value"]
    assert table["rows"][0] == ["L-0", "0"]
    assert len(table["rows"]) == fmt.MAX_RECORDS and table["more"] == 10 - fmt.MAX_RECORDS


@pytest.mark.parametrize("value, expected", [(0.873333, "87.3%"), (0.0, "0.0%"), (0.00042, "0.042%"),
                                             (3.2e-6, "0.00032%"), (3.2e-7, "< 0.0001%"), (None, "—"),
                                             (float("nan"), "—")])
def test_rates_keep_small_values_visible(value, expected):
    assert fmt.pct(value) == expected


@pytest.mark.parametrize("summary, sentence", [
    ({"critical": 3, "major": 0, "minor": 1, "info": 0}, "Not ready: 3 critical findings"),
    ({"critical": 1, "major": 2, "minor": 0, "info": 0}, "Not ready: 1 critical finding and 2 major"),
    ({"critical": 0, "major": 1, "minor": 0, "info": 0},
     "Not ready as it stands: 1 major finding to resolve, none critical"),
    ({"critical": 0, "major": 0, "minor": 2, "info": 1}, "Ready, with 3 minor or informational findings to address"),
    ({"critical": 0, "major": 0, "minor": 0, "info": 0}, "Ready: no findings on this record"),
])
def test_verdict_sentence(summary, sentence):
    assert sections.verdict(summary)["sentence"] == sentence


def test_pattern_counts_merge_families(tmp_path):
    result = audit_tables(base_tables(), tmp_path, AS_OF)
    fs = [_finding("MS001", 0, "critical"), _finding("PR001", 1), _finding("DR001", 2, "minor"),
          _finding("PO001", 3, "minor"), _finding("AM001", 4, "critical")]
    rows = {r["key"]: r["counts"] for r in sections.pattern_counts(dataclasses.replace(result, findings=fs))}
    assert rows["process"] == {"critical": 1, "major": 1, "minor": 0, "info": 0}  # MS001 + PR001
    assert rows["records"] == {"critical": 0, "major": 0, "minor": 2, "info": 0}  # DR001 + PO001
    assert rows["assays"]["critical"] == 1
    assert sum(rows["specifications"].values()) == 0


def test_not_applicable_entries_are_sorted_by_code(tmp_path):
    result = audit_tables(base_tables(), tmp_path, AS_OF)
    na = [NotApplicable("PR005", "b"), NotApplicable("PR001", "a")]
    rows = sections.not_applicable_view(dataclasses.replace(result, not_applicable=na))
    assert [r["code"] for r in rows] == ["PR001", "PR005"]
