// The message box: a textarea with @mention completion, a reply bar, a length counter and its
// own error line. The room has one; an open thread in the live room gets another.

import { request } from "./connection.js";
import { $, avatarNode, el } from "./dom.js";
import { ensureName } from "./name.js";
import { S } from "./state.js";

export class Composer {
  constructor(slot, threadId, placeholder) {
    this.threadId = threadId;
    this.reply = null;
    this.input = el("textarea", { rows: 1, placeholder, "aria-label": placeholder, maxlength: 20000 });
    this.button = el("button", { type: "submit", class: "send", title: "Send (Enter)", text: "Send" });
    this.error = el("span", { class: "error", role: "alert" });
    this.counter = el("span", { class: "counter" });
    this.replyBar = el("div", { class: "replying", hidden: true });
    this.menu = el("ul", { class: "mentions", role: "listbox", hidden: true });
    this.form = el("form", { class: "composer", onsubmit: (e) => { e.preventDefault(); this.send(); } },
      this.replyBar, this.menu,
      el("div", { class: "compose-box" }, this.input, this.button),
      el("div", { class: "compose-foot" }, this.error, this.counter));
    slot.replaceChildren(this.form);
    this.input.addEventListener("keydown", (e) => this.onKey(e));
    this.input.addEventListener("input", () => this.onInput());
  }

  setReply(entry, view) {
    const who = view.person(entry.ev.author_id, entry.ev.author_name);
    const name = el("b", { text: entry.ev.author_name });
    name.style.color = who.color;
    this.reply = entry.ev.id;
    this.replyBar.replaceChildren(el("span", { text: "Replying to " }), name,
      el("button", { type: "button", class: "icon", title: "Cancel the reply", "aria-label": "Cancel the reply",
                     onclick: () => this.clearReply() }, "✕"));
    this.replyBar.hidden = false;
    this.input.focus();
  }

  clearReply() {
    this.reply = null;
    this.replyBar.hidden = true;
  }

  setEnabled(enabled, why) {
    this.input.disabled = !enabled;
    this.button.disabled = !enabled;
    if (why) this.input.placeholder = why;
  }

  showError(message) {
    this.error.textContent = message || "";
    this.form.classList.toggle("has-error", Boolean(message));
  }

  length() {
    return [...this.input.value.trim()].length;
  }

  onInput() {
    this.input.style.height = "auto";
    this.input.style.height = Math.min(this.input.scrollHeight, 220) + "px";
    const n = this.length();
    const max = S.limits.max_chars;
    this.counter.textContent = n > max * 0.8 ? `${n.toLocaleString()} / ${max.toLocaleString()}` : "";
    this.form.classList.toggle("too-long", n > max);
    if (this.error.textContent && n <= max) this.showError("");
    this.updateMentions();
  }

  onKey(e) {
    if (!this.menu.hidden) {
      const items = [...this.menu.children];
      const current = items.findIndex((li) => li.classList.contains("active"));
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        const next = (current + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
        items.forEach((li, i) => li.classList.toggle("active", i === next));
        return;
      }
      if (e.key === "Enter" || e.key === "Tab") {
        e.preventDefault();
        items[Math.max(0, current)].click();
        return;
      }
      if (e.key === "Escape") {
        this.menu.hidden = true;
        return;
      }
    }
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      this.send();
    } else if (e.key === "Escape" && this.reply !== null) {
      this.clearReply();
    }
  }

  updateMentions() {
    const before = this.input.value.slice(0, this.input.selectionStart);
    const match = before.match(/(^|\s)@([\p{L}\p{N}_.-]*)$/u);
    if (!match || S.view !== "live") {
      this.menu.hidden = true;
      return;
    }
    const typed = match[2].toLowerCase();
    const found = S.personas.filter((p) => p.name.toLowerCase().startsWith(typed) || p.id.startsWith(typed)
      || p.name.toLowerCase().split(/\s+/).some((w) => w.startsWith(typed))).slice(0, 8);
    if (!found.length) {
      this.menu.hidden = true;
      return;
    }
    this.menu.replaceChildren(...found.map((p, i) => {
      const item = el("li", { role: "option", class: i === 0 ? "active" : "",
        onmousedown: (e) => e.preventDefault(),
        onclick: () => this.insertMention(p, match[2].length) },
      avatarNode(p, "tiny"), el("span", { class: "mention-name", text: p.name }),
      el("span", { class: "mention-role", text: p.role }));
      return item;
    }));
    this.menu.hidden = false;
  }

  insertMention(persona, typedLength) {
    const at = this.input.selectionStart;
    const start = at - typedLength - 1;
    const value = this.input.value;
    const insert = "@" + persona.handle + " ";
    this.input.value = value.slice(0, start) + insert + value.slice(at);
    const caret = start + insert.length;
    this.input.setSelectionRange(caret, caret);
    this.menu.hidden = true;
    this.input.focus();
    this.onInput();
  }

  mention(persona) {
    const value = this.input.value;
    this.input.value = (value && !value.endsWith(" ") ? value + " " : value) + "@" + persona.handle + " ";
    this.input.focus();
    this.onInput();
  }

  send() {
    const text = this.input.value.trim();
    if (!text || this.input.disabled) return;
    if (this.length() > S.limits.max_chars) {
      this.showError(`Too long: ${this.length().toLocaleString()} characters; the limit is ${S.limits.max_chars.toLocaleString()}.`);
      return;
    }
    if (!ensureName(() => this.send())) return;
    const sent = request({ op: "post", name: S.name, text, reply_to: this.reply, thread_id: this.threadId }, {
      ok: () => {
        if (this.input.value.trim() === text) this.input.value = "";
        this.clearReply();
        this.showError("");
        this.onInput();
      },
      error: (message) => this.showError(message),
    });
    if (!sent) this.showError("Not connected — your message is kept; try again in a moment.");
  }
}

export const mainComposer = new Composer($("main-composer"), null, "Message the room");
