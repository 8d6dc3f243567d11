// A meeting's own view: its status events (agenda, item, decision, minutes; and a feed's closing
// report, which reads the same way) as readable dividers, and the agenda panel beside the room
// (the current item, each motion's tally as the votes come in, its result). Ballots are the
// chair's code, not free text: a persona's message that starts with the ballot mark, while a
// motion is open, is one vote.

import { $, el } from "./dom.js";

const BALLOT = "🗳️";
const CHOICES = [["for", "For"], ["against", "Against"], ["abstain", "Abstain"]];

// What the live room's agenda panel shows; a new run starts it over (see resetMeeting).
const agenda = { title: null, items: [], current: null, tallies: new Map(), results: new Map() };

export function resetMeeting() {
  Object.assign(agenda, { title: null, items: [], current: null, tallies: new Map(), results: new Map() });
  $("agenda").hidden = true;
}

// The divider for a meeting status ({text, tone}: its line and a class), or null when the status
// is not a meeting's.
export function meetingDivider(ev) {
  const d = ev.data || {};
  const count = (d.items || []).length;
  if (ev.kind === "agenda") return { text: `Agenda · ${d.title || "the meeting"} · ${count} item${count === 1 ? "" : "s"}`, tone: "agenda" };
  if (ev.kind === "item") return { text: `Item ${d.number}: ${d.title} — motion: ${d.motion}`, tone: "item" };
  if (ev.kind === "decision") {
    return { text: `Item ${d.item}: motion ${d.result} · ${tallyText(d.tally || {})}`,
             tone: "decision " + (d.result === "carried" ? "carried" : "rejected") };
  }
  if (ev.kind === "minutes") return { text: "Minutes of the meeting", tone: "minutes" };
  if (ev.kind === "report") return { text: "Feed report", tone: "minutes" }; // a feed's, same look
  return null;
}

function tallyText(tally) {
  return CHOICES.map(([key, label]) => `${tally[key] || 0} ${label.toLowerCase()}`).join(" · ");
}

// The live room's events, in order, keep the agenda panel current.
export function trackMeeting(ev) {
  if (ev.type === "message") {
    if (agenda.current !== null && ev.author_kind === "persona" && ev.text.startsWith(BALLOT)) {
      const choice = ev.text.slice(BALLOT.length).trim().split(/\s/)[0].toLowerCase();
      const tally = agenda.tallies.get(agenda.current);
      if (tally && choice in tally) {
        tally[choice] += 1;
        renderAgenda();
      }
    }
    return;
  }
  if (ev.type !== "status") return;
  const d = ev.data || {};
  if (ev.kind === "agenda") {
    agenda.title = d.title;
    agenda.items = d.items || [];
  } else if (ev.kind === "item") {
    agenda.current = d.number;
    agenda.tallies.set(d.number, { for: 0, against: 0, abstain: 0 });
  } else if (ev.kind === "decision") {
    agenda.results.set(d.item, d.result);
    agenda.tallies.set(d.item, { ...d.tally }); // the chair's count is the one that stands
    agenda.current = null;
  } else return;
  renderAgenda();
}

function renderAgenda() {
  $("agenda").hidden = agenda.items.length === 0;
  $("agenda-title").textContent = agenda.title ? `Agenda — ${agenda.title}` : "Agenda";
  $("agenda-items").replaceChildren(...agenda.items.map((item) => {
    const current = item.number === agenda.current;
    const result = agenda.results.get(item.number);
    const tally = agenda.tallies.get(item.number);
    const state = current ? "now" : result || (tally ? "" : "next");
    const node = el("li", { class: "agenda-item" + (current ? " current" : ""), "aria-current": current ? "step" : null },
      el("span", { class: "agenda-head" }, el("span", { class: "agenda-num", text: `${item.number}.` }),
        el("span", { class: "agenda-name", text: item.title }),
        state ? el("span", { class: "badge " + (result === "carried" ? "finished" : result ? "failed" : "running"), text: state }) : null),
      el("span", { class: "agenda-motion", text: `Motion: ${item.motion}` }));
    if (tally) {
      node.append(el("span", { class: "tally", "aria-label": `Votes: ${tallyText(tally)}` },
        ...CHOICES.map(([key, label]) => el("span", { class: "tally-" + key, text: `${label} ${tally[key]}` }))));
    }
    return node;
  }));
}
