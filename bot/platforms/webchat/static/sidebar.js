// The room's side panels: who is seated (personas with presence and mute, humans), the room
// controls (pause, speed, stop) and the budget meter. All of it is drawn from S.

import { mainComposer } from "./composer.js";
import { conn, request } from "./connection.js";
import { CROWD, renderCrowd } from "./crowd.js";
import { $, avatarNode, compact, duration, el, humanId, runMeta } from "./dom.js";
import { live } from "./room_view.js";
import { S } from "./state.js";

// Room commands come from these controls; a refusal shows under the room's composer.
function command(op) {
  if (!request(op, { error: (m) => mainComposer.showError(m) })) {
    mainComposer.showError("Not connected — try again in a moment.");
  }
}

export function renderPersonas() {
  const list = $("personas");
  if (S.view !== "live") return;
  $("layout").classList.toggle("crowd", S.personas.length > CROWD);
  if (S.personas.length > CROWD) {
    renderCrowd();
    renderHumans();
    return;
  }
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

export function renderHumans() {
  if (S.view !== "live") return;
  const humans = [...live.people.values()].filter((p) => p.kind === "human");
  $("humans-title").hidden = humans.length === 0;
  $("humans-title").textContent = `Humans — ${humans.length}`;
  $("humans").replaceChildren(...humans.map((h) => el("li", { class: "member" },
    el("span", { class: "avatar-wrap" }, avatarNode(h)),
    el("span", { class: "member-text" }, el("span", { class: "member-name human", text: h.name }),
       el("span", { class: "member-role", text: h.id === humanId(S.name || "") ? "you" : "human" })))));
}

export function renderPresence() {
  for (const item of $("personas").querySelectorAll("li[data-persona]")) {
    const id = item.dataset.persona;
    if (!item.querySelector(".mute")) continue; // a crowd's list shows activity, not presence
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

export function renderControls() {
  $("pause").textContent = S.paused ? "▶ Resume" : "⏸ Pause";
  $("pause").classList.toggle("primary", S.paused);
  const select = $("speed");
  const value = String(S.speed);
  if (![...select.options].some((o) => o.value === value)) select.append(el("option", { value, text: `${value}×` }));
  select.value = value;
  $("live-room").classList.toggle("paused", S.paused);
}

export function renderMeter() {
  const u = S.usage || {};
  // The live run's entry in "Past runs" counts its messages as they come.
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

export function onTyping(frame) {
  if (frame.active) S.typing.set(frame.persona_id, frame.persona_name);
  else S.typing.delete(frame.persona_id);
  renderPresence();
}

export function onUsage(usage) {
  S.usage = usage;
  renderMeter();
}

export function setupControls() {
  $("pause").addEventListener("click", () => command({ op: S.paused ? "resume" : "pause" }));
  $("speed").addEventListener("change", (e) => command({ op: "speed", speed: Number(e.target.value) }));
  $("stop").addEventListener("click", () => {
    const ask = S.finished ? "Close this room? The transcript is kept." : "Stop this run for everyone? The transcript is kept.";
    if (window.confirm(ask)) command({ op: "stop" });
  });
}
