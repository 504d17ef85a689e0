// A stepper output's script: steps through one recorded backward pass, node by node, in
// the browser. The SVG of the final picture is laid out once (in Python) and travels in
// the output itself, as the still picture (<img>) of the HTML that stepper.py writes; this
// script, inlined in the same output, turns that picture into the stepper. Each frame
// only restyles the SVG, so stepping needs no kernel, no widget manager and no saved
// widget state: wherever an output's scripts run (a trusted notebook in JupyterLab or
// Notebook 7, nbconvert's HTML, VS Code, Colab) it steps; elsewhere the still picture stays.
//
// How the SVG is read (Graphviz writes each DOT name into the group's <title>):
//   <g class="node"><title>n3</title>...   a node; a Value's op circle is "n3_op"
//   <g class="edge"><title>n0->n2</title>  an edge; into a Value it goes to the op
//                                           circle ("n0->n2_op"), keyed here "n0->n2";
//                                           a second edge with that title (x * x: one
//                                           edge per operand) is keyed "n0->n2#2"
//   a <text> "grad ..."                     the node's gradient, rewritten every frame
//   a <text> "visited #k" (tensors) or "#k" (Values)  shown once the node is visited
//   an edge's <text> "∂ ..."               shown once the gradient has crossed it
//
// frameState() is pure (no DOM): the Python side mirrors it in stepper.frame_states()
// and the tests compare the two (they load this file with node's require()).

const PLAY_MS = 800;
const NO_GRAD = "—";
const VISIT_TEXT = /^(visited )?#\d+$/;
const SEED = "seed";

function titleOf(group) {
  for (const child of group.children) {
    if (child.localName === "title") return child.textContent.trim();
  }
  return "";
}

// "nA->nB_op" -> "nA->nB": the gradient crosses the edge into the Value nB.
function edgeKey(title) {
  const at = title.indexOf("->");
  if (at < 0) return null;
  const src = title.slice(0, at);
  let dst = title.slice(at + 2);
  if (!src.endsWith("_op") && dst.endsWith("_op")) dst = dst.slice(0, -3);
  return `${src}->${dst}`;
}

// "nA->nB#2" -> "nB": the node an edge key goes into.
function edgeDst(key) {
  return key.slice(key.indexOf("->") + 2).split("#")[0];
}

function lastText(texts, test) {
  let found = null;
  for (const t of texts) if (test(t.textContent.trim())) found = t;
  return found;
}

// What the SVG offers to restyle: node groups, their grad and visit texts, edge groups
// and their labels.
function indexSvg(svg) {
  const nodes = new Map();
  for (const g of svg.querySelectorAll("g.node")) {
    const texts = [...g.querySelectorAll("text")];
    nodes.set(titleOf(g), {
      g,
      grad: lastText(texts, (s) => s.startsWith("grad ")),
      visit: lastText(texts, (s) => VISIT_TEXT.test(s)),
    });
  }
  const edges = new Map();
  const uses = {}; // edge key -> edges with its title so far (Graphviz keeps DOT order)
  for (const g of svg.querySelectorAll("g.edge")) {
    let key = edgeKey(titleOf(g));
    if (key === null) continue;
    uses[key] = (uses[key] || 0) + 1;
    if (uses[key] > 1) key = `${key}#${uses[key]}`;
    edges.set(key, { g, labels: [...g.querySelectorAll("text")] });
  }
  return { nodes, edges };
}

// The plain description of an indexed SVG that frameState() works on.
function pictureOf(index) {
  const ids = [...index.nodes.keys()];
  return {
    nodes: ids,
    gradNodes: ids.filter((id) => index.nodes.get(id).grad),
    visitNodes: ids.filter((id) => index.nodes.get(id).visit),
    edges: [...index.edges.keys()],
    labelledEdges: [...index.edges.keys()].filter((k) => index.edges.get(k).labels.length),
  };
}

// frame index at which each node is first visited
function visitedAt(frames) {
  const at = {};
  frames.forEach((f, i) => {
    if (f.kind === "visit" && !(f.active in at)) at[f.active] = i;
  });
  return at;
}

