// The CORG / OPP console: login, compose and send a département's alert, correct or retract it,
// read the log; for the OPP, publish the national feed and prevention pushes.
import { api, departments } from "./api.js";
import { loadAdviceEditor, setupAdviceEditor } from "./advice.js";
import { composerDepartmentChanged, reloadAdvice, setupComposer } from "./composer.js";
import { enterAccounts, initAccounts } from "./console-accounts.js";
import { call, currentSession, initAuth } from "./console-auth.js";
import { clearProblem, countChars, dateElement, debounce, el, setStatus, showProblem } from "./ui.js";

const MAX_ALERT = 160;
const OPP = "opp-ggd34";
const ADMIN = "admin";
const OFFENCES = {
  cambriolage_habitation: "Cambriolage d'habitation",
  cambriolage_commerce: "Cambriolage de commerce",
  tentative_cambriolage: "Tentative de cambriolage",
  serie_cambriolages: "Série de cambriolages",
};
const NUMBER = new Intl.NumberFormat("fr-FR");
// The checkbox answers this rule (checked on submit): the live findings leave it out.
const ATTESTATION_RULE = "offence_not_established";

const $ = (id) => document.getElementById(id);

// --- Session: sign-in, refresh and logout live in console-auth.js -------------------------------

let session = null;
let names = {};

// Back to the login form (console-auth.js has already forgotten the session).
function leave(message) {
  session = null;
  $("app-view").hidden = true;
  $("session").hidden = true;
  $("login-view").hidden = false;
  if (message) setStatus($("login-form"), message, "error");
  $("login-username").focus();
}

const isOpp = () => session.groups.includes(OPP) || session.groups.includes(ADMIN);
const isAdmin = () => session.groups.includes(ADMIN);
const corgDepartments = () =>
  session.groups.map((g) => g.match(/^corg-([0-9ab]{2,3})$/)).filter(Boolean).map((m) => m[1].toUpperCase());

async function enter() {
  session = currentSession();
  $("login-view").hidden = true;
  $("app-view").hidden = false;
  $("session").hidden = false;
  const codes = isAdmin() ? null : corgDepartments();
  try {
    names = Object.fromEntries((await departments()).map((d) => [d.code, d.name]));
  } catch {
    names = {};
  }
  const allowed = codes ?? Object.keys(names);
  const role = isAdmin() ? "administrateur" : allowed.length ? `CORG ${allowed.join(", ")}` : "OPP du GGD34";
  $("session-user").textContent = `${session.username} (${role})`;
  $("corg-panel").hidden = allowed.length === 0;
  $("opp-panel").hidden = !isOpp();
  if (allowed.length) {
    const select = $("department");
    select.replaceChildren(...allowed.map((code) => el("option", { attrs: { value: code } }, label(code))));
    select.value = allowed.includes("34") ? "34" : allowed[0];
    await showDepartment();
  }
  if (isOpp()) await Promise.all([refreshFeed(), loadAdviceEditor()]);
  await enterAccounts();
  // Once everything is loaded, start from the top of the console (unless the person moved on).
  if (!document.activeElement || document.activeElement === document.body || $("login-view").contains(document.activeElement)) {
    $("main").focus();
  }
}

const label = (code) => (names[code] ? `${names[code]} (${code})` : code);
const department = () => $("department").value;

// --- Compose --------------------------------------------------------------------------------

let idempotencyKey = null;
let findings = [];

function composeBody() {
  const form = $("compose-form");
  return {
    department: department(),
    text: form.text.value,
    offence_type: form.offence_type.value,
    offence_established: form.offence_established.checked,
  };
}

function onComposeInput() {
  idempotencyKey = null;
  updateCounter($("compose-text"), $("compose-counter"), MAX_ALERT);
  updatePreview();
  findings = [];
  updateSendButton();
  scheduleCheck();
}

// "n / max": over the limit it says by how much, and the field is flagged.
function updateCounter(field, counter, max) {
  const count = countChars(field.value);
  const over = count - max;
  counter.textContent = over > 0 ? `${count} / ${max} · ${over} caractère${over > 1 ? "s" : ""} de trop` : `${count} / ${max}`;
  counter.classList.toggle("over", over > 0);
  return count;
}

function updatePreview() {
  const text = $("compose-text").value.trim().normalize("NFC");
  $("preview-title-text").textContent = `Alerte cambriolages – ${names[department()] || department()}`;
  $("preview-text").textContent = text || "Le texte de l'alerte s'affichera ici.";
}

function updateSendButton() {
  const count = countChars($("compose-text").value);
  $("compose-send").disabled = count > MAX_ALERT || findings.length > 0;
}

const scheduleCheck = debounce(() => check(), 400);

