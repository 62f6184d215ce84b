/** One-line progress on stderr: cells done, cells/s over the run, ETA. */
export class Progress {
  private start = performance.now();
  private last = 0;
  constructor(private total: number, private alreadyDone: number, private label = 'cells') {}

  update(done: number, force = false): void {
    const now = performance.now();
    // A terminal line is redrawn each second; a log file gets a line every 30 s.
    if (!force && now - this.last < (process.stderr.isTTY ? 1000 : 30000)) return;
    this.last = now;
    const elapsed = (now - this.start) / 1000;
    const rate = (done - this.alreadyDone) / Math.max(elapsed, 1e-9);
    const eta = rate > 0 ? (this.total - done) / rate : Infinity;
    const line = `${done}/${this.total} ${this.label}, ${rate.toFixed(2)} ${this.label}/s, ETA ${formatDuration(eta)}`;
    process.stderr.write(process.stderr.isTTY ? `\r${line}   ` : `${line}\n`);
  }

  end(done: number): void {
    this.update(done, true);
    if (process.stderr.isTTY) process.stderr.write('\n');
  }
}

export function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = Math.round(s % 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}
