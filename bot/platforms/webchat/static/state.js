// The page's shared state: what the server last told us about the live room, and what the
// reader is looking at. Modules read and update it in place; none keeps its own copy.

export const NAME_KEY = "townhall.name";

export const S = {
  name: localStorage.getItem(NAME_KEY) || "",
  runId: null,
  lastSeq: -1, // the last live event shown; a reconnect asks only for what came after it
  personas: [],
  handles: new Map(), // lower-case handle -> persona
  typing: new Map(),
  muted: new Set(),
  paused: false,
  speed: 1,
  finished: false,
  budgets: {},
  usage: {},
  limits: { max_chars: 4000 },
  startedAt: null,
  scenario: "discussion", // the live run's: "feed" shows the timeline, see feed_view.js
  options: {}, // the scenario's settings (a feed's start hour)
  room: null, // the live room's name and topic, for the header when the reader comes back to it
  view: "live", // "live" or "replay"
  replayRun: null,
  replayNo: 0, // frames of an older replay the reader has left are dropped
  liveRun: null, // the live run's entry in "Past runs": {run, item}
  threadView: null, // the RoomView whose thread is open, if any
  threadRoot: null,
};
