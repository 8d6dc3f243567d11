// One room's messages, as a Discord-like log: the live room, or a replay of a past run. The two
// views share this code; only the live one offers reply, react and thread actions.

import { $, avatarNode, clock, colorFor, el, flash, fullDate, humanId, listNames } from "./dom.js";
import { documentNode } from "./document.js";
import { meetingDivider } from "./meeting.js";
import { openPicker, react, showTip } from "./reactions.js";
import { S } from "./state.js";
import { closeThread, composerFor, openThread } from "./thread.js";

const GROUP_SECONDS = 300; // consecutive messages by one author within this collapse their header
const STATUS_TEXT = {
  paused: () => "The room was paused",
  resumed: () => "The room resumed",
  speed: (d) => `Speed set to ${d.speed === 0 ? "max" : d.speed + "×"}`,
  muted: (d) => `${d.name || d.id} was muted`,
  unmuted: (d) => `${d.name || d.id} was unmuted`,
  finished: (d) => `The run ended — ${d.reason || "finished"}`,
};

class RoomView {
  constructor(container, live) {
    this.container = container;
    this.live = live;
    this.people = new Map();
    this.onJoin = () => {}; // the live view tells the sidebar when a human joins
    this.clear();
  }

  clear() {
    this.messages = new Map(); // id -> {ev, el, reactions: Map(emoji -> Map(author -> name)), thread: []}
    this.container.replaceChildren();
    this.lastMain = null;
    if (S.threadView === this) closeThread();
  }

  person(id, name) {
    const known = this.people.get(id);
    if (known) return known;
    const human = id.startsWith("human:");
    const person = { id, name: name || id, kind: human ? "human" : "persona",
                     color: human ? colorFor(id) : "#5865f2", role: human ? null : "" };
    this.people.set(id, person);
    return person;
  }

  apply(ev) {
    if (ev.type === "message") this.addMessage(ev);
    else if (ev.type === "reaction") this.addReaction(ev);
    else if (ev.type === "status") this.addStatus(ev);
  }

  stick(container, build) {
    const atBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 120;
    const node = build();
    container.append(node);
    if (atBottom) container.scrollTop = container.scrollHeight;
    return node;
  }

  addMessage(ev) {
    if (this.messages.has(ev.id)) return;
    const entry = { ev, el: null, reactions: new Map(), thread: [], chip: null };
    this.messages.set(ev.id, entry);
    if (ev.thread_id !== null && ev.thread_id !== undefined) {
      const root = this.messages.get(ev.thread_id);
      if (root) {
        root.thread.push(entry);
        this.renderThreadChip(root);
      }
      if (S.threadView === this && S.threadRoot === ev.thread_id) {
        $("thread-messages").querySelector(".thread-divider").textContent = "Replies";
        entry.el = this.stick($("thread-messages"), () => this.buildMessage(entry, null));
      }
      return;
    }
    const previous = this.lastMain;
    const grouped = previous && previous.ev.author_id === ev.author_id && ev.reply_to === null
      && ev.created_at - previous.ev.created_at < GROUP_SECONDS;
    entry.el = this.stick(this.container, () => this.buildMessage(entry, grouped));
    this.lastMain = entry;
    this.container.querySelector(".welcome")?.remove();
  }

  buildMessage(entry, grouped) {
    const ev = entry.ev;
    const who = this.person(ev.author_id, ev.author_name);
    const node = el("article", { class: "msg" + (grouped ? " grouped" : ""), "data-id": ev.id });
    if (S.name && ev.author_kind === "persona" && mentionsMe(ev.text)) node.classList.add("mentions-me");
    if (ev.reply_to !== null && ev.reply_to !== undefined) node.append(this.buildQuote(ev.reply_to));
    const body = el("div", { class: "msg-body" });
    if (!grouped) {
      const tag = who.kind === "human" ? el("span", { class: "tag", text: "human" })
        : who.role ? el("span", { class: "role", text: who.role }) : null;
      const name = el("span", { class: "name", text: ev.author_name });
      name.style.color = who.color;
      body.append(el("div", { class: "msg-head" }, name, tag,
                      el("time", { class: "time", title: fullDate(ev.created_at), text: clock(ev.created_at) })));
    }
    body.append(el("div", { class: "text" }, ...renderText(ev.text)));
    entry.reactionsEl = el("div", { class: "reactions" });
    body.append(entry.reactionsEl);
    const gutter = grouped
      ? el("time", { class: "gutter-time", title: fullDate(ev.created_at), text: clock(ev.created_at) })
      : avatarNode(who);
    node.append(el("div", { class: "msg-row" }, gutter, body));
    if (this.live) node.append(this.buildActions(entry));
    entry.el = node;
    this.renderReactions(entry);
    this.renderThreadChip(entry);
    return node;
  }

