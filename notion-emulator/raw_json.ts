/** Pre-serialised JSON fragments spliced into large responses (rich text is serialised once per value). */

const CACHE = new WeakMap<object, string>();

/** JSON text of an immutable stored value, cached by identity (stored values are replaced on write). */
export function cachedJson(value: object): string {
  let json = CACHE.get(value);
  if (json === undefined) {
    json = JSON.stringify(value);
    CACHE.set(value, json);
  }
  return json;
}

/** A response body that is already JSON text. */
export class RawBody {
  constructor(public json: string) {}
}

const NONCE = Math.random().toString(36).slice(2, 8);
const MARKER = new RegExp(`"\\\\u0001${NONCE}:(\\d+)"`, "g");

/** Collects fragments during rendering and splices them into the final JSON text. */
export class RawJson {
  #parts: string[] = [];

  /** Returns a placeholder standing for the value's JSON text. */
  ref(value: object): string {
    this.#parts.push(cachedJson(value));
    return `\u0001${NONCE}:${this.#parts.length - 1}`;
  }

  /** Serialises an object, replacing placeholders with their fragments. */
  stringify(obj: unknown): string {
    const text = JSON.stringify(obj);
    if (this.#parts.length === 0) return text;
    return text.replace(MARKER, (_m, n) => this.#parts[Number(n)]);
  }
}
