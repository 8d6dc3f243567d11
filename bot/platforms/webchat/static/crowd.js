// A crowd's member list (a feed of hundreds or thousands): the most active members of this run,
// and a search over everyone, instead of one row per member.

import { $, avatarNode, el } from "./dom.js";
import { live } from "./room_view.js";
import { S } from "./state.js";

export const CROWD = 40; // more personas than this and the sidebar lists the top ones
const TOP = 15;

// The page gives the list what a click on a member does (open their profile).
export const crowdHooks = { pick: () => {} };
let pending = null;
let drawn = 0; // when the list was last drawn

export function renderCrowd() {
  const query = ($("member-search")?.value || "").trim().toLowerCase();
  const activity = new Map();
  for (const { ev } of live.messages.values()) activity.set(ev.author_id, (activity.get(ev.author_id) || 0) + 1);
  const pick = query
    ? S.personas.filter((p) => p.name.toLowerCase().includes(query) || p.role.toLowerCase().includes(query))
    : [...S.personas].sort((a, b) => (activity.get(b.id) || 0) - (activity.get(a.id) || 0));
  $("members-title").textContent = query ? `Members matching “${query}”` : `Top members — of ${S.personas.length.toLocaleString()}`;
  $("personas").replaceChildren(...pick.slice(0, TOP).map((p) => {
    const name = el("button", { type: "button", class: "member-name", text: p.name, title: `${p.name}'s profile`, onclick: () => crowdHooks.pick(p.id) });
    name.style.color = p.color;
    const posts = activity.get(p.id) || 0;
    return el("li", { class: "member", "data-persona": p.id },
      el("span", { class: "avatar-wrap" }, avatarNode(p)),
      el("span", { class: "member-text" }, name, el("span", { class: "member-role", text: p.role }),
        el("span", { class: "status", text: `${posts} post${posts === 1 ? "" : "s"} in this run` })));
  }));
}

// Messages come by the hundred in a feed: redraw the ranking at most once a second.
export function crowdChanged() {
  if (pending || S.personas.length <= CROWD || S.view !== "live") return;
  pending = setTimeout(() => {
    pending = null;
    drawn = Date.now();
    if (S.view === "live") renderCrowd();
  }, Math.max(0, drawn + 1000 - Date.now()));
}
