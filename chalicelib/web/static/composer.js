// The alert composer: the server writes the alert from fields (offence, communes of the
// département, when, a vetted advice sentence, an optional free sentence). The preview shows the
// server's own text, its length toward 160 and the rules' findings, live; sending goes through the
// console's confirmation. The console passes what it shares (API calls with the session, the
// département chosen, the confirmation dialog, the refresh of the current alert and the log).
import { api } from "./api.js";
import { communeCombobox } from "./combobox.js";
import { clearProblem, debounce, el, setStatus, showProblem } from "./ui.js";

const MAX_ALERT = 160;
const MAX_COMMUNES = 5;
const ATTESTATION_RULE = "offence_not_established"; // answered by the checkbox, on submit
const PLACEHOLDER = "Choisissez au moins une commune : le texte composé s'affichera ici.";
const $ = (id) => document.getElementById(id);

let shared = null; // {call, department, departmentName, confirm, audienceSentence, refresh}
let communes = []; // [{insee, name}] in the order chosen
let communeList = null; // the type-ahead (combobox.js)
let adviceLoaded = false;
let composedText = "";
let idempotencyKey = null;

export function setupComposer(options) {
  shared = options;
  const form = $("composer-form");
  form.addEventListener("submit", submit);
  form.addEventListener("change", onChange);
  $("composer-sentence").addEventListener("input", onChange);
  communeList = communeCombobox({
    input: $("composer-commune"),
    list: $("composer-commune-list"),
    idPrefix: "composer-commune-option",
    search: async (query) => {
      const department = encodeURIComponent(shared.department());
      const answer = await api(`communes?q=${encodeURIComponent(query)}&department=${department}&limit=8`);
      const chosen = new Set(communes.map((c) => c.insee));
      return answer.results.filter((c) => !chosen.has(c.insee));
    },
    option: (commune) => [commune.name, el("span", { className: "meta" }, (commune.postal_codes || [])[0] || commune.insee)],
    choose,
    empty: "Aucune commune de ce département trouvée.",
    onError: (error) => showProblem(form, error, { focus: false }),
    enterChoosesFirst: true, // Enter here chooses a commune, it never sends the alert
  });
}

// A new département (or the first one): its communes only, and the advice list if not read yet.
export async function composerDepartmentChanged() {
  communes = [];
  renderCommunes();
  $("composer-commune").value = "";
  communeList.close();
  $("composer-date").max = localDate();
  $("composer-preview-heading").textContent = `Alerte cambriolages – ${shared.departmentName()}`;
  if (!adviceLoaded) await loadAdvice();
  onChange();
}

// The OPP saved a new list: offer it (keeping the sentence chosen if it is still there).
export async function reloadAdvice() {
  await loadAdvice();
  onChange();
}

async function loadAdvice() {
  const form = $("composer-form");
  const select = $("composer-advice");
  const chosen = select.value;
  try {
    const { items } = await shared.call("corg/alert-advice");
    select.replaceChildren(...items.map((item) => el("option", { attrs: { value: item.id } }, item.text)));
    if (items.some((item) => item.id === chosen)) select.value = chosen;
    adviceLoaded = true;
  } catch (error) {
    showProblem(form, error, { focus: false });
  }
}

// --- What the form says ------------------------------------------------------------------------

function whenKind() {
  return $("composer-form").querySelector('input[name="composition.when.kind"]:checked').value;
}

function composition() {
  const when = { kind: whenKind() };
  if (when.kind === "hours") Object.assign(when, { start: $("composer-start").value, end: $("composer-end").value });
  if (when.kind === "date") when.date = $("composer-date").value;
  const fields = { communes: communes.map((c) => c.insee), when, advice_id: $("composer-advice").value };
  const sentence = $("composer-sentence").value.trim();
  if (sentence) fields.sentence = sentence;
  return fields;
}

function body() {
  return {
    department: shared.department(),
    offence_type: $("composer-offence").value,
    offence_established: $("composer-established").checked,
    composition: composition(),
  };
}

// What is still to fill in, as [field, French message] pairs (the server checks the rest).
function incomplete() {
  const when = whenKind();
  return [
    !communes.length && ["composition.communes", "Choisissez au moins une commune du département."],
    when === "hours" && !$("composer-start").value && ["composition.when.start", "Indiquez l'heure de début."],
    when === "hours" && !$("composer-end").value && ["composition.when.end", "Indiquez l'heure de fin."],
    when === "date" && !$("composer-date").value && ["composition.when.date", "Indiquez la date des faits."],
    !$("composer-advice").value && ["composition.advice_id", "Choisissez un conseil."],
  ].filter(Boolean);
}

// --- Live preview --------------------------------------------------------------------------------

function onChange(event) {
  if (event && event.target === $("composer-commune")) return; // typing a name is not a change yet
  idempotencyKey = null;
  $("composer-hours").hidden = whenKind() !== "hours";
  $("composer-date-field").hidden = whenKind() !== "date";
  schedulePreview();
}

const schedulePreview = debounce(() => preview(), 400);

