// claude-stream-nb: the step-through player's front end (an anywidget ES module; no build step, no CDN).
//
// One widget holds the whole player, so every host that renders anywidgets renders all of it
// (JupyterLab, Notebook 7, marimo -- marimo renders no stock ipywidgets): the buttons, the speed
// slider, the status, the current raw event and what it changed, and, in its stage, the stream
// view -- a child widget (the model's "view" trait, "anywidget:<model id>"), rendered with
// anywidget's host.getWidget(ref). Back-to-start starts a fresh stream view in the same widget
// (marimo opens no widget outside a cell's run): it gets a new view_id, the "restarts" trait
// counts up, and the stage renders the child again -- view.js builds a new document for the new
// id from the frames that follow (or asks the kernel for them).
//
// The kernel drives playback (a background thread); the page only asks:
//   a button click     -> model.send({action: "toggle" | "step" | "back"})   one message per click
//                         (Step is exact: each message is one event)
//   the speed slider   -> the "speed" trait (log2 scale, 0.25 ... 32); the kernel observes it
// and shows what the kernel says: traits position, total, time (status "event N of M · T s"),
// playing (the Play/Pause label), raw (the current event's SSE text), change (what it changed).
// Text goes in as textContent: nothing the model sent is parsed as HTML.
//
// The DOM (stable: browser tests read it):
//   div.csn-player
//     div.csn-player-bar     button[data-csn-action=back|toggle|step], label.csn-player-speed
//                            (input[type=range], input.csn-player-readout), span.csn-player-status
//     div.csn-player-main    div.csn-player-stage (the view) | div.csn-player-panel
//                            (pre.csn-player-raw, div.csn-player-change, each after its label)

const LABELS = { back: "|\u25c0 Start", play: "\u25b6 Play", pause: "\u25ae\u25ae Pause", step: "\u25b6| Step" };
const MIN = -2, MAX = 5, STEP = 0.5; // log2 of the speed

const h = (tag, props = {}, ...children) => {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "dataset") Object.assign(el.dataset, value);
    else if (key in el) el[key] = value;
    else el.setAttribute(key, value);
  }
  el.append(...children);
  return el;
};

const speedText = (speed) => (speed >= 10 ? speed.toFixed(1) : speed.toFixed(speed < 1 ? 3 : 2));

function render({ model, el, host }) {
  const button = (action, label, title) =>
    h("button", { type: "button", className: "csn-player-button", textContent: label, title, dataset: { csnAction: action } });
  const back = button("back", LABELS.back, "back to the start");
  const toggle = button("toggle", LABELS.play, "play at the chosen speed");
  const step = button("step", LABELS.step, "one event");
  const range = h("input", { type: "range", min: MIN, max: MAX, step: STEP, "aria-label": "speed" });
  const readout = h("input", { type: "text", className: "csn-player-readout", inputMode: "decimal", "aria-label": "speed value" });
  const status = h("span", { className: "csn-player-status", "aria-live": "polite" });
  const stage = h("div", { className: "csn-player-stage" });
  const raw = h("pre", { className: "csn-player-raw" });
  const change = h("div", { className: "csn-player-change" });
  const panel = h("div", { className: "csn-player-panel" },
    h("div", { className: "csn-player-label", textContent: "current event" }), raw,
    h("div", { className: "csn-player-label", textContent: "what it changed" }), change);
  const root = h("div", { className: "csn-player" },
    h("div", { className: "csn-player-bar" }, back, toggle, step,
      h("label", { className: "csn-player-speed" }, "speed ", range, readout), status),
    h("div", { className: "csn-player-main" }, stage, panel));
  el.appendChild(root);

  const onClick = (event) => {
    const target = event.target.closest && event.target.closest("button[data-csn-action]");
    if (target && root.contains(target)) model.send({ action: target.dataset.csnAction });
  };
  root.addEventListener("click", onClick);

  const setSpeed = (speed) => {
    if (!(speed > 0)) return showSpeed();
    speed = Math.min(2 ** MAX, Math.max(2 ** MIN, speed));
    model.set("speed", speed);
    model.save_changes();
    showSpeed();
  };
  range.addEventListener("input", () => setSpeed(2 ** Number(range.value)));
  readout.addEventListener("change", () => setSpeed(Number(readout.value)));
  readout.addEventListener("keydown", (event) => { if (event.key === "Enter") readout.blur(); });

  function showSpeed() {
    const speed = model.get("speed") || 1;
    range.value = String(Math.log2(speed));
    readout.value = speedText(speed);
  }
  function showStatus() {
    const at = Number(model.get("time") || 0).toFixed(2);
    status.replaceChildren("event ", h("b", { textContent: String(model.get("position")) }),
      ` of ${model.get("total")} \u00b7 ${at} s`);
  }
  const showPlaying = () => { toggle.textContent = model.get("playing") ? LABELS.pause : LABELS.play; };
  const showRaw = () => { raw.textContent = model.get("raw") || ""; };
  const showChange = () => { change.textContent = model.get("change") || ""; };

  // The stage: the current view, rendered as a child widget; a new view replaces it.
  let child = null;
  async function showView() {
    if (child) child.abort();
    const controller = (child = new AbortController());
    stage.replaceChildren();
    const ref = model.get("view");
    if (!ref || !host) return;
    const slot = h("div", { className: "csn-player-view" });
    stage.appendChild(slot);
    try {
      const widget = await host.getWidget(ref);
      if (!controller.signal.aborted) await widget.render({ el: slot, signal: controller.signal });
    } catch (error) {
      if (!controller.signal.aborted) slot.textContent = `the view could not be shown: ${error}`;
    }
  }

  const watch = { speed: showSpeed, time: showStatus, position: showStatus, total: showStatus,
    playing: showPlaying, raw: showRaw, change: showChange, view: showView, restarts: showView };
  for (const [name, show] of Object.entries(watch)) model.on(`change:${name}`, show);
  showSpeed(); showStatus(); showPlaying(); showRaw(); showChange(); showView();

  return () => {
    for (const [name, show] of Object.entries(watch)) model.off(`change:${name}`, show);
    root.removeEventListener("click", onClick);
    if (child) child.abort();
  };
}

export default { render };
