// townhall web chat: one live room over a WebSocket, plus read-only replays of past runs.
// Every piece of text from the server is set with textContent (never innerHTML), and the page's
// Content-Security-Policy allows no inline script, so a message is always just text.
"use strict";

const $ = (id) => document.getElementById(id);
const NAME_KEY = "townhall.name";
const GROUP_SECONDS = 300; // consecutive messages by one author within this collapse their header
const EMOJI = ["👍", "👎", "❤️", "😂", "😮", "🤔", "👀", "🔥", "🎉", "🙏", "💯", "🚀", "😬", "🤝", "✅", "❌"];
const HUMAN_COLORS = ["#f47b67", "#3ba55d", "#faa81a", "#eb459e", "#00a8fc", "#9b84ec", "#ed4245", "#1abc9c"];
const STATUS_TEXT = {
  paused: () => "The room was paused",
  resumed: () => "The room resumed",
  speed: (d) => `Speed set to ${d.speed === 0 ? "max" : d.speed + "×"}`,
  muted: (d) => `${d.name || d.id} was muted`,
  unmuted: (d) => `${d.name || d.id} was unmuted`,
  finished: (d) => `The run ended — ${d.reason || "finished"}`,
};

// -- small DOM helpers (text only) ----------------------------------------------------------

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "style") Object.assign(node.style, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

function when(ts) {
  return new Date(ts * 1000).toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

function clock(ts) {
  return new Date(ts * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function fullDate(ts) {
  return new Date(ts * 1000).toLocaleString();
}

function humanId(name) {
  return "human:" + name.trim().toLowerCase().replace(/[^\p{L}\p{N}_.-]+/gu, "-").slice(0, 40);
}

function colorFor(text) {
  let hash = 0;
  for (const ch of text) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return HUMAN_COLORS[hash % HUMAN_COLORS.length];
}

function listNames(names) {
  if (names.length <= 1) return names.join("");
  return names.slice(0, -1).join(", ") + " and " + names[names.length - 1];
}

function duration(seconds) {
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

function compact(n) {
  if (n >= 1e6) return (n / 1e6).toFixed(1) + "M";
  if (n >= 1e4) return (n / 1e3).toFixed(1) + "k";
  return n.toLocaleString();
}

function avatarNode(person, size) {
  const node = el("span", { class: "avatar" + (size ? " " + size : ""), "aria-hidden": "true" });
  node.style.backgroundColor = person.color || "#5865f2";
  node.textContent = person.kind === "human" || !person.avatar
    ? (person.name || "?").trim().charAt(0).toUpperCase() : person.avatar;
  return node;
}

// -- state -----------------------------------------------------------------------------------

const S = {
  name: localStorage.getItem(NAME_KEY) || "",
  runId: null,
  lastSeq: -1,
  personas: [],
  handles: new Map(), // lower-case handle -> persona
  typing: new Map(),
  muted: new Set(),
  paused: false,
  speed: 1,
  finished: false,
  budgets: {},
  usage: {},
  limits: { max_chars: 4000 },
  startedAt: null,
  view: "live",
  replayNo: 0,
};

// -- one room's messages: the live room, or a replayed run ------------------------------------

class RoomView {
  constructor(container, live) {
    this.container = container;
    this.live = live;
    this.people = new Map();
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
    let text;
    if (ev.kind === "started") text = `The room opened · ${d.pack || ""} · model ${d.model || "?"}`;
    else if (ev.kind === "joined") {
      this.person(d.id, d.name);
      if (this.live) renderHumans();
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

function flash(node) {
  if (!node || !node.isConnected) return;
  node.scrollIntoView({ block: "center", behavior: "smooth" });
  node.classList.remove("flash");
  void node.offsetWidth;
  node.classList.add("flash");
}

const live = new RoomView($("live-messages"), true);
const replay = new RoomView($("replay-messages"), false);

function welcome(room) {
  return el("section", { class: "welcome" },
    el("div", { class: "welcome-mark", text: "#" }),
    el("h1", { text: `Welcome to #${room.name}` }),
    el("p", { text: room.topic || "" }),
    el("p", { class: "hint", text: "The room is seated and listening. Post a pitch, an idea or an agenda item below — "
      + "@mention someone to ask them directly, hover a message to reply, react or start a thread." }));
}

// -- the composer (main room and thread) -----------------------------------------------------

class Composer {
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

const mainComposer = new Composer($("main-composer"), null, "Message the room");
let threadComposer = null;

function composerFor(ev) {
  return ev.thread_id !== null && ev.thread_id !== undefined && threadComposer ? threadComposer : mainComposer;
}

// -- threads ---------------------------------------------------------------------------------

function openThread(view, rootId) {
  const root = view.messages.get(rootId);
  if (!root) return;
  S.threadView = view;
  S.threadRoot = rootId;
  const box = $("thread-messages");
  box.replaceChildren();
  root.copy = { ev: root.ev, reactions: root.reactions, thread: [], el: null };
  box.append(view.buildMessage(root.copy, false));
  box.append(el("div", { class: "thread-divider", text: root.thread.length ? "Replies" : "No replies yet" }));
  for (const entry of root.thread) box.append(view.buildMessage(entry, false));
  $("thread").hidden = false;
  $("members").hidden = true;
  if (view.live) {
    threadComposer = new Composer($("thread-composer"), rootId, "Reply in the thread");
    threadComposer.setEnabled(!S.finished, S.finished ? "This run has ended" : null);
    threadComposer.input.focus();
  } else {
    $("thread-composer").replaceChildren();
    threadComposer = null;
  }
}

function closeThread() {
  S.threadView = null;
  S.threadRoot = null;
  threadComposer = null;
  $("thread").hidden = true;
  $("members").hidden = false;
}

$("close-thread").addEventListener("click", closeThread);

// -- the connection --------------------------------------------------------------------------

const conn = { ws: null, attempt: 0, closedForGood: false, ref: 0, pending: new Map(), connected: false };

function wsUrl() {
  return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws";
}

function connect() {
  const ws = new WebSocket(wsUrl());
  conn.ws = ws;
  ws.addEventListener("open", () => {
    ws.send(JSON.stringify({ op: "hello", after: S.lastSeq, run_id: S.runId }));
  });
  ws.addEventListener("message", (e) => receive(JSON.parse(e.data)));
  ws.addEventListener("close", (e) => {
    conn.connected = false;
    for (const [, handlers] of conn.pending) handlers.error?.("The connection dropped — please send again.");
    conn.pending.clear();
    if (e.code === 1000 || e.code === 1008) {
      conn.closedForGood = true;
      if (e.code === 1008) banner("This room needs its access token: open the full URL townhall printed.", "error");
      else if (!S.finished) banner("The room has closed.", "info");
      setLiveEnabled(false);
      return;
    }
    const delay = Math.min(5000, 300 * 2 ** conn.attempt++);
    banner("Connection lost — reconnecting…", "warn");
    setTimeout(connect, delay);
  });
}

function request(op, handlers) {
  if (!conn.ws || conn.ws.readyState !== WebSocket.OPEN || !conn.connected) return false;
  const ref = ++conn.ref;
  conn.pending.set(ref, handlers || {});
  conn.ws.send(JSON.stringify({ ...op, ref }));
  return true;
}

function command(op) {
  if (!request(op, { error: (m) => mainComposer.showError(m) })) {
    mainComposer.showError("Not connected — try again in a moment.");
  }
}

function receive(frame) {
  switch (frame.type) {
    case "hello": return onHello(frame);
    case "state": return onState(frame);
    case "message":
    case "reaction":
    case "status":
      if (frame.seq <= S.lastSeq) return; // already shown
      S.lastSeq = frame.seq;
      if (frame.type === "status") onLiveStatus(frame);
      return live.apply(frame);
    case "typing":
      if (frame.active) S.typing.set(frame.persona_id, frame.persona_name);
      else S.typing.delete(frame.persona_id);
      return renderPresence();
    case "usage":
      S.usage = frame;
      return renderMeter();
    case "ack": {
      const handlers = conn.pending.get(frame.ref);
      conn.pending.delete(frame.ref);
      return handlers?.ok?.(frame);
    }
    case "error": {
      const handlers = conn.pending.get(frame.ref);
      conn.pending.delete(frame.ref);
      if (handlers?.error) return handlers.error(frame.message);
      return mainComposer.showError(frame.message);
    }
    case "replay_start": return onReplayStart(frame);
    case "replay":
      if (frame.replay === S.replayNo) replay.apply(frame.event);
      return;
    case "replay_end":
      if (frame.replay === S.replayNo) {
        replay.stick(replay.container, () => el("div", { class: "system end", text: "End of the run" }));
      }
      return;
  }
}

function onHello(hello) {
  if (hello.reset || (S.runId && S.runId !== hello.run_id)) {
    S.lastSeq = -1;
    live.clear();
  }
  S.runId = hello.run_id;
  S.personas = hello.personas;
  S.budgets = hello.budgets;
  S.limits = hello.limits;
  S.startedAt = hello.started_at;
  S.handles = new Map();
  for (const p of hello.personas) {
    live.people.set(p.id, p);
    for (const h of [p.id, p.handle, p.name.split(/\s+/)[0], p.name.replace(/\s+/g, "")]) {
      S.handles.set(h.toLowerCase(), p);
    }
  }
  document.title = `#${hello.room.name} · townhall`;
  $("room-label").textContent = hello.room.name;
  if (S.view === "live") setHeader(hello.room.name, hello.room.topic);
  S.room = hello.room;
  if (!live.container.querySelector(".msg, .welcome")) live.container.prepend(welcome(hello.room));
  renderPersonas();
}

function onState(state) {
  conn.connected = true;
  conn.attempt = 0;
  banner(null);
  S.paused = state.paused;
  S.speed = state.speed;
  S.muted = new Set(state.muted);
  S.typing = new Map(state.typing.map((t) => [t.persona_id, t.persona_name]));
  S.usage = state.usage;
  S.finished = state.finished;
  if (state.finished) onFinished(state.reason);
  else {
    setLiveEnabled(true);
    pausedBanner();
  }
  renderControls();
  renderPresence();
  renderMeter();
  loadRuns();
}

function onLiveStatus(ev) {
  const d = ev.data || {};
  if (ev.kind === "paused") S.paused = true;
  else if (ev.kind === "resumed") S.paused = false;
  else if (ev.kind === "speed") S.speed = d.speed;
  else if (ev.kind === "muted") S.muted.add(d.id);
  else if (ev.kind === "unmuted") S.muted.delete(d.id);
  else if (ev.kind === "finished") {
    S.finished = true;
    onFinished(d.reason);
  }
  renderControls();
  renderPresence();
  if (["paused", "resumed"].includes(ev.kind) && !S.finished) pausedBanner();
}

function pausedBanner() {
  if (S.paused) banner("Paused — the personas wait until you resume. You can still post.", "warn");
  else banner(null);
}

function onFinished(reason) {
  S.typing.clear();
  setLiveEnabled(false);
  banner(`This run has ended — ${reason || "finished"}. Its transcript is saved as run ${S.runId}.`, "info");
  loadRuns();
}

function setLiveEnabled(enabled) {
  const why = S.finished ? "This run has ended" : enabled ? null : "Not connected";
  mainComposer.setEnabled(enabled && !S.finished, why || "Message the room");
  threadComposer?.setEnabled(enabled && !S.finished, why || "Reply in the thread");
  for (const id of ["pause", "speed", "stop"]) $(id).disabled = !enabled || S.finished;
}

function banner(text, kind) {
  const node = $("banner");
  node.hidden = !text;
  node.textContent = text || "";
  node.className = "banner " + (kind || "");
}

// -- reactions -------------------------------------------------------------------------------

function react(messageId, emoji) {
  if (!ensureName(() => react(messageId, emoji))) return;
  const composer = S.threadView === live && S.threadRoot !== null && threadComposer ? threadComposer : mainComposer;
  if (!request({ op: "react", name: S.name, message_id: messageId, emoji }, { error: (m) => composer.showError(m) })) {
    composer.showError("Not connected — try again in a moment.");
  }
}

function openPicker(anchor, messageId) {
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
function showTip(anchor, text) {
  const tip = $("tip");
  tip.textContent = text;
  tip.hidden = false;
  const box = anchor.getBoundingClientRect();
  tip.style.left = Math.max(8, Math.min(window.innerWidth - tip.offsetWidth - 8, box.left)) + "px";
  tip.style.top = Math.max(8, box.top - tip.offsetHeight - 6) + "px";
  clearTimeout(tipTimer);
  tipTimer = setTimeout(() => { tip.hidden = true; }, 2500);
}

document.addEventListener("mousedown", (e) => {
  const picker = $("emoji-picker");
  if (!picker.hidden && !picker.contains(e.target) && !e.target.closest(".msg-actions")) picker.hidden = true;
});
document.addEventListener("keydown", (e) => {
  if (e.key !== "Escape") return;
  if (!$("emoji-picker").hidden) $("emoji-picker").hidden = true;
  else if (!$("thread").hidden && !e.target.closest("textarea")) closeThread();
});

// -- people, presence, controls, meter -------------------------------------------------------

function renderPersonas() {
  const list = $("personas");
  if (S.view !== "live") return;
  $("members-title").textContent = `Personas — ${S.personas.length}`;
  list.replaceChildren(...S.personas.map((p) => {
    const status = el("span", { class: "status" });
    const name = el("button", { type: "button", class: "member-name", title: `Mention ${p.name}`, text: p.name,
                                onclick: () => mainComposer.mention(p) });
    name.style.color = p.color;
    const mute = el("button", { type: "button", class: "icon mute", onclick: () => command({ op: "mute", persona_id: p.id, muted: !S.muted.has(p.id) }) });
    const item = el("li", { class: "member", "data-persona": p.id },
      el("span", { class: "avatar-wrap" }, avatarNode(p), el("span", { class: "presence" })),
      el("span", { class: "member-text" }, name, el("span", { class: "member-role", text: p.role }), status),
      mute);
    return item;
  }));
  renderPresence();
  renderHumans();
}

function renderHumans() {
  if (S.view !== "live") return;
  const humans = [...live.people.values()].filter((p) => p.kind === "human");
  $("humans-title").hidden = humans.length === 0;
  $("humans-title").textContent = `Humans — ${humans.length}`;
  $("humans").replaceChildren(...humans.map((h) => el("li", { class: "member" },
    el("span", { class: "avatar-wrap" }, avatarNode(h)),
    el("span", { class: "member-text" }, el("span", { class: "member-name human", text: h.name }),
       el("span", { class: "member-role", text: h.id === humanId(S.name || "") ? "you" : "human" })))));
}

function renderPresence() {
  for (const item of $("personas").querySelectorAll("li[data-persona]")) {
    const id = item.dataset.persona;
    const state = S.muted.has(id) ? "muted" : S.typing.has(id) ? "typing" : "idle";
    item.dataset.state = state;
    item.querySelector(".status").textContent = state === "typing" ? "typing…" : state;
    const mute = item.querySelector(".mute");
    mute.textContent = S.muted.has(id) ? "🔇" : "🔈";
    mute.title = S.muted.has(id) ? "Unmute: let them speak again" : "Mute: they stop taking turns";
    mute.disabled = S.finished || !conn.connected;
  }
  const names = [...S.typing].filter(([id]) => !S.muted.has(id)).map(([, name]) => name.split(/\s+/)[0]);
  const line = $("typing");
  if (!names.length || S.view !== "live") {
    line.replaceChildren();
    return;
  }
  const who = names.length > 3 ? [el("b", { text: "Several people" })]
    : names.flatMap((n, i) => [i === 0 ? "" : i === names.length - 1 ? " and " : ", ", el("b", { text: n })]);
  line.replaceChildren(el("span", { class: "dots" }, el("i"), el("i"), el("i")),
    el("span", {}, ...who, names.length === 1 ? " is typing…" : " are typing…"));
}

function renderControls() {
  $("pause").textContent = S.paused ? "▶ Resume" : "⏸ Pause";
  $("pause").classList.toggle("primary", S.paused);
  const select = $("speed");
  const value = String(S.speed);
  if (![...select.options].some((o) => o.value === value)) select.append(el("option", { value, text: `${value}×` }));
  select.value = value;
  $("live-room").classList.toggle("paused", S.paused);
}

$("pause").addEventListener("click", () => command({ op: S.paused ? "resume" : "pause" }));
$("speed").addEventListener("change", (e) => command({ op: "speed", speed: Number(e.target.value) }));
$("stop").addEventListener("click", () => {
  if (window.confirm("Stop this run for everyone? The transcript is kept.")) command({ op: "stop" });
});

function renderMeter() {
  const u = S.usage || {};
  if (S.liveRun) S.liveRun.item.querySelector(".run-meta").textContent = runMeta(S.liveRun.run, u.messages || 0);
  const b = S.budgets || {};
  const rows = [
    ["Messages", u.messages || 0, b.max_messages, compact],
    ["LLM calls", u.llm_calls || 0, b.max_llm_calls, compact],
    ["Tokens", u.tokens || 0, b.max_tokens, compact],
    ["Cost", u.cost_usd || 0, b.max_cost, (v) => "$" + v.toFixed(v >= 1 ? 2 : 4)],
  ];
  if (b.max_seconds && S.startedAt) {
    const elapsed = S.finished ? b.max_seconds : Math.max(0, Date.now() / 1000 - S.startedAt);
    rows.push(["Time", Math.min(elapsed, b.max_seconds), b.max_seconds, duration]);
  }
  $("meter-rows").replaceChildren(...rows.flatMap(([label, value, limit, fmt]) => {
    const bar = el("span", { class: "bar" }, el("span"));
    if (limit) {
      const share = Math.min(1, value / limit);
      bar.firstChild.style.width = (share * 100).toFixed(1) + "%";
      bar.classList.toggle("high", share > 0.8);
    } else bar.classList.add("none");
    return [el("dt", { text: label }),
      el("dd", {}, el("span", { class: "value", text: fmt(value) + (limit ? " / " + fmt(limit) : "") }), bar)];
  }));
}

// -- past runs and replay --------------------------------------------------------------------

async function loadRuns() {
  let runs;
  try {
    const response = await fetch("/api/runs", { credentials: "same-origin" });
    if (!response.ok) return;
    runs = await response.json();
  } catch {
    return;
  }
  $("runs").replaceChildren(...runs.map((run) => {
    const title = run.title || (run.live ? "This room" : `${run.pack} · untitled`);
    const item = el("button", { type: "button", class: "run" + (run.live ? " is-live" : ""), title: `run ${run.id}`,
      onclick: () => (run.live ? showLive() : openRun(run.id)) },
    el("span", { class: "run-title", text: title.length > 60 ? title.slice(0, 59) + "…" : title }),
    el("span", { class: "badge " + run.status, text: run.live && run.status === "running" ? "live" : run.status }),
    el("span", { class: "run-meta", text: runMeta(run, run.live ? S.usage.messages || 0 : run.message_count) }));
    if (run.live) S.liveRun = { run, item };
    if (S.view === "replay" && S.replayRun === run.id) item.classList.add("active");
    return el("li", {}, item);
  }));
}

function runMeta(run, messages) {
  return `${when(run.started_at)} · ${messages} msg${messages === 1 ? "" : "s"} · ${run.model}`;
}

function openRun(runId, speed = 0) {
  S.replayRun = runId;
  if (!request({ op: "replay", run_id: runId, speed }, { error: (m) => banner(m, "error") })) {
    banner("Not connected — try again in a moment.", "warn");
  }
}

function onReplayStart(frame) {
  S.replayNo = frame.replay;
  S.view = "replay";
  replay.people = new Map(frame.participants.map((p) => [p.id, p]));
  replay.clear();
  const run = frame.run;
  setHeader(run.title || `run ${run.id}`, `${run.pack} · ${run.model} · ${run.status}${run.stop_reason ? " — " + run.stop_reason : ""}`);
  $("live-messages").hidden = true;
  $("replay-messages").hidden = false;
  $("controls").hidden = true;
  $("replay-controls").hidden = false;
  $("main-composer").hidden = true;
  $("typing").replaceChildren();
  $("live-room").classList.remove("active");
  for (const button of $("replay-controls").querySelectorAll("button[data-speed]")) {
    button.classList.toggle("active", Number(button.dataset.speed) === frame.speed);
  }
  $("members-title").textContent = `In this run — ${frame.participants.length}`;
  $("personas").replaceChildren(...frame.participants.map((p) => {
    const name = el("span", { class: "member-name", text: p.name });
    name.style.color = p.color || colorFor(p.id);
    return el("li", { class: "member" }, el("span", { class: "avatar-wrap" }, avatarNode({ ...p, color: p.color || colorFor(p.id) })),
      el("span", { class: "member-text" }, name, el("span", { class: "member-role", text: p.role || p.kind })));
  }));
  $("humans-title").hidden = true;
  $("humans").replaceChildren();
  loadRuns();
}

function showLive() {
  if (S.view === "live") return;
  request({ op: "replay_stop" });
  S.view = "live";
  S.replayNo = -1;
  if (S.threadView === replay) closeThread();
  $("live-messages").hidden = false;
  $("replay-messages").hidden = true;
  $("controls").hidden = false;
  $("replay-controls").hidden = true;
  $("main-composer").hidden = false;
  $("live-room").classList.add("active");
  if (S.room) setHeader(S.room.name, S.room.topic);
  renderPersonas();
  loadRuns();
  live.container.scrollTop = live.container.scrollHeight;
}

function setHeader(title, topic) {
  $("title").textContent = title;
  $("topic").textContent = topic || "";
}

$("live-room").addEventListener("click", showLive);
$("back-live").addEventListener("click", showLive);
for (const button of $("replay-controls").querySelectorAll("button[data-speed]")) {
  button.addEventListener("click", () => openRun(S.replayRun, Number(button.dataset.speed)));
}

// -- the human's name ------------------------------------------------------------------------

let afterName = null;

function ensureName(then) {
  if (S.name) return true;
  afterName = then;
  askName();
  return false;
}

function askName() {
  const dialog = $("name-dialog");
  $("name-input").value = S.name;
  $("name-error").textContent = "";
  if (!dialog.open) dialog.showModal();
  $("name-input").focus();
}

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
  live.messages.forEach((entry) => live.renderReactions(entry));
  renderHumans();
  const next = afterName;
  afterName = null;
  if (next) setTimeout(next, 0);
});

$("change-name").addEventListener("click", askName);

function renderMe() {
  $("me-name").textContent = S.name || "not joined";
  $("me-avatar").replaceWith(Object.assign(avatarNode({ kind: "human", name: S.name || "?", color: colorFor(humanId(S.name || "?")) }, "small"), { id: "me-avatar" }));
}

// -- go --------------------------------------------------------------------------------------

if (new URLSearchParams(location.search).has("token")) {
  history.replaceState(null, "", location.pathname); // the cookie now carries it; keep it off screen
}
renderMe();
renderMeter();
setLiveEnabled(false);
connect();
if (!S.name) askName();
setInterval(loadRuns, 30000);
setInterval(() => { if (S.budgets.max_seconds && !S.finished) renderMeter(); }, 1000);
