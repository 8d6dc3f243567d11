// The live reach of the human's post in a feed, from the scenario's "reach" events (every 15
// simulated minutes while it changes) and its final "report": members reached, who engaged, the
// tone of the answers, and reach over time as a small plot.

import { $, compact, el } from "./dom.js";
import { simClock } from "./timeline.js";

const SVG = "http://www.w3.org/2000/svg";
const points = []; // [vtime, reach] of the latest human post

export function resetReach() {
  points.length = 0;
  $("reach").replaceChildren();
}

export function trackReach(ev) {
  if (ev.type !== "status" || (ev.kind !== "reach" && ev.kind !== "report")) return;
  const d = ev.kind === "report" ? (ev.data || {}).data || {} : ev.data || {};
  const post = (d.posts || [])[d.posts?.length - 1];
  if (!post) return;
  if (points.length && points[points.length - 1][2] !== post.post) points.length = 0; // a newer post
  points.push([ev.vtime, post.reach, post.post]);
  render(post, d.members || 0, ev.kind === "report");
}

function render(post, members, final) {
  const engaged = post.likes + post.reposts + post.replies + post.quotes;
  const tone = post.tone || { positive: 0, neutral: 0, negative: 0 };
  const answers = tone.positive + tone.neutral + tone.negative;
  const share = members ? ` · ${Math.round((100 * post.reach) / members)}% of ${compact(members)}` : "";
  const bar = el("span", { class: "tone-bar", role: "img",
    "aria-label": `Tone of ${answers} answers: ${tone.positive} positive, ${tone.neutral} neutral, ${tone.negative} negative` });
  for (const kind of ["positive", "neutral", "negative"]) {
    const part = el("span", { class: "tone-" + kind });
    part.style.flexGrow = String(tone[kind]);
    bar.append(part);
  }
  $("reach").replaceChildren(
    el("div", { class: "reach-figures" },
      el("span", { class: "reach-main" }, el("b", { class: "reach-count", text: compact(post.reach) }),
        ` reached${share}`),
      el("span", { text: `${compact(engaged)} engaged · ❤️ ${post.likes} · 🔁 ${post.reposts} · 💬 ${post.replies} · ❝ ${post.quotes}` }),
      el("span", { class: "reach-tone" }, answers ? bar : null,
        answers ? `🙂 ${tone.positive} · 😐 ${tone.neutral} · 🙁 ${tone.negative}` : "no answers yet"),
      el("span", { class: "reach-when", text: final ? "final (the run's report)" : `as of ${simClock(points[points.length - 1][0])}` })),
    plot());
}

// Reach over simulated time: a polyline in a 120×40 box, the latest point marked.
function plot() {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 120 40");
  svg.setAttribute("class", "reach-plot");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `Reach over time: ${points.map(([t, r]) => `${simClock(t)} ${r}`).join(", ")}`);
  if (points.length < 2) return svg;
  const [t0, t1] = [points[0][0], points[points.length - 1][0]];
  const top = Math.max(1, ...points.map((p) => p[1]));
  const xy = points.map(([t, r]) => [4 + (112 * (t - t0)) / Math.max(1, t1 - t0), 36 - (32 * r) / top]);
  const line = document.createElementNS(SVG, "polyline");
  line.setAttribute("points", xy.map((p) => p.map((v) => v.toFixed(1)).join(",")).join(" "));
  const dot = document.createElementNS(SVG, "circle");
  const [x, y] = xy[xy.length - 1];
  Object.entries({ cx: x.toFixed(1), cy: y.toFixed(1), r: "2.5" }).forEach(([k, v]) => dot.setAttribute(k, v));
  svg.append(line, dot);
  return svg;
}
