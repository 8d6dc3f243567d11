// The room's WebSocket: connect and reconnect (resuming after the last event shown), send
// requests whose answers come back by ref, and hand every other frame to the page's handlers.

import { banner } from "./dom.js";
import { S } from "./state.js";

export const conn = { ws: null, attempt: 0, closedForGood: false, ref: 0, pending: new Map(), connected: false };

// What the page does with each kind of frame; given once, to connect(). This module knows the
// protocol, not the page, so the views never import it back.
let on = null;

function wsUrl() {
  return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws";
}

export function connect(handlers) {
  on = handlers;
  open();
}

function open() {
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
      on.closed();
      return;
    }
    const delay = Math.min(5000, 300 * 2 ** conn.attempt++);
    banner("Connection lost — reconnecting…", "warn");
    setTimeout(open, delay);
  });
}

// Returns false, sending nothing, while the socket is down: the caller says so where it was asked.
export function request(op, handlers) {
  if (!conn.ws || conn.ws.readyState !== WebSocket.OPEN || !conn.connected) return false;
  const ref = ++conn.ref;
  conn.pending.set(ref, handlers || {});
  conn.ws.send(JSON.stringify({ ...op, ref }));
  return true;
}

function receive(frame) {
  switch (frame.type) {
    case "hello": return on.hello(frame);
    case "state":
      // The server has caught us up: from here on the room is ours to use.
      conn.connected = true;
      conn.attempt = 0;
      return on.state(frame);
    case "message":
    case "reaction":
    case "status":
      if (frame.seq <= S.lastSeq) return; // already shown
      S.lastSeq = frame.seq;
      return on.event(frame);
    case "typing": return on.typing(frame);
    case "usage": return on.usage(frame);
    case "ack": {
      const handlers = conn.pending.get(frame.ref);
      conn.pending.delete(frame.ref);
      return handlers?.ok?.(frame);
    }
    case "error": {
      const handlers = conn.pending.get(frame.ref);
      conn.pending.delete(frame.ref);
      if (handlers?.error) return handlers.error(frame.message);
      return on.error(frame.message);
    }
    case "replay_start": return on.replayStart(frame);
    case "replay": return on.replay(frame);
    case "replay_end": return on.replayEnd(frame);
  }
}
