// Small page helpers shared by every module: build elements (text only), format times and
// numbers, draw an avatar, and set the one banner line. Nothing here knows about the room.

export const $ = (id) => document.getElementById(id);

const HUMAN_COLORS = ["#f47b67", "#3ba55d", "#faa81a", "#eb459e", "#00a8fc", "#9b84ec", "#ed4245", "#1abc9c"];

// Text goes in as textContent or text nodes, never as markup: server text can't become HTML.
export function el(tag, props, ...children) {
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

export function clock(ts) {
  return new Date(ts * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function fullDate(ts) {
  return new Date(ts * 1000).toLocaleString();
}

// The id the server gives a human of this name, so the page can recognise "me" in its events.
export function humanId(name) {
  return "human:" + name.trim().toLowerCase().replace(/[^\p{L}\p{N}_.-]+/gu, "-").slice(0, 40);
}

// Humans have no colour of their own: derive a stable one, the same in every tab.
export function colorFor(text) {
  let hash = 0;
  for (const ch of text) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return HUMAN_COLORS[hash % HUMAN_COLORS.length];
}

export function listNames(names) {
  if (names.length <= 1) return names.join("");
  return names.slice(0, -1).join(", ") + " and " + names[names.length - 1];
}

export function duration(seconds) {
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

export function compact(n) {
  if (n >= 1e6) return (n / 1e6).toFixed(1) + "M";
  if (n >= 1e4) return (n / 1e3).toFixed(1) + "k";
  return n.toLocaleString();
}

// The line under a run in "Past runs"; the live run's count is kept current by the meter.
export function runMeta(run, messages) {
  return `${when(run.started_at)} · ${messages} msg${messages === 1 ? "" : "s"} · ${run.model}`;
}

export function avatarNode(person, size) {
  const node = el("span", { class: "avatar" + (size ? " " + size : ""), "aria-hidden": "true" });
  node.style.backgroundColor = person.color || "#5865f2";
  node.textContent = person.kind === "human" || !person.avatar
    ? (person.name || "?").trim().charAt(0).toUpperCase() : person.avatar;
  return node;
}

export function flash(node) {
  if (!node || !node.isConnected) return;
  node.scrollIntoView({ block: "center", behavior: "smooth" });
  node.classList.remove("flash");
  void node.offsetWidth; // restart the animation even if it is still running
  node.classList.add("flash");
}

// The one line above the messages: connection trouble, a pause, the end of the run (which adds
// what can still be done with it as `extras`, nodes after the text).
export function banner(text, kind, ...extras) {
  const node = $("banner");
  node.hidden = !text;
  node.replaceChildren(text || "", ...extras);
  node.className = "banner " + (kind || "");
}
