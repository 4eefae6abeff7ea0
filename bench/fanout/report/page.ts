/** The building blocks of the self-contained HTML reports: the page, tables, inline Markdown. */
import { escapeXml, REPORT_CSS } from './svg';

/** Turns the small Markdown subset of the notes (`code`, **bold**, *em*) into HTML. */
export function inline(text: string): string {
  return escapeXml(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/\*([^*]+)\*/g, '<em>$1</em>');
}

/** An HTML table. */
export function htmlTable(heads: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = `<tr>${heads.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table>${head}\n${body}</table>`;
}

/** A complete page: no scripts, no external resources. */
export function htmlPage(title: string, body: string): string {
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title><style>${REPORT_CSS}</style></head>\n<body>\n${body}\n</body></html>\n`;
}
