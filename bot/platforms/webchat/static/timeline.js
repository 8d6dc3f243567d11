// The feed scenario's view of the live room: a timeline of post cards in ranked or latest order,
// following the WAI-ARIA feed pattern (role="feed" holding role="article" cards, Page Down / Page
// Up move between them). Replies fold under their post, a quote carries the post it quotes, and
// the counters (replies, reposts, quotes, likes) follow the room's events as they come.

import { $, avatarNode, compact, el, fullDate, humanId } from "./dom.js";
import { S } from "./state.js";

export const LIKE = "❤️";
export const REPOST = "🔁";
const SHOWN = 150; // cards in the feed at once: a 5,000-member crowd posts thousands
const RECENCY_SECONDS = 3 * 3600; // as the feed's own ranking: a post's pull halves in ~2 h

export class Timeline {
  constructor(container, actions) {
    this.container = container;
    this.actions = actions; // {person(ev), reply(post), react(post, emoji), profile(authorId)}
    this.order = "ranked";
    this.clear();
  }

  clear() {
    this.posts = new Map(); // id -> {ev, likes: Set, reposts: Set, replies: [], quotes: 0, card}
    this.now = 0; // the latest simulated time seen: what "recent" means
    this.pending = false;
    this.container.replaceChildren();
  }

  apply(ev) {
    if (ev.type === "message") this.addPost(ev);
    else if (ev.type === "reaction") this.addReaction(ev);
    else return;
    this.schedule();
  }

  addPost(ev) {
    if (this.posts.has(ev.id)) return;
    this.now = Math.max(this.now, ev.vtime || 0);
    const post = { ev, likes: new Set(), reposts: new Set(), replies: [], quotes: 0, card: null };
    this.posts.set(ev.id, post);
    const parent = this.posts.get(ev.reply_to ?? ev.quote_of);
    if (ev.reply_to !== null && ev.reply_to !== undefined) {
      parent?.replies.push(post);
      if (parent) this.refresh(parent);
    } else if (ev.quote_of !== null && ev.quote_of !== undefined && parent) {
      parent.quotes += 1;
      this.refresh(parent);
    }
  }

  addReaction(ev) {
    const post = this.posts.get(ev.message_id);
    if (!post) return;
    if (ev.emoji === LIKE) post.likes.add(ev.author_id);
    else if (ev.emoji === REPOST) post.reposts.add(ev.author_id);
    else return;
    this.refresh(post);
  }

  // Top-level posts (not replies) by the chosen order; the human's own are pinned above the feed.
  ranked() {
    const posts = [...this.posts.values()].filter((p) => !isReply(p.ev) && p.ev.author_kind !== "human");
    if (this.order === "latest") return posts.sort((a, b) => b.ev.vtime - a.ev.vtime || b.ev.id - a.ev.id);
    const score = (p) => Math.exp(-(this.now - p.ev.vtime) / RECENCY_SECONDS)
      + 0.5 * Math.log1p(p.likes.size + 2 * p.reposts.size + 2 * p.replies.length + 3 * p.quotes);
    const scores = new Map(posts.map((p) => [p, score(p)]));
    return posts.sort((a, b) => scores.get(b) - scores.get(a) || b.ev.id - a.ev.id);
  }

  mine() {
    return [...this.posts.values()].filter((p) => !isReply(p.ev) && p.ev.author_kind === "human")
      .sort((a, b) => b.ev.id - a.ev.id);
  }

  setOrder(order) {
    this.order = order;
    this.layout();
  }

