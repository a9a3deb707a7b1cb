/** A small Notion-formula evaluator: prop(), literals, arithmetic, comparisons, logic and common functions. */

/** A formula runtime value. */
export type FValue = number | string | boolean | null | FDate | FValue[];

/** A date value inside formulas. */
export interface FDate {
  start: string;
  end: string | null;
  time_zone: string | null;
}

type Node =
  | { k: "lit"; v: FValue }
  | { k: "call"; name: string; args: Node[] }
  | { k: "bin"; op: string; a: Node; b: Node }
  | { k: "un"; op: string; a: Node }
  | { k: "cond"; c: Node; a: Node; b: Node };

/** Thrown for expressions the evaluator cannot parse. */
export class FormulaSyntaxError extends Error {}

function tokenize(src: string): string[] {
  const re =
    /\s*(?:(\d+(?:\.\d+)?)|("(?:[^"\\]|\\.)*")|(==|!=|>=|<=|&&|\|\||[-+*/%^()<>,.?:!])|([A-Za-z_][A-Za-z0-9_]*))/y;
  const out: string[] = [];
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(src);
    if (!m) throw new FormulaSyntaxError(`Unexpected input at ${pos}`);
    out.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
    pos = re.lastIndex;
  }
  return out;
}

const AST_CACHE = new Map<string, Node>();

/** Parses an expression into an AST (memoised: schemas hold few distinct expressions). */
export function parseFormula(src: string): Node {
  let node = AST_CACHE.get(src);
  if (!node) {
    node = parseUncached(src);
    AST_CACHE.set(src, node);
  }
  return node;
}

function parseUncached(src: string): Node {
  const toks = tokenize(src);
  let i = 0;
  const peek = () => toks[i];
  const eat = (t?: string) => {
    const tok = toks[i++];
    if (t !== undefined && tok !== t) throw new FormulaSyntaxError(`Expected ${t}, got ${tok}`);
    return tok;
  };
  const PREC: Record<string, number> = {
    "||": 1,
    or: 1,
    "&&": 2,
    and: 2,
    "==": 3,
    "!=": 3,
    ">": 4,
    ">=": 4,
    "<": 4,
    "<=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "/": 6,
    "%": 6,
    "^": 7,
  };
  function primary(): Node {
    const t = eat();
    if (t === undefined) throw new FormulaSyntaxError("Unexpected end");
    let node: Node;
    if (/^\d/.test(t)) node = { k: "lit", v: Number(t) };
    else if (t.startsWith('"')) node = { k: "lit", v: JSON.parse(t) };
    else if (t === "(") {
      node = expr(0);
      eat(")");
    } else if (t === "-" || t === "!" || t === "not") node = { k: "un", op: t, a: primary() };
    else if (t === "true" || t === "false") node = { k: "lit", v: t === "true" };
    else if (/^[A-Za-z_]/.test(t)) {
      if (peek() === "(") {
        eat("(");
        const args: Node[] = [];
        while (peek() !== ")") {
          args.push(expr(0));
          if (peek() === ",") eat(",");
          else break;
        }
        eat(")");
        node = { k: "call", name: t, args };
      } else node = { k: "call", name: t, args: [] };
    } else throw new FormulaSyntaxError(`Unexpected ${t}`);
    while (peek() === ".") {
      eat(".");
      const name = eat();
      const args: Node[] = [node];
      if (peek() === "(") {
        eat("(");
        while (peek() !== ")") {
          args.push(expr(0));
          if (peek() === ",") eat(",");
          else break;
        }
        eat(")");
      }
      node = { k: "call", name, args };
    }
    return node;
  }
  function expr(min: number): Node {
    let left = primary();
    while (true) {
      const op = peek();
      if (op === "?" && min === 0) {
        eat("?");
        const a = expr(0);
        eat(":");
        const b = expr(0);
        left = { k: "cond", c: left, a, b };
        continue;
      }
      const p = op !== undefined ? PREC[op] : undefined;
      if (p === undefined || p <= min) break;
      eat();
      left = { k: "bin", op, a: left, b: expr(p) };
    }
    return left;
  }
  const node = expr(0);
  if (i < toks.length) throw new FormulaSyntaxError(`Unexpected ${toks[i]}`);
  return node;
}

function isDate(v: FValue): v is FDate {
  return !!v && typeof v === "object" && !Array.isArray(v) && "start" in v;
}

function truthy(v: FValue): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return !!v;
}

function toStr(v: FValue): string {
  if (v === null) return "";
  if (Array.isArray(v)) return v.map(toStr).join(", ");
  if (isDate(v)) return v.start;
  return String(v);
}

