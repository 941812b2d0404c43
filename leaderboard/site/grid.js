// The compact view (part of the page script: see page.js). Per sub-dataset, the paper-shaped tables of
// leaderboard/grid.py (methods down, training-set sizes or protocol settings across; each column one ranked
// table) with that sub-dataset's few-shot plot beside them. The column chooser picks the metrics in each cell.
  function chosenMetrics(rows) {
    const chosen = state.columns.filter((m) => METRICS[m] && rows.some((r) => r.values[m]));
    return chosen.length ? chosen : [DATA.ranking];
  }
  function nameOf(r) { return r.method + " " + r.version; }
  function verifiedMark() { return el("span", { class: "mark verified", title: "verified by the maintainers" }, "✔"); }
  function extraMark(r) {
    return el("span", { class: "mark extra", title: "extra training data: " + (r.info.training_data || "") }, "†");
  }

  function gridCell(r, table, metric, marks, shared, first) {
    const v = r.values[metric];
    const td = el("td", { "data-table": table, "data-col": metric, "data-value": v && v[0] !== null ? v[0] : "",
      title: intervalTitle(r, v) },
    el("a", { href: r.link, class: "cell-link", title: "the entry's JSON" }, formatValue(v, METRICS[metric].decimals)));
    if (r.seeds) td.append(seedsMark(r));
    if (metric === DATA.ranking && r.tie) td.append(el("span", { class: "mark tie", title: "a tie with the column's leader" }, "≈"));
    if (marks.best.has(r)) td.classList.add("best");
    else if (marks.ties.has(r)) td.classList.add("tie");
    if (first && r.verified && !shared.verified) td.append(verifiedMark());  // marks not on the name: per entry
    if (first && r.extra_data && !shared.extra) td.append(extraMark(r));
    return td;
  }

  function gridHead(columns, metrics) {
    const many = metrics.length > 1;
    const top = el("tr", {}, el("th", { class: "method", scope: "col", rowspan: many ? 2 : null }, "Method"));
    for (const c of columns) top.append(el("th", { scope: "colgroup", colspan: many ? metrics.length : null, "data-table": c.table }, c.title));
    const thead = el("thead", {}, top);
    if (many) {
      thead.append(el("tr", {}, ...columns.flatMap(() => metrics.map((m) =>
        el("th", { scope: "col", "data-col": m, title: METRICS[m].description }, METRICS[m].label)))));
    }
    return thead;
  }

  function renderGrid(grid, rows) {
    const byTable = new Map(grid.columns.map((c) => [c.table, rows.filter((r) => tableKey(r) === c.table)]));
    const columns = grid.columns.filter((c) => byTable.get(c.table).length);
    if (!columns.length) return null;
    const metrics = chosenMetrics(rows);
    const marks = new Map(columns.map((c) => [c.table, Object.fromEntries(metrics.map((m) => [m, bestAndTies(byTable.get(c.table), m)]))]));
    const tbody = el("tbody");
    for (const name of grid.methods) {
      const cells = columns.map((c) => byTable.get(c.table).find((r) => nameOf(r) === name));
      const present = cells.filter(Boolean);
      if (!present.length) continue;
      const shared = { verified: present.every((r) => r.verified), extra: present.every((r) => r.extra_data) };
      const head = present[0];
      const th = el("th", { scope: "row", class: "method", title: head.info.description || "" }, head.method, " ",
        el("span", { class: "version" }, head.version), shared.verified ? verifiedMark() : null, shared.extra ? extraMark(head) : null);
      const tr = el("tr", { "data-method": head.method, "data-version": head.version }, th);
      columns.forEach((c, i) => metrics.forEach((m, j) => tr.append(cells[i]
        ? gridCell(cells[i], c.table, m, marks.get(c.table)[m], shared, j === 0)
        : el("td", { class: "missing", "data-table": c.table, "data-col": m }, "–"))));
      tbody.append(tr);
    }
    const caption = metrics.length === 1 ? METRICS[metrics[0]].label + (metrics[0] === DATA.ranking ? " ± h (ranking metric)" : " ± h") : "";
    return el("section", { class: "grid-block" }, el("h3", {}, grid.title),
      caption ? el("p", { class: "caption" }, caption) : null,
      el("table", { class: "lb grid", "data-grid": grid.protocol + "|" + grid.dataset }, gridHead(columns, metrics), tbody));
  }

  function renderCompact() {
    const host = document.getElementById("compact");
    host.replaceChildren();
    const rows = boardRows().filter((r) => !state.shots || r.shots === state.shots);
    const mine = DATA.grids.filter((g) => g.board === state.board && (!state.dataset || g.dataset === state.dataset)
      && (!state.protocol || g.protocol.split("(")[0] === state.protocol));
    const datasets = [...DATA.datasets, ...new Set(mine.map((g) => g.dataset).filter((d) => !DATA.datasets.includes(d)))];
    for (const dataset of datasets) {
      const blocks = mine.filter((g) => g.dataset === dataset).map((g) => {
        const tables = new Set(g.columns.map((c) => c.table));
        return renderGrid(g, rows.filter((r) => tables.has(tableKey(r))));
      }).filter(Boolean);
      if (!blocks.length) continue;
      const series = plotPoints(boardRows(), dataset, state.plotMetric);
      host.append(el("section", { class: "dataset", "data-dataset": dataset }, el("h2", {}, dataset),
        el("div", { class: "dataset-body" }, el("div", { class: "grids" }, ...blocks),
          series.length ? renderPlot(dataset, series, state.plotMetric) : null)));
    }
    if (!host.children.length) host.append(emptyMessage());
  }
