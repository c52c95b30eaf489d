"""The shared frame of every figure: wrapped titles below the toolbar, margins that fit them."""

import pytest

from custseg import figure_layout
from custseg.figure_layout import SUBTITLE_WIDTH, TITLE_WIDTH, framed, wrap_text, wrap_title


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("Segment sizes", ["Segment sizes"]),
        (
            "Segments in two dimensions (PCA); hover amounts in 2019 dollars: a random 5,000 of "
            "22,975 points",
            [
                "Segments in two dimensions (PCA);",
                "hover amounts in 2019 dollars: a random 5,000 of 22,975 points",
            ],
        ),
        (
            "Silhouette of every row, by segment (a stratified sample of 30,004 of 40,364 rows)",
            [
                "Silhouette of every row, by segment",
                "(a stratified sample of 30,004 of 40,364 rows)",
            ],
        ),
    ],
)
def test_titles_break_at_natural_places(text, lines):
    assert wrap_text(text, TITLE_WIDTH).split("<br>") == lines


def test_a_word_longer_than_the_line_is_kept_whole():
    assert wrap_text("x" * 30, 10) == "x" * 30


def test_subtitle_lines_keep_their_smaller_type():
    caption = "This view shows 99.2% of the variance. " + "Caution: " + "read along PC1. " * 8
    lines = wrap_title(f"Segments<br><sup>{caption}</sup>").split("<br>")
    assert lines[0] == "Segments" and len(lines) > 2
    assert all(line.startswith("<sup>") and line.endswith("</sup>") for line in lines[1:])
    assert all(len(line) <= SUBTITLE_WIDTH + len("<sup></sup>") for line in lines)
    assert all(line.endswith(".</sup>") for line in lines[1:])  # broken after sentences


def test_the_top_margin_fits_the_title_below_the_toolbar():
    short = framed([], "Sizes").layout
    long = framed([], "Sizes<br><sup>one</sup><br><sup>two</sup>").layout
    assert short.title.pad.t == figure_layout.TOOLBAR_STRIP and short.title.yanchor == "top"
    assert long.margin.t - short.margin.t == 2 * figure_layout.SUBTITLE_LINE
    with_subplots = framed([], "Sizes", subplot_titles=True).layout
    assert with_subplots.margin.t == short.margin.t + figure_layout.SUBPLOT_TITLES
