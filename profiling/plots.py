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

import logging
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import seaborn as sns

__all__ = [
    "CJK_FAMILY",
    "CJK_FONT",
    "PALETTE",
    "figure",
    "register_cjk_font",
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


#: The course's CJK font (a subset of Noto Sans CJK SC, SIL Open Font License 1.1; see
#: ``profiling/fonts/SOURCE.txt``), shipped with the package so that Chinese in figures (the
#: outline's terms, tag names, a Chinese shop's product descriptions) never renders as boxes.
CJK_FONT: Path = Path(__file__).parent / "fonts" / "ProfilingCJKSans-Regular.otf"
CJK_FAMILY = "Profiling CJK Sans"


def _no_bold_cjk_notice(record: logging.LogRecord) -> bool:
    # the CJK font has one weight; bold titles use it as regular (matplotlib says so once)
    text = record.getMessage()
    return not (CJK_FAMILY in text and "font weight" in text)


def register_cjk_font() -> list[str]:
    """Make :data:`CJK_FONT` known to matplotlib and the last fallback of ``font.family``.

    Latin text keeps the style's font (DejaVu Sans); a character it lacks (a hanzi) is drawn
    from the CJK font, glyph by glyph. Returns the ``font.family`` list now in effect.

    Example
    -------
    >>> register_cjk_font()[-1]
    'Profiling CJK Sans'
    """
    from matplotlib import font_manager

    logging.getLogger("matplotlib.font_manager").addFilter(_no_bold_cjk_notice)
    if CJK_FAMILY not in {f.name for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(str(CJK_FONT))
    # matplotlib falls back glyph by glyph along font.family (one font per entry)
    families = [f for f in mpl.rcParams["font.family"] if f != CJK_FAMILY]
    mpl.rcParams["font.family"] = [*families, CJK_FAMILY]
    return list(mpl.rcParams["font.family"])


def use_style(dpi: int = 80) -> None:
    """Set the book's matplotlib/seaborn style: white grid, Okabe-Ito colours, readable sizes.

    ``dpi`` stays modest so that stored notebooks stay small. Chinese characters are drawn with
    the course's CJK font (:func:`register_cjk_font`).
    """
    sns.set_theme(style="whitegrid", palette=PALETTE, context="notebook")
    register_cjk_font()
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
