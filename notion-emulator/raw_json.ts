/** Pre-serialised JSON: rich text encoded once per value, responses written straight into bytes. */

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

/** Encodes text as UTF-8 bytes. */
export function utf8(text: string): Uint8Array {
  return ENCODER.encode(text);
}

/** A growable UTF-8 buffer that strings and byte fragments are written into without copies in between. */
export class ByteWriter {
  static #spare: Uint8Array | null = null;
  /** The buffer of the last finished body, reused (handlers run to completion one at a time). */
  buf: Uint8Array = ByteWriter.#spare ?? new Uint8Array(256 * 1024);
  length = 0;

  constructor() {
    ByteWriter.#spare = null;
  }

  #ensure(extra: number) {
    if (this.length + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  /** Appends a string as UTF-8. */
  text(s: string): void {
    this.#ensure(s.length * 3);
    this.length += ENCODER.encodeInto(s, this.buf.subarray(this.length)).written;
  }

  /** Appends raw bytes. */
  bytes(b: Uint8Array): void {
    this.#ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** The bytes written since `start` (a view, valid until the buffer is reused). */
  since(start: number): Uint8Array {
    return this.buf.subarray(start, this.length);
  }

  /** The bytes written so far, as an exact-size buffer for a Response. */
  done(): Uint8Array<ArrayBuffer> {
    const out = this.buf.slice(0, this.length);
    ByteWriter.#spare = this.buf;
    return out;
  }
}

/** A response body already written as UTF-8 JSON (an object missing its closing brace). */
export class RawBody {
  constructor(public writer: ByteWriter) {}

  /** The complete body with `request_id` appended. */
  withRequestId(rid: string): Uint8Array<ArrayBuffer> {
    this.writer.text(`,"request_id":"${rid}"}`);
    return this.writer.done();
  }
}

const NONCE = Math.random().toString(36).slice(2, 8);
/** How a placeholder looks once JSON.stringify escaped it: `"\u0001<nonce>:<n>"`. */
const MARKER = `"\\u0001${NONCE}:`;

/** Collects fragments during rendering and splices them into the serialised bytes. */
export class RawJson {
  #parts: Uint8Array[] = [];

  /** Returns a placeholder standing for the value's JSON. */
  ref(value: object): string {
    this.#parts.push(cachedJson(value));
    return `\u0001${NONCE}:${this.#parts.length - 1}`;
  }

  /** Serialises an object into the writer, the placeholders replaced by their fragments. */
  writeTo(out: ByteWriter, obj: unknown): void {
    const text = JSON.stringify(obj);
    if (this.#parts.length === 0) return out.text(text);
    let last = 0;
    for (let at = text.indexOf(MARKER); at >= 0; at = text.indexOf(MARKER, last)) {
      const end = text.indexOf('"', at + MARKER.length);
      out.text(text.slice(last, at));
      out.bytes(this.#parts[Number(text.slice(at + MARKER.length, end))]);
      last = end + 1;
    }
    out.text(text.slice(last));
  }
}
