// Brigades: type-ahead search of a commune (ARIA combobox) or "Me géolocaliser", then the
// competent unit and the nearest brigades with address, phone link and a map link.
import { api } from "./api.js";
import { communeCombobox } from "./combobox.js";
import { clearProblem, el, setStatus, showProblem } from "./ui.js";

const $ = (id) => document.getElementById(id);
const KM = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 1 });

export function setupBrigades() {
  const form = $("brigades-form");
  const combobox = communeCombobox({
    input: $("commune-input"),
    list: $("commune-list"),
    idPrefix: "commune-option",
    search: async (query, current) => {
      const answer = await api(`communes?q=${encodeURIComponent(query)}&limit=8`);
      if (current()) {
        clearProblem(form);
        showIgnoredHints(answer.results);
      }
      return answer.results;
    },
    option: (commune, index) => [
      commune.name,
      el("span", { className: "meta" }, communeDetails(commune)),
      matchExplanation(commune, index) ? el("span", { className: "match" }, matchExplanation(commune, index)) : null,
    ],
    choose,
    empty: "Aucune commune trouvée.",
    onClose: () => {
      $("commune-note").hidden = true;
    },
    onError: (error) => showProblem(form, error, { focus: false }),
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const commune = combobox.current();
    if (commune) combobox.pick(commune);
  });
  $("locate").addEventListener("click", locate);
  showDataDate();
}

// The footer says where the units and zones come from and how recent they are (GET /health).
const DAY = new Intl.DateTimeFormat("fr-FR", { dateStyle: "long", timeZone: "Europe/Paris" });

async function showDataDate() {
  try {
    const { data } = await api("health");
    if (!data) return;
    const day = (iso) => DAY.format(new Date(iso.length === 10 ? `${iso}T12:00:00Z` : iso));
    const parts = ["Sources : annuaire Service-Public.fr (DILA)"];
    if (data.units_updated) parts[0] += `, fiches des unités mises à jour jusqu'au ${day(data.units_updated)}`;
    if (data.official_zones?.length) parts.push(`zone police ou gendarmerie officielle pour les départements ${data.official_zones.join(", ")}`);
    if (data.ministry_competence) parts.push("unités compétentes selon le fichier du ministère de l'Intérieur");
    if (data.built_at) parts.push(`données préparées le ${day(data.built_at)}`);
    $("data-date").textContent = `${parts.join(" ; ")}.`;
  } catch {
    // the footer is a convenience: the search works without it
  }
}

// --- Type-ahead ----------------------------------------------------------------------------------

function communeDetails(commune) {
  return [(commune.postal_codes || [])[0], `département ${commune.department}`].filter(Boolean).join(" · ");
}

// How the search understood what was typed (`match`, API.md): a former commune's name, or, for the
// first answer, a typo or a name heard rather than read.
function matchExplanation(commune, index) {
  const match = commune.match || [];
  if (commune.matched_name) return `${commune.matched_name} : ancienne commune ${ofName(commune.name)}`;
  if (index === 0 && (match.includes("corrected") || match.includes("phonetic"))) return `Vouliez-vous dire ${commune.name} ?`;
  return "";
}

