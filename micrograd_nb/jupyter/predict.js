// Practice mode of the stepper: the student predicts each gradient before it is shown.
// stepper.py appends this file to stepper.js in an output made with predict=True; the
// stepper calls mountPredict() once it is built. The questions travel in the output
// (data.predict, computed by predict.py from the recorded pass): per question the frame,
// the edge, the expected gradient, a prompt, and the hint of the op's rule as a template
// with its numbers. Checking and hints run here, so a saved lesson can be practised
// without a kernel. parseAnswer/checkAnswer/fillHint/summarize are pure (no DOM): the
// tests run them in node against predict.py's mirror.

const PLACEHOLDER = /\{([A-Za-z_]+@?)\}/g;
const MISSING_NUMBER = "(not recorded)";

function fillHint(template, numbers) {
  return template.replace(PLACEHOLDER, (_, name) =>
    Object.prototype.hasOwnProperty.call(numbers, name) ? numbers[name] : MISSING_NUMBER);
}

// A typed answer: a number, or + - * / ( ) of numbers ("2 * -3"); null otherwise.
function parseAnswer(text) {
  const tokens = String(text).match(/\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\S/g);
  if (!tokens) return null;
  let at = 0;
  const peek = () => tokens[at];
  function primary() {
    const t = tokens[at++];
    if (t === "(") {
      const v = sum();
      if (tokens[at++] !== ")") throw new Error("unbalanced");
      return v;
    }
    if (t === "-") return -primary();
    if (t === "+") return primary();
    if (t !== undefined && /^[\d.]/.test(t)) return Number(t);
    throw new Error("not arithmetic");
  }
  function product() {
    let v = primary();
    while (peek() === "*" || peek() === "/") {
      const op = tokens[at++];
      const w = primary();
      if (op === "/" && w === 0) throw new Error("division by zero");
      v = op === "*" ? v * w : v / w;
    }
    return v;
  }
  function sum() {
    let v = product();
    while (peek() === "+" || peek() === "-") {
      const op = tokens[at++];
      const w = product();
      v = op === "+" ? v + w : v - w;
    }
    return v;
  }
  try {
    const v = sum();
    return at === tokens.length && Number.isFinite(v) ? v : null;
  } catch (_) {
    return null;
  }
}

// { right, hint }: right within rtol of the expected gradient; the hint when not.
function checkAnswer(question, text, rtol) {
  const value = parseAnswer(text);
  const expected = question.expected;
  if (value !== null && Math.abs(value - expected) <= rtol * Math.abs(expected) + 1e-12) {
    return { right: true, hint: null };
  }
  return { right: false, hint: fillHint(question.template, question.numbers) };
}

// The end: how many right at the first try, and the ops that needed more.
function summarize(questions, results) {
  const trouble = {};
  let first = 0;
  questions.forEach((q, i) => {
    const r = results[i] || { tries: 0, revealed: false };
    if (r.tries === 1 && !r.revealed) first += 1;
    else trouble[q.op] = (trouble[q.op] || 0) + 1;
  });
  const ops = Object.keys(trouble).sort();
  const text = `${first} of ${questions.length} right at the first try` +
    (ops.length ? `; trouble with ${ops.map((op) => `${op} (${trouble[op]})`).join(", ")}`
      : "; no trouble at all");
  return { first, total: questions.length, trouble, text };
}

function formatRtol(rtol) {
  return `${rtol} relative (${rtol * 100}%)`;
}