// The content rules, as the server applies them; returns true when the text may be sent.
async function check() {
  const body = composeBody();
  if (!body.text.trim()) {
    renderFindings([]);
    return false;
  }
  const key = JSON.stringify(body);
  try {
    const answer = await call("corg/alerts/check", { method: "POST", body });
    if (JSON.stringify(composeBody()) !== key) return false; // typed again meanwhile
    const live = answer.findings.filter((f) => f.rule !== ATTESTATION_RULE);
    renderFindings(live);
    return live.length === 0;
  } catch (error) {
    renderFindings([], error.problem.detail);
    return false;
  }
}

function renderFindings(list, failure) {
  findings = list;
  const box = $("compose-findings");
  box.replaceChildren();
  if (list.length) {
    box.append(
      el("p", { className: "findings-title" }, "Ce texte ne peut pas être envoyé :"),
      el("ul", {}, list.map((f) => el("li", { attrs: { "data-rule": f.rule } }, f.message, f.excerpt ? ` (« ${f.excerpt} »)` : ""))),
    );
  } else if (failure) {
    box.append(el("p", { className: "findings-title" }, `Vérification impossible : ${failure}`));
  }
  $("compose-text").toggleAttribute("aria-invalid", list.length > 0);
  updateSendButton();
}

async function submitAlert(event) {
  event.preventDefault();
  const form = event.currentTarget;
  clearProblem(form);
  const body = composeBody();
  const missing = [
    !body.text.trim() && ["text", "Saisissez le texte de l'alerte."],
    countChars(body.text) > MAX_ALERT && ["text", `Le texte dépasse ${MAX_ALERT} caractères.`],
    !body.offence_established && [
      "offence_established",
      "Cochez cette case : seule une infraction constatée par la gendarmerie peut être annoncée.",
    ],
  ];
  if (missing.some(Boolean)) {
    showProblem(form, problemFor(form, missing));
    return;
  }
  if (!(await check())) {
    setStatus(form, "Corrigez le texte avant l'envoi.", "error");
    $("compose-text").focus();
    return;
  }
  const confirmed = await confirmDialog({
    title: "Envoyer l'alerte ?",
    message: `${await audienceSentence(body.department)} Elle remplacera l'alerte en cours.`,
    quote: body.text.trim(),
    action: "Confirmer l'envoi",
  });
  if (!confirmed) return;
  idempotencyKey ??= crypto.randomUUID();
  try {
    const answer = await call("corg/alerts", {
      method: "POST",
      body,
      headers: { "Idempotency-Key": idempotencyKey },
    });
    idempotencyKey = null;
    form.reset();
    $("compose-mode").hidden = true;
    onComposeInput();
    setStatus(form, `Alerte envoyée (révision ${answer.alert.revision}).`, "success");
    await Promise.all([showCurrent(), showLog()]);
  } catch (error) {
    renderFindings([]);
    showProblem(form, error);
    if (error.problem.findings) await showLog(); // the refusal is in the log
  }
}

// "Les 1 234 abonnés du département Hérault (34) recevront cette notification." (or why not).
async function audienceSentence(code) {
  const where = `du département ${label(code)}`;
  try {
    const { count } = await call(`corg/subscribers?department=${encodeURIComponent(code)}`);
    if (count === 0) return `Aucun abonné ${where} pour l'instant : l'alerte sera enregistrée et affichée dans l'application.`;
    if (count === 1) return `L'abonné ${where} recevra cette notification.`;
    return `Les ${NUMBER.format(count)} abonnés ${where} recevront cette notification.`;
  } catch (error) {
    return `Les abonnés ${where} recevront cette notification (nombre indisponible : ${error.problem.detail})`;
  }
}

// A problem built in the page, shown exactly like the API's (fields next to their controls).
function problemFor(form, pairs) {
  const errors = pairs.filter(Boolean).map(([field, message]) => ({ field, message }));
  return { problem: { detail: "Vérifiez les champs signalés.", errors } };
}

// --- Current alert and log -------------------------------------------------------------------

let current = null;

async function showDepartment() {
  $("compose-mode").hidden = true;
  clearProblem($("compose-form"));
  updatePreview();
  if (countChars($("compose-text").value)) scheduleCheck();
  await Promise.all([showCurrent(), showLog(), composerDepartmentChanged()]);
}

