"""One plotting style for every lesson, so figures read alike."""

import matplotlib as mpl

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]


def use_course_style() -> None:
    """Set matplotlib defaults: readable sizes, light grid, a fixed colour cycle, no chart junk."""
    mpl.rcParams.update({
        "figure.figsize": (7, 4),
        "figure.dpi": 100,
        "savefig.dpi": 100,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 12,
        "axes.labelsize": 11,
        "legend.frameon": False,
        "axes.prop_cycle": mpl.cycler(color=COLORS),
        # Fixed hash salt for SVG ids, so a re-run writes the same figure.
        "svg.hashsalt": "embedding-course",
    })