// Practice mode on a mounted stepper. `stepper` gives its parts: root, figure, frames,
// index (the SVG's nodes and edges), show(i), and hooks (limit: the last frame the
// student may step to; painted(i): called after each frame is drawn).
function mountPredict(stepper, predict) {
  const questions = predict.questions || [];
  const rtol = predict.rtol || 1e-3;
  const { root, figure, frames, index, hooks, show } = stepper;
  root.classList.add("mgnb-predicting");
  // (element() and button() are stepper.js's: this file is appended to it in an output)
  const prompt = element("div", "mgnb-question", { "aria-live": "polite" });
  const input = element("input", "mgnb-answer",
    { type: "text", inputmode: "decimal", autocomplete: "off" });
  const label = element("label", "mgnb-answer-label", {}, "your answer ", input);
  const checkButton = button("check", "check the answer (Enter)");
  const revealButton = button("reveal", "show the answer and go on");
  const tolerance = element("div", "mgnb-tolerance", {},
    `right within ${formatRtol(rtol)}; type a number or arithmetic such as 2 * -3`);
  const feedback = element("div", "mgnb-feedback", { role: "status", "aria-live": "assertive" });
  const summary = element("div", "mgnb-summary");
  summary.hidden = true;
  const panel = element("div", "mgnb-predict", {}, prompt, label, checkButton, revealButton,
    tolerance, feedback, summary);
  root.insertBefore(panel, figure);

  const results = questions.map(() => ({ tries: 0, revealed: false }));
  const answered = new Set(); // edge keys of the questions done so far, "frame:edge"
  let asking = 0; // the question being asked

  const done = (q) => answered.has(`${q.frame}:${q.edge}`);
  // Hide what the student has not worked out yet: the edges of the current frame that
  // are still to be asked (later frames are beyond the limit).
  hooks.painted = (current) => {
    if (!index) return;
    for (const q of questions) {
      if (q.frame !== current || done(q)) continue;
      const edge = index.edges.get(q.edge);
      if (!edge) continue;
      edge.g.classList.add("mgnb-waiting");
      for (const l of edge.labels) {
        l.classList.remove("mgnb-hidden");
        l.textContent = q === questions[asking] ? "∂ ?" : "∂ …";
      }
    }
  };

  function ask() {
    if (asking >= questions.length) {
      hooks.limit = null;
      show(Math.max(frames.length - 1, 0));
      const s = summarize(questions, results);
      prompt.textContent = "done: every gradient of this pass worked out";
      summary.textContent = s.text;
      summary.hidden = false;
      label.hidden = checkButton.hidden = revealButton.hidden = true;
      tolerance.hidden = true;
      root.classList.add("mgnb-finished");
      root.focus({ preventScroll: true });
      return;
    }
    const q = questions[asking];
    hooks.limit = q.frame;
    show(q.frame);
    prompt.textContent = `${q.prompt} It gets ${q.given}.`;
    input.setAttribute("aria-label", `${q.prompt} your answer`);
    input.value = "";
  }

  function next() {
    answered.add(`${questions[asking].frame}:${questions[asking].edge}`);
    asking += 1;
    ask();
    if (asking < questions.length) input.focus({ preventScroll: true });
  }

  function check() {
    const q = questions[asking];
    if (!q || input.value.trim() === "") return;
    results[asking].tries += 1;
    const verdict = checkAnswer(q, input.value, rtol);
    if (verdict.right) {
      feedback.dataset.verdict = "right";
      feedback.textContent = `right: ${q.answer}` + (q.element ? `; all of it: ${q.whole}` : "");
      next();
    } else {
      feedback.dataset.verdict = "wrong";
      feedback.textContent = `not quite. Hint: ${verdict.hint}. Try again, or reveal.`;
      input.select();
    }
  }

  function reveal() {
    const q = questions[asking];
    if (!q) return;
    results[asking].revealed = true;
    feedback.dataset.verdict = "revealed";
    feedback.textContent = `the answer: ${q.answer}` + (q.element ? `; all of it: ${q.whole}` : "");
    next();
  }

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      check();
      event.preventDefault();
    }
    event.stopPropagation(); // the stepper's and the notebook's keys stay out of typing
  });
  checkButton.addEventListener("click", () => {
    check();
    input.focus({ preventScroll: true });
  });
  revealButton.addEventListener("click", () => {
    reveal();
    if (asking < questions.length) input.focus({ preventScroll: true });
  });
  ask();
  return { questions, results };
}

if (typeof module !== "undefined" && module.exports) {
  module.exports = { fillHint, parseAnswer, checkAnswer, summarize, mountPredict };
}
