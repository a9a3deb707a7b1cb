/** Key-by-key comparison of an emulator response with a recorded Notion response. */

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const MINUTE_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00\.000Z$/;
const MS_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** Recorded id → emulator id, learnt while walking responses. */
export class IdMap {
  map = new Map<string, string>();

  constructor(identity: string[] = []) {
    for (const id of identity) this.map.set(id, id);
  }

  /** Rewrites every known recorded id (dashed or compact) in a text into the emulator's. */
  rewrite(text: string): string {
    let out = text;
    for (const [rec, ours] of this.map) {
      out = out.replaceAll(rec, ours).replaceAll(rec.replaceAll("-", ""), ours.replaceAll("-", ""));
    }
    return out;
  }
}

function kind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

/**
 * Compares `actual` (emulator) with `expected` (recorded): same keys in the same order at every level, same types,
 * equal fixed values. Ids must map consistently, timestamps must have the same format, URLs must
 * be equal once ids are mapped, request ids may differ. Returns a list of differences.
 */
export function compareShape(expected: unknown, actual: unknown, ids: IdMap, path = "$"): string[] {
  const diffs: string[] = [];
  const ke = kind(expected);
  const ka = kind(actual);
  if (ke !== ka) {
    return [`${path}: type ${ka}, recorded ${ke} (${JSON.stringify(expected)?.slice(0, 80)})`];
  }
  if (ke === "array") {
    const e = expected as unknown[];
    const a = actual as unknown[];
    if (e.length !== a.length) diffs.push(`${path}: ${a.length} items, recorded ${e.length}`);
    for (let i = 0; i < Math.min(e.length, a.length); i++) {
      diffs.push(...compareShape(e[i], a[i], ids, `${path}[${i}]`));
    }
    return diffs;
  }
  if (ke === "object") {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    for (const k of Object.keys(e)) if (!(k in a)) diffs.push(`${path}.${k}: missing`);
    for (const k of Object.keys(a)) if (!(k in e)) diffs.push(`${path}.${k}: not in the recording`);
    for (const k of Object.keys(e)) {
      if (k in a) diffs.push(...compareShape(e[k], a[k], ids, `${path}.${k}`));
    }
    const order = Object.keys(a).join(",");
    if (diffs.length === 0 && order !== Object.keys(e).join(",")) {
      diffs.push(`${path}: key order ${order}, recorded ${Object.keys(e).join(",")}`);
    }
    return diffs;
  }
  if (ke === "string") {
    const e = expected as string;
    const a = actual as string;
    if (path.endsWith(".request_id")) return [];
    if (UUID.test(e)) {
      if (!UUID.test(a)) return [`${path}: ${a} is not an id`];
      const known = ids.map.get(e);
      if (known === undefined) ids.map.set(e, a);
      else if (known !== a) return [`${path}: id ${a}, expected the counterpart ${known} of ${e}`];
      return [];
    }
    if (ISO.test(e)) {
      const fmt = MINUTE_Z.test(e) ? MINUTE_Z : MS_OFFSET.test(e) ? MS_OFFSET : ISO;
      return fmt.test(a) ? [] : [`${path}: timestamp ${a} has not the recorded format of ${e}`];
    }
    if (/^https?:\/\//.test(e)) {
      const mapped = ids.rewrite(e);
      return mapped === a ? [] : [`${path}: ${a}, recorded ${e} (mapped ${mapped})`];
    }
    return e === a ? [] : [`${path}: ${JSON.stringify(a)}, recorded ${JSON.stringify(e)}`];
  }
  return expected === actual
    ? []
    : [`${path}: ${JSON.stringify(actual)}, recorded ${JSON.stringify(expected)}`];
}
