"""The report's figure helpers: per-lot methods, monthly summaries and the fixed layout."""

from __future__ import annotations

import datetime as dt

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib import dates as mdates
from matplotlib.lines import Line2D

from cmcready.report import figures
from cmcready.report.figure_data import SEVERAL_METHODS, lot_methods


def test_lot_method_is_the_earliest_results_method_or_several():
    r = pd.DataFrame({
        "lot_id": ["L2", "L1", "L1", "L3", "L3", "L4"],
        "method_id": ["M-B", "M-B", "M-A", "M-B", "M-A", "M-A"],
        "test_date": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-01-01", "2024-03-01", "2024-03-01",
                                     "2024-04-01"]),
    })
    out = lot_methods(r)
    # L1: two methods -> several; L2: M-B; L3: two methods on one day -> several;
    # L4: M-A. Each lot once.
    assert out.to_dict() == {"L1": SEVERAL_METHODS, "L2": "M-B", "L3": SEVERAL_METHODS, "L4": "M-A"}
    assert sorted(out.index) == ["L1", "L2", "L3", "L4"]


def test_lot_method_of_one_method_lots_keeps_it_whatever_the_order():
    r = pd.DataFrame({"lot_id": ["L9", "L9", "L8"], "method_id": ["M-Z", "M-Z", "M-Y"],
                      "test_date": pd.to_datetime(["2024-05-02", "2024-05-01", None])})
    assert lot_methods(r).to_dict() == {"L9": "M-Z", "L8": "M-Y"}
    assert lot_methods(r.iloc[:0]).empty


def test_month_bins_and_their_mid_points():
    days = pd.Series(pd.to_datetime(["2024-02-29", "2024-02-01", "2023-12-31", "2024-03-01"]))
    months = figures._months(days)
    # The same calendar months as pandas periods.
    assert list(months) == list(days.dt.to_period("M").dt.start_time.to_numpy(dtype="datetime64[M]"))
    # Drawn on the 15th (month start + 14 days), as matplotlib date numbers.
    expected = [mdates.date2num(dt.datetime(2024, 2, 15)), mdates.date2num(dt.datetime(2024, 2, 15)),
                mdates.date2num(dt.datetime(2023, 12, 15)), mdates.date2num(dt.datetime(2024, 3, 15))]
    assert figures._mid_month(months) == pytest.approx(expected, abs=0)


def test_monthly_bands_draw_the_per_version_monthly_quantiles():
    # Reference: pandas quantiles (linear interpolation) per (version, Period month).
    rng = np.random.default_rng(3)
    n = 3000
    lots = pd.DataFrame({
        "day": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D"),
        "value": rng.normal(100, 10, n),
        "process_version": np.where(rng.random(n) < 0.5, "v1", "v2"),
    })
    fig = figures._new_figure(3.0)
    ax = fig.add_subplot()
    figures._monthly_bands(ax, lots, {"v1": figures.PALETTE[0], "v2": figures.PALETTE[1]})
    medians = [line for line in ax.get_lines() if isinstance(line, Line2D)]
    assert len(medians) == 2
    for version, line in zip(("v1", "v2"), medians):
        sel = lots.loc[lots["process_version"] == version]
        ref = sel.groupby(sel["day"].dt.to_period("M"))["value"].median().sort_index()
        x = [mdates.date2num(p.to_timestamp() + pd.Timedelta(days=14)) for p in ref.index]
        assert np.allclose(line.get_xdata(), x, rtol=0, atol=0)
        assert np.allclose(line.get_ydata(), ref.to_numpy(), rtol=0, atol=1e-12)


@pytest.mark.parametrize("side", ["right", "bottom"])
def test_fixed_layout_keeps_axes_labels_and_legend_apart_and_inside(side):
    long = "a method id of a LIMS export that is much longer than usual: M-POT-2024-REVISED-0001"
    with matplotlib.rc_context(figures.STYLE):
        fig = figures._new_figure(3.0)
        ax = fig.add_subplot()
        ax.plot([0, 1e6], [0, 12345.678], label=long)
        ax.set_ylabel("a y label")
        ax.set_xlabel("an x label")
        loc = "outside right upper" if side == "right" else "outside lower center"
        legend = fig.legend(loc=loc, handles=ax.get_lines() * 3)
        figures._fit(fig, legend, side)
        axes_box = ax.get_tightbbox()  # measured as the SVG writer measures text
        legend_box = legend.get_window_extent()
        page = fig.bbox
    # Nothing outside the figure (1 px of rounding allowed), and the legend clear of the
    # axes with their tick labels and axis labels.
    for box in (axes_box, legend_box):
        assert box.x0 >= page.x0 - 1 and box.y0 >= page.y0 - 1
        assert box.x1 <= page.x1 + 1 and box.y1 <= page.y1 + 1
    if side == "right":
        assert axes_box.x1 < legend_box.x0
    else:
        assert axes_box.y0 > legend_box.y1
    assert fig.get_layout_engine() is None  # savefig then draws once, with no layout pass


def test_a_figure_that_cannot_be_drawn_says_why_instead_of_failing_the_report(monkeypatch):
    @figures.figure
    def broken_figure():
        raise ValueError("Date ordinal 3107730.18 converts to 10478-09-04 <beyond>")

    monkeypatch.delenv("CMCREADY_DEBUG", raising=False)
    svg = broken_figure()
    assert svg.startswith("<svg") and "could not be drawn" in svg and "broken figure" in svg
    assert "&lt;beyond&gt;" in svg and "<beyond>" not in svg  # the message is escaped
    monkeypatch.setenv("CMCREADY_DEBUG", "1")
    with pytest.raises(ValueError):
        broken_figure()
