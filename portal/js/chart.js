// Charts drawn by the portal's own code as SVG: bars for values by label, signed bars for net
// positions (positive: receives, negative: pays).

import { s } from "./ui.js";

// `max`, when given, is the value of a full bar (a rating's 5), else the largest value.
export function barChart(items, { format = String, label = "", width = 560, max: full } = {}) {
  const rowHeight = 26;
  const labelWidth = 110;
  const valueWidth = 110;
  const max = full ?? Math.max(1, ...items.map((item) => Math.abs(item.value)));
  const signed = items.some((item) => item.value < 0);
  const span = width - labelWidth - valueWidth;
  const zero = labelWidth + (signed ? span / 2 : 0);
  const scale = (signed ? span / 2 : span) / max;
  const height = items.length * rowHeight + 8;
  return s("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, width, height,
    role: "img", "aria-label": label },
  s("line", { class: "axis", x1: zero, x2: zero, y1: 0, y2: height }),
  items.map((item, i) => {
    const y = 4 + i * rowHeight;
    const length = Math.abs(item.value) * scale;
    const x = item.value < 0 ? zero - length : zero;
    const kind = signed ? (item.value < 0 ? "neg" : "pos") : "bar";
    return s("g", {},
      s("text", { x: 4, y: y + 16 }, item.label),
      s("rect", { class: kind, x, y: y + 3, width: Math.max(1, length), height: rowHeight - 8 }),
      s("text", { x: width - 4, y: y + 16, "text-anchor": "end" }, format(item.value)));
  }));
}
