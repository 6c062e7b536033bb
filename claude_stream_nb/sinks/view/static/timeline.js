// claude-stream-nb: the stream's timeline in the live view (concatenated before view.js).
//
// The kernel's Timeline (claude_stream_nb/sinks/_timeline.py) sends, at most once a view frame,
// ["timeline", update]: what changed since the last one (new ticks summed per 1/30 s bucket, as
// runs of counts; lanes that started or stopped, new marks, gaps, tool runs). view.js hands each one to
// csnTimeline(slot, update, ctx). This module folds the updates into the same JSON model the
// kernel keeps (apply = apply_update) and, only while the Timeline section is open, draws it:
// the same SVG elements, geometry and class names as render/_timeline_svg.py draws for the saved
// transcript (every constant and rounding rule here has its twin there; a browser test compares
// the two element by element). Labels are set with textContent: model output stays inert.

const csnTl = (() => {
  const W = 720, X0 = 172, PAD_R = 16, PW = W - X0 - PAD_R;
  const ROW = 18, MROW = 13, CH = 6, LABEL_ROWS = 5, MAX_ROWS = 60, TICK_BUDGET = 1500;
  const STEPS = [0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 15, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600];
  const COLORS = {
    text: "#3b82f6", thinking: "#a855f7", tool: "#d97706", server: "#0d9488",
    other: "#8b949e", done: "#16a34a", fail: "#dc2626", mark: "#8b949e",
  };
  const STYLE =
    ".csn-tl{font-family:var(--jp-ui-font-family,system-ui,-apple-system,'Segoe UI',Roboto,sans-serif);" +
    "font-size:11px;max-width:100%;height:auto;overflow:visible}" +
    ".csn-tl text{fill:var(--jp-content-font-color1,currentColor)}" +
    ".csn-tl .csn-tl-span,.csn-tl .csn-tl-tick,.csn-tl .csn-tl-summary{fill:var(--jp-content-font-color2,currentColor)}";
  const NS = "http://www.w3.org/2000/svg";

  const chars = (text) => Array.from(text);
  function num(v) {
    const n = Math.floor(v * 10 + 0.5);
    return n % 10 === 0 ? String(Math.floor(n / 10)) : `${Math.floor(n / 10)}.${n % 10}`;
  }
  function sec(t) {
    const n = Math.floor(t * 100 + 0.5);
    return `${Math.floor(n / 100)}.${String(n % 100).padStart(2, "0")}`;
  }
  const cls = (text) => chars(text).map((c) => (/^[A-Za-z0-9_-]$/.test(c) ? c : "-")).slice(0, 40).join("");
  const short = (text, n) => (chars(text).length <= n ? text : chars(text).slice(0, n - 1).join("") + "…");

  function kindColor(kind) {
    if (kind === "text") return COLORS.text;
    if (kind === "thinking" || kind === "redacted_thinking") return COLORS.thinking;
    if (kind === "tool_use") return COLORS.tool;
    if (["_tool_use", "_tool_result", "_result", "_upload"].some((end) => kind.endsWith(end))) return COLORS.server;
    return COLORS.other;
  }
  function runColor(status) {
    if (status === "done") return COLORS.done;
    if (["error", "timeout", "invalid", "cut_off", "unknown"].includes(status)) return COLORS.fail;
    return COLORS.tool;
  }

  function empty() {
    return { v: 1, hz: 30, now: 0, state: "waiting", events: 0, lanes: [], ticks: [], marks: [], gaps: [], runs: [] };
  }

  /** Fold one update into the model (apply_update in _timeline.py). */
  function apply(model, update) {
    for (const key of ["now", "state", "events", "hz"]) if (key in update) model[key] = update[key];
    for (const key of ["lanes", "gaps", "runs"]) {
      for (const [position, item] of update[key] || []) {
        while (model[key].length <= position) model[key].push(null);
        model[key][position] = { ...item };
      }
    }
    for (const mark of update.marks || []) model.marks.push({ ...mark });
    if (update.tk) { // runs [lane, first bucket, count, count, ...] (zeros: holes)
      const counts = new Map(model.ticks.map(([lane, bucket, count]) => [`${lane},${bucket}`, [lane, bucket, count]]));
      for (const [lane, first, ...run] of update.tk) {
        run.forEach((count, offset) => {
          if (!count) return;
          const key = `${lane},${first + offset}`;
          const old = counts.get(key);
          counts.set(key, [lane, first + offset, (old ? old[2] : 0) + count]);
        });
      }
      model.ticks = [...counts.values()].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    }
    return model;
  }

  function extent(model) {
    let t = Math.max(Number(model.now), 0.1, Number(model.axis || 0));
    for (const lane of model.lanes) t = Math.max(t, lane.stop || 0);
    for (const item of [...model.marks, ...model.gaps, ...model.runs]) t = Math.max(t, item.t || item.end || 0);
    for (const step of STEPS) {
      const n = Math.ceil(t / step - 1e-9);
      if (n <= 8) return [n * step, step, n];
    }
    const n = Math.ceil(t / 3600 - 1e-9);
    return [n * 3600, 3600, n];
  }

  function rowsOf(model) {
    const rows = [];
    model.lanes.forEach((_, p) => {
      rows.push(["lane", p]);
      model.runs.forEach((run, q) => { if (run.lane === p) rows.push(["run", q]); });
    });
    model.runs.forEach((run, q) => { if (run.lane === null || run.lane === undefined) rows.push(["run", q]); });
    return rows;
  }

  function tickPaths(model, tend) {
    const hz = model.hz;
    let step = 2;
    let cells;
    for (;;) {
      cells = new Map();
      for (const [lane, bucket, count] of model.ticks) {
        const k = Math.floor((bucket + 0.5) / hz / tend * PW / step);
        const key = `${lane},${k}`;
        const old = cells.get(key);
        cells.set(key, [lane, k, (old ? old[2] : 0) + count]);
      }
      if (cells.size <= TICK_BUDGET || step >= 64) break;
      step *= 2;
    }
    const all = [...cells.values()].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const top = all.length ? Math.max(...all.map((c) => c[2])) : 1;
    const paths = new Map();
    for (const [lane, k, count] of all) {
      const h = Math.max(2, Math.floor(8 * count / top + 0.5));
      paths.set(lane, (paths.get(lane) || "") + `M${num(X0 + (k + 0.5) * step)} {y}v-${h}`);
    }
    return paths;
  }

  function labelsOf(model, x) {
    const items = model.marks.map((m) => ({ kind: m.kind, t: m.t, text: `${m.label} ${sec(m.t)} s`, gap: false }));
    for (const g of model.gaps) items.push({ kind: g.kind, t: g.start, text: short(g.label, 32), gap: true });
    items.sort((a, b) => a.t - b.t);
    const ends = [];
    for (const item of items) {
      const at = x(item.t), width = chars(item.text).length * CH;
      const endAnchor = at + 3 + width > W - 2;
      const a = endAnchor ? at - 3 - width : at + 3;
      let row = ends.findIndex((e) => e + 4 <= a);
      if (row < 0 && ends.length < LABEL_ROWS) {
        ends.push(-1e9);
        row = ends.length - 1;
      } else if (row < 0) {
        row = 0;
        for (let r = 1; r < ends.length; r++) if (ends[r] < ends[row]) row = r;
      }
      ends[row] = Math.max(ends[row], a + width);
      Object.assign(item, { row, x: at, end: endAnchor });
    }
    return items;
  }

  function summaryText(model) {
    const first = model.marks.find((m) => m.kind === "first_token");
    const end = model.marks.find((m) => m.kind === "end");
    const parts = [first ? `first token ${sec(first.t)} s` : "no token yet"];
    parts.push(end ? `total ${sec(end.t)} s` : `${sec(model.now)} s so far`);
    parts.push(`${model.events} events`);
    const gaps = model.gaps.filter((g) => g.kind !== "pause");
    if (gaps.length) parts.push(`${gaps.length} reconnect/retry gap${gaps.length !== 1 ? "s" : ""}`);
    if (model.note) parts.push(String(model.note));
    return parts.join(" · ");
  }

  function el(parent, tag, attrs, text) {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  /** The model as an <svg> element: render_svg in render/_timeline_svg.py, element for element. */
  function render(model) {
    const [tend, step, n] = extent(model);
    const x = (t) => X0 + t / tend * PW;
    const labels = labelsOf(model, x);
    const top = (1 + Math.max(0, ...labels.map((item) => item.row))) * MROW + 8;
    const rows = rowsOf(model);
    const shown = rows.slice(0, MAX_ROWS);
    const bottom = top + (shown.length + (rows.length > shown.length ? 1 : 0)) * ROW;
    const axis = bottom + 4;
    const height = axis + 34;
    const summary = summaryText(model);
    const svg = el(null, "svg", {
      class: "csn-tl", width: String(W), height: num(height), viewBox: `0 0 ${W} ${num(height)}`, role: "img",
      "aria-label": `Stream timeline: ${summary}`, "font-family": "system-ui,sans-serif", "font-size": "11",
    });
    el(svg, "style", {}, STYLE);
    const grid = el(svg, "g", { class: "csn-tl-grid" });
    for (let k = 0; k <= n; k++) {
      const gx = num(x(k * step));
      el(grid, "line", { x1: gx, x2: gx, y1: num(top - 4), y2: num(axis), stroke: "currentColor", "stroke-opacity": "0.15" });
    }
    const gaps = el(svg, "g", { class: "csn-tl-gaps" });
    for (const gap of model.gaps) {
      const end = gap.end !== null && gap.end !== undefined ? gap.end : model.now;
      const x1 = x(gap.start), x2 = x(Math.max(end, gap.start));
      const rect = el(gaps, "rect", {
        class: `csn-tl-gap csn-tl-gap-${cls(gap.kind)}`, x: num(x1), y: num(top - 4), width: num(Math.max(x2 - x1, 1.5)),
        height: num(bottom - top + 8), fill: gap.kind !== "pause" ? COLORS.fail : COLORS.mark, "fill-opacity": "0.16",
      });
      el(rect, "title", {}, `${gap.label} (${sec(gap.start)}–${sec(end)} s)`);
    }
    const paths = tickPaths(model, tend);
    const body = el(svg, "g", { class: "csn-tl-rows" });
    shown.forEach(([what, p], r) => {
      const y = top + r * ROW;
      if (what === "lane") lane(body, model, p, y, x, paths.get(p));
      else run(body, model, p, y, x);
    });
    if (rows.length > shown.length) {
      el(body, "text", { class: "csn-tl-label csn-tl-more", x: "4", y: num(top + shown.length * ROW + 12), fill: "currentColor" },
        `… ${rows.length - shown.length} more rows not drawn`);
    }
    const marks = el(svg, "g", { class: "csn-tl-marks" });
    for (const item of labels) {
      const g = el(marks, "g", { class: `csn-tl-mark csn-tl-m-${cls(item.kind)}` });
      const ly = 10 + item.row * MROW;
      if (!item.gap) {
        let color = item.kind === "error" ? COLORS.fail : COLORS.mark;
        if (item.kind === "first_token") color = COLORS.text;
        const mx = num(item.x);
        el(g, "line", { x1: mx, x2: mx, y1: num(ly + 2), y2: num(bottom), stroke: color, "stroke-dasharray": "2 2" });
      }
      const attrs = { class: "csn-tl-marklabel", x: num(item.end ? item.x - 3 : item.x + 3), y: num(ly) };
      if (item.end) attrs["text-anchor"] = "end";
      attrs.fill = "currentColor";
      el(g, "text", attrs, item.text);
    }
    const decimals = step === Math.trunc(step) ? 0 : step === 0.25 ? 2 : 1;
    const ax = el(svg, "g", { class: "csn-tl-axis" });
    el(ax, "line", { x1: num(X0), x2: num(X0 + PW), y1: num(axis), y2: num(axis), stroke: "currentColor", "stroke-opacity": "0.5" });
    for (let k = 0; k <= n; k++) {
      const label = (k * step).toFixed(decimals) + (k === n ? " s" : "");
      const anchor = k === n ? "end" : k === 0 ? "start" : "middle";
      el(ax, "text", { class: "csn-tl-tick", x: num(x(k * step)), y: num(axis + 13), "text-anchor": anchor, fill: "currentColor" }, label);
    }
    el(svg, "text", { class: "csn-tl-summary", x: "4", y: num(axis + 28), fill: "currentColor" }, summary);
    return svg;
  }

  function lane(parent, model, p, y, x, path) {
    const info = model.lanes[p];
    const stop = info.stop;
    const end = stop !== null && stop !== undefined ? stop : model.now;
    const open = stop === null || stop === undefined;
    const state = open ? " csn-tl-open" : info.cut ? " csn-tl-cut" : "";
    const color = kindColor(info.type);
    const g = el(parent, "g", { class: `csn-tl-lane csn-tl-k-${cls(info.type)}${state}` });
    let deltas = 0;
    for (const [q, , count] of model.ticks) if (q === p) deltas += count;
    const span = `${sec(info.start)}–${open ? "" : sec(stop)}`;
    el(g, "title", {}, `block ${info.i} (${info.type}) ${info.label}: ${span} s, ${deltas} deltas`);
    el(g, "text", { class: "csn-tl-label", x: "4", y: num(y + 12), fill: "currentColor" }, short(info.label, 16));
    el(g, "text", { class: "csn-tl-span", x: num(X0 - 6), y: num(y + 12), "text-anchor": "end", "font-size": "10", fill: "currentColor" }, span);
    const x1 = x(info.start), x2 = x(Math.max(end, info.start));
    el(g, "rect", {
      class: "csn-tl-bar", x: num(x1), y: num(y + 4), width: num(Math.max(x2 - x1, 1.5)), height: "10", rx: "2",
      fill: color, "fill-opacity": "0.28", stroke: color, "stroke-dasharray": state ? "3 2" : "none",
    });
    if (path) {
      el(g, "path", { class: "csn-tl-ticks", d: path.split("{y}").join(num(y + 14)), fill: "none", stroke: color, "stroke-width": "1.2" });
    }
  }

  function run(parent, model, q, y, x) {
    const info = model.runs[q];
    const done = info.end !== null && info.end !== undefined;
    const end = done ? info.end : model.now;
    const color = runColor(info.status);
    const g = el(parent, "g", { class: `csn-tl-run csn-tl-s-${cls(info.status)}` });
    const span = `${sec(info.start)}–${done ? sec(info.end) : ""}`;
    el(g, "title", {}, `${info.name} ran ${span} s: ${info.status}`);
    el(g, "text", { class: "csn-tl-label", x: "12", y: num(y + 12), fill: "currentColor" }, short(`↳ ${info.name}`, 15));
    el(g, "text", { class: "csn-tl-span", x: num(X0 - 6), y: num(y + 12), "text-anchor": "end", "font-size": "10", fill: "currentColor" }, span);
    const x1 = x(info.start), x2 = x(Math.max(end, info.start));
    el(g, "rect", { class: "csn-tl-bar", x: num(x1), y: num(y + 5), width: num(Math.max(x2 - x1, 1.5)), height: "8", rx: "4", fill: color });
  }

  const states = new WeakMap(); // slot -> {model, host, details, queued}

  /** Draw now if the section is open (else when it opens); at most once an animation frame. */
  function draw(state) {
    if (state.queued || !(state.details ? state.details.open : true)) return;
    state.queued = true;
    const paint = () => {
      state.queued = false;
      state.host.replaceChildren(render(state.model));
      state.draws += 1;
    };
    if (typeof requestAnimationFrame === "function") requestAnimationFrame(paint);
    else paint();
  }

  function handle(slot, update) {
    let state = states.get(slot);
    if (!state) {
      const host = document.createElement("div");
      host.className = "csn-tl-host";
      slot.replaceChildren(host); // the slot is no longer empty: the Timeline section shows
      state = { model: empty(), host, details: slot.closest("details"), queued: false, draws: 0 };
      states.set(slot, state);
      if (state.details) state.details.addEventListener("toggle", () => draw(state));
    }
    apply(state.model, update);
    draw(state);
    return state;
  }

  return { apply, empty, render, handle, summaryText, states };
})();

// eslint-disable-next-line no-unused-vars
function csnTimeline(slot, payload, ctx) {
  return csnTl.handle(slot, payload);
}
csnTimeline.render = csnTl.render;
csnTimeline.apply = csnTl.apply;
csnTimeline.empty = csnTl.empty;
csnTimeline.state = (slot) => csnTl.states.get(slot);
