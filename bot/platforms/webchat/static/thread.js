// The thread panel: a root message, its replies, and (in the live room) a composer that posts
// into the thread. It takes the place of the member list while it is open.

import { Composer, mainComposer } from "./composer.js";
import { $, el } from "./dom.js";
import { S } from "./state.js";

export let threadComposer = null;

export function composerFor(ev) {
  return ev.thread_id !== null && ev.thread_id !== undefined && threadComposer ? threadComposer : mainComposer;
}

export function openThread(view, rootId) {
  const root = view.messages.get(rootId);
  if (!root) return;
  S.threadView = view;
  S.threadRoot = rootId;
  const box = $("thread-messages");
  box.replaceChildren();
  // The root is drawn again atop the panel; the copy shares its reactions, so both stay current.
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

export function closeThread() {
  S.threadView = null;
  S.threadRoot = null;
  threadComposer = null;
  $("thread").hidden = true;
  $("members").hidden = false;
}

export function setupThread() {
  $("close-thread").addEventListener("click", closeThread);
}
