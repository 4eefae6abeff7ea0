/**
 * A progress bar for long runs. On a terminal it redraws one line on stderr
 * ("[#####-----] 12/32  1m05s  switchyard ×2 at 200k/s"); otherwise (CI
 * logs) it stays silent and the benchmark's own per-step lines show progress.
 */

const WIDTH = 24;

/** Tracks `total` units of work and draws how far along the run is. */
export class Progress {
  private done = 0;
  private readonly startedAt = Date.now();
  private readonly tty = process.stderr.isTTY === true;

  constructor(private readonly total: number) {}

  /** Shows what is being measured now, without counting a unit. */
  show(detail: string): void {
    this.draw(detail);
  }

  /** Counts `units` done. */
  advance(units = 1, detail = ''): void {
    this.done = Math.min(this.total, this.done + units);
    this.draw(detail);
  }

  /** Clears the bar (call before printing a line of results, and at the end). */
  clear(): void {
    if (this.tty) process.stderr.write('\r\x1b[2K');
  }

  private draw(detail: string): void {
    if (!this.tty) return;
    const filled = this.total > 0 ? Math.round((this.done / this.total) * WIDTH) : 0;
    const seconds = Math.round((Date.now() - this.startedAt) / 1000);
    const elapsed = seconds >= 60 ? `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s` : `${seconds}s`;
    const bar = '#'.repeat(filled) + '-'.repeat(WIDTH - filled);
    process.stderr.write(`\r\x1b[2K[${bar}] ${this.done}/${this.total}  ${elapsed}  ${detail}`.slice(0, process.stderr.columns || 120));
  }
}
