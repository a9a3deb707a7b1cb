/** Integration webhooks: subscriptions with a verification handshake, aggregated signed deliveries, retries, chaos. */

import { Rng } from "./ids.ts";
import type { Store } from "./model.ts";

/** A change inside the workspace, emitted by writes. */
export interface ChangeEvent {
  type: string;
  entityId: string;
  entityType: "page" | "data_source" | "database" | "block";
  authorId: string;
  at: number;
  updatedProperties?: unknown[];
}

/** What `POST /_emulator/webhooks` accepts. */
export interface SubscriptionInput {
  url: string;
  /** Integration token whose visibility the subscription has (default: the first integration). */
  token?: string;
  /** Event types to deliver (default: all). */
  event_types?: string[];
  api_version?: string;
  /** Mark verified at once (otherwise `POST /_emulator/webhooks/{id}/verify` with the token). */
  auto_verify?: boolean;
  /** Emulated ms events of one entity are collected before delivery (default 2000). */
  aggregation_ms?: number;
  /** Probability that an event is silently lost / delivered twice. */
  drop_rate?: number;
  duplicate_rate?: number;
  /** Deliver each batch in random order. */
  reorder?: boolean;
  /** Attempts per event (Notion: 8). */
  max_attempts?: number;
}

interface Subscription extends SubscriptionInput {
  id: string;
  verification_token: string;
  verified: boolean;
}

interface Pending {
  sub: Subscription;
  entityId: string;
  events: ChangeEvent[];
  due: number;
}

interface Outgoing {
  sub: Subscription;
  payload: Record<string, unknown>;
  attempt: number;
  due: number;
}

/** One delivery attempt, for `GET /_emulator/webhooks`. */
export interface Delivery {
  subscription_id: string;
  event_id: string;
  type: string;
  entity_id: string;
  attempt_number: number;
  status: number | string;
  at: string;
}

const AGGREGATED = new Set([
  "page.created",
  "page.properties_updated",
  "page.content_updated",
  "page.moved",
  "page.deleted",
  "page.undeleted",
  "data_source.schema_updated",
  "data_source.content_updated",
]);

/** Delivers workspace changes to subscribed URLs as Notion does (see notion-api.md §8). */
export class Webhooks {
  subscriptions: Subscription[] = [];
  deliveries: Delivery[] = [];
  #pending = new Map<string, Pending>();
  #outgoing: Outgoing[] = [];
  #rng = new Rng(31337);
  #timer: ReturnType<typeof setInterval> | undefined;
  #busy: Promise<void> = Promise.resolve();

  constructor(private store: Store) {}

  /** Starts the background delivery loop (real-time polling of emulated due times). */
  start(): void {
    this.#timer ??= setInterval(() => void this.#run(false), 100);
  }