  buildQuote(parentId) {
    const parent = this.messages.get(parentId);
    if (!parent) return el("div", { class: "quote missing", text: "Original message not loaded" });
    const who = this.person(parent.ev.author_id, parent.ev.author_name);
    const name = el("span", { class: "quote-name", text: parent.ev.author_name });
    name.style.color = who.color;
    const snippet = parent.ev.text.replace(/\s+/g, " ");
    return el("button", {
      type: "button", class: "quote", title: "Jump to the message",
      onclick: () => flash(parent.el),
    }, avatarNode(who, "tiny"), name,
    el("span", { class: "quote-text", text: snippet.length > 120 ? snippet.slice(0, 119) + "…" : snippet }));
  }

  buildActions(entry) {
    const actions = el("div", { class: "msg-actions" });
    actions.append(
      el("button", { type: "button", title: "Reply", "aria-label": "Reply",
                     onclick: () => composerFor(entry.ev).setReply(entry, this) }, "↩"),
      el("button", { type: "button", title: "Add a reaction", "aria-label": "Add a reaction",
                     onclick: (e) => openPicker(e.currentTarget, entry.ev.id) }, "🙂"));
    if (entry.ev.thread_id === null || entry.ev.thread_id === undefined) {
      actions.append(el("button", { type: "button", title: "Open a thread", "aria-label": "Open a thread",
                                    onclick: () => openThread(this, entry.ev.id) }, "🧵"));
    }
    return actions;
  }

  addReaction(ev) {
    const entry = this.messages.get(ev.message_id);
    if (!entry) return;
    if (!entry.reactions.has(ev.emoji)) entry.reactions.set(ev.emoji, new Map());
    entry.reactions.get(ev.emoji).set(ev.author_id, ev.author_name);
    this.renderReactions(entry);
  }

  renderReactions(entry) {
    if (entry.copy) this.renderReactions(entry.copy); // the root's copy atop an open thread
    if (!entry.reactionsEl) return;
    const me = S.name ? humanId(S.name) : null;
    entry.reactionsEl.replaceChildren(...[...entry.reactions].map(([emoji, who]) => {
      const names = [...who.values()];
      const mine = me !== null && who.has(me);
      const label = `${emoji} by ${listNames(names)}`;
      return el("button", {
        type: "button", class: "chip" + (mine ? " mine" : ""), title: label, "aria-label": label,
        onclick: (e) => {
          showTip(e.currentTarget, label);
          if (this.live && !mine && !S.finished) react(entry.ev.id, emoji);
        },
      }, el("span", { class: "chip-emoji", text: emoji }), el("span", { class: "count", text: String(names.length) }));
    }));
  }

  renderThreadChip(entry) {
    if (!entry.el || entry.thread.length === 0) return;
    const last = entry.thread[entry.thread.length - 1].ev;
    const text = `🧵 ${entry.thread.length} ${entry.thread.length === 1 ? "reply" : "replies"} · last ${clock(last.created_at)}`;
    if (!entry.chip) {
      entry.chip = el("button", { type: "button", class: "thread-chip", onclick: () => openThread(this, entry.ev.id) });
      entry.el.querySelector(".msg-body").append(entry.chip);
    }
    entry.chip.textContent = text;
  }

  addStatus(ev) {
    const d = ev.data || {};
    if (ev.kind === "reach") return; // a feed's running figures: the pinned post's panel draws them
    const divider = meetingDivider(ev);
    if (divider !== null) {
      this.stick(this.container, () => el("div", { class: "divider " + divider.tone, role: "separator" },
        el("span", { text: divider.text })));
      if (d.markdown) this.stick(this.container, () => documentNode(d.markdown, divider.text));
      this.lastMain = null;
      return;
    }
    let text;
    if (ev.kind === "started") text = `The room opened · ${d.pack || ""} · model ${d.model || "?"}`;
    else if (ev.kind === "joined") {
      this.person(d.id, d.name);
      if (this.live) this.onJoin();
      text = `${d.name} joined the room`;
    } else text = (STATUS_TEXT[ev.kind] || (() => ev.kind))(d);
    this.stick(this.container, () => el("div", { class: "system" },
      el("span", { class: "system-icon", text: ev.kind === "joined" ? "→" : "•" }),
      el("span", { text }), el("time", { class: "time", title: fullDate(ev.created_at), text: clock(ev.created_at) })));
    this.lastMain = null;
  }
}

function mentionsMe(text) {
  const first = S.name.trim().split(/\s+/)[0].toLowerCase();
  return first.length > 0 && text.toLowerCase().includes("@" + first);
}

function renderText(text) {
  // Split out @mentions of personas; everything stays a text node.
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(/@([\p{L}\p{N}_.-]+)/gu)) {
    const persona = S.handles.get(match[1].toLowerCase());
    const me = S.name && match[1].toLowerCase() === S.name.trim().split(/\s+/)[0].toLowerCase();
    if (!persona && !me) continue;
    parts.push(text.slice(last, match.index));
    const span = el("span", { class: "mention", text: match[0] });
    if (persona) span.style.setProperty("--c", persona.color);
    parts.push(span);
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  return parts.filter((p) => p !== "");
}

// The live room and the replay each keep their own log, so leaving a replay loses nothing live.
export const live = new RoomView($("live-messages"), true);
export const replay = new RoomView($("replay-messages"), false);
