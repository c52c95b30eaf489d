"""The frame every figure shares: title placement, margins that grow to fit labels, legends and
colour bars clear of the axes, and text wrapped to fit a chart on a laptop screen.

Plotly draws its toolbar (the modebar) over the figure's top right corner and clips whatever
does not fit the figure, so a long title, a long axis label or a legend below the axes can end
up hidden or on top of each other. These helpers keep every title below the toolbar, let the
margins grow to fit tick labels, and break long text into lines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import plotly.graph_objects as go

TEMPLATE = "plotly_white"
#: Every title starts below this strip at the top of the figure, where the toolbar sits, so
#: however long a title is, the toolbar never covers it.
TOOLBAR_STRIP = 30
#: Characters per line of a title and of its subtitle (smaller type); both fit a chart as wide
#: as the dashboard's content column on a 1366-pixel laptop screen.
TITLE_WIDTH, SUBTITLE_WIDTH = 80, 120
#: Where a line is best broken, best first: after a sentence, a semicolon, a colon, before a
#: bracket, after a comma, then at any space.
_BREAKS = (". ", "; ", ": ", " (", ", ", " ")
_SUBTITLE = ("<sup>", "</sup>")


def wrap_text(text: str, width: int) -> str:
    """``text`` in lines of at most ``width`` characters (where it can be), joined with
    ``<br>``; lines are broken at the most natural place that leaves them at least a third
    full, so phrases such as "a random 5,000 of 22,975 points" stay on one line."""
    lines: list[str] = []
    rest = text.strip()
    while len(rest) > width:
        cut = _break_at(rest, width)
        if cut is None:
            break
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return "<br>".join([*lines, rest])


def _break_at(text: str, width: int) -> int | None:
    for separator in _BREAKS:
        # a bracket opens the next line; every other separator ends this one
        keep = 0 if separator == " (" else len(separator.rstrip())
        position = text.rfind(separator, width // 3, width)
        if position > 0:
            return position + keep
    return None


#: Characters per line of a heat map's column (feature) and row (segment) labels.
COLUMN_LABEL_WIDTH, ROW_LABEL_WIDTH = 16, 32


def wrap_labels(labels, width: int) -> list[str]:
    """Axis labels in lines of about ``width`` characters, so long names neither crowd the
    axes nor turn sideways."""
    return [wrap_text(str(label), width) for label in labels]


def wrap_title(title: str) -> str:
    """A title in lines that fit: each ``<br>``-separated line wrapped on its own, subtitle
    lines (in ``<sup>``) to the wider subtitle measure, keeping their ``<sup>`` on every line."""
    lines = []
    for line in title.split("<br>"):
        opening, closing = _SUBTITLE
        if line.startswith(opening) and line.endswith(closing):
            inner = wrap_text(line[len(opening) : -len(closing)], SUBTITLE_WIDTH)
            lines += [f"{opening}{part}{closing}" for part in inner.split("<br>")]
        else:
            lines.append(wrap_text(line, TITLE_WIDTH))
    return "<br>".join(lines)


#: Heights in pixels of a title line and of a subtitle line (Plotly's 17-pixel title type at
#: 1.3 line spacing, its subtitles at 70%), and the gap between the title and what follows.
TITLE_LINE, SUBTITLE_LINE, TITLE_GAP = 23, 16, 14


def title_layout(title: str) -> tuple[dict, int]:
    """Layout of a figure title (left-aligned, below the toolbar's strip) and the top margin
    its lines need. Plotly's own title margin (``automargin``) moves a title of several lines
    above the figure's top edge, so the margin is counted here."""
    text = wrap_title(title)
    lines = text.split("<br>")
    subtitles = sum(line.startswith(_SUBTITLE[0]) for line in lines)
    top = (
        TOOLBAR_STRIP
        + TITLE_LINE * (len(lines) - subtitles)
        + SUBTITLE_LINE * subtitles
        + TITLE_GAP
    )
    layout = {
        "text": text,
        "x": 0,
        "xref": "container",
        "xanchor": "left",
        "y": 1,
        "yref": "container",
        "yanchor": "top",
        "pad": {"t": TOOLBAR_STRIP, "l": 10},
    }
    return layout, top


def below_legend() -> dict:
    """A horizontal legend under the axes and their titles, at the bottom of the figure (the
    bottom margin grows to fit it)."""
    return {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0}


#: Extra top margin for the titles of subplots, which sit between the title and the axes.
SUBPLOT_TITLES = 28


#: Every axis grows its margin to fit its labels, which sit a few pixels from it: that keeps
#: the lowest y label and the first x label apart where the axes meet.
AXIS_FRAME = {
    "x": {"automargin": True, "ticklabelstandoff": 6},
    "y": {"automargin": True, "ticklabelstandoff": 4},
}
_AXIS_NAME = re.compile(r"[xy]axis\d*")


def frame_layout(title: str, *, subplot_titles: bool = False, **layout) -> dict:
    """The shared frame as a layout: template, wrapped title below the toolbar, small margins
    that grow to fit tick labels, axis titles, legends and colour bars, over ``layout`` (nested
    dicts, e.g. ``xaxis={"title": {"text": "k"}}``). Every axis of ``layout``, and ``xaxis`` and
    ``yaxis`` in any case, grows its margin to fit its labels.

    Parameters
    ----------
    subplot_titles : bool
        Leave room under the title for the subplots' titles.
    """
    title_props, top = title_layout(title)
    framed_layout = {
        "template": TEMPLATE,
        "title": title_props,
        "margin": {"l": 10, "r": 10, "t": top + (SUBPLOT_TITLES if subplot_titles else 0), "b": 10},
        **layout,
    }
    for name in ["xaxis", "yaxis", *(n for n in layout if _AXIS_NAME.fullmatch(n))]:
        framed_layout[name] = {**framed_layout.get(name, {}), **AXIS_FRAME[name[0]]}
    return framed_layout


def framed(data: Sequence, title: str, *, subplot_titles: bool = False, **layout) -> go.Figure:
    """A figure of the traces ``data`` (graph objects or dicts) in the shared frame
    (:func:`frame_layout`), built in one step: Plotly validates and copies the whole layout on
    every update call, so a figure made of its finished layout costs a fraction of one built up
    call by call.

    Parameters
    ----------
    subplot_titles : bool
        Leave room under the title for the subplots' titles.
    **layout
        The figure's own layout, as nested dicts (see :func:`frame_layout`).
    """
    return go.Figure(
        {"data": list(data), "layout": frame_layout(title, subplot_titles=subplot_titles, **layout)}
    )


def subplot_grid(rows: int, cols: int, **options) -> dict:
    """The layout of a grid of subplots (axis domains, subplot titles as annotations) as
    :func:`plotly.subplots.make_subplots` lays it out with ``options``; the trace in row ``r``
    and column ``c`` (from 1, top left) draws on the axes :func:`cell_axes` names."""
    from plotly.subplots import make_subplots

    grid = make_subplots(rows=rows, cols=cols, **options).layout.to_plotly_json()
    grid.pop("template", None)
    return grid


def cell_axes(row: int, col: int, cols: int) -> dict[str, str]:
    """The ``xaxis`` and ``yaxis`` of a trace in a :func:`subplot_grid` cell."""
    number = (row - 1) * cols + col
    suffix = "" if number == 1 else str(number)
    return {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}


def layout_axis(reference: str) -> str:
    """The layout's name of the axis a trace refers to: ``x2`` is ``xaxis2``."""
    return f"{reference[0]}axis{reference[1:]}"
