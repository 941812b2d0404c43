// The leaderboard page: filters, sortable tables and few-shot plots drawn as inline SVG from the embedded data.
// Everything is built with DOM calls and textContent, never innerHTML, so submitted text cannot inject markup.
"use strict";
(function () {
  const DATA = JSON.parse(document.getElementById("lb-data").textContent);
  const METRICS = Object.fromEntries(DATA.metrics.map((m) => [m.key, m]));
  const SVG_NS = "http://www.w3.org/2000/svg";
  const PALETTE = ["#2456a6", "#d1495b", "#1b9e77", "#e6a117", "#7b4ea3", "#00a6c8", "#8c564b", "#5b6575"];
  const FEW_SHOT_X = ["0", "200", "400", "800", "full"];
  const state = { board: DATA.boards[0].name, protocol: "", dataset: "", shots: "", search: "",
    plotMetric: DATA.ranking, sort: {} };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }
  function svg(tag, attrs) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    return node;
  }
  function safeUrl(url) { return typeof url === "string" && /^https?:\/\//.test(url) ? url : null; }
  function fmt(x, places) { return x === null || x === undefined ? "–" : Number(x).toFixed(places); }
  function formatValue(v, places) {
    if (!v || v[0] === null) return "–";
    if (v[1] === null || v[2] === null) return fmt(v[0], places);
    return fmt(v[0], places) + " ± " + fmt((v[2] - v[1]) / 2, places);
  }
  function better(key) { return METRICS[key] ? METRICS[key].higher_is_better : true; }
  function overlaps(a, b) {
    return !!(a && b && a[1] !== null && a[2] !== null && b[1] !== null && b[2] !== null && a[1] <= b[2] && b[1] <= a[2]);
  }

  function boardRows() {
    const q = state.search.trim().toLowerCase();
    return DATA.rows.filter((r) => r.board === state.board
      && (!state.protocol || r.protocol === state.protocol)
      && (!state.dataset || r.dataset === state.dataset)
      && (!q || (r.method + " " + r.version).toLowerCase().includes(q)));
  }
  function tableKey(r) { return r.protocol + "|" + r.dataset + "|" + r.shots; }
  function orderOf(list, value) { const i = list.indexOf(value); return i < 0 ? list.length : i; }
  function compareKeys(a, b) {
    const [pa, da, sa] = a.split("|");
    const [pb, db, sb] = b.split("|");
    return (orderOf(DATA.protocols, pa) - orderOf(DATA.protocols, pb)) || pa.localeCompare(pb)
      || (orderOf(DATA.datasets, da) - orderOf(DATA.datasets, db)) || da.localeCompare(db)
      || (orderOf(DATA.shots, sa) - orderOf(DATA.shots, sb)) || sa.localeCompare(sb);
  }

  function sortValue(row, col) {
    if (col === "rank") return row.rank;
    if (col === "method") return (row.method + " " + row.version).toLowerCase();
    if (col === "runtime") return row.seconds_per_image;
    const v = row.values[col];
    return v ? v[0] : null;
  }
  function sortRows(rows, sort) {
    const sign = sort.dir === "asc" ? 1 : -1;
    return rows.slice().sort((a, b) => {
      const x = sortValue(a, sort.col);
      const y = sortValue(b, sort.col);
      if (x === null || x === undefined) return (y === null || y === undefined) ? a.rank - b.rank : 1;
      if (y === null || y === undefined) return -1;
      if (x < y) return -sign;
      if (x > y) return sign;
      return a.rank - b.rank;
    });
  }
  function firstDirection(col) {
    if (col === "rank" || col === "method" || col === "runtime") return "asc";
    return better(col) ? "desc" : "asc";
  }

  function bestAndTies(rows, col) {
    // Best: the best mean in a column by the metric's direction (all rows sharing it). Ties: the other rows
    // whose interval overlaps a best row's interval.
    const valued = rows.filter((r) => r.values[col] && r.values[col][0] !== null);
    if (valued.length < 2) return { best: new Set(), ties: new Set() };
    const means = valued.map((r) => r.values[col][0]);
    const top = better(col) ? Math.max(...means) : Math.min(...means);
    const best = new Set(valued.filter((r) => r.values[col][0] === top));
    if (best.size === valued.length) return { best: new Set(), ties: new Set() };
    const ties = valued.filter((r) => !best.has(r) && [...best].some((b) => overlaps(r.values[col], b.values[col])));
    return { best, ties: new Set(ties) };
  }

  function header(key, col, label, cls, title) {
    const sort = state.sort[key];
    const th = el("th", { "data-col": col, class: cls, title: title, scope: "col" }, label);
    if (sort && sort.col === col) th.classList.add(sort.dir === "asc" ? "sorted-asc" : "sorted-desc");
    th.addEventListener("click", () => {
      const current = state.sort[key];
      const dir = current && current.col === col ? (current.dir === "asc" ? "desc" : "asc") : firstDirection(col);
      state.sort[key] = { col, dir };
      render();
    });
    return th;
  }

  function methodCell(r) {
    const td = el("td", { class: "method", title: r.info.description || "" }, r.method, " ",
      el("span", { class: "version" }, r.version));
    if (r.verified) td.append(el("span", { class: "mark verified", title: "verified by the maintainers" }, "✔"));
    if (r.extra_data) td.append(el("span", { class: "mark extra", title: "extra training data: " + (r.info.training_data || "") }, "†"));
    const code = safeUrl(r.info.code_url);
    if (code) td.append(" ", el("a", { href: code, rel: "noopener noreferrer" }, "code"));
    return td;
  }

  function renderTable(key, rows) {
    const cols = DATA.metrics.map((m) => m.key).filter((k) => rows.some((r) => r.values[k]));
    const withSetting = rows.some((r) => r.setting);
    const sort = state.sort[key] || { col: "rank", dir: "asc" };
    const thead = el("tr", {}, header(key, "rank", "#", "", "rank by " + METRICS[DATA.ranking].label),
      header(key, "method", "Method", "method", "name and version"));
    if (withSetting) thead.append(el("th", { class: "setting", "data-col": "setting" }, "Setting"));
    cols.forEach((c) => thead.append(header(key, c, METRICS[c].label, "", METRICS[c].description)));
    thead.append(header(key, "runtime", "s / image", "", "seconds per test image, on the stated hardware"),
      el("th", { "data-col": "entry" }, "Entry"));
    const marks = Object.fromEntries(cols.map((c) => [c, bestAndTies(rows, c)]));
    const tbody = el("tbody");
    for (const r of sortRows(rows, sort)) {
      const tr = el("tr", { "data-method": r.method, "data-version": r.version });
      tr.append(el("td", { "data-col": "rank", "data-value": r.rank }, String(r.rank),
        r.tie ? el("span", { class: "mark tie", title: "interval overlaps the leader's" }, "≈") : null));
      tr.append(methodCell(r));
      if (withSetting) tr.append(el("td", { class: "setting" }, r.setting));
      for (const c of cols) {
        const v = r.values[c];
        const td = el("td", { "data-col": c, "data-value": v && v[0] !== null ? v[0] : "",
          title: v && v[1] !== null ? "95 % interval [" + v[1] + ", " + v[2] + "]" : "" }, formatValue(v, METRICS[c].decimals));
        if (marks[c].best.has(r)) td.classList.add("best");
        else if (marks[c].ties.has(r)) td.classList.add("tie");
        tr.append(td);
      }
      tr.append(el("td", { "data-col": "runtime", title: r.info.hardware || "" },
        r.seconds_per_image === null ? "–" : String(Number(Number(r.seconds_per_image).toPrecision(3)))));
      tr.append(el("td", { "data-col": "entry" }, el("a", { href: r.link }, "json")));
      tbody.append(tr);
    }
    const [protocol, dataset, shots] = key.split("|");
    return el("section", { class: "table-block" },
      el("h3", {}, protocol + " · " + dataset + " · " + DATA.shot_titles[shots]),
      el("table", { class: "lb", "data-key": key }, el("thead", {}, thead), tbody));
  }

  function renderTables() {
    const host = document.getElementById("tables");
    host.replaceChildren();
    const rows = boardRows().filter((r) => !state.shots || r.shots === state.shots);
    const groups = new Map();
    for (const r of rows) {
      const k = tableKey(r);
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k).push(r);
    }
    if (groups.size === 0) {
      const board = DATA.boards.find((b) => b.name === state.board);
      const anyOnBoard = DATA.rows.some((r) => r.board === state.board);
      host.append(el("p", { class: "empty" }, anyOnBoard ? "No entry matches the filters." : board.empty));
      return;
    }
    for (const key of [...groups.keys()].sort(compareKeys)) host.append(renderTable(key, groups.get(key)));
  }

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

  function renderPlots() {
    const host = document.getElementById("plots");
    host.replaceChildren();
    const rows = boardRows();
    for (const dataset of DATA.datasets) {
      const series = plotPoints(rows, dataset, state.plotMetric);
      if (series.length) host.append(renderPlot(dataset, series, state.plotMetric));
    }
    if (!host.children.length) host.append(el("p", { class: "empty" }, "No few-shot results for these filters."));
  }

  function fillSelect(id, options, value) {
    const select = document.getElementById(id);
    select.replaceChildren(...options.map(([v, label]) => el("option", { value: v, selected: v === value }, label)));
    select.value = value;
  }

  function render() {
    document.getElementById("board-text").textContent = DATA.boards.find((b) => b.name === state.board).text;
    renderTables();
    renderPlots();
  }

  function init() {
    document.getElementById("ranking-label").textContent = METRICS[DATA.ranking].label;
    fillSelect("f-board", DATA.boards.map((b) => [b.name, b.title + " (" + DATA.rows.filter((r) => r.board === b.name).length + ")"]), state.board);
    fillSelect("f-protocol", [["", "all"], ...DATA.protocols.map((p) => [p, p])], "");
    fillSelect("f-dataset", [["", "all"], ...DATA.datasets.map((d) => [d, d])], "");
    fillSelect("f-shots", [["", "all"], ...DATA.shots.map((s) => [s, DATA.shot_titles[s]])], "");
    fillSelect("f-plot-metric", DATA.metrics.filter((m) => DATA.rows.some((r) => r.values[m.key]) || m.key === DATA.ranking)
      .map((m) => [m.key, m.label]), state.plotMetric);
    const bind = (id, field, event) => document.getElementById(id).addEventListener(event || "change", (e) => {
      state[field] = e.target.value;
      render();
    });
    bind("f-board", "board");
    bind("f-protocol", "protocol");
    bind("f-dataset", "dataset");
    bind("f-shots", "shots");
    bind("f-search", "search", "input");
    bind("f-plot-metric", "plotMetric");
    document.getElementById("footer").textContent = DATA.footer;
    render();
    document.body.setAttribute("data-ready", "1");
  }
  init();
})();
