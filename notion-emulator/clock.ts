/** A controllable clock: emulated time = anchor + (real time since anchor) × scale + offsets. */

export interface ClockState {
  /** Emulated epoch ms at the anchor. */
  emulatedAtAnchor: number;
  /** How many emulated ms pass per real ms (0 freezes time). */
  scale: number;
}

/** The emulator's clock; every timestamp and rate-limit window reads it. */
export class Clock {
  #realAnchor = Date.now();
  #emulatedAnchor: number;
  #scale: number;

  constructor(opts: { start?: number; scale?: number } = {}) {
    this.#emulatedAnchor = opts.start ?? Date.now();
    this.#scale = opts.scale ?? 1;
  }

  /** Current emulated time in epoch milliseconds. */
  now(): number {
    return this.#emulatedAnchor + (Date.now() - this.#realAnchor) * this.#scale;
  }

  /** Moves emulated time forward by ms. */
  advance(ms: number): void {
    this.set(this.now() + ms);
  }

  /** Sets emulated time to an absolute epoch ms. */
  set(epochMs: number): void {
    this.#emulatedAnchor = epochMs;
    this.#realAnchor = Date.now();
  }

  /** Changes how fast emulated time runs (1 = real time, 60 = a minute per second, 0 = frozen). */
  setScale(scale: number): void {
    const now = this.now();
    this.#scale = scale;
    this.set(now);
  }

  /** Current time-scale factor. */
  get scale(): number {
    return this.#scale;
  }

  /** Converts emulated ms to real ms at the current scale (for latency injection). */
  realDelay(emulatedMs: number): number {
    return this.#scale > 0 ? emulatedMs / this.#scale : emulatedMs;
  }
}

/** Formats a page/data-source/block timestamp: floored to the minute, `.000Z`. */
export function minuteIso(epochMs: number): string {
  const minute = Math.floor(epochMs / 60000);
  let iso = MINUTE_CACHE.get(minute);
  if (iso === undefined) {
    iso = new Date(minute * 60000).toISOString();
    if (MINUTE_CACHE.size > 50_000) MINUTE_CACHE.clear();
    MINUTE_CACHE.set(minute, iso);
  }
  return iso;
}

const MINUTE_CACHE = new Map<number, string>();

/** Floors epoch ms to the minute. */
export function floorMinute(epochMs: number): number {
  return Math.floor(epochMs / 60000) * 60000;
}

/** Formats a database timestamp: millisecond precision with a `+00:00` offset, as Notion returns. */
export function databaseIso(epochMs: number): string {
  return new Date(epochMs).toISOString().replace("Z", "+00:00");
}
