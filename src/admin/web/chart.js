// A sparkline on a canvas: one series, scaled to its own maximum, drawn
// crisp at the device's pixel ratio. Plain canvas, no library.

/** Draws `values` (numbers, oldest first) into `canvas`; `max` fixes the scale when given. */
export function sparkline(canvas, values, { color = '#2f6fdf', max } = {}) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 160;
  const height = canvas.clientHeight || 36;
  if (canvas.width !== width * ratio) canvas.width = width * ratio;
  if (canvas.height !== height * ratio) canvas.height = height * ratio;
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  if (values.length === 0) return;
  const top = Math.max(max ?? 0, ...values, 1);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const y = (v) => height - 2 - (v / top) * (height - 4);
  ctx.beginPath();
  values.forEach((v, i) => (i === 0 ? ctx.moveTo(0, y(v)) : ctx.lineTo(i * step, y(v))));
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = color;
  ctx.stroke();
  ctx.lineTo((values.length - 1) * step, height);
  ctx.lineTo(0, height);
  ctx.closePath();
  ctx.globalAlpha = 0.12;
  ctx.fillStyle = color;
  ctx.fill();
  ctx.globalAlpha = 1;
}
