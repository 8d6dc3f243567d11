import { el } from "./dom.js";

// A document a scenario writes in Markdown from what happened (a meeting's minutes, a feed's
// report), drawn as headings, lists, tables and paragraphs with bold/italic runs, every piece a
// text node: the subset those documents use, not a Markdown parser.
export function documentNode(markdown, label) {
  const box = el("section", { class: "minutes-doc", "aria-label": label });
  let block = null; // the list or table the previous line went into
  for (const raw of (markdown || "").split("\n")) {
    const line = raw.trim();
    const heading = line.match(/^(#{1,6})\s+(.*)$/);
    if (line.startsWith("|")) {
      const cells = line.replace(/^\||\|$/g, "").split("|").map((c) => c.trim());
      if (cells.every((c) => /^:?-+:?$/.test(c))) continue; // the header's underline
      const head = block?.tagName !== "TABLE";
      if (head) box.append(block = el("table"));
      block.append(el("tr", {}, ...cells.map((c) => el(head ? "th" : "td", {}, ...inline(c)))));
      continue;
    }
    if (line.startsWith("- ")) {
      if (block?.tagName !== "UL") box.append(block = el("ul"));
      block.append(el("li", {}, ...inline(line.slice(2))));
      continue;
    }
    block = null;
    if (heading) box.append(el(heading[1].length <= 2 ? "h3" : "h4", {}, ...inline(heading[2])));
    else if (line) box.append(el("p", {}, ...inline(line)));
  }
  return box;
}

function inline(text) {
  return text.split(/(\*\*[^*]+\*\*|\b_[^_]+_\b)/).filter((part) => part !== "").map((part) => {
    if (part.startsWith("**") && part.endsWith("**")) return el("strong", { text: part.slice(2, -2) });
    if (part.length > 2 && part.startsWith("_") && part.endsWith("_")) return el("em", { text: part.slice(1, -1) });
    return part;
  });
}
