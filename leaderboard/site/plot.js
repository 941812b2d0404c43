// The few-shot plots, drawn as inline SVG from the embedded data (part of the page script: see page.js).
  function niceTicks(lo, hi, count) {
    // Terminates for any input: the step is computed once and the loop counts ticks, never adds until it passes
    // hi (a step below the spacing of doubles near 1e20 would never move t). Non-finite input gives no ticks.
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(count >= 1 && count <= 100)) return [];
    if (lo > hi) [lo, hi] = [hi, lo];
    const span = hi - lo || Math.abs(hi) || 1;
    const step0 = span / count;
    const mag = Math.pow(10, Math.floor(Math.log10(step0)));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= step0);
    const first = Math.ceil(lo / step) * step;
    if (!(step > 0) || !Number.isFinite(step) || !Number.isFinite(first)) return [lo, hi];
    const ticks = [];
    for (let i = 0; i <= 2 * count + 2; i++) {
      const t = Number((first + i * step).toPrecision(12));
      if (t > hi + step * 1e-9) break;
      if (ticks.length === 0 || t !== ticks[ticks.length - 1]) ticks.push(t);
    }
    return ticks;
  }

  function plotPoints(rows, dataset, metric) {
    // One series per method and version: paired results at their shots, zero-shot results at 0.
    const series = new Map();
    for (const r of rows) {
      if (r.dataset !== dataset || !r.values[metric] || r.values[metric][0] === null) continue;
      let x = -1;
      if (r.protocol === "paired") x = FEW_SHOT_X.indexOf(r.shots);
      else if (r.protocol.startsWith("zero_shot") && r.shots === "none") x = 0;
      if (x < 0) continue;
      const name = r.method + " " + r.version;
      if (!series.has(name)) series.set(name, []);
      series.get(name).push({ x, v: r.values[metric] });
    }
    return [...series.entries()].filter(([, pts]) => pts.length > 0)
      .map(([name, pts]) => ({ name, pts: pts.sort((a, b) => a.x - b.x) }));
  }

  function colourOf(name) {
    // One colour per method across all plots of a board, in the order the methods first appear.
    const names = [...new Set(DATA.rows.filter((r) => r.board === state.board).map((r) => r.method + " " + r.version))];
    return PALETTE[Math.max(0, names.indexOf(name)) % PALETTE.length];
  }

  function renderPlot(dataset, series, metric) {
    const W = 420, H = 250, L = 56, R = 12, T = 12, B = 40;
    const lows = series.flatMap((s) => s.pts.map((p) => (p.v[1] !== null ? p.v[1] : p.v[0])));
    const highs = series.flatMap((s) => s.pts.map((p) => (p.v[2] !== null ? p.v[2] : p.v[0])));
    let lo = Math.min(...lows), hi = Math.max(...highs);
    const pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.02 || 1;
    lo -= pad; hi += pad;
    const xs = (i) => L + (i + 0.5) * (W - L - R) / FEW_SHOT_X.length;
    const ys = (v) => T + (hi - v) / (hi - lo) * (H - T - B);
    const root = svg("svg", { width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img", "data-dataset": dataset });
    for (const t of niceTicks(lo, hi, 5)) {
      root.append(svg("line", { x1: L, x2: W - R, y1: ys(t), y2: ys(t), stroke: "#e4e8ee" }));
      const label = svg("text", { x: L - 6, y: ys(t) + 4, "text-anchor": "end" });
      label.textContent = String(t);
      root.append(label);
    }
    FEW_SHOT_X.forEach((name, i) => {
      const label = svg("text", { x: xs(i), y: H - B + 16, "text-anchor": "middle" });
      label.textContent = name;
      root.append(label);
    });
    const xl = svg("text", { x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle" });
    xl.textContent = "training pairs from " + dataset + " (0: zero-shot)";
    const yl = svg("text", { x: 12, y: (T + H - B) / 2, "text-anchor": "middle", transform: "rotate(-90 12 " + (T + H - B) / 2 + ")" });
    yl.textContent = METRICS[metric].label;
    root.append(xl, yl);
    series.forEach((s) => {
      const colour = colourOf(s.name);
      const g = svg("g", { class: "series", "data-series": s.name, stroke: colour, fill: colour });
      if (s.pts.length > 1) {
        g.append(svg("polyline", { points: s.pts.map((p) => xs(p.x) + "," + ys(p.v[0])).join(" "), fill: "none", "stroke-width": 2 }));
      }
      for (const p of s.pts) {
        if (p.v[1] !== null && p.v[2] !== null) {
          g.append(svg("line", { x1: xs(p.x), x2: xs(p.x), y1: ys(p.v[1]), y2: ys(p.v[2]), "stroke-width": 1.5 }));
          for (const end of [p.v[1], p.v[2]]) g.append(svg("line", { x1: xs(p.x) - 4, x2: xs(p.x) + 4, y1: ys(end), y2: ys(end) }));
        }
        const dot = svg("circle", { cx: xs(p.x), cy: ys(p.v[0]), r: 3.5 });
        const tip = svg("title", {});
        tip.textContent = s.name + ": " + formatValue(p.v, METRICS[metric].decimals);
        dot.append(tip);
        g.append(dot);
      }
      root.append(g);
    });
    const legend = el("div", { class: "series-legend" });
    series.forEach((s) => legend.append(el("span", {},
      el("span", { class: "swatch", style: "background:" + colourOf(s.name) }), s.name)));
    return el("figure", { class: "plot" }, el("h3", {}, dataset), root, legend);
  }
