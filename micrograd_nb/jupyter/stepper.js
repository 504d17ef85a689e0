// PassStepper's view: steps through one recorded backward pass, node by node, in the
// browser. The SVG of the final picture is laid out once (in Python); each frame only
// restyles it, so stepping needs no kernel and works from a saved notebook's widget state.
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
// and the tests compare the two.

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
export function edgeKey(title) {
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
export function indexSvg(svg) {
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
export function pictureOf(index) {
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
export function frameState(frames, picture, i, firstVisits = visitedAt(frames)) {
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

function button(label, title) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "mgnb-button";
  b.textContent = label;
  b.title = title;
  b.setAttribute("aria-label", title);
  return b;
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

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "mgnb-stepper";
  root.tabIndex = 0;
  el.replaceChildren(root);

  const header = document.createElement("div");
  header.className = "mgnb-title";
  const toolbar = document.createElement("div");
  toolbar.className = "mgnb-toolbar";
  const first = button("⏮", "first step (Home)");
  const back = button("◀", "step back (←)");
  const play = button("▶", "play (space)");
  const forward = button("▶|", "step forward (→)");
  const last = button("⏭", "last step (End)");
  const slider = document.createElement("input");
  slider.type = "range";
  slider.className = "mgnb-slider";
  slider.min = "0";
  slider.step = "1";
  slider.setAttribute("aria-label", "step");
  const counter = document.createElement("span");
  counter.className = "mgnb-counter";
  toolbar.append(first, back, play, forward, last, slider, counter);
  const caption = document.createElement("div");
  caption.className = "mgnb-caption";
  caption.setAttribute("aria-live", "polite");
  const kind = document.createElement("span");
  kind.className = "mgnb-kind";
  const captionText = document.createElement("span");
  caption.append(kind, captionText);
  const figure = document.createElement("div");
  figure.className = "mgnb-figure";
  root.append(header, toolbar, caption, figure);

  let frames = [];
  let picture = null;
  let index = null;
  let firstVisits = {};
  let current = 0;
  let timer = null;

  const lastIndex = () => Math.max(frames.length - 1, 0);
  const clamp = (i) => Math.min(Math.max(Number(i) || 0, 0), lastIndex());

  function show(i) {
    current = clamp(i);
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
  }

  function build() {
    frames = model.get("frames") || [];
    firstVisits = visitedAt(frames);
    header.textContent = model.get("title") || "backward pass";
    slider.max = String(lastIndex());
    const svg = parseSvg(model.get("svg"));
    if (svg) {
      figure.replaceChildren(svg);
      index = indexSvg(svg);
      picture = pictureOf(index);
    } else {
      const note = document.createElement("div");
      note.className = "mgnb-note";
      note.textContent = "no picture: no Graphviz renderer was available when this was made";
      figure.replaceChildren(note);
      index = null;
      picture = { nodes: [], gradNodes: [], visitNodes: [], edges: [], labelledEdges: [] };
    }
    show(model.get("step"));
  }

  // Stepping is local: the new step is set on the model and saved where a kernel listens,
  // but nothing waits for it.
  function go(i) {
    const target = clamp(i);
    show(target);
    if (model.get("step") !== target) {
      model.set("step", target);
      try {
        model.save_changes();
      } catch (_) {
        // no kernel (a saved notebook, a static page): stepping works without one
      }
    }
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
    if (current >= lastIndex()) go(0);
    play.textContent = "⏸";
    play.title = "pause (space)";
    play.setAttribute("aria-label", play.title);
    timer = setInterval(() => {
      if (current >= lastIndex()) stop();
      else go(current + 1);
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

  first.addEventListener("click", clicked(manual(() => go(0))));
  back.addEventListener("click", clicked(manual(() => go(current - 1))));
  play.addEventListener("click", clicked(toggle));
  forward.addEventListener("click", clicked(manual(() => go(current + 1))));
  last.addEventListener("click", clicked(manual(() => go(lastIndex()))));
  slider.addEventListener("input", manual(() => go(slider.value)));
  root.addEventListener("keydown", (event) => {
    if (event.target === slider && event.key.startsWith("Arrow")) return; // its own keys
    const keys = {
      ArrowLeft: () => go(current - 1),
      ArrowRight: () => go(current + 1),
      Home: () => go(0),
      End: () => go(lastIndex()),
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
    event.stopPropagation(); // keep JupyterLab from moving between cells
  });

  const onStep = () => {
    if (clamp(model.get("step")) !== current) show(model.get("step"));
  };
  model.on("change:step", onStep);
  model.on("change:frames", build);
  model.on("change:svg", build);
  model.on("change:title", build);
  build();

  return () => {
    stop();
    model.off("change:step", onStep);
    model.off("change:frames", build);
    model.off("change:svg", build);
    model.off("change:title", build);
  };
}

export default { render };
