// Past runs: the list in the sidebar, opening one as a read-only replay, and coming back to the
// live room. The live room keeps running (and its log keeps filling) while a replay is shown.

import { request } from "./connection.js";
import { $, avatarNode, banner, colorFor, el, runMeta } from "./dom.js";
import { live, replay } from "./room_view.js";
import { renderPersonas } from "./sidebar.js";
import { S } from "./state.js";
import { closeThread } from "./thread.js";

export async function loadRuns() {
  let runs;
  try {
    const response = await fetch("/api/runs", { credentials: "same-origin" });
    if (!response.ok) return;
    runs = await response.json();
  } catch {
    return;
  }
  // A batch's runs come as one entry, folded under the batch (open while one of them is shown).
  const open = [...$("runs").querySelectorAll("details[open]")].map((d) => d.dataset.batch);
  $("runs").replaceChildren(...runs.map((entry) => {
    if (!entry.batch) return el("li", {}, runItem(entry));
    const shown = open.includes(entry.batch) || entry.runs.some((r) => S.view === "replay" && S.replayRun === r.id);
    return el("li", {}, el("details", { class: "batch", "data-batch": entry.batch, open: shown },
      el("summary", { title: `batch ${entry.batch}` },
        el("span", { class: "run-title", text: clip(`${entry.title || "batch"}`) }),
        el("span", { class: "run-meta", text: `batch · ${entry.runs.length} run${entry.runs.length === 1 ? "" : "s"}` })),
      el("ul", { class: "runs" }, ...entry.runs.map((run) => el("li", {}, runItem(run, run.variant))))));
  }));
}

function clip(title) {
  return title.length > 60 ? title.slice(0, 59) + "…" : title;
}

function runItem(run, variant) {
  const title = variant ? `${variant} · ${run.title || "untitled"}`
    : run.title || (run.live ? "This room" : `${run.pack} · untitled`);
  const item = el("button", { type: "button", class: "run" + (run.live ? " is-live" : ""), title: `run ${run.id}`,
    onclick: () => (run.live ? showLive() : openRun(run.id)) },
  el("span", { class: "run-title", text: clip(title) }),
  el("span", { class: "badge " + run.status, text: run.live && run.status === "running" ? "live" : run.status }),
  el("span", { class: "run-meta", text: runMeta(run, run.live ? S.usage.messages || 0 : run.message_count) }));
  if (run.live) S.liveRun = { run, item };
  if (S.view === "replay" && S.replayRun === run.id) item.classList.add("active");
  return item;
}

export function openRun(runId, speed = 0) {
  S.replayRun = runId;
  if (!request({ op: "replay", run_id: runId, speed }, { error: (m) => banner(m, "error") })) {
    banner("Not connected — try again in a moment.", "warn");
  }
}

export function onReplayStart(frame) {
  S.replayNo = frame.replay;
  S.view = "replay";
  replay.people = new Map(frame.participants.map((p) => [p.id, p]));
  replay.clear();
  const run = frame.run;
  setHeader(run.title || `run ${run.id}`, `${run.pack} · ${run.model} · ${run.status}${run.stop_reason ? " — " + run.stop_reason : ""}`);
  $("layout").classList.add("replaying"); // the live run's own panels (agenda, feed) step aside
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
  $("layout").classList.remove("replaying");
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

export function setHeader(title, topic) {
  $("title").textContent = title;
  $("topic").textContent = topic || "";
}

// A replay's frames carry its number: those of a replay the reader has since left are dropped.
export function onReplayEvent(frame) {
  if (frame.replay === S.replayNo) replay.apply(frame.event);
}

export function onReplayEnd(frame) {
  if (frame.replay === S.replayNo) {
    replay.stick(replay.container, () => el("div", { class: "system end", text: "End of the run" }));
  }
}

export function setupRuns() {
  $("live-room").addEventListener("click", showLive);
  $("back-live").addEventListener("click", showLive);
  for (const button of $("replay-controls").querySelectorAll("button[data-speed]")) {
    button.addEventListener("click", () => openRun(S.replayRun, Number(button.dataset.speed)));
  }
}
