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


#: The viewer of :func:`hover_map_3d`: plain JavaScript on a canvas, no library, nothing fetched.
_HOVER_MAP_JS = r"""
(function () {
  const me = document.currentScript;
  const root = (me && me.parentNode && me.parentNode.querySelector('[data-hover-map="__MAP_ID__"]')) ||
               document.querySelector('[data-hover-map="__MAP_ID__"]');
  if (!root || root.hoverMap) return;
  const data = __MAP_DATA__;
  const canvas = root.querySelector("canvas"), tip = root.querySelector(".hm-tip"), ctx = canvas.getContext("2d");
  root.querySelector(".hm-nojs").remove();
  canvas.style.display = "block";
  let yaw = -0.6, pitch = 0.35, drag = null, hover = null;
  const all = data.points.concat(data.queries.map(q => q.point));
  const centre = [0, 1, 2].map(k => all.reduce((s, p) => s + p[k], 0) / all.length);
  const radius = Math.max(...all.map(p => Math.hypot(p[0] - centre[0], p[1] - centre[1], p[2] - centre[2])));
  function project(p) {  // turn by yaw about the vertical axis, then by pitch; orthographic view
    const x = (p[0] - centre[0]) / radius, y = (p[1] - centre[1]) / radius, z = (p[2] - centre[2]) / radius;
    const x1 = x * Math.cos(yaw) + z * Math.sin(yaw), z1 = -x * Math.sin(yaw) + z * Math.cos(yaw);
    const y2 = y * Math.cos(pitch) - z1 * Math.sin(pitch), z2 = y * Math.sin(pitch) + z1 * Math.cos(pitch);
    const scale = 0.45 * Math.min(canvas.width, canvas.height);
    return [canvas.width / 2 + scale * x1, canvas.height / 2 - scale * y2, z2];
  }
  function marks() {  // the points, far ones first, then the queries on top of them all
    const points = data.points.map((p, i) => ({kind: "point", i, at: project(p)})).sort((a, b) => a.at[2] - b.at[2]);
    return points.concat(data.queries.map((q, i) => ({kind: "query", i, at: project(q.point)})));
  }
  function draw() {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.lineWidth = 1;
    data.queries.forEach(q => {
      const a = project(q.point);
      q.hits.forEach(h => {
        const b = project(data.points[h]);
        ctx.strokeStyle = "rgba(0,0,0,0.35)";
        ctx.beginPath(); ctx.moveTo(a[0], a[1]); ctx.lineTo(b[0], b[1]); ctx.stroke();
      });
    });
    marks().forEach(m => {
      const [x, y] = m.at, lit = hover && hover.kind === m.kind && hover.i === m.i;
      ctx.beginPath();
      if (m.kind === "point") {
        ctx.fillStyle = data.colors[data.group[m.i]];
        ctx.globalAlpha = lit ? 1 : 0.75;
        ctx.arc(x, y, lit ? 6 : 3.5, 0, 2 * Math.PI);
        ctx.fill();
      } else {  // a query: a black diamond
        const r = lit ? 9 : 7;
        ctx.globalAlpha = 1; ctx.fillStyle = "#000";
        ctx.moveTo(x, y - r); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r); ctx.lineTo(x - r, y); ctx.closePath();
        ctx.fill();
      }
    });
    ctx.globalAlpha = 1;
  }
  function nearest(px, py) {  // under the pointer: a query's diamond (7 px) first, else the nearest point within 8 px
    const within = (list, r) => list.map(m => ({m, d: Math.hypot(m.at[0] - px, m.at[1] - py)}))
      .filter(x => x.d < r).sort((a, b) => a.d - b.d || b.m.at[2] - a.m.at[2]);  // ties: the one nearer the viewer
    const all = marks(), hit = within(all.filter(m => m.kind === "query"), 7)[0] ||
                                 within(all.filter(m => m.kind === "point"), 8)[0];
    return hit ? hit.m : null;
  }
  function show(m, px, py) {
    hover = m;
    if (!m) { tip.style.display = "none"; return; }
    const head = m.kind === "point" ? data.head[m.i] : "query";
    const body = m.kind === "point" ? data.text[m.i] : data.queries[m.i].text;
    tip.querySelector("b").textContent = head;
    tip.querySelector("span").textContent = body;
    tip.style.display = "block";
    tip.style.left = Math.min(px + 14, canvas.width - 250) + "px";
    tip.style.top = (py + 14) + "px";
  }
  function at(event) {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * canvas.width / box.width, (event.clientY - box.top) * canvas.height / box.height];
  }
  canvas.addEventListener("pointerdown", e => { drag = at(e); canvas.setPointerCapture(e.pointerId); show(null); });
  canvas.addEventListener("pointerup", e => { drag = null; canvas.releasePointerCapture(e.pointerId); });
  canvas.addEventListener("pointerleave", () => { if (!drag) { show(null); draw(); } });
  canvas.addEventListener("pointermove", e => {
    const [px, py] = at(e);
    if (drag) {
      yaw += (px - drag[0]) * 0.01;
      pitch = Math.max(-1.5, Math.min(1.5, pitch + (py - drag[1]) * 0.01));
      drag = [px, py];
    } else {
      show(nearest(px, py), px, py);
    }
    draw();
  });
  // For tests and the curious: where a point or a query is drawn now, in canvas pixels.
  root.hoverMap = {point: i => project(data.points[i]).slice(0, 2), query: i => project(data.queries[i].point).slice(0, 2),
                   turn: (dYaw, dPitch) => { yaw += dYaw; pitch += dPitch; draw(); }};
  draw();
})();
"""


