"""One plot style for the whole book.

Every chapter calls :func:`use_style` once in its setup cell and takes colours from
:data:`PALETTE`, a colour-blind-safe set (Okabe & Ito, 2008).

Example
-------
>>> from profiling import plots
>>> plots.use_style()
>>> fig, ax = plots.figure("Orders per customer", xlabel="orders", ylabel="customers")
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import seaborn as sns

__all__ = [
    "PALETTE",
    "figure",
    "use_style",
]

#: Okabe-Ito colour-blind-safe palette (black last: used for references and baselines).
PALETTE: list[str] = [
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
]


def use_style(dpi: int = 80) -> None:
    """Set the book's matplotlib/seaborn style: white grid, Okabe-Ito colours, readable sizes.

    ``dpi`` stays modest so that stored notebooks stay small.
    """
    sns.set_theme(style="whitegrid", palette=PALETTE, context="notebook")
    mpl.rcParams.update(
        {
            "figure.figsize": (7.5, 4.0),
            "figure.dpi": dpi,
            "savefig.dpi": dpi,
            "axes.titlesize": 12,
            "axes.titleweight": "bold",
            "axes.labelsize": 10,
            "legend.frameon": False,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )


def figure(
    title: str,
    xlabel: str,
    ylabel: str,
    figsize: tuple[float, float] | None = None,
) -> tuple[plt.Figure, plt.Axes]:
    """A new figure with one axes, titled and labelled (put units in the labels).

    Returns ``(fig, ax)``.
    """
    fig, ax = plt.subplots(figsize=figsize)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return fig, ax
