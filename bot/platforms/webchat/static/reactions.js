// Reactions: send one, pick one from the emoji picker, and show who reacted in a short tooltip.

import { mainComposer } from "./composer.js";
import { request } from "./connection.js";
import { $, el } from "./dom.js";
import { ensureName } from "./name.js";
import { S } from "./state.js";
import { threadComposer } from "./thread.js";

const EMOJI = ["👍", "👎", "❤️", "😂", "😮", "🤔", "👀", "🔥", "🎉", "🙏", "💯", "🚀", "😬", "🤝", "✅", "❌"];

export function react(messageId, emoji) {
  if (!ensureName(() => react(messageId, emoji))) return;
  // A failure shows under the box the reader is using: the open live thread's, else the room's.
  const composer = S.threadView?.live && S.threadRoot !== null && threadComposer ? threadComposer : mainComposer;
  if (!request({ op: "react", name: S.name, message_id: messageId, emoji }, { error: (m) => composer.showError(m) })) {
    composer.showError("Not connected — try again in a moment.");
  }
}

export function openPicker(anchor, messageId) {
  const picker = $("emoji-picker");
  picker.replaceChildren(...EMOJI.map((emoji) => el("button", {
    type: "button", role: "menuitem", title: `React with ${emoji}`, text: emoji,
    onclick: () => { picker.hidden = true; react(messageId, emoji); },
  })));
  picker.hidden = false;
  const box = anchor.getBoundingClientRect();
  const width = picker.offsetWidth;
  picker.style.left = Math.max(8, Math.min(window.innerWidth - width - 8, box.right - width)) + "px";
  picker.style.top = Math.max(8, box.top - picker.offsetHeight - 6) + "px";
}

let tipTimer = null;

export function showTip(anchor, text) {
  const tip = $("tip");
  tip.textContent = text;
  tip.hidden = false;
  const box = anchor.getBoundingClientRect();
  tip.style.left = Math.max(8, Math.min(window.innerWidth - tip.offsetWidth - 8, box.left)) + "px";
  tip.style.top = Math.max(8, box.top - tip.offsetHeight - 6) + "px";
  clearTimeout(tipTimer);
  tipTimer = setTimeout(() => { tip.hidden = true; }, 2500);
}

// A click anywhere but the picker (or the button that opened it) puts the picker away.
export function setupPicker() {
  document.addEventListener("mousedown", (e) => {
    const picker = $("emoji-picker");
    if (!picker.hidden && !picker.contains(e.target) && !e.target.closest(".msg-actions")) picker.hidden = true;
  });
}
