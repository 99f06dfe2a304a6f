// Personnalisation: the département (kept in this browser for the home page) and, with the
// person's consent, a web push subscription registered with the API. The subscription id is the
// only handle on it; it is kept in localStorage and refreshed at each launch.
import { api, ApiError, departmentLabel, departments } from "./api.js";
import { clearProblem, el, setStatus, showProblem } from "./ui.js";

export const DEPARTMENT_KEY = "stopcamb.department";
const SUBSCRIPTION_KEY = "stopcamb.subscription";

const $ = (id) => document.getElementById(id);
let onChange = () => {};

export async function setupSettings({ onDepartmentChange }) {
  onChange = onDepartmentChange;
  const form = $("settings-form");
  form.addEventListener("submit", save);
  $("unsubscribe").addEventListener("click", unsubscribe);
  form.accept_notifications.checked = Boolean(localStorage.getItem(SUBSCRIPTION_KEY));
  try {
    const list = await departments();
    form.department.append(...list.map((d) => el("option", { attrs: { value: d.code } }, `${d.code} · ${d.name}`)));
    form.department.value = localStorage.getItem(DEPARTMENT_KEY) || "";
  } catch (error) {
    showProblem(form, error, { focus: false });
  }
  await showState();
}

async function showState() {
  const subscribed = Boolean(localStorage.getItem(SUBSCRIPTION_KEY));
  const code = localStorage.getItem(DEPARTMENT_KEY);
  $("unsubscribe").hidden = !subscribed;
  $("push-state").textContent = subscribed
    ? `Notifications activées pour ${await departmentLabel(code)} sur ce navigateur.`
    : "Notifications désactivées sur ce navigateur.";
}

async function save(event) {
  event.preventDefault();
  const form = event.currentTarget;
  clearProblem(form);
  const department = form.department.value;
  if (!department) {
    showProblem(form, fieldProblem("department", "Choisissez votre département."));
    return;
  }
  const subscription = localStorage.getItem(SUBSCRIPTION_KEY);
  try {
    if (form.accept_notifications.checked && subscription) {
      try {
        await api(`subscriptions/${encodeURIComponent(subscription)}`, { method: "PUT", body: { department } });
      } catch (error) {
        // 404: replaced by a newer registration or expired; 410: the push service refused it.
        if (error.status !== 404 && error.status !== 410) throw error;
        await subscribe(department);
      }
    } else if (form.accept_notifications.checked) {
      await subscribe(department);
    } else if (subscription) {
      await forget(subscription);
    }
  } catch (error) {
    showProblem(form, error);
    return;
  }
  localStorage.setItem(DEPARTMENT_KEY, department);
  await showState();
  const label = await departmentLabel(department);
  setStatus(
    form,
    form.accept_notifications.checked
      ? `C'est enregistré : vous recevrez les alertes cambriolages de ${label}.`
      : `Département enregistré : ${label}. Cochez la case pour recevoir les alertes.`,
    "success",
  );
  onChange();
}

// Browser permission, then a push subscription with the API's VAPID key, then POST /subscriptions.
async function subscribe(department) {
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    throw fieldProblem("accept_notifications", "Ce navigateur ne peut pas recevoir de notifications. Sur iPhone, ajoutez d'abord l'application à l'écran d'accueil.");
  }
  if ((await Notification.requestPermission()) !== "granted") {
    throw fieldProblem("accept_notifications", "Les notifications sont bloquées pour ce site : autorisez-les dans les réglages du navigateur.");
  }
  const { public_key: key } = await api("webpush/public-key");
  const registration = await navigator.serviceWorker.ready;
  let push;
  try {
    push = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64UrlBytes(key) });
  } catch {
    throw fieldProblem("accept_notifications", "Le service de notification du navigateur n'a pas répondu : réessayez plus tard.");
  }
  const { endpoint, keys } = push.toJSON();
  const answer = await api("subscriptions", {
    method: "POST",
    body: { platform: "web", web_push: { endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } }, department, accept_notifications: true },
  });
  localStorage.setItem(SUBSCRIPTION_KEY, answer.id);
}

async function unsubscribe() {
  const form = $("settings-form");
  clearProblem(form);
  try {
    await forget(localStorage.getItem(SUBSCRIPTION_KEY));
  } catch (error) {
    showProblem(form, error);
    return;
  }
  form.accept_notifications.checked = false;
  await showState();
  setStatus(form, "Vous ne recevrez plus de notifications sur ce navigateur.", "success");
  form.querySelector(".form-status").focus();
}

// DELETE the subscription (already gone is fine) and drop the browser's push subscription.
async function forget(id) {
  try {
    await api(`subscriptions/${encodeURIComponent(id)}`, { method: "DELETE" });
  } catch (error) {
    if (error.status !== 404) throw error;
  }
  localStorage.removeItem(SUBSCRIPTION_KEY);
  const registration = await navigator.serviceWorker?.getRegistration();
  const push = await registration?.pushManager.getSubscription();
  await push?.unsubscribe();
}

// At each launch: tell the API the subscription is still wanted (it expires after 60 idle days).
export async function refreshSubscription() {
  const id = localStorage.getItem(SUBSCRIPTION_KEY);
  const department = localStorage.getItem(DEPARTMENT_KEY);
  if (!id || !department) return;
  try {
    await api(`subscriptions/${encodeURIComponent(id)}`, { method: "PUT", body: { department } });
  } catch (error) {
    if (error.status === 404 || error.status === 410) {
      localStorage.removeItem(SUBSCRIPTION_KEY);
      $("settings-form").accept_notifications.checked = false;
      await showState();
    }
  }
}

function fieldProblem(field, message) {
  return new ApiError(0, { detail: "Vérifiez le champ signalé.", errors: [{ field, message }] });
}

function base64UrlBytes(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}
