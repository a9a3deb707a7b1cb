/** Pre-serialised JSON fragments spliced into large responses (rich text is encoded once per value). */

const BYTES = new WeakMap<object, Uint8Array>();
const ENCODER = new TextEncoder();

/** UTF-8 JSON of an immutable stored value, cached by identity (stored values are replaced on write). */
export function cachedJson(value: object): Uint8Array {
  let bytes = BYTES.get(value);
  if (bytes === undefined) {
    bytes = ENCODER.encode(JSON.stringify(value));
    BYTES.set(value, bytes);
  }
  return bytes;
}

/** A response body already serialised as UTF-8 JSON chunks (an object without its closing brace). */
export class RawBody {
  constructor(public chunks: Uint8Array[]) {}

  /** The complete body with `request_id` appended, as one buffer. */
  withRequestId(rid: string): Uint8Array<ArrayBuffer> {
    const tail = ENCODER.encode(`,"request_id":"${rid}"}`);
    let size = tail.length;
    for (const c of this.chunks) size += c.length;
    const out = new Uint8Array(size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    out.set(tail, at);
    return out;
  }
}

/** Encodes text as UTF-8 bytes. */
export function utf8(text: string): Uint8Array {
  return ENCODER.encode(text);
}

const NONCE = Math.random().toString(36).slice(2, 8);
const MARKER = new RegExp(`"\\\\u0001${NONCE}:(\\d+)"`, "g");

/** Collects fragments during rendering and splices them into the serialised bytes. */
export class RawJson {
  #parts: Uint8Array[] = [];

  /** Returns a placeholder standing for the value's JSON. */
  ref(value: object): string {
    this.#parts.push(cachedJson(value));
    return `\u0001${NONCE}:${this.#parts.length - 1}`;
  }

  /** Serialises an object into UTF-8 chunks, the placeholders replaced by their fragments. */
  encode(obj: unknown): Uint8Array[] {
    const text = JSON.stringify(obj);
    if (this.#parts.length === 0) return [ENCODER.encode(text)];
    const chunks: Uint8Array[] = [];
    let last = 0;
    for (const m of text.matchAll(MARKER)) {
      chunks.push(ENCODER.encode(text.slice(last, m.index)));
      chunks.push(this.#parts[Number(m[1])]);
      last = m.index! + m[0].length;
    }
    chunks.push(ENCODER.encode(text.slice(last)));
    return chunks;
  }
}
