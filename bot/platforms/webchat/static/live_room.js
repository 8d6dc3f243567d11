// The live room's life as the server reports it: who is seated (hello), where the room stands
// (state), each live event, and the end of the run. It keeps S current and says what can be used.

import { mainComposer } from "./composer.js";
import { conn } from "./connection.js";
import { $, banner, el } from "./dom.js";
import { onFeedEvent, startScenarioView } from "./feed_view.js";
import { resetMeeting, trackMeeting } from "./meeting.js";
import { live } from "./room_view.js";
import { loadRuns, openRun, setHeader } from "./runs.js";
import { renderControls, renderMeter, renderPersonas, renderPresence } from "./sidebar.js";
import { S } from "./state.js";
import { threadComposer } from "./thread.js";

function welcome(room) {
  return el("section", { class: "welcome" },
    el("div", { class: "welcome-mark", text: "#" }),
    el("h1", { text: `Welcome to #${room.name}` }),
    el("p", { text: room.topic || "" }),
    el("p", { class: "hint", text: "The room is seated and listening. Post a pitch, an idea or an agenda item below — "
      + "@mention someone to ask them directly, hover a message to reply, react or start a thread." }));
}

export function onHello(hello) {
  if (hello.reset || (S.runId && S.runId !== hello.run_id)) {
    S.lastSeq = -1;
    live.clear();
    resetMeeting();
  }
  const fresh = S.scenario !== hello.scenario || S.runId !== hello.run_id;
  S.scenario = hello.scenario;
  S.options = hello.options || {};
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
  startScenarioView(fresh);
}

export function onState(state) {
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

// A live message, reaction or status, each shown once, in order (the connection drops repeats).
export function onLiveEvent(ev) {
  if (ev.type === "status") onLiveStatus(ev);
  live.apply(ev);
  trackMeeting(ev);
  onFeedEvent(ev);
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

// The room stays open, read-only, after its run: the banner says so and offers what is left to
// do with the run: replay it, or fork it at the human's first message (the pitch, the agenda, the
// ad: the fork every scenario takes) to see the same room answer a different version.
function onFinished(reason) {
  S.typing.clear();
  setLiveEnabled(conn.connected);
  const entries = [...live.messages.values()];
  const at = (entries.find((m) => m.ev.author_kind === "human" && !m.ev.inherited) || entries[entries.length - 1])?.ev.id;
  const fork = at === undefined ? [] : [" · fork from here: ",
    el("code", { class: "fork-cmd", title: `Run again from message ${at}, with your new text in its place`,
                 text: `townhall fork ${S.runId} --at ${at} --text "…"` })];
  banner(`Run ended — ${reason || "finished"} · `, "info ended",
    el("button", { type: "button", class: "link", id: "replay-ended", text: "replay",
                   onclick: () => openRun(S.runId, 4) }), ...fork);
  loadRuns();
}

// Posting and the room controls work only while connected to a run that is still going.
// After the run, Stop closes the room that still shows it.
export function setLiveEnabled(enabled) {
  const why = S.finished ? "This run has ended — read-only" : enabled ? null : "Not connected";
  mainComposer.setEnabled(enabled && !S.finished, why || "Message the room");
  threadComposer?.setEnabled(enabled && !S.finished, why || "Reply in the thread");
  for (const id of ["pause", "speed"]) $(id).disabled = !enabled || S.finished;
  $("stop").disabled = !enabled;
  $("stop").textContent = S.finished ? "⏹ Close room" : "⏹ Stop";
  $("stop").title = S.finished ? "Close this room (the run has ended; its transcript is kept)"
    : "End this run for everyone";
}
