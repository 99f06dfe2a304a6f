// Service worker of the citizen app. Shows web pushes with `tag` = the collapse key, so a new alert
// replaces the previous one on the screen; a click opens (or focuses) the app. Keeps the app shell
// and the reading pages for offline use (network first: an online visit always gets fresh files).

const CACHE = "stopcamb-v1";
const SHELL = [
  "./",
  "static/app.css",
  "static/api.js",
  "static/ui.js",
  "static/citizen.js",
  "static/content.js",
  "static/brigades.js",
  "static/combobox.js",
  "static/settings.js",
  "static/icon.svg",
  "static/icon-192.png",
  "static/manifest.webmanifest",
];
const SCOPE = new URL("./", self.location).href;
const APP_PATH = new URL(SCOPE).pathname;
const CACHED_PATHS = ["static/", "content/", "departments"].map((path) => new URL(path, SCOPE).pathname);

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  const page = url.pathname === APP_PATH;
  if (!page && !CACHED_PATHS.some((path) => url.pathname.startsWith(path))) return;
  const key = page ? "./" : request;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(key, copy));
        }
        return response;
      })
      .catch(() => caches.match(key).then((hit) => hit || Response.error())),
  );
});

// Payload: {"title", "body", "tag", "url"?}. Same tag → the new notification replaces the old one;
// `renotify` makes the phone ring again for the replacement.
self.addEventListener("push", (event) => {
  const message = readPayload(event.data);
  const options = {
    body: message.body || "",
    icon: "static/icon-192.png",
    badge: "static/icon-192.png",
    lang: "fr",
    data: { url: message.url || "./#accueil" },
  };
  if (message.tag) Object.assign(options, { tag: message.tag, renotify: true });
  event.waitUntil(
    self.registration
      .showNotification(message.title || "Stop Cambriolages", options)
      .then(() => self.clients.matchAll({ type: "window" }))
      .then((clients) => clients.forEach((client) => client.postMessage({ type: "push", tag: message.tag }))),
  );
});

function readPayload(data) {
  if (!data) return {};
  try {
    return data.json();
  } catch {
    return { body: data.text() };
  }
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  // A path from the payload is taken within the app's scope (the API may sit under a stage path).
  const target = new URL((event.notification.data?.url || "./").replace(/^\//, "./"), SCOPE).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((clients) => {
      const open = clients.find((client) => client.url.startsWith(SCOPE));
      if (open) return open.focus().then((client) => client.navigate(target).catch(() => client));
      return self.clients.openWindow(target);
    }),
  );
});