// What frame i shows: the grad text per node, the label per edge (null: hidden), the
// visited nodes, and what is highlighted. Arrays are sorted.
function frameState(frames, picture, i, firstVisits = visitedAt(frames)) {
  const frame = frames[i];
  // Each frame holds only what its step changed: the state is frames 0..i in order.
  const shownGrads = {};
  const shownEdges = {};
  for (let j = 0; j <= i; j++) {
    Object.assign(shownGrads, frames[j].grads);
    Object.assign(shownEdges, frames[j].edges);
  }
  const grads = {};
  for (const id of picture.gradNodes) {
    grads[id] = id in shownGrads ? shownGrads[id] : NO_GRAD;
  }
  const edges = {};
  for (const key of picture.labelledEdges) {
    edges[key] = key in shownEdges ? shownEdges[key] : null;
  }
  const visited = picture.visitNodes.filter((id) => id in firstVisits && firstVisits[id] <= i);
  const hotNodes = [frame.active];
  const hotEdges = [];
  if (frame.kind === SEED) {
    hotNodes.push(SEED);
    hotEdges.push(`${frame.active}->${SEED}`);
  } else if (frame.kind === "visit") {
    // the gradients just sent from the active node to its inputs
    for (const key of Object.keys(frame.edges)) {
      if (edgeDst(key) === frame.active) hotEdges.push(key);
    }
    const op = `${frame.active}_op`; // a Value's op circle: where its rule runs
    if (picture.nodes.includes(op)) {
      hotNodes.push(op);
      hotEdges.push(`${op}->${frame.active}`);
    }
  }
  const known = new Set(picture.nodes);
  const knownEdges = new Set(picture.edges);
  return {
    step: i,
    kind: frame.kind,
    active: frame.active,
    caption: frame.caption,
    grads,
    edges,
    visited: visited.sort(),
    hotNodes: hotNodes.filter((id) => known.has(id)).sort(),
    hotEdges: hotEdges.filter((key) => knownEdges.has(key)).sort(),
    changed: frame.kind === "accumulate" && frame.active in grads ? [frame.active] : [],
  };
}

function parseSvg(text) {
  if (!text) return null;
  const doc = new DOMParser().parseFromString(text, "image/svg+xml");
  const root = doc.documentElement;
  if (!root || root.localName !== "svg" || doc.getElementsByTagName("parsererror").length) {
    return null;
  }
  return document.importNode(root, true);
}

// One element of the stepper's DOM: its class, attributes and children (text or nodes).
// predict.js builds its panel with it too: both scripts are inlined into one output.
function element(tag, className, attributes = {}, ...children) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  for (const [name, value] of Object.entries(attributes)) e.setAttribute(name, value);
  e.append(...children);
  return e;
}

function button(label, title) {
  return element("button", "mgnb-button", { type: "button", title, "aria-label": title },
    label);
}

function paint(index, state) {
  const hotNodes = new Set(state.hotNodes);
  for (const [id, node] of index.nodes) {
    node.g.classList.toggle("mgnb-active", hotNodes.has(id));
    if (node.grad && id in state.grads) {
      node.grad.textContent = `grad ${state.grads[id]}`;
      node.grad.classList.toggle("mgnb-pending", state.grads[id] === NO_GRAD);
      node.grad.classList.toggle("mgnb-changed", state.changed.includes(id));
    }
    if (node.visit) node.visit.classList.toggle("mgnb-hidden", !state.visited.includes(id));
  }
  const hotEdges = new Set(state.hotEdges);
  for (const [key, edge] of index.edges) {
    edge.g.classList.toggle("mgnb-hot", hotEdges.has(key));
    if (!(key in state.edges)) continue;
    const text = state.edges[key];
    edge.g.classList.toggle("mgnb-waiting", text === null);
    for (const label of edge.labels) {
      label.classList.toggle("mgnb-hidden", text === null);
      if (text !== null) label.textContent = `∂ ${text}`;
    }
  }
}

