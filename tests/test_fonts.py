"""The course's CJK font: it covers every Chinese character of the project, matplotlib draws
Chinese with it, and the book's pages load it (SIL Open Font License 1.1, shipped beside it)."""

from __future__ import annotations

import importlib.util
import re
import sys
import warnings
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

from fontTools.ttLib import TTFont  # noqa: E402  (matplotlib's own dependency)

from profiling import plots  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _tool():
    spec = importlib.util.spec_from_file_location("make_cjk_font", ROOT / "tools" / "make_cjk_font.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_cjk_font"] = module
    spec.loader.exec_module(module)
    return module


def test_the_font_covers_every_chinese_character_of_the_project() -> None:
    cmap = TTFont(plots.CJK_FONT).getBestCmap()
    tool = _tool()
    missing = {}
    for path in tool.project_texts():
        lacking = sorted(set(tool.CJK.findall(path.read_text(encoding="utf-8"))) - {chr(c) for c in cmap})
        if lacking:
            missing[str(path.relative_to(ROOT))] = "".join(lacking)
    assert not missing, (
        f"{plots.CJK_FONT.name} lacks characters used in {missing}: run "
        "`python tools/make_cjk_font.py NotoSansCJKsc-Regular.otf` (see its docstring for the source)"
    )


def test_the_font_covers_common_simplified_chinese_and_is_renamed() -> None:
    font = TTFont(plots.CJK_FONT)
    cmap = font.getBestCmap()
    gb = _tool().gb2312()
    assert len(gb) > 7000 and sum(ord(c) in cmap for c in gb) / len(gb) > 0.99
    # a Modified Version under the OFL: its own family name, the license and source beside it
    assert font["name"].getDebugName(1) == plots.CJK_FAMILY
    assert "SIL OPEN FONT LICENSE Version 1.1" in (plots.CJK_FONT.parent / "OFL.txt").read_text(encoding="utf-8")
    assert "SHA-256" in (plots.CJK_FONT.parent / "SOURCE.txt").read_text(encoding="utf-8")


def test_matplotlib_draws_chinese_without_missing_glyphs(tmp_path: Path) -> None:
    plots.use_style()
    assert matplotlib.rcParams["font.family"][-1] == plots.CJK_FAMILY
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" is a warning
        fig, ax = plots.figure("用户画像：高价值客户", xlabel="标签 (tag)", ylabel="客户数")
        ax.bar(["流失风险", "new"], [2, 1])
        fig.savefig(tmp_path / "zh.png")
    # calling the style twice keeps one entry
    plots.use_style()
    assert matplotlib.rcParams["font.family"].count(plots.CJK_FAMILY) == 1


def test_without_the_font_matplotlib_would_draw_boxes(tmp_path: Path) -> None:
    """The test above can fail: with DejaVu Sans alone the same title warns of missing glyphs."""
    import matplotlib.pyplot as plt

    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        fig, ax = plt.subplots()
        ax.set_title("用户画像")
        with pytest.warns(UserWarning, match="missing from font"):
            fig.savefig(tmp_path / "boxes.png")
        plt.close(fig)


def test_the_book_pages_load_the_font() -> None:
    config = (ROOT / "book" / "_config.yml").read_text(encoding="utf-8")
    assert re.search(r'html_static_path: \[.*"profiling/fonts".*\]', config)
    css = (ROOT / "book" / "static" / "custom.css").read_text(encoding="utf-8")
    assert f'url("{plots.CJK_FONT.name}")' in css and f'font-family: "{plots.CJK_FAMILY}"' in css
    assert "--pst-font-family-base:" in css and f'"{plots.CJK_FAMILY}"' in css.split("--pst-font-family-base:")[1]


def test_the_font_is_package_data() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"fonts/*.otf"' in pyproject and '"fonts/*.txt"' in pyproject
