// The citizen app's reading views (Prévention, Victime, OTV) and the pre-filled OTV form.
// Their texts come from the API's content pages; only tel:, sms: and https links are rendered.
import { api } from "./api.js";
import { unitCard, unitTitle, zoneNotice } from "./brigades.js";
import { clearProblem, el, safeLink, setStatus, showProblem } from "./ui.js";

const $ = (id) => document.getElementById(id);

// Load `path` into the view's box, or show the API's French error in the view's status line.
async function render(path, form, box, build) {
  clearProblem(form);
  try {
    box.replaceChildren(...build(await api(path)));
  } catch (error) {
    box.replaceChildren();
    showProblem(form, error, { focus: false });
  }
}

// --- Prévention --------------------------------------------------------------------------------

export function showPrevention() {
  const form = $("prevention-form");
  return render(`content/prevention?audience=${form.audience.value}`, form, $("prevention-content"), (page) => [
    el("h2", {}, page.title),
    page.intro && el("p", {}, page.intro),
    ...page.sections.map((section) =>
      el("section", { className: "card" }, el("h3", {}, section.title), el("ul", {}, section.items.map((item) => el("li", {}, item)))),
    ),
    sources(page.sources),
  ]);
}

// --- Victime -------------------------------------------------------------------------------------

export function showVictim() {
  return render("content/victim", $("victime-form"), $("victime-content"), (page) => [
    page.intro && el("p", {}, page.intro),
    el("h2", {}, "Numéros d'urgence"),
    el("ul", { className: "numbers" }, page.numbers.map((number) => el("li", {}, numberLink(number)))),
    el("h2", {}, "Les étapes"),
    el(
      "ol",
      { className: "steps" },
      page.steps.map((step) =>
        el("li", {}, el("h3", {}, step.title), el("p", {}, step.text), step.number && numberLink(step.number)),
      ),
    ),
    sources(page.sources),
  ]);
}

// A big `tel:`/`sms:` link: "17 · Police secours" (114 is reached by SMS, never by a voice call).
function numberLink(number) {
  const href = /^(tel|sms):[+\d]+$/.test(number.href || "") ? number.href : `tel:${number.number.replace(/[^\d+]/g, "")}`;
  return el(
    "a",
    { className: "number-link", attrs: { href } },
    el("strong", {}, number.number),
    el("span", {}, el("span", {}, number.label), number.description && el("span", { className: "meta" }, number.description)),
  );
}

/** « vérifié le 2 décembre 2026 » from the ISO date the source was last checked. */
function checkedOn(iso) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso || "")) return "";
  const when = new Date(`${iso}T12:00:00Z`).toLocaleDateString("fr-FR", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
  return `, vérifié le ${when}`;
}

function sources(list) {
  if (!list?.length) return null;
  return el(
    "section",
    { className: "sources" },
    el("h2", {}, "Sources"),
    el(
      "ul",
      {},
      list.map((source) =>
        el(
          "li",
          {},
          safeLink(source.url) ? el("a", { attrs: { href: source.url, rel: "noopener" } }, source.title) : source.title,
          source.publisher ? ` (${source.publisher})` : "",
          checkedOn(source.checked),
        ),
      ),
    ),
  );
}

// --- OTV -----------------------------------------------------------------------------------------

let otvCommune = null; // the INSEE code the citizen chose: the page then gives its zone's rules

export function showOtv() {
  const path = otvCommune ? `content/otv?commune=${encodeURIComponent(otvCommune)}` : "content/otv";
  return render(path, $("otv-info-form"), $("otv-content"), (page) => [
    page.commune ? otvCommuneCard(page.commune) : null,
    page.commune && page.unknown_zone ? el("p", { className: "notice unknown-zone" }, page.unknown_zone) : null,
    el("p", {}, page.intro),
    ...(page.zones || []).map((zone) =>
      el("section", { className: "card otv-rules", attrs: { "data-zone": zone.zone } }, el("h2", {}, zone.title), el("ul", {}, zone.rules.map((rule) => el("li", {}, rule)))),
    ),
    page.local_practice && el("p", { className: "notice" }, page.local_practice),
    el("h2", {}, "Comment s'inscrire"),
    ...(page.how_to_register || []).map((way) => el("div", {}, el("h3", {}, way.title), el("p", {}, way.text))),
    page.online_procedure && safeLink(page.online_procedure.url)
      ? el("p", {}, el("a", { className: "button", attrs: { href: page.online_procedure.url, rel: "noopener" } }, page.online_procedure.label))
      : null,
    page.changes && el("p", {}, page.changes),
    sources(page.sources),
  ]);
}

