// The console's operator session: sign-in with Cognito's challenges (TOTP code, first-login
// password, TOTP enrolment), silent refresh of the short-lived tokens, the session state shown in
// the header (expires in, MFA on), TOTP enrolment of a signed-in operator, and a logout that ends
// the session on every tab (a `storage` event on localStorage; the tokens live in sessionStorage).
import { api, ApiError } from "./api.js";
import { clearProblem, el, setStatus, showProblem } from "./ui.js";

const SESSION_KEY = "stopcamb.console";
const LOGOUT_KEY = "stopcamb.console.logout";
const REFRESH_MARGIN_MS = 60_000; // refresh a minute before the id token expires
const ENDING_CODES = new Set(["invalid_token", "unauthenticated", "account_disabled"]);
const STEPS = ["login-form", "totp-form", "password-form", "setup-form"];
const $ = (id) => document.getElementById(id);

let session = null;
let pending = null; // the challenge being answered: {challenge, username, session}
let refreshTimer = null;
let stateTimer = null;
let hooks = { enter: async () => {}, leave: () => {} };

export const currentSession = () => session;

// `initAuth({enter, leave})`: `enter()` once signed in, `leave(message)` once signed out.
export function initAuth(callbacks) {
  hooks = callbacks;
  $("login-form").addEventListener("submit", submitLogin);
  for (const id of ["totp-form", "password-form", "setup-form"]) {
    $(id).addEventListener("submit", submitChallenge);
    $(id).querySelector("[data-restart]").addEventListener("click", () => restart());
  }
  $("logout").addEventListener("click", () => signOut("Vous êtes déconnecté.", { everywhere: true }));
  $("mfa-enrol").addEventListener("click", startEnrolment);
  $("mfa-form").addEventListener("submit", confirmEnrolment);
  $("mfa-cancel").addEventListener("click", closeEnrolment);
  window.addEventListener("storage", (event) => {
    if (event.key === LOGOUT_KEY && session) signOut("Vous avez été déconnecté depuis un autre onglet.");
  });
  session = restore();
  if (session) {
    schedule();
    return true;
  }
  return false;
}

function restore() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(SESSION_KEY));
    return saved && (saved.expiresAt > Date.now() || saved.refreshToken) ? saved : null;
  } catch {
    return null;
  }
}

function store(next) {
  session = next;
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(next));
  schedule();
}

function fromTokens(answer, previous = {}) {
  return {
    token: answer.id_token,
    accessToken: answer.access_token,
    refreshToken: answer.refresh_token ?? previous.refreshToken,
    groups: answer.groups,
    username: answer.username ?? previous.username,
    mfa: answer.mfa ?? previous.mfa ?? false,
    expiresAt: Date.now() + answer.expires_in * 1000,
  };
}

// --- Sign-in and its steps --------------------------------------------------------------------

function showStep(id) {
  for (const step of STEPS) $(step).hidden = step !== id;
  const form = $(id);
  const first = form.querySelector("input:not([type=hidden])");
  if (first) first.focus();
}

function restart(message) {
  pending = null;
  for (const step of STEPS) {
    $(step).reset();
    clearProblem($(step));
  }
  showStep("login-form");
  if (message) setStatus($("login-form"), message, "error");
}

async function submitLogin(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const username = form.username.value.trim();
  clearProblem(form);
  const missing = [
    !username && { field: "username", message: "Saisissez votre identifiant." },
    !form.password.value && { field: "password", message: "Saisissez votre mot de passe." },
  ].filter(Boolean);
  if (missing.length) {
    showProblem(form, new ApiError(400, { detail: "Identifiant et mot de passe sont nécessaires.", errors: missing }));
    return;
  }
  try {
    const answer = await api("auth/login", { method: "POST", body: { username, password: form.password.value } });
    form.password.value = "";
    await signedIn(answer);
  } catch (error) {
    form.password.value = "";
    showProblem(form, error);
  }
}

async function submitChallenge(event) {
  event.preventDefault();
  const form = event.currentTarget;
  clearProblem(form);
  const body = { challenge: pending.challenge, username: pending.username, session: pending.session };
  if (pending.challenge === "new_password") {
    if (form.new_password.value !== form.confirm_password.value) {
      showProblem(form, new ApiError(400, {
        detail: "Les deux mots de passe diffèrent.",
        errors: [{ field: "confirm_password", message: "Saisissez deux fois le même mot de passe." }],
      }));
      return;
    }
    body.new_password = form.new_password.value;
  } else {
    body.code = form.code.value.replace(/\s/g, "");
  }
  try {
    await signedIn(await api("auth/challenge", { method: "POST", body }));
  } catch (error) {
    if (error.problem.code === "challenge_expired") restart(error.problem.detail);
    else showProblem(form, error);
  }
}

