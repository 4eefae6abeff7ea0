/**
 * Inline SVG line charts for the self-contained HTML reports (no scripts, no
 * CDN): one function that draws series of (x, y) points on linear or
 * logarithmic axes, with a legend. Hollow markers flag points that did not
 * meet the bound (unsustained steps).
 */

/** One point; `hollow` draws an open marker. */
export interface Point {
  readonly x: number;
  readonly y: number;
  readonly hollow?: boolean;
}

/** One line. */
export interface Series {
  readonly name: string;
  readonly color: string;
  readonly points: readonly Point[];
  readonly dashed?: boolean;
}

/** A chart. */
export interface ChartSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly logX?: boolean;
  readonly logY?: boolean;
  /** Labels for x values (categorical axes); otherwise ticks are computed. */
  readonly xTicks?: readonly { readonly value: number; readonly label: string }[];
  /** Formats tick values. */
  readonly formatX?: (value: number) => string;
  readonly formatY?: (value: number) => string;
  /** A horizontal reference line (e.g. the p99 bound). */
  readonly hLine?: { readonly y: number; readonly label: string };
}

const WIDTH = 560;
const HEIGHT = 320;
const MARGIN = { left: 64, right: 16, top: 34, bottom: 78 };

/** Escapes text for SVG/HTML. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A compact number: 1.5k, 2M, 0.25. */
export function compact(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${+(value / 1e6).toPrecision(3)}M`;
  if (abs >= 1e3) return `${+(value / 1e3).toPrecision(3)}k`;
  return `${+value.toPrecision(3)}`;
}

function niceLinearTicks(min: number, max: number): number[] {
  const span = max - min || Math.abs(max) || 1;
  const rough = span / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => span / s <= 6) ?? magnitude * 10;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(+v.toPrecision(12));
  return ticks;
}

function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= min * 0.999 && v <= max * 1.001) ticks.push(v);
    }
  }
  return ticks;
}

interface Axis {
  min: number;
  max: number;
  log: boolean;
}

function axisOf(values: number[], log: boolean, zeroBased: boolean): Axis {
  const finite = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  if (finite.length === 0) return { min: log ? 1 : 0, max: 10, log };
  let min = Math.min(...finite);
  let max = Math.max(...finite);
  if (log) {
    // Widen to the nearest 1-2-5 steps around the data.
    const steps = (e: number): number[] => [1, 2, 5, 10].map((m) => m * 10 ** e);
    min = steps(Math.floor(Math.log10(min))).filter((v) => v <= min).at(-1)!;
    max = steps(Math.floor(Math.log10(max))).find((v) => v >= max * 0.9999)!;
    if (max <= min) max = min * 10;
  } else {
    if (zeroBased) min = Math.min(0, min);
    if (max === min) max = min + 1;
    max += (max - min) * 0.05;
  }
  return { min, max, log };
}

function scale(axis: Axis, from: number, to: number): (value: number) => number {
  if (axis.log) {
    const lo = Math.log10(axis.min);
    const hi = Math.log10(axis.max);
    return (v) => from + ((Math.log10(Math.max(v, axis.min)) - lo) / (hi - lo)) * (to - from);
  }
  return (v) => from + ((v - axis.min) / (axis.max - axis.min)) * (to - from);
}

/** Draws a chart as an <svg> element string. */
export function lineChart(spec: ChartSpec): string {
  const points = spec.series.flatMap((s) => s.points);
  const xAxis = axisOf([...points.map((p) => p.x), ...(spec.xTicks ?? []).map((t) => t.value)], spec.logX === true, spec.xTicks === undefined);
  const yAxis = axisOf([...points.map((p) => p.y), ...(spec.hLine ? [spec.hLine.y] : [])], spec.logY === true, true);
  const plotRight = WIDTH - MARGIN.right;
  const plotBottom = HEIGHT - MARGIN.bottom;
  const x = scale(xAxis, MARGIN.left, plotRight);
  const y = scale(yAxis, plotBottom, MARGIN.top);
  const fx = spec.formatX ?? compact;
  const fy = spec.formatY ?? compact;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${escapeXml(spec.title)}">`);
  out.push(`<text x="${WIDTH / 2}" y="18" text-anchor="middle" class="title">${escapeXml(spec.title)}</text>`);
  const xTicks = spec.xTicks ?? (xAxis.log ? logTicks(xAxis.min, xAxis.max) : niceLinearTicks(xAxis.min, xAxis.max)).map((value) => ({ value, label: fx(value) }));
  for (const tick of xTicks) {
    const px = x(tick.value).toFixed(1);
    out.push(`<line x1="${px}" x2="${px}" y1="${MARGIN.top}" y2="${plotBottom}" class="grid"/>`);
    out.push(`<text x="${px}" y="${plotBottom + 14}" text-anchor="middle" class="tick">${escapeXml(tick.label)}</text>`);
  }
  const yTicks = yAxis.log ? logTicks(yAxis.min, yAxis.max) : niceLinearTicks(yAxis.min, yAxis.max);
  for (const value of yTicks) {
    const py = y(value).toFixed(1);
    out.push(`<line x1="${MARGIN.left}" x2="${plotRight}" y1="${py}" y2="${py}" class="grid"/>`);
    out.push(`<text x="${MARGIN.left - 6}" y="${py}" dy="0.32em" text-anchor="end" class="tick">${escapeXml(fy(value))}</text>`);
  }
  out.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotRight - MARGIN.left}" height="${plotBottom - MARGIN.top}" class="frame"/>`);
  out.push(`<text x="${(MARGIN.left + plotRight) / 2}" y="${plotBottom + 32}" text-anchor="middle" class="axis">${escapeXml(spec.xLabel)}</text>`);
  out.push(`<text transform="translate(14 ${(MARGIN.top + plotBottom) / 2}) rotate(-90)" text-anchor="middle" class="axis">${escapeXml(spec.yLabel)}</text>`);
  if (spec.hLine) {
    const py = y(spec.hLine.y).toFixed(1);
    out.push(`<line x1="${MARGIN.left}" x2="${plotRight}" y1="${py}" y2="${py}" class="bound"/>`);
    out.push(`<text x="${MARGIN.left + 4}" y="${py}" dy="-0.4em" class="tick">${escapeXml(spec.hLine.label)}</text>`);
  }
  for (const series of spec.series) {
    const visible = series.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!yAxis.log || p.y > 0));
    if (visible.length > 1) {
      const d = visible.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${series.color}" stroke-width="2"${series.dashed ? ' stroke-dasharray="5 4"' : ''}/>`);
    }
    for (const p of visible) {
      out.push(`<circle cx="${x(p.x).toFixed(1)}" cy="${y(p.y).toFixed(1)}" r="3.5" stroke="${series.color}" stroke-width="1.5" fill="${p.hollow ? 'white' : series.color}"><title>${escapeXml(`${series.name}: ${fx(p.x)} → ${fy(p.y)}`)}</title></circle>`);
    }
  }
  spec.series.forEach((series, i) => {
    const lx = MARGIN.left + (i % 3) * 165;
    const ly = plotBottom + 50 + Math.floor(i / 3) * 16;
    out.push(`<line x1="${lx}" x2="${lx + 18}" y1="${ly}" y2="${ly}" stroke="${series.color}" stroke-width="2"${series.dashed ? ' stroke-dasharray="5 4"' : ''}/>`);
    out.push(`<text x="${lx + 22}" y="${ly}" dy="0.32em" class="legend">${escapeXml(series.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('');
}

/** The color of a system in every chart. */
export function systemColor(id: string): string {
  const fixed: Record<string, string> = { uws: '#222222', ws: '#e07b00', 'switchyard-1': '#1f5fbf', 'switchyard-2': '#2a9d3a', 'switchyard-4': '#8e3bbf' };
  return fixed[id] ?? '#b0306b';
}

/** The page style the charts and tables share. */
export const REPORT_CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1180px;color:#1d1d1d;padding:0 16px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px}h3{font-size:15px}
table{border-collapse:collapse;margin:10px 0;font-size:13px}th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f3f3f3}
.charts{display:flex;flex-wrap:wrap;gap:12px}.note{background:#fff8e0;border-left:4px solid #e0b000;padding:8px 12px;margin:10px 0}
.stamp{color:#555}.bad{color:#b00020;font-weight:600}.good{color:#1a7f37;font-weight:600}
svg .title{font-size:14px;font-weight:600}svg .tick{font-size:11px;fill:#444}svg .axis{font-size:12px;fill:#222}svg .legend{font-size:12px}
svg .grid{stroke:#e6e6e6}svg .frame{fill:none;stroke:#999}svg .bound{stroke:#b00020;stroke-dasharray:3 3}
`;