  /** Stops the loop and waits for deliveries in flight. */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#busy;
  }

  /** Creates a subscription and sends the verification handshake. */
  async subscribe(input: SubscriptionInput): Promise<Subscription> {
    const sub: Subscription = {
      ...input,
      id: crypto.randomUUID(),
      verification_token: `secret_${crypto.randomUUID().replaceAll("-", "")}`,
      verified: input.auto_verify === true,
    };
    this.subscriptions.push(sub);
    const body = JSON.stringify({ verification_token: sub.verification_token });
    await this.#post(sub, body, {
      id: "verification",
      type: "verification",
      entity_id: "",
      attempt: 1,
    });
    return sub;
  }

  /** Activates a subscription when the pasted token matches. */
  verify(id: string, token: string): boolean {
    const sub = this.subscriptions.find((s) => s.id === id);
    if (!sub || sub.verification_token !== token) return false;
    sub.verified = true;
    return true;
  }

  /** Removes subscriptions (all, or one). */
  unsubscribe(id?: string): void {
    this.subscriptions = id ? this.subscriptions.filter((s) => s.id !== id) : [];
    for (const [k, p] of this.#pending) {
      if (!this.subscriptions.includes(p.sub)) this.#pending.delete(k);
    }
  }

  /** Records a change for every subscription that may see it. */
  emit(e: ChangeEvent): void {
    for (const sub of this.subscriptions) {
      if (!sub.verified) continue;
      if (sub.event_types && !sub.event_types.includes(e.type)) continue;
      const integration = sub.token
        ? this.store.integrationByToken(sub.token)
        : this.store.state.integrations[0];
      if (!integration || !this.store.canSee(integration, e.entityId)) continue;
      if (!AGGREGATED.has(e.type)) {
        this.#queue(sub, [e]);
        continue;
      }
      const key = `${sub.id}:${e.entityId}`;
      const p = this.#pending.get(key);
      if (p) p.events.push(e);
      else {
        this.#pending.set(key, {
          sub,
          entityId: e.entityId,
          events: [e],
          due: e.at + (sub.aggregation_ms ?? 2000),
        });
      }
    }
  }

  /** Delivers everything due now; with `all`, also what is still aggregating or waiting to retry. */
  flush(): Promise<void> {
    return this.#run(true);
  }

  #run(all: boolean): Promise<void> {
    this.#busy = this.#busy.then(() => this.#deliver(all));
    return this.#busy;
  }

  async #deliver(all: boolean): Promise<void> {
    const now = this.store.now();
    for (const [key, p] of this.#pending) {
      if (!all && p.due > now) continue;
      this.#pending.delete(key);
      this.#queue(p.sub, collapse(p.events));
    }
    let batch = this.#outgoing.filter((o) => all || o.due <= now);
    this.#outgoing = this.#outgoing.filter((o) => !batch.includes(o));
    if (batch.some((o) => o.sub.reorder)) batch = shuffle(batch, this.#rng);
    for (const o of batch) {
      o.payload.attempt_number = o.attempt;
      const body = JSON.stringify(o.payload);
      const ok = await this.#post(o.sub, body, {
        id: String(o.payload.id),
        type: String(o.payload.type),
        entity_id: String((o.payload.entity as { id: string }).id),
        attempt: o.attempt,
      });
      if (!ok && o.attempt < (o.sub.max_attempts ?? 8)) {
        // Backoff 1, 3, 9, 27 … minutes of emulated time (the 8th attempt lands about 18 h later).
        this.#outgoing.push({
          ...o,
          attempt: o.attempt + 1,
          due: this.store.now() + 60_000 * 3 ** (o.attempt - 1),
        });
      }
    }
  }

  #queue(sub: Subscription, events: ChangeEvent[]) {
    for (const e of events) {
      if (sub.drop_rate && this.#rng.next() < sub.drop_rate) continue;
      const payload = this.#payload(sub, e);
      const copies = sub.duplicate_rate && this.#rng.next() < sub.duplicate_rate ? 2 : 1;
      for (let i = 0; i < copies; i++) {
        this.#outgoing.push({ sub, payload: { ...payload }, attempt: 1, due: e.at });
      }
    }
  }

  #payload(sub: Subscription, e: ChangeEvent): Record<string, unknown> {
    const s = this.store.state;
    const integration = sub.token ? this.store.integrationByToken(sub.token) : s.integrations[0];
    const author = s.users[e.authorId];
    const data: Record<string, unknown> = {
      parent: this.#parent(e, sub.api_version ?? "2025-09-03"),
    };
    if (e.updatedProperties) data.updated_properties = e.updatedProperties;
    return {
      id: crypto.randomUUID(),
      timestamp: new Date(e.at).toISOString(),
      workspace_id: s.workspace.id,
      workspace_name: s.workspace.name,
      subscription_id: sub.id,
      integration_id: integration?.botId ?? null,
      type: e.type,
      authors: [{ id: e.authorId, type: author?.type === "bot" ? "bot" : "person" }],
      attempt_number: 1,
      api_version: sub.api_version ?? "2025-09-03",
      entity: { id: e.entityId, type: e.entityType },
      data,
    };
  }

  #parent(e: ChangeEvent, apiVersion: string): Record<string, unknown> {
    const s = this.store.state;
    if (e.entityType === "data_source") {
      return { id: s.dataSources[e.entityId]?.databaseId, type: "database" };
    }
    const obj = s.pages[e.entityId] ?? s.databases[e.entityId] ?? s.blocks[e.entityId];
    const parent = obj?.parent;
    if (!parent || parent.type === "workspace") return { id: s.workspace.id, type: "space" };
    if (parent.type === "data_source_id") {
      const out: Record<string, unknown> = {
        id: s.dataSources[parent.id]?.databaseId,
        type: "database",
      };
      if (apiVersion >= "2025-09-03") out.data_source_id = parent.id;
      return out;
    }
    return { id: parent.id, type: parent.type === "page_id" ? "page" : "block" };
  }

  async #post(
    sub: Subscription,
    body: string,
    meta: { id: string; type: string; entity_id: string; attempt: number },
  ): Promise<boolean> {
    let status: number | string;
    try {
      const res = await fetch(sub.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-notion-signature": await sign(sub.verification_token, body),
        },
        body,
      });
      await res.body?.cancel();
      status = res.status;
    } catch (e) {
      status = `network error: ${(e as Error).message}`;
    }
    this.deliveries.push({
      subscription_id: sub.id,
      event_id: meta.id,
      type: meta.type,
      entity_id: meta.entity_id,
      attempt_number: meta.attempt,
      status,
      at: new Date(this.store.now()).toISOString(),
    });
    if (this.deliveries.length > 5000) this.deliveries.splice(0, 1000);
    return typeof status === "number" && status >= 200 && status < 300;
  }
}

/** `sha256=<hex HMAC-SHA256(token, raw body)>`. */
export async function sign(token: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(token),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
  return `sha256=${[...mac].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * Collapses one entity's events over the aggregation window: a page created and deleted within it
 * yields nothing, a trash/restore pair cancels out, property updates merge (and vanish into a create).
 */
export function collapse(events: ChangeEvent[]): ChangeEvent[] {
  const types = events.map((e) => e.type);
  const created = types.includes("page.created");
  const trashFlips = events.filter((e) => e.type === "page.deleted" || e.type === "page.undeleted");
  const endsDeleted = trashFlips.at(-1)?.type === "page.deleted";
  if (created && endsDeleted) return [];
  const out: ChangeEvent[] = [];
  if (created) out.push(events.find((e) => e.type === "page.created")!);
  const updates = events.filter((e) =>
    e.type === "page.properties_updated" || e.type === "data_source.schema_updated"
  );
  if (updates.length && !created) {
    const merged = new Map<string, unknown>();
    for (const u of updates) {
      for (const p of u.updatedProperties ?? []) {
        merged.set(typeof p === "string" ? p : JSON.stringify(p), p);
      }
    }
    out.push({ ...updates[updates.length - 1], updatedProperties: [...merged.values()] });
  }
  for (const type of ["page.content_updated", "page.moved", "data_source.content_updated"]) {
    const last = events.filter((e) => e.type === type).at(-1);
    if (last) out.push(last);
  }
  // An odd number of trash flips leaves the last one; an even number cancels out.
  if (trashFlips.length % 2 === 1) out.push(trashFlips[trashFlips.length - 1]);
  return out.sort((a, b) => a.at - b.at);
}

function shuffle<T>(items: T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
