// Money is kept in fen (integers); people type and read yuan. Parsing is exact, like the command
// line's: digits, an optional point and at most two decimals, no sign, no exponent.



// "1234.5" → 123450; throws an Error whose `reason` is a catalogue key.
export function parseYuan(text) {
  const trimmed = String(text).trim().replaceAll(",", "").replace(/^¥/, "");
  const match = /^(\d{1,13})(?:\.(\d{0,2}))?$/.exec(trimmed);
  if (!match) {
    const error = new Error(`not an amount in yuan: ${text}`);
    error.reason = /^\d+\.\d{3,}$/.test(trimmed) ? "amount_decimals" : "amount_format";
    throw error;
  }
  const decimals = (match[2] ?? "").padEnd(2, "0");
  return Number(match[1]) * 100 + Number(decimals);
}

// 123450 → "¥1,234.50"; negative amounts get a minus sign before the ¥.
export function formatFen(fen) {
  if (fen === undefined || fen === null) return "—";
  const sign = fen < 0 ? "-" : "";
  const abs = Math.abs(fen);
  const yuan = Math.floor(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${sign}¥${yuan}.${String(abs % 100).padStart(2, "0")}`;
}
