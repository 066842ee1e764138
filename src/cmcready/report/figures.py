"""The report's figures: matplotlib drawings returned as inline SVG strings.

Every function takes plain data (frames, numbers, small dataclasses) that the report
has already read from the audit result, and draws it; nothing here computes a statistic.
The SVG is deterministic (fixed hash salt, no date metadata), keeps text as text
(``svg.fonttype = 'none'``, so it stays searchable and small), and is safe to inline:
matplotlib escapes text content, mathtext is off (a ``$`` in a product name stays a
``$``), and every element id carries a per-figure prefix so that several figures can
share one HTML document.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import re
from dataclasses import dataclass, field

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.layout_engine import TightLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

# Colour-blind-safe (Okabe–Ito), in the order versions and methods are met.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#8C6D31", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<")
INK, MUTED, GRID = "#1f2937", "#6b7280", "#e5e7eb"
PROPOSED_COLOUR, RELEASE_COLOUR, CLINICAL_COLOUR = "#b91c1c", "#374151", "#16a34a"
APPROVABLE_COLOUR = "#7c3aed"
WIDTH_IN = 7.4  # about the printable width of A4 and Letter at 100%

#: Above this many lots a values figure shows monthly quantile bands instead of points.
MAX_POINTS = 2000

STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "cmcready-report",
    "text.parse_math": False,
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica", "Liberation Sans"],
    "font.size": 7.5,
    "axes.titlesize": 8.5,
    "axes.titleweight": "bold",
    "axes.labelsize": 7.5,
    "axes.edgecolor": "#9ca3af",
    "axes.labelcolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": GRID,
    "grid.linewidth": 0.6,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "xtick.labelcolor": INK,
    "ytick.labelcolor": INK,
    "legend.frameon": False,
    "legend.fontsize": 7,
    "lines.linewidth": 1.2,
    "path.simplify": True,
}


#: Space around the axes' decorations and between them and a figure legend, as a
#: fraction of the font size (0.4 x 7.5 pt = 3 pt, constrained layout's default pad).
LAYOUT_PAD = 0.4


def _new_figure(height_in: float, width_in: float = WIDTH_IN) -> Figure:
    # An SVG canvas at the SVG writer's 72 dpi: the layout is measured with the same text
    # metrics and scale as the file it is written to.
    fig = Figure(figsize=(width_in, height_in), dpi=72)
    FigureCanvasSVG(fig)
    return fig


def _fit(fig: Figure, legend=None, side: str | None = None) -> None:
    """Fit the axes and their labels into the figure, beside a figure legend on ``side``
    ('right' or 'bottom'), in one measuring pass.

    Constrained layout gives the same picture, but it measures every axis's ticks and
    labels several times and makes savefig draw the figure twice, once to lay it out;
    at report scale that was most of the drawing time. Here the legend is measured where
    matplotlib anchors it (the figure's edge), the axes are fitted by tight layout into
    the rest, and the figure keeps no layout engine, so savefig draws it once.
    """
    rect = [0.0, 0.0, 1.0, 1.0]
    if legend is not None:
        box = legend.get_window_extent()
        gap = LAYOUT_PAD * legend.prop.get_size_in_points() * fig.dpi / 72
        # The floors keep a sliver of axes when a legend of very long names takes nearly
        # the whole figure (constrained layout would then collapse the axes and warn).
        if side == "right":
            rect[2] = max(0.2, (box.x0 - gap) / fig.bbox.width)
        elif side == "bottom":
            rect[1] = min(0.8, (box.y1 + gap) / fig.bbox.height)
    TightLayoutEngine(pad=LAYOUT_PAD, h_pad=2 * LAYOUT_PAD, w_pad=4 * LAYOUT_PAD, rect=rect).execute(fig)


_TAG = re.compile(r"<[^>]*>")
_ID_ATTR = re.compile(r'\bid="([^"]+)"')
_URL_REF = re.compile(r"url\(#([^)]+)\)")
_HREF = re.compile(r'href="#([^"]+)"')


def _prefix_ids(svg: str, prefix: str) -> str:
    # Only inside tags: text content (escaped by matplotlib) never holds a '<'.
    def fix(tag: re.Match) -> str:
        t = tag.group(0)
        t = _ID_ATTR.sub(lambda m: f'id="{prefix}-{m.group(1)}"', t)
        t = _URL_REF.sub(lambda m: f"url(#{prefix}-{m.group(1)})", t)
        return _HREF.sub(lambda m: f'href="#{prefix}-{m.group(1)}"', t)

    return _TAG.sub(fix, svg)


def to_svg(fig: Figure, key: str, *, label: str) -> str:
    """The figure as an inline ``<svg>`` element: no XML prolog, DOCTYPE or metadata,
    ids prefixed with ``key``, scaled to its container's width, titled ``label``."""
    buf = io.StringIO()
    with matplotlib.rc_context(STYLE):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, count=1, flags=re.S)
    svg = _prefix_ids(svg, key)
    head_end = svg.index(">") + 1
    head = svg[:head_end]
    head = re.sub(r'\s+xmlns:xlink="[^"]*"', "", head)
    head = re.sub(r'\s+(width|height)="[^"]*"', "", head)
    head = re.sub(r'\s+version="[^"]*"', "", head)
    head = head.replace("<svg", f'<svg class="figure-svg" role="img" aria-label="{_attr(label)}"', 1)
    return head + svg[head_end:]


