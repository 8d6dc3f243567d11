// The live room of a feed run (chosen by the run's scenario): the timeline, the human's pinned
// posts with their reach, the order toggle (ranked, latest, or the plain chat log), members'
// profiles, and the crowd's member list. Other scenarios never show any of it.

import { mainComposer } from "./composer.js";
import { crowdChanged, crowdHooks, renderCrowd } from "./crowd.js";
import { $, avatarNode, el } from "./dom.js";
import { resetReach, trackReach } from "./reach.js";
import { react } from "./reactions.js";
import { live } from "./room_view.js";
import { S } from "./state.js";
import { feedKeys, simClock, Timeline } from "./timeline.js";

export const timeline = new Timeline($("timeline"), {
  person: (ev) => live.person(ev.author_id, ev.author_name),
  reply: (post) => {
    const entry = live.messages.get(post.ev.id);
    if (entry) mainComposer.setReply(entry, live);
  },
  react: (post, emoji) => react(post.ev.id, emoji),
  profile: openProfile,
});
let tab = "ranked"; // "ranked", "latest" or "chat"

// A new run in this page (or the first): start the feed over, or leave it out.
export function startScenarioView(reset) {
  if (reset) {
    timeline.clear();
    resetReach();
  }
  $("layout").classList.toggle("feed", S.scenario === "feed");
  showTab(tab);
}

export function onFeedEvent(ev) {
  if (S.scenario !== "feed") return;
  timeline.apply(ev);
  trackReach(ev);
  if (ev.type === "status" && ev.kind === "finished") timeline.posts.forEach((post) => timeline.refresh(post));
  if (ev.type === "message") crowdChanged();
}

function showTab(name) {
  tab = name;
  const feed = S.scenario === "feed";
  $("feed-view").hidden = !feed || tab === "chat";
  $("live-messages").classList.toggle("feed-hidden", feed && tab !== "chat");
  for (const button of $("timeline-bar").querySelectorAll("button[data-tab]")) {
    button.setAttribute("aria-pressed", String(button.dataset.tab === tab));
  }
  if (feed && tab !== "chat") timeline.setOrder(tab);
}

// A member's profile: who they are and what they posted in this run.
function openProfile(id) {
  const person = live.people.get(id) || { id, name: id, kind: "human" };
  const posts = [...timeline.posts.values()].filter((p) => p.ev.author_id === id);
  const replies = posts.filter((p) => p.ev.reply_to !== null && p.ev.reply_to !== undefined).length;
  const name = el("h1", { text: person.name });
  name.style.color = person.color || "";
  $("profile-body").replaceChildren(
    el("header", { class: "profile-head" }, avatarNode(person), el("div", {}, name,
      el("p", { class: "member-role", text: person.role || "human" }),
      el("p", { text: `${posts.length - replies} post${posts.length - replies === 1 ? "" : "s"} and ${replies} repl${replies === 1 ? "y" : "ies"} in this run` }))),
    el("ol", { class: "profile-posts" }, ...posts.slice(-50).reverse().map((p) => el("li", {},
      el("time", { class: "time", text: simClock(p.ev.vtime) }),
      el("span", { class: "kind", text: p.ev.reply_to != null ? "reply" : p.ev.quote_of != null ? "quote" : "post" }),
      el("span", { text: p.ev.text })))));
  $("profile").showModal();
}

export function setupFeed() {
  feedKeys($("timeline"));
  for (const button of $("timeline-bar").querySelectorAll("button[data-tab]")) {
    button.addEventListener("click", () => showTab(button.dataset.tab));
  }
  $("close-profile").addEventListener("click", () => $("profile").close());
  $("member-search").addEventListener("input", () => renderCrowd());
  crowdHooks.pick = openProfile;
}
