// DOM helpers shared by the console and the citizen app. Text from the API is only ever set with
// textContent (through `el`), never parsed as HTML.

// `el("p", {className: "x", attrs: {id: "y"}}, "text", child)` builds an element.
export function el(tag, { className, attrs = {}, on = {} } = {}, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value === true ? "" : value);
  }
  for (const [event, handler] of Object.entries(on)) node.addEventListener(event, handler);
  for (const child of children.flat()) {
    if (child !== undefined && child !== null && child !== false) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return node;
}

const GRAPHEMES = "Segmenter" in Intl ? new Intl.Segmenter("fr", { granularity: "grapheme" }) : null;

// Characters as the server counts them: after trimming and NFC, one per user-perceived character
// (extended grapheme cluster), so "é" typed as e + accent or an emoji with a skin tone count one.
export function countChars(text) {
  const normal = text.trim().normalize("NFC");
  return GRAPHEMES ? [...GRAPHEMES.segment(normal)].length : [...normal].length;
}

export function debounce(fn, delay) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), delay);
  };
}

const DATE_TIME = new Intl.DateTimeFormat("fr-FR", {
  dateStyle: "short",
  timeStyle: "short",
  timeZone: "Europe/Paris",
});

export function formatDate(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : DATE_TIME.format(date).replace(" ", " à ");
}

export function dateElement(iso) {
  return el("time", { attrs: { datetime: iso } }, formatDate(iso));
}

// Remove the messages a previous `showProblem` put in `form`.
export function clearProblem(form) {
  for (const node of form.querySelectorAll(".field-error")) node.remove();
  for (const control of form.querySelectorAll("[aria-invalid]")) {
    control.removeAttribute("aria-invalid");
    const kept = (control.getAttribute("aria-describedby") || "")
      .split(" ")
      .filter((id) => id && !id.endsWith("-error"));
    if (kept.length) control.setAttribute("aria-describedby", kept.join(" "));
    else control.removeAttribute("aria-describedby");
  }
  const status = form.querySelector(".form-status");
  if (status) {
    status.textContent = "";
    status.classList.remove("is-error", "is-success");
  }
}

// Show an API error (ApiError or any Error) in `form`: each `errors[].field` next to its control,
// the `detail` in the form's status line, and (after a person's action) focus on the first fault.
export function showProblem(form, error, { focus = true } = {}) {
  clearProblem(form);
  const problem = error.problem || { detail: error.message };
  let first = null;
  const unplaced = [];
  for (const { field, message } of problem.errors || []) {
    const control = controlFor(form, field);
    if (!control) {
      unplaced.push(message);
      continue;
    }
    const id = `${control.id}-error`;
    const note = el("p", { className: "field-error", attrs: { id } }, message);
    (control.closest(".field") || control).after(note);
    control.setAttribute("aria-invalid", "true");
    const described = (control.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    control.setAttribute("aria-describedby", [...described, id].join(" "));
    first ??= control;
  }
  setStatus(form, [problem.detail, ...unplaced].filter(Boolean).join(" "), "error");
  if (focus) (first || form.querySelector(".form-status")).focus();
}

export function setStatus(form, message, kind) {
  const status = form.querySelector(".form-status");
  status.textContent = message;
  status.classList.toggle("is-error", kind === "error");
  status.classList.toggle("is-success", kind === "success");
}

// The control named by an API field path ("text", "web_push.endpoint" → "web_push").
function controlFor(form, field) {
  const parts = String(field).split(".");
  for (let i = parts.length; i > 0; i -= 1) {
    const control = form.querySelector(`[name="${CSS.escape(parts.slice(0, i).join("."))}"]`);
    if (control && control.id) return control;
  }
  return null;
}

// Only https links from the API become links (never `javascript:` or another scheme).
export function safeLink(url) {
  try {
    return Boolean(url) && new URL(url).protocol === "https:";
  } catch {
    return false;
  }
}