// Tokens: the operator is in. A challenge: the next step's form.
async function signedIn(answer) {
  if (answer.challenge) {
    pending = { challenge: answer.challenge, username: answer.username, session: answer.session };
    if (answer.challenge === "totp") showStep("totp-form");
    if (answer.challenge === "new_password") {
      $("password-policy").textContent = answer.password_policy;
      showStep("password-form");
    }
    if (answer.challenge === "mfa_setup") {
      showEnrolment($("setup-qr"), $("setup-secret"), answer);
      showStep("setup-form");
    }
    return;
  }
  store(fromTokens(answer));
  restart();
  await hooks.enter();
}

// --- Calls, refresh, logout -------------------------------------------------------------------

// An operator call: the token is refreshed first if it is about to expire; a refused session
// sends the person back to the login form with the server's reason.
export async function call(path, options = {}) {
  if (session && session.expiresAt - Date.now() < 10_000) await refresh();
  if (!session) throw new ApiError(401, { detail: "Votre session a expiré : reconnectez-vous." });
  try {
    return await api(path, { ...options, token: session.token });
  } catch (error) {
    if (error.status === 401 && ENDING_CODES.has(error.problem.code)) signOut(error.problem.detail);
    throw error;
  }
}

async function refresh() {
  if (!session?.refreshToken) {
    signOut("Votre session a expiré : reconnectez-vous.");
    return;
  }
  try {
    const answer = await api("auth/refresh", { method: "POST", body: { refresh_token: session.refreshToken } });
    store(fromTokens(answer, session));
  } catch (error) {
    if (error.status === 401) signOut(error.problem.detail);
    else schedule(30_000); // offline or AWS down: try again shortly, the token may still be valid
  }
}

function schedule(delay) {
  clearTimeout(refreshTimer);
  if (!session) return;
  refreshTimer = setTimeout(refresh, delay ?? Math.max(0, session.expiresAt - Date.now() - REFRESH_MARGIN_MS));
  renderState();
  clearInterval(stateTimer);
  stateTimer = setInterval(renderState, 15_000);
}

// `everywhere`: the person logged out (tokens revoked, every tab told); otherwise this tab only.
export function signOut(message, { everywhere = false } = {}) {
  const ending = session;
  session = null;
  sessionStorage.removeItem(SESSION_KEY);
  clearTimeout(refreshTimer);
  clearInterval(stateTimer);
  closeEnrolment();
  if (ending && everywhere) {
    api("auth/logout", { method: "POST", body: { access_token: ending.accessToken } }).catch(() => {});
    localStorage.setItem(LOGOUT_KEY, String(Date.now()));
  }
  restart();
  hooks.leave(message);
}

// "Session : encore 14 min · double authentification activée"
export function renderState() {
  const box = $("session-state");
  if (!session) {
    box.replaceChildren();
    return;
  }
  const minutes = Math.max(0, Math.round((session.expiresAt - Date.now()) / 60_000));
  const renewal = session.refreshToken ? "renouvelée automatiquement" : "à renouveler en vous reconnectant";
  box.replaceChildren(
    el("span", { attrs: { "data-expires-in": minutes } }, `Session : encore ${minutes} min (${renewal})`),
    " · ",
    el("span", { attrs: { "data-mfa": session.mfa ? "on" : "off" } },
      session.mfa ? "double authentification activée" : "double authentification non activée"),
  );
  $("mfa-enrol").hidden = session.mfa;
}

// --- TOTP enrolment of a signed-in operator ----------------------------------------------------

function showEnrolment(image, secret, answer) {
  image.src = answer.qr;
  image.alt = `QR code de la clé TOTP de ${answer.username || session?.username || "l'opérateur"}`;
  secret.textContent = answer.secret_grouped;
}

async function startEnrolment() {
  const form = $("mfa-form");
  clearProblem(form);
  form.reset();
  $("mfa-panel").hidden = false;
  try {
    const answer = await call("me/mfa", { method: "POST", body: { access_token: session.accessToken } });
    showEnrolment($("mfa-qr"), $("mfa-secret"), { ...answer, username: session.username });
    form.code.focus();
  } catch (error) {
    showProblem(form, error);
  }
}

async function confirmEnrolment(event) {
  event.preventDefault();
  const form = event.currentTarget;
  clearProblem(form);
  try {
    const code = form.code.value.replace(/\s/g, "");
    await call("me/mfa/confirm", { method: "POST", body: { access_token: session.accessToken, code } });
    store({ ...session, mfa: true });
    $("mfa-panel").hidden = true;
    $("session-state").focus();
  } catch (error) {
    showProblem(form, error);
  }
}

function closeEnrolment() {
  $("mfa-panel").hidden = true;
  $("mfa-qr").removeAttribute("src");
  $("mfa-secret").textContent = "";
}