// « de » before a commune's name, as French writes it: d'Annecy, du Havre, des Mureaux, de la Ciotat.
function ofName(name) {
  const article = name.match(/^(?:(Les|Le|La) |L[’'])(.*)$/u);
  if (article) return `${{ Le: "du ", Les: "des ", La: "de la " }[article[1]] || "de l’"}${article[2]}`;
  return /^[aeiouyhâàéèêëîïôöûüœ]/iu.test(name) ? `d’${name}` : `de ${name}`;
}

function showIgnoredHints(results) {
  const ignored = results.length ? results[0].ignored_hints || [] : [];
  const note = $("commune-note");
  note.textContent = ignored.length
    ? `Aucune commune de ce nom ne correspond à ${ignored.map((hint) => `«\u00a0${hint}\u00a0»`).join(", ")}\u00a0: indice ignoré.`
    : "";
  note.hidden = !ignored.length;
}

async function choose(commune) {
  $("commune-input").value = commune.name;
  await showNearest(commune.lat, commune.lon, commune);
}

// --- Geolocation -------------------------------------------------------------------------------

const GEO_ERRORS = {
  1: "Géolocalisation refusée : autorisez-la dans votre navigateur, ou cherchez votre commune.",
  2: "Position indisponible : cherchez votre commune par son nom ou son code postal.",
  3: "La géolocalisation a pris trop de temps : réessayez, ou cherchez votre commune.",
};

function locate() {
  const form = $("brigades-form");
  clearProblem(form);
  if (!("geolocation" in navigator)) {
    setStatus(form, "Ce navigateur ne permet pas la géolocalisation : cherchez votre commune.", "error");
    return;
  }
  setStatus(form, "Recherche de votre position…");
  navigator.geolocation.getCurrentPosition(
    (position) => {
      clearProblem(form);
      showNearest(position.coords.latitude, position.coords.longitude, null);
    },
    (error) => setStatus(form, GEO_ERRORS[error.code] || GEO_ERRORS[2], "error"),
    { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 },
  );
}

// --- Results -----------------------------------------------------------------------------------

// The competent unit and the nearest brigades around a point (a commune's centre or the person's).
async function showNearest(lat, lon, chosen) {
  const form = $("brigades-form");
  const box = $("brigade-results");
  try {
    const answer = await api(`brigades/nearest?lat=${lat}&lon=${lon}&limit=3`);
    const commune = chosen || answer.commune;
    const competent = (chosen && chosen.competent) || answer.competent;
    const unknown = commune?.zone === "unknown";
    // Zone unknown: the nearest brigade and the nearest police station, both "la plus proche".
    const leads = unknown
      ? [commune.nearest_brigade, commune.nearest_police_station].filter(Boolean)
      : [competent].filter(Boolean);
    const shown = new Set(leads.map((unit) => unit.id));
    const others = answer.nearest.filter((unit) => !shown.has(unit.id));
    box.replaceChildren(
      commune ? el("h2", {}, `${commune.name} (${commune.department})`) : el("h2", {}, "Autour de vous"),
      commune ? el("p", { className: "notice zone-notice" }, zoneNotice(commune)) : null,
      ...leads.map((unit) => unitCard(unit, unitTitle(unit, unknown ? "nearest" : commune?.competent_basis), true)),
      others.length ? el("h2", {}, chosen ? "Autres brigades proches de la commune" : "Autres brigades proches de vous") : null,
      ...others.map((unit) => unitCard(unit, null, false)),
    );
    clearProblem(form);
  } catch (error) {
    box.replaceChildren();
    showProblem(form, error);
  }
}

// What is known of the zone, said as it is: official, or not known (an estimate is called one).
export function zoneNotice(commune) {
  if (commune.zone_basis === "official" && commune.zone === "police") {
    const district = commune.police_district ? ` (circonscription de sécurité publique de ${commune.police_district})` : "";
    return `Zone police${district}, selon les textes officiels : adressez-vous au commissariat.`;
  }
  if (commune.zone_basis === "official" && commune.zone === "gendarmerie") {
    return "Zone gendarmerie, selon les textes officiels : adressez-vous à la brigade de gendarmerie.";
  }
  const estimate = commune.zone_estimate === "police" ? " Cette commune compte un commissariat : elle est probablement en zone police (estimation)." : "";
  return `Nous ne savons pas avec certitude si cette commune est en zone police ou en zone gendarmerie.${estimate} La brigade et le commissariat les plus proches sont indiqués : renseignez-vous auprès d'eux.`;
}

// "compétente" only when the texts name the unit; otherwise "la plus proche".
export function unitTitle(unit, basis) {
  const police = unit.kind === "police";
  if (basis === "official") return police ? "Commissariat compétent" : "Brigade compétente";
  return police ? "Commissariat le plus proche du centre de la commune" : "Brigade la plus proche du centre de la commune";
}

export function unitCard(unit, title, competent) {
  const phone = unit.phone ? unit.phone.replace(/[^\d+]/g, "") : "";
  const map = `https://www.openstreetmap.org/?mlat=${unit.lat}&mlon=${unit.lon}#map=17/${unit.lat}/${unit.lon}`;
  return el(
    "article",
    { className: competent ? "unit competent" : "unit" },
    title && el("p", { className: "unit-role" }, title),
    el("h3", {}, unit.name),
    el("p", {}, unit.address, el("br"), `${unit.postal_code} ${unit.commune}`),
    unit.distance_km !== undefined && el("p", { className: "meta" }, `À ${KM.format(unit.distance_km)} km`),
    unit.hours && el("p", { className: "meta" }, `Horaires : ${unit.hours}`),
    el(
      "p",
      { className: "actions" },
      phone && el("a", { className: "button", attrs: { href: `tel:${phone}`, "aria-label": `Appeler le ${unit.phone} (${unit.name})` } }, `Appeler le ${unit.phone}`),
      el("a", { className: "button secondary", attrs: { href: map, rel: "noopener", "aria-label": `Voir sur la carte : ${unit.name} (OpenStreetMap)` } }, "Voir sur la carte"),
    ),
  );
}