def hover_map_3d(points, texts, groups, *, labels=None, order=None, queries=(), colors=None, title="", width=640,
                 height=480, chars=240):
    """A 3-D scatter you can turn with the mouse and point at to read each dot's text, as one HTML output.

    ``points`` is an (n, 3) array, ``texts`` and ``groups`` give each point's text and group (coloured, in
    the legend, in ``order`` if given); ``labels``, if given, are shown beside the group when you point at
    a dot. ``queries`` are ``(text, (x, y, z), hit_indices)``: each is drawn as a black diamond with a
    line to every point it retrieved. It is plain JavaScript with its data inside, so it works offline in
    JupyterLab (once the cell has run: a notebook's stored outputs are untrusted, and their scripts do not
    run) and on the course's static site; GitHub shows the note that asks to run it.

    >>> hover_map_3d(umap_3d, texts["text"], texts["label"], queries=[("a question", xyz, [3, 17])])  # doctest: +SKIP
    """
    import hashlib
    import html
    import json

    import numpy as np
    from IPython.display import HTML

    points = np.asarray(points, dtype=float)
    texts, groups = [str(t) for t in texts], [str(g) for g in groups]
    if points.ndim != 2 or points.shape[1] != 3 or not np.isfinite(points).all():
        raise ValueError(f"points must be an (n, 3) array of finite numbers (a 3-D UMAP or PCA), not shape {points.shape}")
    if not len(texts) == len(groups) == len(points):
        raise ValueError(f"points, texts and groups must have one entry per point: {len(points)}, {len(texts)}, {len(groups)}")
    names = list(order) if order is not None else list(dict.fromkeys(groups))
    if set(groups) - set(names):
        raise ValueError(f"groups {sorted(set(groups) - set(names))} are not in order={names}")
    heads = groups if labels is None else [g if str(l) == g else f"{g} \u00b7 {l}" for g, l in zip(groups, labels)]
    if len(heads) != len(points):
        raise ValueError(f"labels must have one entry per point: {len(points)} points, {len(heads)} labels")
    palette = list(colors or COLORS)
    if len(palette) < len(names):
        raise ValueError(f"{len(names)} groups need {len(names)} colours; give colors= a longer list")
    marks = []
    for text, point, hits in queries:
        hits = [int(h) for h in hits]
        if len(point) != 3 or any(not 0 <= h < len(points) for h in hits):
            raise ValueError(f"query {text!r}: its point must have 3 numbers and its hits must be point indices")
        marks.append({"text": str(text), "point": [round(float(v), 4) for v in point], "hits": hits})
    cut = [t if len(t) <= chars else t[:chars].rsplit(" ", 1)[0] + " [...]" for t in (" ".join(t.split()) for t in texts)]
    data = {"points": np.round(points, 4).tolist(), "text": cut, "group": [names.index(g) for g in groups],
            "head": heads, "groups": names, "colors": palette[:len(names)], "queries": marks}
    uid = hashlib.sha256(json.dumps(data).encode()).hexdigest()[:12]  # the same output for the same map
    legend = " ".join(f'<span style="color:{c}">&#9679;</span>&nbsp;{html.escape(n)}' for n, c in zip(names, palette))
    if marks:
        legend += " <span>&#9670;</span>&nbsp;query (lines: what it retrieved)"
    script = _HOVER_MAP_JS.replace("__MAP_ID__", uid).replace("__MAP_DATA__", json.dumps(data).replace("</", "<\\/"))
    shown = HTML(
        f'<div data-hover-map="{uid}" style="position:relative;width:{width}px;font:12px sans-serif">'
        f'<div style="font-weight:bold;margin-bottom:4px">{html.escape(title)}</div>'
        f'<p class="hm-nojs" style="color:#555">An interactive map is drawn here by JavaScript: run this cell in '
        f'JupyterLab, or read the lesson on the course site. (GitHub and untrusted notebooks do not run scripts.)</p>'
        f'<canvas width="{width}" height="{height}" style="display:none;border:1px solid #ddd;cursor:grab;'
        f'touch-action:none"></canvas>'
        f'<div class="hm-tip" style="position:absolute;display:none;max-width:240px;background:#fff;'
        f'border:1px solid #999;padding:4px 6px;pointer-events:none;box-shadow:0 1px 4px rgba(0,0,0,.2)">'
        f'<b></b><br><span></span></div>'
        f'<div style="margin-top:4px">{legend}</div>'
        f'<div style="color:#555">Drag to turn the map; point at a dot to read its text.</div></div>'
        f'<script>{script}</script>')
    shown.map_data = data  # what the map holds, for checks: its points, texts, groups and queries
    return shown
