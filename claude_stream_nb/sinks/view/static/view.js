// claude-stream-nb: the stream view's front end (an anywidget ES module; no build step, no CDN).
//
// The kernel renders every structural piece as HTML (claude_stream_nb/sinks/render/_html.py);
// this module only places the pieces and streams text into the open slot. The kernel sends
// frames (custom messages, at most ~6 a second; the page animates in between): {frame: {n, t, d, ops}} where
//   n    the frame's number (1, 2, ...), t  seconds since the stream began (absent before the first event),
//   d    {part index: deltas that arrived in it during this frame} (absent when none; for a timeline),
//   i    1: show it at once (a player's step), not typed in,
//   ops  a list of operations, applied in order:
//     ["shell", html]             the view's root (header ... event log), once, first
//     ["part", index, html, t]    a new part appended to the body (its block started at stream time t)
//     ["stop", index, t]          its block stopped at stream time t
//     ["slot", index|null, name, html]   replace what a slot shows (view-level when index is null)
//     ["text", index, text]       append to the part's open stream (markdown tail, thinking, tool arguments)
//     ["seal", index, html, n]    the next n characters of a text part's source are a finished block: html
//                                 (the page drops what it holds of them; text sealed in the frame it came in
//                                 is not sent as text at all: the "text" op after the seal starts past it)
//     ["reset", index, html]      a text part's whole HTML (the final render differed from the sealed pieces)
//     ["auto", key, open]         open/close a collapsible, unless the user already chose
//     ["log", lines, count, run]  event-log lines to append (plain text), the log's summary, and the line of
//                                 the deltas still arriving (shown last, replaced by the next log op)
//     ["timeline", payload]       handed to csnTimeline(slot, payload, ctx) when a timeline module defines it
//     ["end"]                     the stream ended: reveal everything now
// Nothing already sent is sent again. A page that missed frames (reloaded mid-stream or after it)
// says {hello: n} (the frames it has); the kernel answers {history: [frames n+1...]} when it can.
// A second view of the same model in the same page rebuilds from the frames kept here, at once.
//
// The DOM (stable: browser tests and other front ends read it; same in the saved transcript):
//   div.csn-host                                  (live only; carries JupyterLab's rendered-HTML classes)
//     div.csn[data-csn-view=ID]
//       div.csn-header[data-csn-slot=header]     ... span.csn-state (waiting, thinking, writing, done, ...)
//       div.csn-notices[data-csn-slot=notices]   div.csn-notice per notice
//       div.csn-body[data-csn-slot=body]         .csn-part[data-csn-part=INDEX] per segment:
//         div.csn-text                           sealed markdown HTML ... div.csn-tail (the open block)
//         details.csn-thinking-panel[data-csn-key=thinking-I] > summary [data-csn-slot=title]; div.csn-thinking
//         div.csn-tool > div.csn-tool-head (b.csn-tool-name, code.csn-tool-id, span.csn-badge);
//                        details.csn-args-box[data-csn-key=args-I] > pre.csn-args; div.csn-tool-result
//         div.csn-result / details.csn-result   server-tool results, unknown blocks
//       div.csn-citations, div.csn-error-slot, div.csn-footer (div.csn-metrics)
//       details.csn-timeline[data-csn-key=timeline], details.csn-log-box[data-csn-key=log] > pre.csn-log
// The user's open/closed choices live in the model's "ui" trait ({key: open}); the kernel never
// overrides them, and they carry over to the transcript that replaces the view at the end.

const docs = new Map(); // view_id -> Doc: every frame received, the user's choices, mounted views
const REDUCED = typeof matchMedia === "function" && matchMedia("(prefers-reduced-motion: reduce)").matches;
const OPENERS = { "{": 1, "[": 1 };

/** Tool arguments pretty-printed as they stream; the same machine as render/_pretty.py. */
class PrettyJSON {
  constructor() { this.depth = 0; this.inString = false; this.escape = false; this.pendingOpen = false; }
  feed(text) {
    let out = "";
    for (const ch of text) {
      if (this.inString) {
        out += ch;
        if (this.escape) this.escape = false;
        else if (ch === "\\") this.escape = true;
        else if (ch === '"') this.inString = false;
        continue;
      }
      if (ch === " " || ch === "\t" || ch === "\r" || ch === "\n") continue;
      if (this.pendingOpen) {
        this.pendingOpen = false;
        if (ch === "}" || ch === "]") { this.depth -= 1; out += ch; continue; }
        out += "\n" + "  ".repeat(this.depth);
      }
      if (OPENERS[ch]) { out += ch; this.depth += 1; this.pendingOpen = true; }
      else if (ch === "}" || ch === "]") { this.depth = Math.max(this.depth - 1, 0); out += "\n" + "  ".repeat(this.depth) + ch; }
      else if (ch === ",") out += ",\n" + "  ".repeat(this.depth);
      else if (ch === ":") out += ": ";
      else { if (ch === '"') this.inString = true; out += ch; }
    }
    return out;
  }
}

