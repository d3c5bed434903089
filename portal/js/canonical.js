// Canonical JSON (docs/formats.md, "Canonical JSON"): keys sorted by byte value, no whitespace,
// integers only, strings escaped exactly as JSON.stringify escapes them (", \ and control
// characters; every other character as itself). The bytes a statement is signed over.

export function canonical(value) {
  if (value === null || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new Error(`not an exact integer: ${value}`);
    return Object.is(value, -0) ? "0" : String(value);
  }
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (typeof value === "object") {
    const keys = Object.keys(value).filter((key) => value[key] !== undefined);
    // Keys are ASCII, so UTF-16 order is byte order.
    keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(",")}}`;
  }
  throw new Error(`cannot encode ${typeof value}`);
}
