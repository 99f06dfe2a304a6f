// The console's « Comptes » panel: an admin manages every group's accounts and reads the audit
// log; a CORG chief (group corg-<dept>-chef) manages its own département's operators. Invite (the
// temporary password shown once, locally), resend the invitation, disable, re-enable, reset MFA,
// remove. Every action asks for confirmation; the server re-checks every right.
import { clearProblem, dateElement, el, setStatus, showProblem } from "./ui.js";

const ADMIN = "admin";
const OPP = "opp-ggd34";
const CHIEF = /^corg-([0-9ab]{2,3})-chef$/;
const STATUS = {
  FORCE_CHANGE_PASSWORD: "invitation en attente",
  CONFIRMED: "activé",
  RESET_REQUIRED: "mot de passe à réinitialiser",
};
const $ = (id) => document.getElementById(id);

let deps = null; // {call, confirm, session, departmentNames}

// Groups this operator manages: an admin every group, a chief its départements' operator groups.
export function managedGroups(groups, codes) {
  if (groups.includes(ADMIN)) {
    const plain = codes.map((c) => `corg-${c.toLowerCase()}`);
    return [...plain, ...plain.map((g) => `${g}-chef`), OPP, ADMIN];
  }
  return groups.map((g) => g.match(CHIEF)).filter(Boolean).map((m) => `corg-${m[1]}`);
}

export function initAccounts(dependencies) {
  deps = dependencies;
  $("accounts-group").addEventListener("change", () => {
    $("invite-group").value = $("accounts-group").value;
    showAccounts();
  });
  $("accounts-refresh").addEventListener("click", showAccounts);
  $("invite-form").addEventListener("submit", invite);
  $("audit-refresh").addEventListener("click", showAudit);
}

// Called once signed in: shows the panel to admins and chiefs only.
export async function enterAccounts() {
  const { groups } = deps.session();
  const managed = managedGroups(groups, Object.keys(deps.departmentNames()));
  $("accounts-panel").hidden = managed.length === 0;
  $("audit-section").hidden = !groups.includes(ADMIN);
  $("invite-result").hidden = true;
  if (!managed.length) return;
  const options = managed.map((g) => el("option", { attrs: { value: g } }, groupLabel(g)));
  $("accounts-group").replaceChildren(...options);
  $("invite-group").replaceChildren(...options.map((o) => o.cloneNode(true)));
  await showAccounts();
  if (groups.includes(ADMIN)) await showAudit();
}

function groupLabel(group) {
  const names = deps.departmentNames();
  const chief = group.match(CHIEF);
  const code = (chief ? chief[1] : group.replace(/^corg-/, "")).toUpperCase();
  if (group === ADMIN) return "Administrateurs (admin)";
  if (group === OPP) return "OPP du GGD34 (opp-ggd34)";
  const where = names[code] ? `${names[code]} (${code})` : code;
  return chief ? `Chefs du CORG ${where} (${group})` : `CORG ${where} (${group})`;
}

async function showAccounts() {
  const group = $("accounts-group").value;
  const form = $("accounts-form");
  clearProblem(form);
  const body = $("accounts-table").tBodies[0];
  try {
    const answer = await deps.call(`admin/accounts?group=${encodeURIComponent(group)}`);
    body.replaceChildren(...answer.accounts.map(accountRow));
    if (!answer.accounts.length) {
      body.append(el("tr", {}, el("td", { attrs: { colspan: 5 } }, "Aucun compte dans ce groupe.")));
    }
  } catch (error) {
    body.replaceChildren();
    showProblem(form, error, { focus: false });
  }
}

function accountRow(account) {
  const me = account.username === deps.session().username;
  const state = account.enabled ? STATUS[account.status] || account.status.toLowerCase() : "désactivé";
  const actions = el("div", { className: "actions" });
  const button = (label, kind, handler) =>
    el("button", {
      className: `button small ${kind}`,
      attrs: { type: "button", "aria-label": `${label} : ${account.username}`, "data-action": label },
      on: { click: handler },
    }, label);
  if (!me) {
    if (account.status === "FORCE_CHANGE_PASSWORD") {
      actions.append(button("Renvoyer l'invitation", "secondary", () => act(account, "invitation")));
    }
    actions.append(account.enabled
      ? button("Désactiver", "secondary", () => act(account, "disable"))
      : button("Réactiver", "secondary", () => act(account, "enable")));
    if (account.mfa) actions.append(button("Réinitialiser la double authentification", "secondary", () => act(account, "reset-mfa")));
    actions.append(button("Retirer", "danger", () => act(account, "remove")));
  }
  const cell = (name, ...content) => el("td", { attrs: { "data-label": name } }, ...content);
  return el("tr", { attrs: { "data-username": account.username } },
    cell("Identifiant", account.username, me ? " (vous)" : ""),
    cell("E-mail", account.email || "—"),
    cell("État", state),
    cell("Double authentification", account.mfa ? "activée" : "non"),
    cell("Actions", actions),
  );
}