async function showCurrent() {
  const box = $("current-alert");
  const form = $("current-form");
  clearProblem(form);
  try {
    current = (await api(`alerts/${encodeURIComponent(department())}`, { fresh: true })).alert;
  } catch (error) {
    current = null;
    showProblem(form, error, { focus: false });
  }
  const active = current && current.status === "active";
  $("current-actions").hidden = !active;
  if (!active) {
    box.replaceChildren(el("p", { className: "empty" }, `Aucune alerte en cours pour ${label(department())}.`));
    return;
  }
  box.replaceChildren(
    el("blockquote", { className: "alert-text" }, current.text),
    el(
      "p",
      { className: "meta" },
      `${OFFENCES[current.offence_type] || current.offence_type} · révision ${current.revision} · envoyée le `,
      dateElement(current.sent_at),
    ),
  );
}

function correct() {
  const form = $("compose-form");
  form.text.value = current.text;
  form.offence_type.value = current.offence_type;
  form.offence_established.checked = false;
  onComposeInput();
  $("compose-mode").hidden = false;
  form.text.focus();
}

async function retract() {
  const form = $("current-form");
  const confirmed = await confirmDialog({
    title: "Annuler l'alerte en cours ?",
    message: `Les abonnés du département ${label(department())} recevront « Message précédent annulé » à la place de cette alerte.`,
    quote: current.text,
    action: "Annuler l'alerte",
    danger: true,
  });
  if (!confirmed) return;
  try {
    await call(`corg/alerts/${encodeURIComponent(department())}`, { method: "DELETE" });
    await Promise.all([showCurrent(), showLog()]);
    setStatus(form, "Alerte annulée : les abonnés ont reçu l'annulation.", "success");
    form.querySelector(".form-status").focus();
  } catch (error) {
    showProblem(form, error, { focus: false });
  }
}

const KINDS = { sent: "Envoi", retracted: "Annulation", refused: "Refus" };
const DELIVERY = {
  pending: "Diffusion en cours",
  published: "Diffusée",
  failed: "Échec : nouvel essai automatique",
  superseded: "Remplacée avant diffusion",
  expired: "Expirée sans diffusion",
};

async function showLog() {
  const form = $("log-form");
  const body = $("log-table").tBodies[0];
  clearProblem(form);
  try {
    const { entries } = await call(`corg/alerts?department=${encodeURIComponent(department())}&limit=20`);
    body.replaceChildren(...entries.map(logRow));
    if (!entries.length) body.append(el("tr", {}, el("td", { attrs: { colspan: 5 }, className: "empty" }, "Aucun envoi.")));
  } catch (error) {
    body.replaceChildren();
    showProblem(form, error, { focus: false });
  }
}

function logRow(entry) {
  const refused = entry.kind === "refused";
  return el(
    "tr",
    { className: refused ? "refused" : "" },
    cell("Date", dateElement(entry.created_at)),
    cell("Action", KINDS[entry.kind] || entry.kind, entry.revision ? ` (rév. ${entry.revision})` : ""),
    cell(
      "Texte",
      entry.text || "",
      refused && entry.findings?.length
        ? el("ul", { className: "log-findings" }, entry.findings.map((f) => el("li", {}, f.message)))
        : null,
    ),
    cell("Par", entry.sent_by || ""),
    cell("Distribution", deliverySummary(entry.delivery)),
  );
}

// A table cell that names its column, for the stacked layout of narrow screens.
const cell = (name, ...content) => el("td", { attrs: { "data-label": name } }, ...content);

// "Diffusée · mobiles : publiée · web : 12 envoyées, 1 en échec, 2 abonnements supprimés".
function deliverySummary(delivery) {
  if (!delivery) return "Non envoyée";
  const parts = [DELIVERY[delivery.status] || delivery.status];
  const channels = delivery.channels || {};
  if (channels.sns) parts.push(`mobiles : ${channels.sns.ok ? "publiée" : "échec"}`);
  if (delivery.web) {
    const { sent, failed, pruned } = delivery.web;
    const web = [`${NUMBER.format(sent)} envoyée${sent > 1 ? "s" : ""}`];
    if (failed) web.push(`${NUMBER.format(failed)} en échec`);
    if (pruned) web.push(`${NUMBER.format(pruned)} abonnement${pruned > 1 ? "s" : ""} supprimé${pruned > 1 ? "s" : ""}`);
    parts.push(`web : ${web.join(", ")}`);
  } else if (channels.web) {
    parts.push(`web : ${channels.web.ok ? "en file d'envoi" : "échec"}`);
  }
  return parts.join(" · ");
}

// --- OPP: feed and national prevention ----------------------------------------------------------

async function publish(event) {
  event.preventDefault();
  const form = event.currentTarget;
  clearProblem(form);
  const body = { title: form.title.value, body: form.body.value, kind: form.kind.value };
  if (form.link.value.trim()) body.link = form.link.value.trim();
  try {
    const item = await call("opp/feed", { method: "POST", body });
    form.reset();
    updateFeedCounters();
    setStatus(form, `« ${item.title} » est publié.`, "success");
    await refreshFeed();
  } catch (error) {
    showProblem(form, error, { focus: false });
  }
}