  // Many events can land in one frame (a catch-up, a feed at max speed): lay out once per frame.
  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.layout();
    });
  }

  layout() {
    const shown = this.ranked().slice(0, SHOWN);
    const focused = document.activeElement?.closest?.(".card");
    const cards = shown.map((post, i) => {
      const card = post.card || this.build(post);
      card.setAttribute("aria-posinset", String(i + 1));
      card.setAttribute("aria-setsize", String(shown.length));
      return card;
    });
    const current = [...this.container.children];
    if (cards.length !== current.length || cards.some((c, i) => c !== current[i])) {
      this.container.replaceChildren(...cards);
      focused?.isConnected && focused.focus({ preventScroll: true }); // moving a card drops focus
    }
    this.container.setAttribute("aria-busy", "false");
    const pinned = $("pinned-posts");
    pinned.replaceChildren(...this.mine().map((post) => post.card || this.build(post)));
    pinned.hidden = pinned.children.length === 0;
  }

  build(post) {
    const ev = post.ev;
    const who = this.actions.person(ev);
    const id = `post-${ev.id}`;
    const name = el("button", { type: "button", class: "card-name", id: `${id}-by`, text: ev.author_name,
                                title: `${ev.author_name}'s profile`, onclick: () => this.actions.profile(ev.author_id) });
    name.style.color = who.color;
    const card = el("article", { role: "article", class: "card" + (ev.author_kind === "human" ? " mine" : ""), tabindex: "0",
                                 "data-id": ev.id, "aria-labelledby": `${id}-by`, "aria-describedby": `${id}-text` },
      el("header", { class: "card-head" }, avatarNode(who, "small"), name,
        who.role ? el("span", { class: "role", text: who.role }) : el("span", { class: "tag", text: "human" }),
        el("time", { class: "time", title: fullDate(ev.created_at), text: simClock(ev.vtime) })));
    const quoted = this.posts.get(ev.quote_of);
    if (quoted) card.append(el("blockquote", { class: "card-quote" },
      el("b", { text: quoted.ev.author_name }), " ", snippet(quoted.ev.text)));
    card.append(el("p", { class: "card-text", id: `${id}-text`, text: ev.text }));
    post.counters = el("footer", { class: "card-counters" });
    post.repliesEl = el("ol", { class: "card-replies", hidden: true, "aria-label": "Replies" });
    card.append(post.counters, post.repliesEl);
    post.card = card;
    this.refresh(post);
    return card;
  }

  refresh(post) {
    if (!post.counters) return;
    const me = S.name ? humanId(S.name) : null;
    const count = (label, icon, n, onclick, on) => el("button", {
      type: "button", class: "stat" + (on ? " on" : ""), "aria-label": `${n} ${label}${n === 1 ? "" : "s"}`,
      title: label[0].toUpperCase() + label.slice(1), onclick, disabled: !onclick || S.finished,
    }, el("span", { "aria-hidden": "true", text: icon }), el("span", { class: "n", text: compact(n) }));
    post.counters.replaceChildren(...[
      count("reply", "💬", post.replies.length, () => this.actions.reply(post)),
      count("repost", REPOST, post.reposts.size, () => this.actions.react(post, REPOST), me && post.reposts.has(me)),
      count("quote", "❝", post.quotes, null),
      count("like", LIKE, post.likes.size, () => this.actions.react(post, LIKE), me && post.likes.has(me)),
      post.replies.length ? el("button", { type: "button", class: "link toggle-replies",
        "aria-expanded": String(!post.repliesEl.hidden), text: post.repliesEl.hidden ? `Show ${post.replies.length} repl${post.replies.length === 1 ? "y" : "ies"}` : "Hide replies",
        onclick: () => { post.repliesEl.hidden = !post.repliesEl.hidden; this.refresh(post); } }) : null,
    ].filter(Boolean));
    if (!post.repliesEl.hidden) {
      post.repliesEl.replaceChildren(...post.replies.map((r) => el("li", { class: "card-reply" },
        el("b", { text: r.ev.author_name }), el("time", { class: "time", text: simClock(r.ev.vtime) }),
        el("span", { text: r.ev.text }))));
    }
  }

}

function isReply(ev) {
  return ev.reply_to !== null && ev.reply_to !== undefined;
}

function snippet(text) {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > 140 ? flat.slice(0, 139) + "…" : flat;
}

// Simulated time as a clock: a feed starts at its start hour (09:00 unless set otherwise).
export function simClock(vtime) {
  const start = S.options?.start_hour ?? 9;
  const minutes = Math.floor((vtime || 0) / 60) + start * 60;
  return `${String(Math.floor(minutes / 60) % 24).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

// The feed pattern's keys: Page Down / Page Up go to the next / previous card; Ctrl+End leaves the
// feed for the composer, Ctrl+Home for the order buttons above it.
export function feedKeys(feed) {
  feed.addEventListener("keydown", (e) => {
    const card = e.target.closest(".card");
    if (!card) return;
    let target = null;
    if (e.key === "PageDown") target = card.nextElementSibling;
    else if (e.key === "PageUp") target = card.previousElementSibling;
    else if (e.key === "End" && e.ctrlKey) target = $("main-composer").querySelector("textarea");
    else if (e.key === "Home" && e.ctrlKey) target = $("timeline-bar").querySelector("button");
    else return;
    e.preventDefault();
    target?.focus();
  });
}
