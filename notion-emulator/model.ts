/** The emulated workspace: serialisable state plus indexes, access checks and write bookkeeping. */

import { Clock } from "./clock.ts";
import { Rng } from "./ids.ts";
import type { MentionContext, RichText } from "./rich_text.ts";
import { plainText } from "./rich_text.ts";
import type { ChangeEvent } from "./webhooks.ts";

/** Where an object lives. */
export type Parent =
  | { type: "workspace" }
  | { type: "page_id"; id: string }
  | { type: "block_id"; id: string }
  | { type: "database_id"; id: string }
  | { type: "data_source_id"; id: string };

/** A person or bot user. */
export interface User {
  id: string;
  type: "person" | "bot";
  name: string;
  avatar_url: string | null;
  email?: string;
}

/** An integration (a bearer token and its bot user). */
export interface Integration {
  token: string;
  botId: string;
  name: string;
  /** Object ids shared with the integration; descendants are shared too. */
  shared: string[];
  /** Per-integration rate limit override. */
  rateLimit?: { requests: number; windowSeconds: number };
  /** Capabilities toggled in the integration's settings (all on when absent). */
  capabilities?: { read_content?: boolean; update_content?: boolean; insert_content?: boolean };
}

/** A property definition of a data source. */
export interface PropSchema {
  id: string;
  name: string;
  description: string | null;
  type: string;
  config: Record<string, any>;
}

/** Fields every block-like object carries. */
export interface Stamped {
  id: string;
  created_time: number;
  last_edited_time: number;
  created_by: string;
  last_edited_by: string;
  in_trash: boolean;
}

/** A database: a container of data sources. */
export interface Database extends Stamped {
  parent: Parent;
  title: RichText[];
  description: RichText[];
  icon: unknown;
  cover: unknown;
  is_inline: boolean;
  is_locked: boolean;
  dataSourceIds: string[];
}

/** A data source: the schema and the rows (pages). */
export interface DataSource extends Stamped {
  databaseId: string;
  title: RichText[];
  description: RichText[];
  icon: unknown;
  cover: unknown;
  schema: PropSchema[];
  /** Next number per unique_id property id. */
  uniqueNext: Record<string, number>;
}

/** A page: properties keyed by property id (data-source pages) or `title` (other pages). */
export interface Page extends Stamped {
  parent: Parent;
  props: Record<string, any>;
  icon: unknown;
  cover: unknown;
  is_archived: boolean;
  is_locked: boolean;
  children: string[];
}

/** A content block. */
export interface Block extends Stamped {
  parent: Parent;
  type: string;
  data: Record<string, any>;
  children: string[];
}

/** An uploaded (Notion-hosted) file. */
export interface StoredFile {
  key: string;
  name: string;
  contentType: string;
  base64: string;
}

/** Everything persisted by `--state`. */
export interface State {
  workspace: { id: string; name: string };
  rngState: number;
  users: Record<string, User>;
  integrations: Integration[];
  databases: Record<string, Database>;
  dataSources: Record<string, DataSource>;
  pages: Record<string, Page>;
  blocks: Record<string, Block>;
  files: Record<string, StoredFile>;
  fileSecret: string;
  clock: { now: number; scale: number };
  /** Layout version of this object; a state file of another version is not loaded. */
  format: number;
}

/** Current state layout version (bump when State changes incompatibly). */
export const STATE_FORMAT = 1;

/** Creates an empty state. */
export function emptyState(seed = 1, now = Date.UTC(2026, 6, 4, 9, 0, 0)): State {
  return {
    workspace: { id: "231674b6-2cc1-46bc-b742-c5c9fe4b9c73", name: "Emulated Workspace" },
    rngState: seed,
    users: {},
    integrations: [],
    databases: {},
    dataSources: {},
    pages: {},
    blocks: {},
    files: {},
    fileSecret: `emulator-file-secret-${seed}`,
    format: STATE_FORMAT,
    clock: { now, scale: 1 },
  };
}

/** The live store: state, indexes, a clock and a change counter for query caches. */
export class Store implements MentionContext {
  state!: State;
  rng!: Rng;
  /** Pages per data source (including trashed), by id, in insertion order. */
  dsPages = new Map<string, Map<string, Page>>();
  /** Reverse relation index: target page id → set of `sourcePageId` that reference it. */
  version = 0;
  clock: Clock;