def _attr(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#x27;"))


def _not_drawn(name: str, exc: Exception) -> str:
    """An inline SVG that says, in place of the figure, why it could not be drawn."""
    msg = _attr(f"This figure ({name.replace('_', ' ')}) could not be drawn: {type(exc).__name__}: {exc}")
    return (f'<svg class="figure-svg" role="img" aria-label="{msg}" viewBox="0 0 740 24">'
            f'<text x="0" y="16" font-size="11" fill="#b91c1c">{msg}</text></svg>')


def figure(fn):
    """Run a drawing function under the report's style (rcParams read at creation time).

    A figure that matplotlib cannot draw for its data (a value or date out of its range)
    is replaced by a line saying why, rather than losing the whole report;
    ``CMCREADY_DEBUG=1`` re-raises instead.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            with matplotlib.rc_context(STYLE):
                return fn(*args, **kwargs)
        except (ValueError, OverflowError, ArithmeticError) as exc:
            if os.environ.get("CMCREADY_DEBUG"):
                raise
            return _not_drawn(fn.__name__, exc)

    return wrapper


#: Matplotlib's dates run from year 1 to 9999; axis limits are kept a day inside.
_FIRST_NUM = float(mdates.date2num(dt.datetime(1, 1, 2)))
_LAST_NUM = float(mdates.date2num(dt.datetime(9999, 12, 30)))


def _num(day) -> float:
    return float(mdates.date2num(pd.Timestamp(day).to_pydatetime()))


def _in_date_range(x: float) -> float:
    """A date number (an axis limit, a bar's padded end) kept inside matplotlib's dates."""
    return min(max(x, _FIRST_NUM), _LAST_NUM)


def _date_axis(ax) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))


# ---------------------------------------------------------------------------------------
# Program timeline
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    start: pd.Timestamp
    end: pd.Timestamp
    label: str
    kind: str  # study, pivotal, process, commercial, method
    ongoing: bool = False


@dataclass(frozen=True)
class Mark:
    day: pd.Timestamp
    label: str
    kind: str  # process_change, method_change


@dataclass(frozen=True)
class Lane:
    group: str
    label: str
    bars: tuple[Bar, ...]
    marks: tuple[Mark, ...] = ()


@dataclass(frozen=True)
class Timeline:
    lanes: tuple[Lane, ...]
    as_of: pd.Timestamp
    submission_target: pd.Timestamp | None = None
    pivotal_window: tuple[pd.Timestamp, pd.Timestamp] | None = None
    notes: tuple[str, ...] = field(default=())


BAR_STYLE = {
    "study": dict(facecolor="#dbeafe", edgecolor="#3b82f6"),
    "pivotal": dict(facecolor="#fde68a", edgecolor="#b45309"),
    "process": dict(facecolor="#e5e7eb", edgecolor="#6b7280"),
    "commercial": dict(facecolor="#bbf7d0", edgecolor="#15803d"),
    "method": dict(facecolor="#ede9fe", edgecolor="#7c3aed"),
}


@figure
def timeline_figure(t: Timeline, *, key: str = "timeline") -> str:
    """Studies, process versions and methods as bars on one calendar, with the change
    dates, the pivotal window, the as-of date and the submission target."""
    lanes = t.lanes
    n = max(len(lanes), 1)
    fig = _new_figure(0.9 + 0.23 * n + 0.12 * len({lane.group for lane in lanes}))
    ax = fig.add_subplot()
    days = [t.as_of] + [d for d in (t.submission_target,) if d is not None]
    for lane in lanes:
        days += [b.start for b in lane.bars] + [b.end for b in lane.bars] + [m.day for m in lane.marks]
    lo, hi = min(days), max(days)
    pad = max((hi - lo).days * 0.03, 20)
    x_lo, x_hi = _in_date_range(_num(lo) - pad), _in_date_range(_num(hi) + 2 * pad)

    if t.pivotal_window is not None:
        s, e = t.pivotal_window
        ax.axvspan(_num(s), _num(e) + 1, color="#fef3c7", alpha=0.7, lw=0, zorder=0)
        ax.text(_num(s), -0.95, "pivotal window", color="#92400e", fontsize=6.5, va="bottom", ha="left")

    labels, previous_group = [], None
    for i, lane in enumerate(lanes):
        if lane.group != previous_group and i:
            ax.axhline(i - 0.5, color="#d1d5db", lw=0.6)
        previous_group = lane.group
        labels.append(lane.label)
        for b in lane.bars:
            x0 = _num(b.start)
            width = max(_num(b.end) + 1 - x0, 1.0)
            ax.barh(i, width, left=x0, height=0.62, linewidth=0.8, zorder=2, **BAR_STYLE[b.kind])
            if b.ongoing:
                ax.plot(x0 + width, i, marker=">", ms=4, color=BAR_STYLE[b.kind]["edgecolor"], zorder=3)
            # Start the label after a change marker sitting at the bar's start.
            near = [_num(m.day) for m in lane.marks if abs(_num(m.day) - x0) < pad]
            text_x = max([x0] + near) + pad * (0.45 if near else 0.15)
            ax.text(text_x, i, b.label, va="center", ha="left", fontsize=6.3, color=INK, zorder=4, clip_on=True)
        for m in lane.marks:
            colour = "#b91c1c" if m.kind == "process_change" else "#7c3aed"
            ax.plot(_num(m.day), i, marker="D", ms=4.2, color=colour, mec="white", mew=0.6, zorder=5)
            ax.annotate(m.label, (_num(m.day), i), xytext=(0, 5.5), textcoords="offset points", ha="center",
                        va="bottom", fontsize=5.8, color=colour, zorder=5)

    ax.axvline(_num(t.as_of), color=INK, lw=1.0, zorder=6)
    ax.text(_num(t.as_of), -0.95, f"as of {t.as_of.date().isoformat()} ", color=INK, fontsize=6.5,
            va="bottom", ha="right", fontweight="bold")
    if t.submission_target is not None:
        ax.axvline(_num(t.submission_target), color="#b91c1c", lw=1.0, ls=(0, (4, 2)), zorder=6)
        ax.text(_num(t.submission_target), -0.95, f"BLA target {t.submission_target.date().isoformat()} ",
                color="#b91c1c", fontsize=6.5, va="bottom", ha="right")

    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(n - 0.4, -1.05)
    ax.set_xlim(x_lo, x_hi)
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)
    _date_axis(ax)
    legend = [Patch(**BAR_STYLE["pivotal"], label="pivotal study enrollment"),
              Patch(**BAR_STYLE["study"], label="other study enrollment"),
              Patch(**BAR_STYLE["commercial"], label="commercial process version"),
              Patch(**BAR_STYLE["process"], label="other process version"),
              Patch(**BAR_STYLE["method"], label="method in use"),
              Line2D([], [], marker="D", ls="", color="#b91c1c", label="process change"),
              Line2D([], [], marker="D", ls="", color="#7c3aed", label="method change")]
    _fit(fig, fig.legend(handles=legend, loc="outside lower center", ncol=4, fontsize=6.5), "bottom")
    return to_svg(fig, key, label="Program timeline")


# ---------------------------------------------------------------------------------------
# Values of one attribute over time
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LimitSegment:
    start: pd.Timestamp | None  # None: from the left edge
    end: pd.Timestamp | None  # None: to the right edge
    lower: float | None
    upper: float | None
    label: str


@dataclass(frozen=True)
class AttributeSeries:
    """Per-lot values of one attribute on one scale, with the lines to draw over them.

    ``lots`` has columns lot_id, value, day (manufacture date), process_version,
    method (the method of the lot's results, or 'several methods'; only read when at most
    :data:`MAX_POINTS` lots are drawn one by one), administered (bool).
    """

    title: str
    unit: str | None
    scale_method: str
    lots: pd.DataFrame
    versions: tuple[str, ...]  # in effective-date order (colours follow it)
    proposed_lower: float | None = None
    proposed_upper: float | None = None
    clinical_min: float | None = None
    clinical_max: float | None = None
    approvable_lower: float | None = None
    approvable_upper: float | None = None
    release: tuple[LimitSegment, ...] = ()


def _colour_map(keys) -> dict[str, str]:
    return {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(keys)}


def _marker_map(keys) -> dict[str, str]:
    return {k: MARKERS[i % len(MARKERS)] for i, k in enumerate(keys)}


@figure
def attribute_figure(s: AttributeSeries, *, key: str) -> str:
    """Per-lot values over time (colour: process version; marker: method; filled:
    administered), with release limits, proposed limits and the clinical experience band.
    Above :data:`MAX_POINTS` lots, monthly quantile bands per version replace the points."""
    lots = s.lots
    fig = _new_figure(3.0)
    ax = fig.add_subplot()
    present = pd.unique(lots["process_version"].dropna())
    versions = list(s.versions) + sorted(set(present) - set(s.versions))
    colours = _colour_map(versions)
    handles: list = []

    if s.clinical_min is not None and s.clinical_max is not None:
        ax.axhspan(s.clinical_min, s.clinical_max, color=CLINICAL_COLOUR, alpha=0.10, lw=0, zorder=0)
        handles.append(Patch(facecolor=CLINICAL_COLOUR, alpha=0.18,
                             label=f"clinical experience {_g(s.clinical_min)}–{_g(s.clinical_max)}"))

    summarised = len(lots) > MAX_POINTS
    if summarised:
        _monthly_bands(ax, lots, colours)
        admin = lots.loc[lots["administered"]]
        if len(admin) <= MAX_POINTS:
            ax.scatter(_nums(admin["day"]), admin["value"], s=7, marker="o", facecolors=INK, edgecolors="none",
                       zorder=4)
            handles.append(Line2D([], [], marker="o", ls="", color=INK, ms=3, label="administered lot"))
        else:
            rng = admin["value"].groupby(_months(admin["day"])).agg(["min", "max"])
            ax.vlines(_mid_month(rng.index), rng["min"], rng["max"], color=INK, lw=1.6, zorder=4)
            handles.append(Line2D([], [], color=INK, lw=1.6, label="administered lots: monthly range"))
        for v in versions:
            if v in present:
                handles.append(Patch(facecolor=colours[v], alpha=0.35, label=f"{v}: monthly 5–95% (median line)"))
    else:
        methods = sorted(pd.unique(lots["method"]))
        markers = _marker_map(methods)
        for v in versions:
            for m in methods:
                sel = lots.loc[(lots["process_version"] == v) & (lots["method"] == m)]
                if sel.empty:
                    continue
                admin = sel["administered"].to_numpy(bool)
                x, y = _nums(sel["day"]), sel["value"].to_numpy(float)
                ax.scatter(x[admin], y[admin], s=16, marker=markers[m], facecolors=colours[v],
                           edgecolors=colours[v], linewidths=0.8, zorder=4)
                ax.scatter(x[~admin], y[~admin], s=16, marker=markers[m], facecolors="white",
                           edgecolors=colours[v], linewidths=0.9, zorder=3)
        for v in versions:
            if v in present:
                handles.append(Patch(facecolor=colours[v], label=f"process {v}"))
        if len(methods) > 1:
            for m in methods:
                handles.append(Line2D([], [], marker=markers[m], ls="", color=MUTED, label=m))
        handles.append(Line2D([], [], marker="o", ls="", mfc=MUTED, mec=MUTED, label="administered"))
        handles.append(Line2D([], [], marker="o", ls="", mfc="white", mec=MUTED, label="not administered"))

    # The x range: every lot's day and every release segment's ends (min/max, not a list of 10^5 days).
    days = lots["day"].dropna()
    x_days = [days.min(), days.max()] if len(days) else []
    for seg in s.release:
        x_days += [d for d in (seg.start, seg.end) if d is not None]
    x_lo = _in_date_range(_num(min(x_days)) - 20) if x_days else None
    x_hi = _in_date_range(_num(max(x_days)) + 20) if x_days else None
    if x_lo is not None:
        ax.set_xlim(x_lo, x_hi)
    drew_release = False
    for seg in s.release:
        a = _num(seg.start) if seg.start is not None else x_lo
        b = _num(seg.end) + 1 if seg.end is not None else x_hi
        if a is None or b is None:
            continue
        for limit in (seg.lower, seg.upper):
            if limit is not None and np.isfinite(limit):
                ax.hlines(limit, a, b, color=RELEASE_COLOUR, lw=1.0, ls=(0, (1, 1.4)), zorder=5)
                drew_release = True
    if drew_release:
        handles.append(Line2D([], [], color=RELEASE_COLOUR, lw=1.0, ls=(0, (1, 1.4)), label="release limit"))
    for limit in (s.proposed_lower, s.proposed_upper):
        if limit is not None:
            ax.axhline(limit, color=PROPOSED_COLOUR, lw=1.2, ls=(0, (5, 2)), zorder=5)
    if s.proposed_lower is not None or s.proposed_upper is not None:
        handles.append(Line2D([], [], color=PROPOSED_COLOUR, lw=1.2, ls=(0, (5, 2)),
                              label=f"proposed commercial {_limits(s.proposed_lower, s.proposed_upper)}"))
    approvable = [v for v, p in ((s.approvable_lower, s.proposed_lower), (s.approvable_upper, s.proposed_upper))
                  if v is not None and v != p]
    for limit in approvable:
        ax.axhline(limit, color=APPROVABLE_COLOUR, lw=0.9, ls=(0, (3, 1, 1, 1)), zorder=5)
    if approvable:
        handles.append(Line2D([], [], color=APPROVABLE_COLOUR, lw=0.9, ls=(0, (3, 1, 1, 1)),
                              label="projected approvable limit"))

    ax.set_ylabel(f"{s.scale_method}" + (f" ({s.unit})" if s.unit else ""))
    _date_axis(ax)
    ax.set_xlabel("manufacture date")
    _fit(fig, fig.legend(handles=handles, loc="outside right upper", fontsize=6.3, handlelength=1.6), "right")
    return to_svg(fig, key, label=f"Values over time: {s.title}")


def _months(days: pd.Series) -> pd.Series:
    """Each day's calendar month as ``datetime64[M]`` (integer arithmetic, no Period objects)."""
    return pd.Series(days.to_numpy(dtype="datetime64[M]"), index=days.index, name="month")


def _mid_month(months) -> np.ndarray:
    """Matplotlib date numbers of the 15th of each month (where a monthly summary is drawn)."""
    first = np.asarray(months, dtype="datetime64[M]").astype("datetime64[D]")
    return mdates.date2num(first + np.timedelta64(14, "D"))


def _monthly_bands(ax, lots: pd.DataFrame, colours: dict[str, str]) -> None:
    q = (lots["value"].groupby([lots["process_version"], _months(lots["day"])])
         .quantile([0.05, 0.5, 0.95]).unstack())
    for v, band in q.groupby(level=0):
        band = band.droplevel(0).sort_index()
        x = _mid_month(band.index)
        ax.fill_between(x, band[0.05], band[0.95], color=colours.get(v, MUTED), alpha=0.25, lw=0, zorder=2)
        ax.plot(x, band[0.5], color=colours.get(v, MUTED), lw=1.0, zorder=3)


def _nums(days: pd.Series) -> np.ndarray:
    return mdates.date2num(pd.to_datetime(days).to_numpy(dtype="datetime64[ns]")) if len(days) else np.array([])


def _g(x: float) -> str:
    return f"{x:.4g}"


def _limits(lower: float | None, upper: float | None) -> str:
    if lower is not None and upper is not None:
        return f"{_g(lower)}–{_g(upper)}"
    return f"≥ {_g(lower)}" if lower is not None else f"≤ {_g(upper)}"


# ---------------------------------------------------------------------------------------
# Bridging: method comparison and Bland–Altman
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FitLine:
    label: str
    intercept: float
    slope: float
    colour: str
    dash: tuple = ()


@dataclass(frozen=True)
class Agreement:
    """A Bland–Altman analysis as the statistics module reports it."""

    means: np.ndarray
    differences: np.ndarray
    bias: float
    lower: float
    upper: float
    percent: bool = False  # differences in % of the pair means


@dataclass(frozen=True)
class BridgingPlot:
    old_method: str
    new_method: str
    old: np.ndarray
    new: np.ndarray
    lines: tuple[FitLine, ...]
    agreement: Agreement | None = None
    decision_levels: tuple[tuple[str, float], ...] = ()  # (label, old-method value)


@figure
def bridging_figure(p: BridgingPlot, *, key: str) -> str:
    """New against old with the fitted lines and the identity line; beside it, the
    Bland–Altman plot of the differences against the means."""
    fig = _new_figure(3.1)
    left, right = fig.subplots(1, 2)
    old, new = np.asarray(p.old, float), np.asarray(p.new, float)
    # The decision levels widen the range: a bridge that stops short of a limit shows it.
    levels = np.array([v for _, v in p.decision_levels if np.isfinite(v)], dtype=float)
    both = np.concatenate([old, new, levels]) if len(old) else np.array([0.0, 1.0])
    span = float(both.max() - both.min()) or 1.0
    lo, hi = float(both.min()) - 0.06 * span, float(both.max()) + 0.06 * span
    left.plot([lo, hi], [lo, hi], color=MUTED, lw=0.9, ls=(0, (2, 2)), label="identity (y = x)")
    xs = np.array([lo, hi])  # straight lines: their two ends
    for line in p.lines:
        left.plot(xs, line.intercept + line.slope * xs, color=line.colour, lw=1.3,
                  ls=line.dash or "-", label=line.label)
    left.scatter(old, new, s=14, color=PALETTE[0], edgecolors="white", linewidths=0.4, zorder=4,
                 label=f"paired samples (n = {len(old)})")
    for name, level in p.decision_levels:
        left.axvline(level, color=PROPOSED_COLOUR, lw=0.8, ls=(0, (1, 1.4)))
        left.annotate(f"{name}\n({_g(level)})", (level, hi), xytext=(2, -2), textcoords="offset points",
                      fontsize=5.8, color=PROPOSED_COLOUR, va="top", ha="left")
    left.set_xlim(lo, hi)
    left.set_ylim(lo, hi)
    left.set_aspect("equal", adjustable="box")
    left.set_xlabel(f"old method {p.old_method}")
    left.set_ylabel(f"new method {p.new_method}")
    left.set_title("Method comparison", loc="left")

    a = p.agreement
    right.set_title("Bland–Altman", loc="left")
    right.set_xlabel("mean of old and new")
    if a is None:
        right.text(0.5, 0.5, "Bland–Altman analysis not available", transform=right.transAxes, ha="center",
                   va="center", color=MUTED)
    else:
        right.axhline(0, color=MUTED, lw=0.9, ls=(0, (2, 2)))
        right.scatter(a.means, a.differences, s=14, color=PALETTE[0], edgecolors="white", linewidths=0.4, zorder=4)
        unit = "%" if a.percent else ""
        right.axhline(a.bias, color=PALETTE[5], lw=1.2, label=f"mean difference {_g(a.bias)}{unit}")
        right.axhline(a.lower, color=PALETTE[5], lw=0.9, ls=(0, (4, 2)),
                      label=f"95% limits of agreement {_g(a.lower)}{unit} to {_g(a.upper)}{unit}")
        right.axhline(a.upper, color=PALETTE[5], lw=0.9, ls=(0, (4, 2)))
        right.set_ylabel("new − old" + (" (% of the pair mean)" if a.percent else ""))
    handles, labels = left.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    _fit(fig, fig.legend(handles + more[0], labels + more[1], loc="outside lower center", ncol=3, fontsize=6.3),
         "bottom")
    return to_svg(fig, key, label=f"Bridging {p.old_method} to {p.new_method}")


# ---------------------------------------------------------------------------------------
# Manufacturing success
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SuccessRate:
    version: str
    released: int
    attempted: int
    rate: float | None
    ci: tuple[float, float] | None
    commercial: bool = False


@figure
def manufacturing_figure(rates: list[SuccessRate], *, min_rate: float | None = None,
                         min_lower_bound: float | None = None, key: str = "manufacturing") -> str:
    """Success rate per process version with its two-sided 95% Clopper–Pearson interval."""
    fig = _new_figure(0.85 + 0.32 * max(len(rates), 1))
    ax = fig.add_subplot()
    for i, r in enumerate(rates):
        colour = "#15803d" if r.commercial else PALETTE[0]
        if r.rate is None:
            ax.text(0.01, i, "no attempts", va="center", fontsize=6.5, color=MUTED)
            continue
        lo, hi = r.ci if r.ci else (r.rate, r.rate)
        ax.plot([100 * lo, 100 * hi], [i, i], color=colour, lw=2.2, solid_capstyle="butt")
        ax.plot(100 * r.rate, i, marker="o", ms=5.5, color=colour, mec="white", mew=0.8, zorder=4)
        ax.annotate(f"{r.released}/{r.attempted} = {100 * r.rate:.1f}%  (95% CI {100 * lo:.1f}–{100 * hi:.1f}%)",
                    (100 * hi, i), xytext=(5, 0), textcoords="offset points", va="center", fontsize=6.3,
                    color=INK)
    handles = []
    if min_rate is not None:
        handles.append(ax.axvline(100 * min_rate, color=PROPOSED_COLOUR, lw=1.0, ls=(0, (5, 2)),
                                  label=f"MS001 min_rate {100 * min_rate:.4g}%"))
    if min_lower_bound is not None:
        handles.append(ax.axvline(100 * min_lower_bound, color="#c2410c", lw=0.9, ls=(0, (1, 1.4)),
                                  label=f"MS001 min_lower_bound {100 * min_lower_bound:.4g}% (CI lower end)"))
    legend = fig.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=6.3) if handles else None
    labels = [f"{r.version} (commercial)" if r.commercial else r.version for r in rates]
    ax.set_yticks(range(len(rates)), labels)
    ax.set_ylim(len(rates) - 0.5, -0.5)
    ax.set_xlim(0, 135)
    ax.set_xticks(range(0, 101, 10))
    ax.set_xlabel("manufacturing success rate, % (released / attempted; clinical and commercial lots)")
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)
    _fit(fig, legend, "bottom")
    return to_svg(fig, key, label="Manufacturing success rate by process version")