// The chosen commune: its zone as known (official or not), and where to register: the competent
// unit when the texts name it, else the nearest ones, said so.
function otvCommuneCard(commune) {
  const unknown = commune.zone === "unknown";
  const units = unknown ? [commune.nearest_brigade, commune.nearest_police_station].filter(Boolean) : [commune.competent].filter(Boolean);
  return el(
    "section",
    { className: "card otv-commune" },
    el("h2", {}, `${commune.name} (${commune.department})`),
    el("p", { className: "notice zone-notice" }, zoneNotice(commune)),
    ...units.map((unit) => unitCard(unit, unitTitle(unit, unknown ? "nearest" : commune.competent_basis), true)),
  );
}

async function findOtvCommune(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const list = $("otv-commune-choices");
  const query = form.q.value.trim();
  clearProblem(form);
  list.hidden = true;
  if (query.length < 2) {
    setStatus(form, "Indiquez au moins 2 caractères du nom ou le code postal de votre commune.", "error");
    return;
  }
  try {
    const { results } = await api(`communes?q=${encodeURIComponent(query)}&limit=8`);
    if (!results.length) {
      setStatus(form, "Aucune commune trouvée : vérifiez l'orthographe ou le code postal.", "error");
    } else if (results.length === 1) {
      chooseOtvCommune(results[0]);
    } else {
      list.replaceChildren(
        ...results.map((commune) =>
          el(
            "li",
            {},
            el(
              "button",
              { className: "button secondary", attrs: { type: "button" }, on: { click: () => chooseOtvCommune(commune) } },
              `${commune.name} (${[(commune.postal_codes || [])[0], `département ${commune.department}`].filter(Boolean).join(", ")})`,
            ),
          ),
        ),
      );
      list.hidden = false;
      setStatus(form, "Plusieurs communes correspondent : choisissez la vôtre.");
    }
  } catch (error) {
    showProblem(form, error);
  }
}

function chooseOtvCommune(commune) {
  otvCommune = commune.insee;
  $("otv-commune-choices").hidden = true;
  $("otv-commune-query").value = commune.name;
  setStatus($("otv-commune-form"), "");
  // the request form names the same commune (the PDF then follows its zone)
  const request = $("otv-form");
  request.elements.commune.value = commune.name;
  if ((commune.postal_codes || []).length === 1 || !request.elements.postal_code.value) request.elements.postal_code.value = (commune.postal_codes || [""])[0];
  showOtv();
}

export function setupContent() {
  $("prevention-form").addEventListener("change", showPrevention);
  $("otv-commune-form").addEventListener("submit", findOtvCommune);
  $("otv-form").addEventListener("submit", prefill);
}

async function prefill(event) {
  event.preventDefault();
  const form = event.currentTarget;
  clearProblem(form);
  try {
    const pdf = await api("otv/form", { method: "POST", body: otvBody(form), accept: "application/pdf" });
    download(pdf, "formulaire-otv-pre-rempli.pdf");
    setStatus(form, "Votre formulaire pré-rempli est téléchargé : imprimez-le, signez-le et apportez-le à la brigade ou au commissariat indiqué.", "success");
  } catch (error) {
    showProblem(form, error);
  }
}

// The form's fields as the API expects them: empty optional fields left out, people as objects.
function otvBody(form) {
  const value = (name) => form.elements[name].value.trim();
  const body = {};
  for (const name of ["last_name", "first_name", "phone", "address", "postal_code", "commune", "departure_date", "return_date"]) {
    body[name] = value(name);
  }
  body.home_type = form.home_type.value;
  for (const name of ["email", "residence", "reachable_during_absence", "remarks"]) {
    if (value(name)) body[name] = value(name);
  }
  for (const name of ["alarm", "vehicle_left", "animals", "light_timers"]) body[name] = form.elements[name].checked;
  const person = (prefix) => ({ name: value(`${prefix}.name`), phone: value(`${prefix}.phone`) });
  body.key_holders = [person("key_holders.0"), person("key_holders.1")].filter((p) => p.name || p.phone);
  const contact = person("contact_during_absence");
  if (contact.name || contact.phone) body.contact_during_absence = contact;
  return body;
}

function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = el("a", { attrs: { href: url, download: filename } });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