function updateFeedCounters() {
  updateCounter($("feed-title-input"), $("feed-title-counter"), 120);
  updateCounter($("feed-body"), $("feed-body-counter"), 2000);
}

async function refreshFeed() {
  const form = $("published-form");
  clearProblem(form);
  try {
    const answer = await api("feed?limit=50", { fresh: true });
    $("feed-list").replaceChildren(...answer.items.map(feedRow));
    if (!answer.items.length) $("feed-list").append(el("li", { className: "empty" }, "Aucune publication."));
  } catch (error) {
    showProblem(form, error);
  }
}

function feedRow(item) {
  const remove = el("button", { className: "button danger small", attrs: { type: "button" } }, "Retirer");
  remove.setAttribute("aria-label", `Retirer « ${item.title} »`);
  remove.addEventListener("click", () => unpublish(item));
  return el(
    "li",
    { className: "feed-row" },
    el("div", {}, el("p", { className: "feed-row-title" }, item.title), el("p", { className: "meta" }, "Publié le ", dateElement(item.published_at))),
    remove,
  );
}

async function unpublish(item) {
  const form = $("published-form");
  const confirmed = await confirmDialog({
    title: "Retirer cette publication ?",
    message: "Elle disparaîtra du fil d'actualité de l'application.",
    quote: item.title,
    action: "Retirer",
    danger: true,
  });
  if (!confirmed) return;
  try {
    await call(`opp/feed/${encodeURIComponent(item.id)}`, { method: "DELETE" });
    await refreshFeed();
    setStatus(form, `« ${item.title} » a été retiré.`, "success");
  } catch (error) {
    showProblem(form, error);
  }
}

async function pushPrevention(event) {
  event.preventDefault();
  const form = event.currentTarget;
  clearProblem(form);
  const text = form.text.value;
  if (!text.trim()) {
    showProblem(form, problemFor(form, [["text", "Saisissez le texte de la notification."]]));
    return;
  }
  const confirmed = await confirmDialog({
    title: "Envoyer à tous les abonnés ?",
    message: "Cette notification de prévention sera envoyée aux abonnés de tous les départements.",
    quote: text.trim(),
    action: "Confirmer l'envoi",
  });
  if (!confirmed) return;
  try {
    await call("opp/prevention-push", { method: "POST", body: { text } });
    form.reset();
    updateCounter(form.text, $("prevention-counter"), MAX_ALERT);
    setStatus(form, "Notification de prévention envoyée.", "success");
  } catch (error) {
    showProblem(form, error);
  }
}

// --- Confirmation dialog ------------------------------------------------------------------------

function confirmDialog({ title, message, quote, action, danger = false }) {
  const dialog = $("confirm-dialog");
  $("confirm-title").textContent = title;
  $("confirm-message").textContent = message;
  $("confirm-quote").textContent = quote || "";
  $("confirm-quote").hidden = !quote;
  const ok = $("confirm-ok");
  ok.textContent = action;
  ok.classList.toggle("danger", danger);
  dialog.returnValue = "";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "confirm"), { once: true });
    dialog.showModal();
  });
}

// --- Wiring ----------------------------------------------------------------------------------------

function start() {
  initAccounts({ call, confirm: confirmDialog, session: currentSession, departmentNames: () => names });
  setupComposer({
    call,
    department,
    departmentName: () => names[department()] || department(),
    confirm: confirmDialog,
    audienceSentence,
    refresh: () => Promise.all([showCurrent(), showLog()]),
  });
  setupAdviceEditor({ call, onSaved: () => (corgDepartments().length || isAdmin() ? reloadAdvice() : null) });
  $("department").addEventListener("change", showDepartment);
  const compose = $("compose-form");
  compose.addEventListener("submit", submitAlert);
  compose.text.addEventListener("input", onComposeInput);
  compose.offence_type.addEventListener("change", onComposeInput);
  compose.offence_established.addEventListener("change", () => {
    idempotencyKey = null;
  });
  $("correct").addEventListener("click", correct);
  $("retract").addEventListener("click", retract);
  $("log-refresh").addEventListener("click", showLog);
  $("feed-form").addEventListener("submit", publish);
  $("feed-form").addEventListener("input", updateFeedCounters);
  $("feed-refresh").addEventListener("click", refreshFeed);
  $("prevention-form").addEventListener("submit", pushPrevention);
  $("prevention-text").addEventListener("input", (e) => updateCounter(e.target, $("prevention-counter"), MAX_ALERT));
  if (initAuth({ enter, leave })) enter();
  else leave();
}

start();