const esc = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Inline markdown of the open block, enough to read it while it streams (escaped first). */
function inline(text) {
  return esc(text)
    .replace(/\ue000(\d+)\ue001/g, '<sup class="csn-cite">[$1]</sup>')
    .replace(/[\ue000-\ue002]/g, "")
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
    .replace(/(^|[^*\w])\*([^*\s][^*]*)\*/g, "$1<em>$2</em>")
    .replace(/\[([^\]]+)\]\([^)]*\)?/g, "<u>$1</u>");
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const ITEM = /^\s*([-+*]|\d{1,9}[.)])\s+/;

/** The open tail of a text part as HTML: the kernel seals each block with markdown-it's
 * rendering once it is finished; until then this shows it readably -- an open code fence as a
 * code block, never as raw backticks. */
function renderTail(src) {
  const lines = src.split("\n");
  // A last line that may yet become a list marker ("3", "3.", "-") waits for what follows.
  if (/^\s*(\d{1,9}[.)]?|[-+*])\s*$/.test(lines[lines.length - 1])) lines.pop();
  let html = "";
  for (let i = 0; i < lines.length; ) {
    const line = lines[i];
    const fence = line.match(FENCE);
    if (fence) {
      const body = [];
      for (i += 1; i < lines.length && !(lines[i].trim().startsWith(fence[1]) && !lines[i].trim().slice(fence[1].length).trim()); i++) body.push(lines[i]);
      i += 1;
      html += `<pre><code>${esc(body.join("\n"))}</code></pre>`;
      continue;
    }
    if (!line.trim()) { i++; continue; }
    const heading = line.match(/^ {0,3}(#{1,6})\s+(.*)$/);
    if (heading) { const n = heading[1].length; html += `<h${n}>${inline(heading[2])}</h${n}>`; i++; continue; }
    if (ITEM.test(line)) {
      const ordered = /^\s*\d/.test(line);
      let items = "";
      for (; i < lines.length && lines[i].trim(); i++) {
        if (ITEM.test(lines[i])) items += `<li>${inline(lines[i].replace(ITEM, ""))}</li>`;
        else items = items.replace(/<\/li>$/, " " + inline(lines[i].trim()) + "</li>");
      }
      html += ordered ? `<ol>${items}</ol>` : `<ul>${items}</ul>`;
      continue;
    }
    if (line.trim().startsWith("|")) {
      let rows = "";
      for (; i < lines.length && lines[i].trim().startsWith("|"); i++) {
        if (/^\s*\|[\s:|-]+\|?\s*$/.test(lines[i])) continue;
        const cells = lines[i].trim().replace(/^\||\|$/g, "").split("|");
        rows += "<tr>" + cells.map((c) => `<td>${inline(c.trim())}</td>`).join("") + "</tr>";
      }
      html += `<table><tbody>${rows}</tbody></table>`;
      continue;
    }
    const para = [];
    for (; i < lines.length && lines[i].trim() && !FENCE.test(lines[i]) && !/^ {0,3}#{1,6}\s/.test(lines[i]); i++) para.push(lines[i]);
    html += `<p>${inline(para.join("\n"))}</p>`;
  }
  return html;
}

/** One model's state: every frame (to rebuild a view), the user's choices, the views showing it. */
function docOf(model) {
  const id = model.get("view_id") || "";
  let doc = docs.get(id);
  if (!doc) {
    doc = { id, model, frames: [], views: new Set(), listening: false, asked: false, gap: 1000 / 6, lastAt: 0 };
    docs.set(id, doc);
  }
  if (!doc.listening) {
    doc.listening = true;
    model.on("msg:custom", (msg) => receive(doc, msg));
  }
  return doc;
}

/** Ask the kernel for the frames this page missed (it answers when it can: after a blocked cell). */
function hello(doc) {
  if (doc.asked) return;
  doc.asked = true;
  doc.model.send({ hello: doc.frames.length });
}

function receive(doc, msg) {
  if (msg && msg.frame) {
    if (msg.frame.n <= doc.frames.length) return; // a duplicate (the history already had it)
    if (msg.frame.n > doc.frames.length + 1) return hello(doc); // rendered mid-stream: earlier frames missed
    const now = performance.now();
    if (doc.lastAt) doc.gap = Math.min(500, 0.7 * doc.gap + 0.3 * (now - doc.lastAt));
    doc.lastAt = now;
    doc.frames.push(msg.frame);
    for (const view of doc.views) view.apply(msg.frame, false);
  } else if (msg && msg.history) {
    doc.asked = false;
    for (const frame of msg.history) {
      if (frame.n !== doc.frames.length + 1) continue;
      doc.frames.push(frame);
      for (const view of doc.views) view.apply(frame, true);
    }
  }
}

class View {
  constructor(model, doc, el) {
    this.model = model;
    this.doc = doc;
    this.host = document.createElement("div");
    this.host.className = "csn-host jp-RenderedHTMLCommon jp-RenderedHTML";
    el.appendChild(this.host);
    this.root = null;
    this.slots = {};
    this.parts = {};
    this.streams = new Set(); // parts whose text is still being revealed
    this.raf = 0;
    this.logLines = [];
    this.onClick = (event) => this.clicked(event);
    this.host.addEventListener("click", this.onClick);
  }

  ui() { return this.model.get("ui") || {}; }

  /** A click on a summary: the user's choice, kept in the model (the kernel hears it when it can). */
  clicked(event) {
    const summary = event.target.closest && event.target.closest("summary");
    const details = summary && summary.parentElement;
    if (!details || !details.dataset || !details.dataset.csnKey || !this.host.contains(details)) return;
    const choice = { ...this.ui(), [details.dataset.csnKey]: !details.open };
    this.model.set("ui", choice);
    this.model.save_changes();
  }

  applyChoices(scope) {
    const ui = this.ui();
    const all = [...scope.querySelectorAll("details[data-csn-key]")];
    if (scope.matches("details[data-csn-key]")) all.push(scope);
    for (const details of all) {
      const key = details.dataset.csnKey;
      if (key in ui) details.open = ui[key];
    }
  }

  apply(frame, instant) {
    for (const op of frame.ops) this.op(op);
    if (instant || frame.i || REDUCED) this.flush();
    else this.animate();
  }

  op(op) {
    const [kind] = op;
    if (kind === "shell") {
      this.host.innerHTML = op[1];
      this.root = this.host.firstElementChild;
      for (const el of this.root.querySelectorAll("[data-csn-slot]")) this.slots[el.dataset.csnSlot] = el;
      this.applyChoices(this.root);
    } else if (!this.root) {
      return;
    } else if (kind === "part") {
      const [, index, html] = op;
      this.slots.body.insertAdjacentHTML("beforeend", html);
      const el = this.slots.body.lastElementChild;
      this.applyChoices(el);
      this.parts[index] = this.newPart(el);
    } else if (kind === "slot") {
      const [, index, name, html] = op;
      const part = index === null ? null : this.parts[index];
      const slot = part ? part.el.querySelector(`[data-csn-slot="${name}"]`) : this.slots[name];
      if (!slot) return;
      slot.innerHTML = html;
      if (part && slot === part.stream) this.restream(part);
      if (part) this.applyChoices(part.el);
    } else if (kind === "text") {
      const part = this.parts[op[1]];
      if (!part) return;
      part.src += part.pretty ? part.pretty.feed(op[2]) : op[2];
      this.streams.add(part);
    } else if (kind === "seal") {
      const [, index, html, n] = op;
      const part = this.parts[index];
      if (!part) return;
      part.tail.insertAdjacentHTML("beforebegin", html);
      part.src = part.src.slice(n);
      part.shown = Math.max(0, part.shown - n);
      part.from = Math.max(0, part.from - n);
      part.drawn = -1;
      this.draw(part);
    } else if (kind === "reset") {
      const [, index, html] = op;
      const part = this.parts[index];
      if (!part) return;
      part.el.innerHTML = html + '<div class="csn-tail"></div>';
      part.tail = part.stream = part.el.lastElementChild;
      part.src = "";
      part.shown = part.from = 0;
      part.drawn = -1;
    } else if (kind === "auto") {
      const [, key, open] = op;
      if (key in this.ui()) return;
      const details = this.root.querySelector(`details[data-csn-key="${key}"]`);
      if (details) details.open = open;
    } else if (kind === "log") {
      const [, lines, count, pending] = op;
      this.logLines.push(...lines);
      const keep = this.model.get("log_size") || 50;
      if (this.logLines.length > keep) this.logLines.splice(0, this.logLines.length - keep);
      this.slots.log.textContent = [...this.logLines, ...(pending ? [pending] : [])].join("\n");
      this.slots["log-count"].textContent = count;
    } else if (kind === "timeline") {
      if (typeof csnTimeline === "function") {
        // eslint-disable-next-line no-undef
        csnTimeline(this.slots.timeline, op[1], { root: this.root, model: this.model });
      }
    } else if (kind === "stop") {
      // a block stopped at stream time op[2]: nothing to draw (a timeline reads it from the frame)
    } else if (kind === "end") {
      this.flush();
    }
  }

  newPart(el) {
    const tail = el.querySelector(":scope > .csn-tail");
    const stream = tail || el.querySelector('[data-csn-slot="body"], [data-csn-slot="args"]');
    const part = { el, tail, stream, src: "", shown: 0, from: 0, drawn: 0, node: null, pretty: null };
    if (stream && stream.dataset.csnSlot === "args") part.pretty = new PrettyJSON();
    if (stream && !tail) this.restream(part);
    return part;
  }

  /** A plain-text stream (thinking, arguments) appends to one text node after what the slot holds. */
  restream(part) {
    if (part.tail) return;
    part.node = document.createTextNode("");
    part.stream.appendChild(part.node);
    part.src = "";
    part.shown = part.from = part.drawn = 0;
  }

  /** Reveal what arrived evenly over the time until the next frame is expected. */
  animate() {
    const now = performance.now();
    for (const part of this.streams) {
      part.from = part.shown;
      part.startAt = now;
    }
    if (!this.raf && this.streams.size) this.raf = requestAnimationFrame((t) => this.tick(t));
  }

  tick() {
    this.raf = 0;
    const now = performance.now();
    const gap = Math.max(this.doc.gap, 16);
    for (const part of [...this.streams]) {
      const progress = Math.min(1, (now - part.startAt) / gap);
      part.shown = Math.max(part.shown, Math.round(part.from + progress * (part.src.length - part.from)));
      this.draw(part);
      if (part.shown >= part.src.length) this.streams.delete(part);
    }
    if (this.streams.size) this.raf = requestAnimationFrame((t) => this.tick(t));
  }

  flush() {
    for (const part of this.streams) {
      part.shown = part.src.length;
      this.draw(part);
    }
    this.streams.clear();
  }

  draw(part) {
    if (part.drawn === part.shown) return;
    if (part.tail) {
      part.tail.innerHTML = renderTail(part.src.slice(0, part.shown));
    } else if (part.node) {
      if (part.shown > part.drawn && part.drawn >= 0) part.node.appendData(part.src.slice(part.drawn, part.shown));
      else part.node.data = part.src.slice(0, part.shown);
      const pre = part.stream;
      if (pre.tagName === "PRE" && pre.scrollHeight - pre.scrollTop - pre.clientHeight < 40) pre.scrollTop = pre.scrollHeight;
    }
    part.drawn = part.shown;
  }

  dispose() {
    if (this.raf) cancelAnimationFrame(this.raf);
    this.host.removeEventListener("click", this.onClick);
  }
}

/** When the stream ends the kernel replaces the view with its transcript (the same HTML), built
 * before the kernel could hear the user's choices: one observer per page applies them to the
 * transcript as it is inserted (a mutation callback runs before the next paint: no flicker). */
let watching = false;
const SAVED = ".csn[data-csn-view]";

function applySaved(root) {
  if (root.closest(".csn-host")) return;
  const doc = docs.get(root.dataset.csnView);
  const ui = (doc && doc.model.get("ui")) || {};
  for (const details of root.querySelectorAll("details[data-csn-key]")) {
    const key = details.dataset.csnKey;
    if (key in ui && details.open !== ui[key]) details.open = ui[key];
  }
}

function watchTranscripts() {
  if (watching || typeof MutationObserver !== "function" || typeof document === "undefined") return;
  watching = true;
  new MutationObserver((mutations) => {
    for (const mutation of mutations) {
      for (const node of mutation.addedNodes) {
        if (node.nodeType !== 1) continue;
        if (node.matches(SAVED)) applySaved(node);
        else if (node.querySelector(SAVED)) node.querySelectorAll(SAVED).forEach(applySaved);
      }
    }
  }).observe(document.body, { childList: true, subtree: true });
}

export default {
  initialize({ model }) {
    docOf(model);
  },
  render({ model, el }) {
    const doc = docOf(model);
    watchTranscripts();
    const view = new View(model, doc, el);
    for (const frame of doc.frames) view.apply(frame, true);
    doc.views.add(view);
    // Nothing yet: a stream that has not begun, or a page reloaded after it: ask if nothing comes.
    if (!doc.frames.length) setTimeout(() => { if (!doc.frames.length) hello(doc); }, 1000);
    return () => {
      doc.views.delete(view);
      view.dispose();
    };
  },
};