  constructor(state: State, clock?: Clock) {
    this.clock = clock ?? new Clock({ start: state.clock.now, scale: state.clock.scale });
    this.load(state);
  }

  /** Replaces the state (reset / seed) and rebuilds indexes. */
  load(state: State): void {
    this.state = state;
    this.rng = new Rng(state.rngState);
    this.dsPages.clear();
    for (const ds of Object.values(state.dataSources)) this.dsPages.set(ds.id, new Map());
    for (const p of Object.values(state.pages)) {
      if (p.parent.type === "data_source_id") this.indexPage(p, p.parent.id);
    }
    this.version++;
  }

  /** Returns the state ready for JSON persistence. */
  snapshot(): State {
    this.state.rngState = this.rng.state;
    this.state.clock = { now: this.clock.now(), scale: this.clock.scale };
    return this.state;
  }

  /** Adds a page to a data source's index. */
  indexPage(page: Page, dsId: string): void {
    let map = this.dsPages.get(dsId);
    if (!map) {
      map = new Map();
      this.dsPages.set(dsId, map);
    }
    map.set(page.id, page);
  }

  /** Removes a page from a data source's index. */
  unindexPage(pageId: string, dsId: string): void {
    this.dsPages.get(dsId)?.delete(pageId);
  }

  /** Current emulated epoch ms. */
  now(): number {
    return this.clock.now();
  }

  /** Marks an object as edited now by a user, and invalidates query caches. */
  touch(obj: Stamped, userId: string): void {
    obj.last_edited_time = this.now();
    obj.last_edited_by = userId;
    this.version++;
  }

  /** Receives every change (webhooks listen here). */
  onEvent: ((e: ChangeEvent) => void) | null = null;

  /** Announces a change to listeners. */
  emit(
    type: string,
    entityId: string,
    entityType: ChangeEvent["entityType"],
    authorId: string,
    updatedProperties?: unknown[],
  ): void {
    this.onEvent?.({ type, entityId, entityType, authorId, at: this.now(), updatedProperties });
  }

  /** Records a change that does not edit any object's timestamps (e.g. computed values). */
  changed(): void {
    this.version++;
  }

  /** Finds the integration for a bearer token. */
  integrationByToken(token: string): Integration | undefined {
    return this.state.integrations.find((i) => i.token === token);
  }

  /** Parent id chain for an object id (itself first). */
  ancestors(id: string): string[] {
    const out: string[] = [];
    let cur: string | undefined = id;
    for (let depth = 0; cur && depth < 64; depth++) {
      out.push(cur);
      cur = this.parentId(cur);
    }
    return out;
  }

  /** The parent object id of any object, or undefined at the workspace level. */
  parentId(id: string): string | undefined {
    const s = this.state;
    const p = s.pages[id] ?? s.blocks[id];
    if (p) return "id" in p.parent ? p.parent.id : undefined;
    const ds = s.dataSources[id];
    if (ds) return ds.databaseId;
    const db = s.databases[id];
    if (db) return "id" in db.parent ? db.parent.id : undefined;
    return undefined;
  }

  /** True when the object or one of its ancestors is shared with the integration. */
  canSee(integration: Integration, id: string): boolean {
    const shared = integration.shared;
    for (const a of this.ancestors(id)) if (shared.includes(a)) return true;
    return false;
  }

  /** The title property id of a data source (always `title`). */
  titleOf(page: Page): RichText[] {
    return (page.props.title as RichText[] | undefined) ?? [];
  }

  /** MentionContext: user display name. */
  userName(id: string): string | null {
    return this.state.users[id]?.name ?? null;
  }

  /** MentionContext: page title. */
  pageTitle(id: string): string | null {
    const p = this.state.pages[id];
    return p ? plainText(this.titleOf(p)) : null;
  }

  /** MentionContext: database title. */
  databaseTitle(id: string): string | null {
    const d = this.state.databases[id];
    return d ? plainText(d.title) : null;
  }

  /** Creates a new id from the store's deterministic generator. */
  newId(): string {
    return this.rng.id();
  }
}