const FUNCS: Record<string, (args: FValue[], now: () => number) => FValue> = {
  if: (a) => (truthy(a[0]) ? a[1] : a[2]) ?? null,
  ifs: (a) => {
    for (let i = 0; i + 1 < a.length; i += 2) if (truthy(a[i])) return a[i + 1];
    return a.length % 2 ? a[a.length - 1] : null;
  },
  concat: (a) => (a.every(Array.isArray) ? (a as FValue[][]).flat() : a.map(toStr).join("")),
  join: (a) => (Array.isArray(a[0]) ? a[0].map(toStr).join(toStr(a[1] ?? "")) : toStr(a[0])),
  length: (a) => (Array.isArray(a[0]) ? a[0].length : toStr(a[0]).length),
  format: (a) => toStr(a[0]),
  toNumber: (a) => {
    const n = Number(toStr(a[0]));
    return Number.isFinite(n) ? n : null;
  },
  lower: (a) => toStr(a[0]).toLowerCase(),
  upper: (a) => toStr(a[0]).toUpperCase(),
  contains: (a) =>
    Array.isArray(a[0])
      ? a[0].some((x) => toStr(x) === toStr(a[1]))
      : toStr(a[0]).includes(toStr(a[1])),
  empty: (a) => !truthy(a[0]) || (typeof a[0] === "number" && false),
  round: (a) => Math.round(Number(a[0]) * 10 ** Number(a[1] ?? 0)) / 10 ** Number(a[1] ?? 0),
  floor: (a) => Math.floor(Number(a[0])),
  ceil: (a) => Math.ceil(Number(a[0])),
  abs: (a) => Math.abs(Number(a[0])),
  min: (a) => Math.min(...a.flat().map(Number)),
  max: (a) => Math.max(...a.flat().map(Number)),
  sum: (a) => a.flat().reduce((s: number, x) => s + Number(x ?? 0), 0),
  now: (_a, now) => ({ start: new Date(now()).toISOString(), end: null, time_zone: null }),
  dateAdd: (a) => {
    if (!isDate(a[0])) return null;
    const units: Record<string, number> = {
      minutes: 60e3,
      hours: 3600e3,
      days: 86400e3,
      weeks: 604800e3,
    };
    const ms = Number(a[1]) * (units[toStr(a[2])] ?? 86400e3);
    const start = new Date(Date.parse(a[0].start) + ms).toISOString();
    return {
      start: a[0].start.length === 10 ? start.slice(0, 10) : start,
      end: null,
      time_zone: null,
    };
  },
  dateBetween: (a) => {
    if (!isDate(a[0]) || !isDate(a[1])) return null;
    const units: Record<string, number> = {
      minutes: 60e3,
      hours: 3600e3,
      days: 86400e3,
      weeks: 604800e3,
    };
    return Math.trunc(
      (Date.parse(a[0].start) - Date.parse(a[1].start)) / (units[toStr(a[2])] ?? 86400e3),
    );
  },
  dateStart: (
    a,
  ) => (isDate(a[0]) ? { start: a[0].start, end: null, time_zone: a[0].time_zone } : null),
  dateEnd: (
    a,
  ) => (isDate(a[0])
    ? { start: a[0].end ?? a[0].start, end: null, time_zone: a[0].time_zone }
    : null),
};

/** Evaluates a parsed formula; `prop` resolves `prop("Name")`. */
export function evalFormula(
  node: Node,
  prop: (name: string) => FValue,
  now: () => number,
): FValue {
  const ev = (n: Node): FValue => {
    switch (n.k) {
      case "lit":
        return n.v;
      case "cond":
        return truthy(ev(n.c)) ? ev(n.a) : ev(n.b);
      case "un": {
        const v = ev(n.a);
        return n.op === "-" ? -Number(v) : !truthy(v);
      }
      case "bin": {
        if (n.op === "&&" || n.op === "and") return truthy(ev(n.a)) && truthy(ev(n.b));
        if (n.op === "||" || n.op === "or") return truthy(ev(n.a)) || truthy(ev(n.b));
        const a = ev(n.a);
        const b = ev(n.b);
        switch (n.op) {
          case "+":
            return typeof a === "string" || typeof b === "string"
              ? toStr(a) + toStr(b)
              : Number(a) + Number(b);
          case "-":
            return Number(a) - Number(b);
          case "*":
            return Number(a) * Number(b);
          case "/":
            return Number(b) === 0 ? null : Number(a) / Number(b);
          case "%":
            return Number(a) % Number(b);
          case "^":
            return Number(a) ** Number(b);
          case "==":
            return toStr(a) === toStr(b);
          case "!=":
            return toStr(a) !== toStr(b);
          default: {
            const x = isDate(a) ? Date.parse(a.start) : typeof a === "string" ? a : Number(a);
            const y = isDate(b) ? Date.parse(b.start) : typeof b === "string" ? b : Number(b);
            if (n.op === ">") return x > y;
            if (n.op === ">=") return x >= y;
            if (n.op === "<") return x < y;
            return x <= y;
          }
        }
      }
      case "call": {
        if (n.name === "prop") return prop(toStr(ev(n.args[0])));
        if (n.name === "true" || n.name === "false") return n.name === "true";
        const fn = FUNCS[n.name];
        if (!fn) throw new FormulaSyntaxError(`Unknown function ${n.name}`);
        return fn(n.args.map(ev), now);
      }
    }
  };
  return ev(node);
}

/** Converts a runtime value into Notion's formula response value. */
export function formulaResult(v: FValue): Record<string, unknown> {
  if (typeof v === "number") {
    return { type: "number", number: Number.isFinite(v) ? v : null };
  }
  if (typeof v === "boolean") return { type: "boolean", boolean: v };
  if (isDate(v)) return { type: "date", date: v };
  if (v === null) return { type: "string", string: null };
  return { type: "string", string: toStr(v) };
}
