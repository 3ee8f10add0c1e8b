import type { MigrationCommand, MigrationProgressDto } from '../api/index.js';

// Progress of long steps. Events go to a sink: the CLI prints them as JSON lines (--json) or as human
// lines; tests collect them. Counters emit at most every THROTTLE_MS, plus at the start and the end.

export type ProgressSink = (event: MigrationProgressDto) => void;

const THROTTLE_MS = 500;

export interface ProgressCounter {
  add(bytes: number, items?: number): void;
  /** Grows the totals when more work is found on the way. */
  grow(bytes: number, items?: number): void;
  done(message?: string): void;
}

export class Progress {
  private readonly started = performance.now();

  constructor(
    readonly step: MigrationCommand,
    private readonly sink: ProgressSink,
  ) {}

  /** The same sink, for another step (`migrate` runs them all). */
  forStep(step: MigrationCommand): Progress {
    return new Progress(step, this.sink);
  }

  /** A one-off event: a phase starts or ends. */
  note(phase: string, message: string): void {
    this.emit({
      phase,
      message,
      bytesDone: 0,
      bytesTotal: 0,
      itemsDone: 0,
      itemsTotal: 0,
      unit: 'none',
      etaMs: null,
    });
  }

  counter(
    phase: string,
    describe: string,
    totals: { bytes: number; items: number; unit: MigrationProgressDto['unit'] },
  ): ProgressCounter {
    const start = performance.now();
    let bytesDone = 0;
    let itemsDone = 0;
    let { bytes: bytesTotal, items: itemsTotal } = totals;
    let lastEmit = -Infinity;
    const emit = (message: string, force: boolean) => {
      const now = performance.now();
      if (!force && now - lastEmit < THROTTLE_MS) return;
      lastEmit = now;
      const elapsed = now - start;
      // Bytes decide the ETA when there are any (a few big files dominate); otherwise items do.
      const fraction = bytesTotal > 0 ? bytesDone / bytesTotal : itemsTotal > 0 ? itemsDone / itemsTotal : 0;
      const etaMs =
        fraction > 0 && fraction < 1 && elapsed > 200 ? (elapsed / fraction) * (1 - fraction) : null;
      this.emit({
        phase,
        message,
        bytesDone,
        bytesTotal,
        itemsDone,
        itemsTotal,
        unit: totals.unit,
        etaMs: fraction >= 1 ? 0 : etaMs === null ? null : Math.round(etaMs),
      });
    };
    emit(describe, true);
    return {
      add: (bytes, items = 0) => {
        bytesDone += bytes;
        itemsDone += items;
        emit(describe, false);
      },
      grow: (bytes, items = 0) => {
        bytesTotal += bytes;
        itemsTotal += items;
      },
      done: (message) => {
        bytesDone = Math.max(bytesDone, bytesTotal);
        itemsDone = Math.max(itemsDone, itemsTotal);
        emit(message ?? describe, true);
      },
    };
  }

  private emit(event: Omit<MigrationProgressDto, 'type' | 'step' | 'at' | 'elapsedMs'>): void {
    this.sink({
      type: 'progress',
      step: this.step,
      at: new Date().toISOString(),
      elapsedMs: Math.round(performance.now() - this.started),
      ...event,
    });
  }
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** One human line for an event (the CLI without --json). */
export function describeProgress(event: MigrationProgressDto): string {
  const parts = [`[${event.step}] ${event.phase}: ${event.message}`];
  if (event.bytesTotal > 0) {
    const percent = Math.floor((event.bytesDone / event.bytesTotal) * 100);
    parts.push(`${formatBytes(event.bytesDone)} / ${formatBytes(event.bytesTotal)} (${percent}%)`);
  }
  if (event.itemsTotal > 0) parts.push(`${event.itemsDone}/${event.itemsTotal} ${event.unit}`);
  if (event.etaMs !== null && event.etaMs > 0) parts.push(`about ${Math.ceil(event.etaMs / 1000)} s left`);
  return parts.join(', ');
}
