// townhall web chat: one live room over a WebSocket, plus read-only replays of past runs.
// Every piece of text from the server is set with textContent (never innerHTML), and the page's
// Content-Security-Policy allows no inline script, so a message is always just text.
//
// This module wires the others together and starts the page. The modules never import each other
// in a circle: where a lower one must reach a higher one (the connection handing over frames, the
// name dialog and the live log asking for a redraw), it is given a callback here.

import { mainComposer } from "./composer.js";
import { conn, connect } from "./connection.js";
import { $ } from "./dom.js";
import { onHello, onLiveEvent, onState, setLiveEnabled } from "./live_room.js";
import { askName, renderMe, setupName } from "./name.js";
import { setupPicker } from "./reactions.js";
import { live } from "./room_view.js";
import { loadRuns, onReplayEnd, onReplayEvent, onReplayStart, setupRuns } from "./runs.js";
import { onTyping, onUsage, renderHumans, renderMeter, setupControls } from "./sidebar.js";
import { setupFeed } from "./feed_view.js";
import { S } from "./state.js";
import { closeThread, setupThread } from "./thread.js";

live.onJoin = renderHumans;
setupName(() => {
  live.messages.forEach((entry) => live.renderReactions(entry)); // "mine" is marked by name
  renderHumans();
});
setupThread();
setupPicker();
setupControls();
setupRuns();
setupFeed();

// Escape puts away what floats on top: the emoji picker first, then the thread (unless typing).
document.addEventListener("keydown", (e) => {
  if (e.key !== "Escape") return;
  if (!$("emoji-picker").hidden) $("emoji-picker").hidden = true;
  else if (!$("thread").hidden && !e.target.closest("textarea")) closeThread();
});

// Module bindings are not globals; the browser tests (and a curious console) reach the socket here.
globalThis.conn = conn;

// -- go --------------------------------------------------------------------------------------

if (new URLSearchParams(location.search).has("token")) {
  history.replaceState(null, "", location.pathname); // the cookie now carries it; keep it off screen
}
renderMe();
renderMeter();
setLiveEnabled(false);
connect({
  hello: onHello,
  state: onState,
  event: onLiveEvent,
  typing: onTyping,
  usage: onUsage,
  replayStart: onReplayStart,
  replay: onReplayEvent,
  replayEnd: onReplayEnd,
  error: (message) => mainComposer.showError(message), // an error no request is waiting for
  closed: () => setLiveEnabled(false),
});
if (!S.name) askName();
setInterval(loadRuns, 30000);
setInterval(() => { if (S.budgets.max_seconds && !S.finished) renderMeter(); }, 1000);
