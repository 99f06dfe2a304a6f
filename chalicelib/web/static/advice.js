// The OPP's editor of the advice sentences the alert composer offers: the list is read, edited
// row by row and saved whole with the revision it was read at (someone else's save meanwhile is a
// 409: reload, then edit again).
import { clearProblem, el, setStatus, showProblem } from "./ui.js";

const $ = (id) => document.getElementById(id);

let shared = null; // {call, onSaved}
let revision = 0;
let rows = 0; // ever created, so ids stay unique after removals

export function setupAdviceEditor(options) {
  shared = options;
  $("advice-form").addEventListener("submit", save);
  $("advice-add").addEventListener("click", () => {
    const row = addRow({ id: "", text: "" });
    row.querySelector("input").focus();
  });
}

export async function loadAdviceEditor() {
  const form = $("advice-form");
  clearProblem(form);
  try {
    const list = await shared.call("corg/alert-advice");
    show(list);
  } catch (error) {
    showProblem(form, error, { focus: false });
  }
}

function show(list) {
  revision = list.revision;
  $("advice-rows").replaceChildren();
  for (const item of list.items) addRow(item);
}

// One row: its position in the list names its fields (`items.2.text`), as the API's errors do.
function addRow(item) {
  rows += 1;
  const idInput = el("input", { attrs: { id: `advice-id-${rows}`, autocomplete: "off", spellcheck: "false", maxlength: 40 } });
  const textInput = el("input", { attrs: { id: `advice-text-${rows}`, maxlength: 400 } });
  idInput.value = item.id;
  textInput.value = item.text;
  const remove = el("button", { className: "button danger small", attrs: { type: "button" } }, "Retirer");
  const row = el(
    "fieldset",
    { className: "advice-row" },
    el("legend", {}, "Conseil"),
    el("div", { className: "field" }, el("label", { attrs: { for: idInput.id } }, "Identifiant du conseil"), idInput),
    el("div", { className: "field" }, el("label", { attrs: { for: textInput.id } }, "Texte du conseil"), textInput),
    remove,
  );
  remove.addEventListener("click", () => {
    const next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    renumber();
    (next ? next.querySelector("input") : $("advice-add")).focus();
  });
  $("advice-rows").append(row);
  renumber();
  return row;
}

function renumber() {
  [...$("advice-rows").children].forEach((row, index) => {
    row.querySelector("legend").textContent = `Conseil ${index + 1}`;
    row.querySelector("button").setAttribute("aria-label", `Retirer le conseil ${index + 1}`);
    const [idInput, textInput] = row.querySelectorAll("input");
    idInput.name = `items.${index}.id`;
    textInput.name = `items.${index}.text`;
  });
}

async function save(event) {
  event.preventDefault();
  const form = event.currentTarget;
  clearProblem(form);
  const items = [...$("advice-rows").children].map((row) => {
    const [idInput, textInput] = row.querySelectorAll("input");
    return { id: idInput.value.trim(), text: textInput.value };
  });
  try {
    const list = await shared.call("opp/alert-advice", { method: "PUT", body: { items, revision } });
    show(list);
    setStatus(form, `Liste enregistrée (version ${list.revision}) : le composeur propose ces conseils.`, "success");
    await shared.onSaved();
  } catch (error) {
    showProblem(form, error);
  }
}
