// The human's display name: asked once in a dialog, remembered in localStorage, shown at the
// bottom of the sidebar. Posting or reacting without one asks first, then carries on.

import { $, avatarNode, colorFor, humanId } from "./dom.js";
import { NAME_KEY, S } from "./state.js";

let afterName = null; // what the reader was doing when we had to ask, done once they answer

// True if there is a name; otherwise asks for one and runs `then` once it is given.
export function ensureName(then) {
  if (S.name) return true;
  afterName = then;
  askName();
  return false;
}

export function askName() {
  const dialog = $("name-dialog");
  $("name-input").value = S.name;
  $("name-error").textContent = "";
  if (!dialog.open) dialog.showModal();
  $("name-input").focus();
}

export function renderMe() {
  $("me-name").textContent = S.name || "not joined";
  $("me-avatar").replaceWith(Object.assign(avatarNode({ kind: "human", name: S.name || "?", color: colorFor(humanId(S.name || "?")) }, "small"), { id: "me-avatar" }));
}

// onChange redraws what depends on who "me" is (my reaction chips, the humans list); it is passed
// in so this module needs neither the message views nor the sidebar.
export function setupName(onChange) {
  $("name-form").addEventListener("submit", (e) => {
    const name = $("name-input").value.replace(/\s+/g, " ").trim();
    const taken = S.personas.find((p) => [p.name, p.id, p.name.split(/\s+/)[0]].some((n) => n.toLowerCase() === name.toLowerCase()));
    if (!name || taken) {
      e.preventDefault();
      $("name-error").textContent = taken ? `${taken.name} is a persona in this room — pick another name.` : "Pick a name.";
      return;
    }
    S.name = name;
    localStorage.setItem(NAME_KEY, name);
    renderMe();
    onChange();
    const next = afterName;
    afterName = null;
    if (next) setTimeout(next, 0);
  });
  $("change-name").addEventListener("click", askName);
}
