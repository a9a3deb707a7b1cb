/**
 * Dates as Notion answers them. A date-time written with a `time_zone` (a local time without offset)
 * or with an offset comes back with the offset in `start`/`end` and `time_zone: null`: "The public
 * API will always return the time_zone field as null when rendering dates and time zone will be
 * displayed as a UTC offset in the start and end date fields" (Notion changelog, "Time zone
 * support"). A date-time without either is UTC. Date-only values come back as written.
 */

export interface NotionDate {
  start: string;
  end: string | null;
  time_zone: string | null;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const PARTS =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})?$/;

const FORMATS = new Map<string, Intl.DateTimeFormat>();

/** Offset of a time zone at an instant, in ms (formatters are built once per zone; 0 if unknown). */
export function tzOffset(epoch: number, tz: string): number {
  try {
    let fmt = FORMATS.get(tz);
    if (!fmt) {
      fmt = new Intl.DateTimeFormat("en-US", {
        timeZone: tz,
        hourCycle: "h23",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      });
      FORMATS.set(tz, fmt);
    }
    const parts = fmt.formatToParts(new Date(epoch));
    const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
    const asUtc = Date.UTC(
      get("year"),
      get("month") - 1,
      get("day"),
      get("hour"),
      get("minute"),
      get("second"),
    );
    return asUtc - Math.floor(epoch / 1000) * 1000;
  } catch {
    return 0;
  }
}

function offsetText(minutes: number): string {
  const abs = Math.abs(minutes);
  const pad = (v: number) => String(v).padStart(2, "0");
  return `${minutes < 0 ? "-" : "+"}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** One date-time written (validated already) → as Notion renders it, e.g. 2026-03-01T09:00:00.000+01:00. */
function renderDateTime(value: string, zone: string | null): string {
  if (DATE_ONLY.test(value)) return value;
  const m = PARTS.exec(value);
  if (!m) return value;
  const [, y, mo, d, h, mi, s = "00", ms = "0", written] = m;
  const wall = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, +ms.padEnd(3, "0"));
  let offset: number;
  if (written === "Z" || (!written && !zone)) offset = 0;
  else if (written) {
    offset = (written[0] === "-" ? -1 : 1) * (+written.slice(1, 3) * 60 + +written.slice(4));
  } else {
    // the zone's offset at that local time (found from a first guess, as across a DST change)
    offset = Math.round(tzOffset(wall, zone!) / 60000);
    offset = Math.round(tzOffset(wall - offset * 60000, zone!) / 60000);
  }
  const local = new Date(wall).toISOString().slice(0, 23);
  return `${local}${offsetText(offset)}`;
}

/** A date value written by a client → the value Notion stores and answers. */
export function renderDate(
  v: { start: string; end?: string | null; time_zone?: string | null },
): NotionDate {
  const zone = v.time_zone ?? null;
  return {
    start: renderDateTime(v.start, zone),
    end: v.end == null ? null : renderDateTime(v.end, zone),
    time_zone: null,
  };
}
