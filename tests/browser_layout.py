"""Layout checks of every Plotly graph on a page, from the DOM's bounding boxes.

:func:`layout_problems` walks every visible graph of the page in the browser and measures its
text: the title, axis titles, tick labels, annotations (subplot titles), the legend, the colour
bar and the toolbar (modebar). Each must lie inside its graph's drawing, and none may overlap
another (tick labels of one axis are left to Plotly, which spaces them itself). So a chart added
later is checked without a test of its own.
"""

from __future__ import annotations

#: The script returns one line per problem; "graph" names the graph by its nearest id.
_SCRIPT = r"""
const TOLERANCE = 1;
const problems = [];
const box = (el) => {
  const r = el.getBoundingClientRect();
  return {l: r.left, t: r.top, r: r.right, b: r.bottom, w: r.width, h: r.height};
};
const inside = (a, c) =>
  a.l >= c.l - TOLERANCE && a.r <= c.r + TOLERANCE && a.t >= c.t - TOLERANCE
  && a.b <= c.b + TOLERANCE;
const overlap = (a, b) =>
  Math.min(a.r, b.r) - Math.max(a.l, b.l) > TOLERANCE
  && Math.min(a.b, b.b) - Math.max(a.t, b.t) > TOLERANCE;
const shown = (el) => {
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
};
const plots = [...document.querySelectorAll('.js-plotly-plot')].filter(
  (p) => p.offsetParent !== null && p._fullLayout);
plots.forEach((plot, index) => {
  const owner = plot.closest('[id]');
  const name = (owner && owner.id) || `graph ${index + 1}`;
  const svg = plot.querySelector('.main-svg');
  if (!svg) return;
  const frame = box(svg);
  const items = [];
  const add = (kind, group, el) => {
    if (!shown(el)) return;
    const text = (el.textContent || '').trim();
    if (['title', 'axis title', 'tick label', 'annotation'].includes(kind) && !text) return;
    items.push({kind, group, text: text.slice(0, 40), rect: box(el)});
  };
  const own = (el) => !el.closest('.legend') && !el.closest('.colorbar');
  plot.querySelectorAll('.gtitle').forEach((el) => add('title', 'title', el));
  plot.querySelectorAll('text[class$="title"]').forEach((el) => {
    const cls = el.getAttribute('class');
    if (cls !== 'gtitle' && own(el)) add('axis title', cls, el);
  });
  plot.querySelectorAll('g[class$="tick"] > text').forEach((el) => {
    if (own(el)) add('tick label', el.parentNode.getAttribute('class'), el);
  });
  plot.querySelectorAll('.annotation').forEach((el, i) => add('annotation', `annotation ${i}`, el));
  plot.querySelectorAll('.legend').forEach((el) => add('legend', 'legend', el));
  plot.querySelectorAll('.colorbar').forEach((el, i) => add('colour bar', `colorbar ${i}`, el));
  plot.querySelectorAll('.modebar').forEach((el) => add('toolbar', 'modebar', el));
  const say = (item) => `${item.kind} "${item.text}"`;
  items.forEach((item) => {
    if (!inside(item.rect, frame)) problems.push(`${name}: ${say(item)} is clipped`);
  });
  items.forEach((a, i) => items.slice(i + 1).forEach((b) => {
    if (a.group === b.group || !overlap(a.rect, b.rect)) return;
    problems.push(`${name}: ${say(a)} overlaps ${say(b)}`);
  }));
});
return {graphs: plots.length, problems};
"""


def layout_problems(driver) -> tuple[int, list[str]]:
    """The number of visible graphs on the page and every clipped or overlapping text of them."""
    found = driver.execute_script(_SCRIPT)
    return found["graphs"], found["problems"]