// Ask the server for the composed text and its findings; true when it may be sent.
async function preview() {
  const form = $("composer-form");
  keepSuccess(form, () => clearProblem(form));
  if (incomplete().length) {
    showPreview(PLACEHOLDER, null, []);
    return false;
  }
  const request = body();
  const key = JSON.stringify(request);
  try {
    const answer = await shared.call("corg/alerts/check", { method: "POST", body: request });
    if (JSON.stringify(body()) !== key) return false; // changed meanwhile: a newer preview follows
    const live = answer.findings.filter((f) => f.rule !== ATTESTATION_RULE);
    showPreview(answer.text, answer.length, live);
    return live.length === 0;
  } catch (error) {
    showPreview(PLACEHOLDER, null, []);
    keepSuccess(form, () => showProblem(form, error, { focus: false }));
    return false;
  }
}

function showPreview(text, length, findings) {
  composedText = length === null ? "" : text;
  $("composer-preview-text").textContent = text;
  const counter = $("composer-counter");
  const over = (length ?? 0) - MAX_ALERT;
  counter.textContent =
    length === null ? `– / ${MAX_ALERT}` : over > 0 ? `${length} / ${MAX_ALERT} · ${over} caractère${over > 1 ? "s" : ""} de trop` : `${length} / ${MAX_ALERT}`;
  counter.classList.toggle("over", over > 0);
  const box = $("composer-findings");
  box.replaceChildren();
  if (findings.length) {
    box.append(
      el("p", { className: "findings-title" }, "Cette alerte ne peut pas être envoyée :"),
      el("ul", {}, findings.map((f) => el("li", { attrs: { "data-rule": f.rule } }, f.message, f.excerpt ? ` (« ${f.excerpt} »)` : ""))),
    );
  }
  const sentence = $("composer-sentence");
  if (findings.some((f) => f.field === "composition.sentence")) sentence.setAttribute("aria-invalid", "true");
  else if (!document.getElementById("composer-sentence-error")) sentence.removeAttribute("aria-invalid");
  $("composer-send").disabled = findings.length > 0;
}

// A success message ("Alerte envoyée") stays while the next alert is being composed.
function keepSuccess(form, action) {
  const status = form.querySelector(".form-status");
  const success = status.classList.contains("is-success") ? status.textContent : null;
  action();
  if (success && !status.textContent) setStatus(form, success, "success");
}

// --- Send ----------------------------------------------------------------------------------------

async function submit(event) {
  event.preventDefault();
  const form = event.currentTarget;
  clearProblem(form);
  const missing = incomplete();
  if (!$("composer-established").checked) {
    missing.push(["offence_established", "Cochez cette case : seule une infraction constatée par la gendarmerie peut être annoncée."]);
  }
  if (missing.length) {
    showProblem(form, { problem: { detail: "Vérifiez les champs signalés.", errors: missing.map(([field, message]) => ({ field, message })) } });
    return;
  }
  if (!(await preview())) {
    if (!form.querySelector(".field-error")) setStatus(form, "Corrigez l'alerte avant l'envoi.", "error");
    (form.querySelector("[aria-invalid='true']") || form.querySelector(".form-status")).focus();
    return;
  }
  const request = body();
  const confirmed = await shared.confirm({
    title: "Envoyer l'alerte ?",
    message: `${await shared.audienceSentence(request.department)} Elle remplacera l'alerte en cours.`,
    quote: composedText,
    action: "Confirmer l'envoi",
  });
  if (!confirmed) return;
  idempotencyKey ??= crypto.randomUUID();
  try {
    const answer = await shared.call("corg/alerts", { method: "POST", body: request, headers: { "Idempotency-Key": idempotencyKey } });
    idempotencyKey = null;
    resetFields();
    setStatus(form, `Alerte envoyée (révision ${answer.alert.revision}).`, "success");
    await shared.refresh();
  } catch (error) {
    showProblem(form, error);
    if (error.problem.findings) await shared.refresh(); // the refusal is in the log
  }
}

function resetFields() {
  communes = [];
  renderCommunes();
  $("composer-sentence").value = "";
  $("composer-established").checked = false;
  showPreview(PLACEHOLDER, null, []);
}

// --- Communes: type-ahead restricted to the département (ARIA combobox) ----------------------------

function choose(commune) {
  const form = $("composer-form");
  $("composer-commune").value = "";
  if (communes.length >= MAX_COMMUNES) {
    setStatus(form, `Une alerte compte au plus ${MAX_COMMUNES} communes.`, "error");
    return;
  }
  communes.push({ insee: commune.insee, name: commune.name });
  renderCommunes();
  onChange();
}

function renderCommunes() {
  const list = $("composer-communes");
  list.replaceChildren(
    ...communes.map((commune) => {
      const remove = el("button", { className: "button secondary small", attrs: { type: "button", "aria-label": `Retirer ${commune.name}` } }, "Retirer");
      remove.addEventListener("click", () => {
        communes = communes.filter((c) => c.insee !== commune.insee);
        renderCommunes();
        $("composer-commune").focus();
        onChange();
      });
      return el("li", {}, el("span", {}, commune.name), remove);
    }),
  );
  list.hidden = communes.length === 0;
}

// Today as AAAA-MM-JJ in the browser's time zone (the server checks against the département's).
function localDate() {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
}