const QUESTIONS = {
  invitation: (u) => ({ title: "Renvoyer l'invitation", message: `Un nouveau mot de passe provisoire sera fait pour ${u} ; l'ancien ne marchera plus.` }),
  disable: (u) => ({ title: "Désactiver le compte", message: `${u} ne pourra plus se connecter ni rien envoyer (dans la minute), et ses sessions seront fermées.`, danger: true }),
  enable: (u) => ({ title: "Réactiver le compte", message: `${u} pourra de nouveau se connecter.` }),
  "reset-mfa": (u) => ({ title: "Réinitialiser la double authentification", message: `${u} devra enregistrer une nouvelle application d'authentification ; ses sessions seront fermées.`, danger: true }),
  remove: (u) => ({ title: "Retirer l'opérateur", message: `${u} sera retiré des groupes que vous gérez (et supprimé s'il n'en a plus aucun) ; ses sessions seront fermées.`, danger: true }),
};
const DONE = {
  invitation: "Invitation renvoyée.",
  disable: "Compte désactivé.",
  enable: "Compte réactivé.",
  "reset-mfa": "Double authentification réinitialisée.",
  remove: "Opérateur retiré.",
};

async function act(account, action) {
  const question = QUESTIONS[action](account.username);
  if (!(await deps.confirm({ ...question, action: question.title }))) return;
  const form = $("accounts-form");
  clearProblem(form);
  const path = `admin/accounts/${encodeURIComponent(account.username)}`;
  try {
    const answer = action === "remove"
      ? await deps.call(path, { method: "DELETE" })
      : await deps.call(`${path}/${action}`, { method: "POST", body: {} });
    setStatus(form, `${DONE[action]} (${account.username})`, "success");
    if (answer.temporary_password) showTemporaryPassword(account.username, answer.temporary_password);
    await showAccounts();
    if (!$("audit-section").hidden) await showAudit();
  } catch (error) {
    showProblem(form, error);
  }
}

async function invite(event) {
  event.preventDefault();
  const form = event.currentTarget;
  clearProblem(form);
  $("invite-result").hidden = true;
  const body = { username: form.username.value.trim().toLowerCase(), group: form.group.value };
  if (form.email.value.trim()) body.email = form.email.value.trim();
  try {
    const answer = await deps.call("admin/accounts", { method: "POST", body });
    form.reset();
    form.group.value = answer.group;
    setStatus(form, `Compte ${answer.username} créé dans ${answer.group}.`, "success");
    if (answer.temporary_password) showTemporaryPassword(answer.username, answer.temporary_password);
    else setStatus(form, `Compte ${answer.username} créé : le mot de passe provisoire lui est envoyé par e-mail.`, "success");
    $("accounts-group").value = answer.group;
    await showAccounts();
    if (!$("audit-section").hidden) await showAudit();
  } catch (error) {
    showProblem(form, error);
  }
}

// Shown once (local stage: no e-mail); the person hands it over, then it disappears with the page.
function showTemporaryPassword(username, password) {
  const box = $("invite-result");
  box.replaceChildren(
    el("p", {}, `Mot de passe provisoire de ${username}, affiché une seule fois : transmettez-le par un canal sûr. `,
      "Il devra le changer à sa première connexion."),
    el("p", {}, el("code", { attrs: { "data-temporary-password": username } }, password)),
  );
  box.hidden = false;
  box.focus();
}

const ACTION_LABELS = {
  invited: "Invitation",
  invitation_resent: "Invitation renvoyée",
  disabled: "Désactivation",
  enabled: "Réactivation",
  mfa_reset: "Double authentification réinitialisée",
  removed_from_group: "Retrait du groupe",
  deleted: "Suppression",
};

async function showAudit() {
  const form = $("audit-form");
  clearProblem(form);
  const body = $("audit-table").tBodies[0];
  try {
    const { entries } = await deps.call("admin/audit?limit=50");
    const cell = (name, ...content) => el("td", { attrs: { "data-label": name } }, ...content);
    body.replaceChildren(...entries.map((entry) => el("tr", {},
      cell("Date", dateElement(entry.at)),
      cell("Par", entry.by),
      cell("Action", ACTION_LABELS[entry.action] || entry.action_label),
      cell("Compte", entry.account),
      cell("Détail", entry.detail),
    )));
  } catch (error) {
    body.replaceChildren();
    showProblem(form, error, { focus: false });
  }
}
