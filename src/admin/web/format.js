// Small formatting and DOM helpers shared by the views.

/** Creates an element with attributes and children (strings become text). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) node.append(child instanceof Node ? child : String(child));
  return node;
}

/** Seconds as "3d 4h", "2h 5m", "4m 10s", "12s". */
export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

/** A number with thousands separators; rates with one decimal under 10. */
export function num(value) {
  if (!Number.isFinite(value)) return '–';
  if (value !== Math.floor(value) && Math.abs(value) < 10) return value.toFixed(1);
  return Math.round(value).toLocaleString('en-US');
}

/** Bytes as B, KB, MB. */
export function bytes(value) {
  if (value < 1024) return `${value} B`;
  if (value < 1024 * 1024) return `${(value / 1024).toFixed(1)} KB`;
  return `${(value / 1024 / 1024).toFixed(1)} MB`;
}

/** Pretty JSON for replies. */
export function pretty(value) {
  return JSON.stringify(value, null, 2);
}
