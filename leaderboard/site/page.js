// The leaderboard page: filters, a compact view of paper-shaped tables (grid.js), sortable ranked tables and
// few-shot plots drawn as inline SVG (plot.js), all from the embedded data. page.js, grid.js and plot.js are
// joined in this order inside one function in template.html (leaderboard/page.py), so they share one scope.
// Everything is built with DOM calls and textContent, never innerHTML, so submitted text cannot inject markup.
  const DATA = JSON.parse(document.getElementById("lb-data").textContent);
  const METRICS = Object.fromEntries(DATA.metrics.map((m) => [m.key, m]));
  const SVG_NS = "http://www.w3.org/2000/svg";
  const PALETTE = ["#2456a6", "#d1495b", "#1b9e77", "#e6a117", "#7b4ea3", "#00a6c8", "#8c564b", "#5b6575"];
  const FEW_SHOT_X = ["0", "200", "400", "800", "full"];
  const state = { board: DATA.boards[0].name, protocol: "", dataset: "", shots: "", search: "",
    plotMetric: DATA.ranking, sort: {}, view: "compact", columns: [DATA.ranking] };

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

  // Over training seeds the ± is the sd of the repeats (low/high = mean ∓ sd), not a 95 % interval.
  function intervalTitle(r, v) {
    if (!v || v[1] === null) return "";
    if (r.seeds) return "mean ± sd over " + r.seeds + " training seeds: [" + v[1] + ", " + v[2] + "], not an interval";
    return "95 % interval [" + v[1] + ", " + v[2] + "]";
  }
  function seedsMark(r) {
    return el("span", { class: "mark seeds", title: "mean ± sd over " + r.seeds + " training seeds, not an interval" },
      "[" + r.seeds + " seeds]");
  }

  function methodCell(r) {
    const td = el("td", { class: "method", title: r.info.description || "" }, r.method, " ",
      el("span", { class: "version" }, r.version));
    if (r.verified) td.append(el("span", { class: "mark verified", title: "verified by the maintainers" }, "✔"));
    if (r.extra_data) td.append(el("span", { class: "mark extra", title: "extra training data: " + (r.info.training_data || "") }, "†"));
    if (r.seeds) td.append(seedsMark(r));
    const code = safeUrl(r.info.code_url);
    if (code) td.append(" ", el("a", { href: code, rel: "noopener noreferrer" }, "code"));
    return td;
  }

  function renderTable(key, rows) {
    const cols = chosenMetrics(rows);
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
        r.tie ? el("span", { class: "mark tie", title: "a tie with the leader" }, "≈") : null));
      tr.append(methodCell(r));
      if (withSetting) tr.append(el("td", { class: "setting" }, r.setting));
      for (const c of cols) {
        const v = r.values[c];
        const td = el("td", { "data-col": c, "data-value": v && v[0] !== null ? v[0] : "",
          title: intervalTitle(r, v) }, formatValue(v, METRICS[c].decimals));
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

  function emptyMessage() {
    const board = DATA.boards.find((b) => b.name === state.board);
    const anyOnBoard = DATA.rows.some((r) => r.board === state.board);
    return el("p", { class: "empty" }, anyOnBoard ? "No entry matches the filters." : board.empty);
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
      host.append(emptyMessage());
      return;
    }
    for (const key of [...groups.keys()].sort(compareKeys)) host.append(renderTable(key, groups.get(key)));
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

  function renderChooser() {
    // One checkbox per metric and recipe on this board; the ranking metric is ticked at first.
    const host = document.getElementById("f-columns");
    const present = DATA.metrics.filter((m) => m.key === DATA.ranking || DATA.rows.some((r) => r.board === state.board && r.values[m.key]));
    host.replaceChildren(...present.map((m) => {
      const box = el("input", { type: "checkbox", value: m.key, checked: state.columns.includes(m.key) });
      box.addEventListener("change", () => {
        state.columns = present.map((x) => x.key).filter((k) => (k === m.key ? box.checked : state.columns.includes(k)));
        render();
      });
      return el("label", { title: m.description }, box, m.label);
    }));
  }

  function render() {
    document.getElementById("board-text").textContent = DATA.boards.find((b) => b.name === state.board).text;
    const compact = state.view === "compact";
    document.getElementById("compact").hidden = !compact;
    document.getElementById("tables").hidden = compact;
    document.getElementById("plots-section").hidden = compact;
    renderChooser();
    for (const id of ["compact", "tables", "plots"]) document.getElementById(id).replaceChildren();  // one view in the DOM
    if (compact) renderCompact();
    else {
      renderTables();
      renderPlots();
    }
  }

  function init() {
    document.getElementById("ranking-label").textContent = METRICS[DATA.ranking].label;
    fillSelect("f-view", [["compact", "paper tables (sizes across)"], ["ranked", "ranked tables, one per size"]], state.view);
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
    bind("f-view", "view");
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
