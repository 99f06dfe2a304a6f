// Calls to the Stop Cambriolages API. Paths are relative to the page, so the apps work wherever
// the API is mounted (`/` locally, `/api/` behind API Gateway's stage).

const OFFLINE = "Connexion au serveur impossible : vérifiez votre connexion puis réessayez.";

// An answer other than 2xx, carrying the API's problem+json (French `detail`, `errors[].field`).
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail);
    this.status = status;
    this.problem = problem;
  }
}

// `api("corg/alerts", {method: "POST", body, token, headers})` → the JSON answer (null for 204),
// or a Blob when `accept` names a binary type. Throws ApiError on any failure, network included.
// `fresh: true` for the live reads (the current alert, the feed): the browser revalidates its copy
// with the server or the CDN (a cheap 304 with the ETag) instead of showing it stale for a while.
export async function api(path, { method = "GET", body, token, headers = {}, accept = "application/json", fresh = false } = {}) {
  const init = { method, headers: { Accept: accept, ...headers } };
  if (fresh) init.cache = "no-cache";
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (token) init.headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, { title: "Hors connexion", detail: OFFLINE });
  }
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  if (response.status === 204) return null;
  return accept === "application/json" ? response.json() : response.blob();
}

async function problemOf(response) {
  try {
    const problem = await response.json();
    if (problem && typeof problem.detail === "string") return problem;
  } catch {
    // not JSON: fall through to a generic French message
  }
  return { status: response.status, title: "Erreur", detail: `Le serveur a répondu par une erreur (${response.status}).` };
}

let departmentsPromise;

// The 101 départements [{code, name}], asked once per page.
export function departments() {
  departmentsPromise ??= api("departments").then((answer) => answer.departments);
  departmentsPromise.catch(() => {
    departmentsPromise = undefined;
  });
  return departmentsPromise;
}

// "Hérault (34)", or the bare code when the list cannot be read.
export async function departmentLabel(code) {
  try {
    const found = (await departments()).find((d) => d.code === code);
    return found ? `${found.name} (${code})` : code;
  } catch {
    return code;
  }
}
