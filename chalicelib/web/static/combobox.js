// A commune type-ahead as an ARIA combobox (an input and its listbox), shared by the citizen's
// brigade search and the console's alert composer: debounced queries, late answers dropped, arrow
// keys, Escape, Enter and the mouse. What an option shows and what a choice does are the page's.
import { debounce, el } from "./ui.js";

// input, list: the elements; idPrefix: of the options' ids; search(query) → the communes to offer;
// option(commune, index) → the option's content; choose(commune); empty: the text when none;
// onClose(); onError(error); enterChoosesFirst: Enter with no option highlighted takes the first
// (and Enter never submits the form).
export function communeCombobox({ input, list, idPrefix, search, option, choose, empty, onClose, onError, enterChoosesFirst = false }) {
  let suggestions = [];
  let active = -1;
  let lastQuery = "";

  async function suggest() {
    const query = input.value.trim();
    lastQuery = query;
    if (query.length < 2) {
      close();
      return;
    }
    try {
      const results = await search(query, () => query === lastQuery);
      if (query === lastQuery) show(results); // an older answer arriving late is dropped
    } catch (error) {
      close();
      onError(error);
    }
  }

  function show(results) {
    suggestions = results;
    active = -1;
    list.replaceChildren(
      ...results.map((commune, index) =>
        el(
          "li",
          {
            attrs: { id: `${idPrefix}-${index}`, role: "option", "aria-selected": "false" },
            on: { mousedown: (event) => event.preventDefault(), click: () => pick(commune) },
          },
          ...option(commune, index),
        ),
      ),
    );
    if (!results.length) {
      list.append(el("li", { className: "empty", attrs: { role: "option", "aria-disabled": "true", "aria-selected": "false" } }, empty));
    }
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    if (onClose) onClose();
  }

  function onKey(event) {
    const open = !list.hidden && suggestions.length > 0;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!open) return;
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      highlight((active + step + suggestions.length) % suggestions.length);
    } else if (event.key === "Escape") {
      close();
    } else if (event.key === "Enter" && enterChoosesFirst) {
      event.preventDefault();
      if (open) pick(suggestions[Math.max(active, 0)]);
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault();
      pick(suggestions[active]);
    }
  }

  function highlight(index) {
    active = index;
    const id = `${idPrefix}-${index}`;
    for (const item of list.children) item.setAttribute("aria-selected", String(item.id === id));
    input.setAttribute("aria-activedescendant", id);
    document.getElementById(id).scrollIntoView({ block: "nearest" });
  }

  function pick(commune) {
    close();
    choose(commune);
  }

  input.addEventListener("input", debounce(suggest, 200));
  input.addEventListener("keydown", onKey);
  input.addEventListener("blur", () => setTimeout(close, 150));
  // current(): the highlighted commune (or the first), what a form's own submit takes
  return { current: () => (suggestions.length ? suggestions[Math.max(active, 0)] : null), pick, close };
}
