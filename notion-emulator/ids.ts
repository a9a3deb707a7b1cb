/** Identifier helpers: Notion-style dashed ids, parsing of dashed/undashed input, a seeded generator. */

const HEX32 = /^[0-9a-f]{32}$/;

/** Normalises a dashed or undashed id to dashed lowercase, or returns null when it is not an id. */
export function normalizeId(raw: string): string | null {
  const compact = raw.trim().toLowerCase().replaceAll("-", "");
  if (!HEX32.test(compact)) return null;
  return dashed(compact);
}

/** Inserts dashes into a 32-hex-digit id. */
export function dashed(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
    hex.slice(20)
  }`;
}

/** Removes the dashes of an id (as Notion does in URLs). */
export function compactId(id: string): string {
  return id.replaceAll("-", "");
}

/** A small deterministic PRNG (mulberry32) whose state is a single number, so it persists in JSON. */
export class Rng {
  constructor(public state: number) {}

  /** Returns a float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Returns an integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Picks one element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Returns a Notion-looking id (version nibble 8, as real Notion ids have). */
  id(): string {
    let hex = "";
    for (let i = 0; i < 4; i++) {
      hex += Math.floor(this.next() * 0x100000000).toString(16).padStart(8, "0");
    }
    hex = hex.slice(0, 12) + "8" + hex.slice(13);
    return dashed(hex);
  }

  /** Returns a short property id such as Notion uses (`M;Bw`), URL-encoded characters included. */
  propertyId(): string {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789;:@[]^_`{|}~<>";
    let out = "";
    for (let i = 0; i < 4; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }
}

/** Hashes a string to a 32-bit unsigned integer (FNV-1a); used for stable shuffles. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Returns a random request id (v4 UUID), as Notion puts in every response. */
export function requestId(): string {
  return crypto.randomUUID();
}
