// The citizen web app: one page, one view per rubric (#accueil, #prevention, ...), installable
// (manifest + service worker), with web push alerts for the chosen département.
import { api, departmentLabel } from "./api.js";
import { setupBrigades } from "./brigades.js";
import { setupContent, showOtv, showPrevention, showVictim } from "./content.js";
import { DEPARTMENT_KEY, refreshSubscription, setupSettings } from "./settings.js";
import { clearProblem, dateElement, el, safeLink, showProblem } from "./ui.js";

const VIEWS = {
  accueil: { title: "Accueil", show: showHome },
  prevention: { title: "Prévention", show: showPrevention },
  victime: { title: "Victime d'un cambriolage", show: showVictim },
  otv: { title: "Opération tranquillité vacances", show: showOtv },
  brigades: { title: "Trouver ma brigade", show: () => {} },
  reglages: { title: "Personnalisation", show: () => {} },
};
const OFFENCES = {
  cambriolage_habitation: "Cambriolage d'habitation",
  cambriolage_commerce: "Cambriolage de commerce",
  tentative_cambriolage: "Tentative de cambriolage",
  serie_cambriolages: "Série de cambriolages",
};
const KINDS = { prevention: "Prévention", information: "Information", otv: "Tranquillité vacances" };

const $ = (id) => document.getElementById(id);

// --- Views ---------------------------------------------------------------------------------------

const shown = new Set();

function route(moveFocus) {
  const name = location.hash.slice(1) in VIEWS ? location.hash.slice(1) : "accueil";
  for (const [key] of Object.entries(VIEWS)) $(key).hidden = key !== name;
  for (const link of document.querySelectorAll(".tabs a")) {
    if (link.getAttribute("href") === `#${name}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = name === "accueil" ? "Stop Cambriolages" : `${VIEWS[name].title} · Stop Cambriolages`;
  if (!shown.has(name) || name === "accueil") {
    shown.add(name);
    VIEWS[name].show();
  }
  if (moveFocus) $(`${name}-title`).focus();
}

// --- Home: the current alert of the chosen département, then the national feed ----------------------

async function showHome() {
  await Promise.all([showAlert(), showFeed()]);
}

async function showAlert() {
  const box = $("home-alert");
  const code = localStorage.getItem(DEPARTMENT_KEY);
  if (!code) {
    box.replaceChildren(
      el(
        "div",
        { className: "card" },
        el("h2", {}, "Alertes de votre département"),
        el("p", {}, "Choisissez votre département pour voir ses alertes cambriolages en cours."),
        el("a", { className: "button", attrs: { href: "#reglages" } }, "Choisir mon département"),
      ),
    );
    return;
  }
  const name = await departmentLabel(code);
  try {
    const { alert } = await api(`alerts/${encodeURIComponent(code)}`, { fresh: true });
    box.replaceChildren(alert && alert.status === "active" ? alertCard(alert, name) : noAlert(name));
  } catch (error) {
    box.replaceChildren(el("div", { className: "card" }, el("h2", {}, `Alertes · ${name}`), el("p", { className: "form-status is-error" }, error.problem.detail)));
  }
}

function alertCard(alert, name) {
  return el(
    "article",
    { className: "alert-card", attrs: { "aria-labelledby": "alert-heading" } },
    el("h2", { attrs: { id: "alert-heading" } }, `Alerte en cours · ${name}`),
    el("blockquote", { className: "alert-text" }, alert.text),
    el("p", { className: "meta" }, `${OFFENCES[alert.offence_type] || ""} · diffusée le `, dateElement(alert.sent_at)),
    el("p", {}, "Témoin d'un cambriolage en cours ? Appelez le ", el("a", { attrs: { href: "tel:17" } }, "17"), "."),
  );
}

function noAlert(name) {
  return el(
    "div",
    { className: "card" },
    el("h2", {}, `Alertes · ${name}`),
    el("p", { className: "empty" }, "Aucune alerte cambriolages en cours dans votre département."),
  );
}

let nextCursor = null;

async function showFeed(more = false) {
  const form = $("feed-form");
  clearProblem(form);
  try {
    const cursor = more && nextCursor ? `&cursor=${encodeURIComponent(nextCursor)}` : "";
    const answer = await api(`feed?limit=10${cursor}`, { fresh: true });
    const items = answer.items.map(feedItem);
    if (more) $("feed").append(...items);
    else $("feed").replaceChildren(...items);
    if (!more && !items.length) $("feed").append(el("p", { className: "empty" }, "Aucune actualité pour le moment."));
    nextCursor = answer.next_cursor;
    $("feed-more").hidden = !nextCursor;
  } catch (error) {
    showProblem(form, error, { focus: false });
  }
}

function feedItem(item) {
  return el(
    "article",
    { className: "feed-item" },
    el("h3", {}, item.title),
    el("p", { className: "meta" }, el("span", { className: "badge" }, KINDS[item.kind] || item.kind), dateElement(item.published_at)),
    el("p", { className: "body" }, item.body),
    safeLink(item.link) && el("p", {}, el("a", { attrs: { href: item.link, rel: "noopener" } }, "En savoir plus")),
  );
}

// --- Service worker: installable app, pushes shown with their collapse key ----------------------------

async function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  try {
    await navigator.serviceWorker.register("sw.js");
  } catch {
    // the app works without it (no offline shell, no push)
  }
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data?.type === "push" && !$("accueil").hidden) showAlert();
  });
}

function start() {
  window.addEventListener("hashchange", () => route(true));
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && !$("accueil").hidden) showAlert();
  });
  $("feed-more").addEventListener("click", () => showFeed(true));
  setupBrigades();
  setupContent();
  setupSettings({ onDepartmentChange: showAlert });
  route(false);
  registerServiceWorker();
  refreshSubscription();
}

start();