// The SVG text of the still picture: an <img> whose src is a base64 data URL.
function svgOfImage(img) {
  const src = (img && img.getAttribute("src")) || "";
  const at = src.indexOf(";base64,");
  if (!src.startsWith("data:image/svg+xml") || at < 0) return "";
  const bytes = Uint8Array.from(atob(src.slice(at + 8)), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

// Turn one stepper output (a <div data-mgnb-stepper>: the still picture and its frames as
// JSON) into a working stepper. Done once per element; later calls return false.
function mount(output) {
  if (!output || output.classList.contains("mgnb-live")) return false;
  const dataNode = output.querySelector("script.mgnb-data");
  if (!dataNode) return false;
  const data = JSON.parse(dataNode.textContent);
  const frames = data.frames || [];
  const still = output.querySelector("img.mgnb-still");
  const svg = parseSvg(svgOfImage(still));

  const title = data.title || "backward pass";
  // Lumino (JupyterLab, Notebook 7) leaves keys pressed in here to us: ← → Home End and
  // space step the pass instead of moving between cells or scrolling the notebook.
  const root = element("div", "mgnb-stepper", {
    tabindex: "0", "data-lm-suppress-shortcuts": "true", role: "group",
    "aria-label": `stepper: ${title}`,
  });
  const header = element("div", "mgnb-title", {}, title);
  const first = button("⏮", "first step (Home)");
  const back = button("◀", "step back (←)");
  const play = button("▶", "play (space)");
  const forward = button("▶|", "step forward (→)");
  const last = button("⏭", "last step (End)");
  const slider = element("input", "mgnb-slider",
    { type: "range", min: "0", step: "1", "aria-label": "step" });
  const counter = element("span", "mgnb-counter");
  const toolbar = element("div", "mgnb-toolbar", {}, first, back, play, forward, last, slider,
    counter);
  const kind = element("span", "mgnb-kind");
  const captionText = element("span", "");
  const caption = element("div", "mgnb-caption", { "aria-live": "polite" }, kind, captionText);
  const figure = element("div", "mgnb-figure");
  root.append(header, toolbar, caption, figure);

  let index = null;
  let picture = { nodes: [], gradNodes: [], visitNodes: [], edges: [], labelledEdges: [] };
  if (svg) {
    figure.replaceChildren(svg);
    index = indexSvg(svg);
    picture = pictureOf(index);
  } else {
    figure.replaceChildren(element("div", "mgnb-note", {},
      "no picture: no Graphviz renderer was available when this was made"));
  }
  const firstVisits = visitedAt(frames);
  let current = 0;
  let timer = null;
  // Practice mode (predict.js) bounds how far the student may step and re-hides what is
  // still to be predicted after each frame is drawn.
  const hooks = { limit: null, painted: null };

  const lastIndex = () => (hooks.limit === null ? Math.max(frames.length - 1, 0) : hooks.limit);
  const clamp = (i) => Math.min(Math.max(Number(i) || 0, 0), lastIndex());
  slider.max = String(lastIndex());

  function show(i) {
    current = clamp(i);
    slider.max = String(lastIndex()); // practice mode moves the limit
    slider.value = String(current);
    counter.textContent = `step ${current} / ${lastIndex()}`;
    first.disabled = back.disabled = current === 0;
    forward.disabled = last.disabled = current === lastIndex();
    if (!frames.length) {
      kind.textContent = "";
      captionText.textContent = "no steps were recorded";
      return;
    }
    const state = frameState(frames, picture, current, firstVisits);
    kind.textContent = state.kind;
    kind.dataset.kind = state.kind;
    captionText.textContent = state.caption;
    if (index) paint(index, state);
    if (hooks.painted) hooks.painted(current, state);
  }

  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    play.textContent = "▶";
    play.title = "play (space)";
    play.setAttribute("aria-label", play.title);
  }

  function start() {
    if (frames.length < 2) return;
    if (current >= lastIndex()) show(0);
    play.textContent = "⏸";
    play.title = "pause (space)";
    play.setAttribute("aria-label", play.title);
    timer = setInterval(() => {
      if (current >= lastIndex() || !root.isConnected) stop();
      else show(current + 1);
    }, PLAY_MS);
  }

  const toggle = () => (timer === null ? start() : stop());
  const manual = (fn) => () => {
    stop();
    fn();
  };
  // A button that gets disabled would drop the focus, and the arrow keys with it.
  const clicked = (fn) => () => {
    fn();
    root.focus({ preventScroll: true });
  };

  first.addEventListener("click", clicked(manual(() => show(0))));
  back.addEventListener("click", clicked(manual(() => show(current - 1))));
  play.addEventListener("click", clicked(toggle));
  forward.addEventListener("click", clicked(manual(() => show(current + 1))));
  last.addEventListener("click", clicked(manual(() => show(lastIndex()))));
  slider.addEventListener("input", manual(() => show(slider.value)));
  root.addEventListener("keydown", (event) => {
    if (event.target === slider && event.key.startsWith("Arrow")) return; // its own keys
    if (event.target.localName === "input" && event.target !== slider) return; // typing
    const keys = {
      ArrowLeft: () => show(current - 1),
      ArrowRight: () => show(current + 1),
      Home: () => show(0),
      End: () => show(lastIndex()),
    };
    if (event.key in keys) {
      stop();
      keys[event.key]();
    } else if (event.key === " " && event.target === root) {
      toggle();
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation(); // keep the notebook from moving between cells
  });

  show(data.step || 0);
  if (data.predict && typeof mountPredict === "function") {
    mountPredict({ root, figure, frames, index, hooks, show }, data.predict);
  }
  // The still picture stays in the output (hidden) so the page's text is unchanged; so
  // does practice mode's note under it (the stepper says what to do).
  if (still) still.hidden = true;
  for (const note of output.querySelectorAll(".mgnb-still-note")) note.hidden = true;
  output.append(root);
  output.classList.add("mgnb-live");
  return true;
}

// Mount every stepper output on the page that is not live yet: called by the script in
// each output (JupyterLab runs an output's scripts once it is attached to the page).
function mountAll(doc) {
  let mounted = 0;
  for (const output of doc.querySelectorAll("div[data-mgnb-stepper]")) {
    if (mount(output)) mounted += 1;
  }
  return mounted;
}

if (typeof module !== "undefined" && module.exports) {
  module.exports = { edgeKey, indexSvg, pictureOf, frameState, mount, mountAll };
}
