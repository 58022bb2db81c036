// A one-line progress bar on stderr with rate and ETA, redrawn at most a few times a second.
// Drawn only on a terminal and without --quiet; otherwise every call is a no-op.

function duration(seconds) {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const [h, m] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60)];
  const mm = String(m).padStart(h ? 2 : 1, '0');
  return `${h ? `${h}:` : ''}${mm}:${String(s % 60).padStart(2, '0')}`;
}

export class ProgressBar {
  #stream;
  #total;
  #unit;
  #start = performance.now();
  #startDone;
  #lastDraw = 0;

  /**
   * @param {NodeJS.WriteStream|undefined} stream stderr when it is a terminal and progress is wanted
   * @param {{total?: number, done?: number, unit?: string}} options total unknown: rate only
   */
  constructor(stream, { total, done = 0, unit = 'texts' } = {}) {
    this.#stream = stream;
    this.#total = total;
    this.#unit = unit;
    this.#startDone = done;
  }

  update(done, { force = false } = {}) {
    if (!this.#stream) return;
    const now = performance.now();
    if (!force && now - this.#lastDraw < 200) return;
    this.#lastDraw = now;
    const elapsed = (now - this.#start) / 1000;
    const rate = elapsed > 0 ? (done - this.#startDone) / elapsed : 0;
    const count = `${done.toLocaleString('en-US')}${this.#total !== undefined ? `/${this.#total.toLocaleString('en-US')}` : ''} ${this.#unit}`;
    let line = `${count} · ${rate.toFixed(rate < 10 ? 1 : 0)} ${this.#unit}/s`;
    if (this.#total) {
      const fraction = Math.min(1, done / this.#total);
      const width = 24;
      const filled = Math.round(fraction * width);
      const eta = rate > 0 ? (this.#total - done) / rate : Infinity;
      line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(100 * fraction).toFixed(1).padStart(5)}% ${line} · ETA ${duration(eta)}`;
    }
    this.#stream.write(`\r${line}\u001b[K`);
  }

  /** Ends the line (the last state stays visible). */
  end(done) {
    if (!this.#stream) return;
    this.update(done, { force: true });
    this.#stream.write('\n');
  }
}
