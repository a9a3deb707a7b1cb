/**
 * The demo tasks data source of the benches that build their data in SQL (title, status, done,
 * mapped to notion_sync_demo.tasks): its Notion pages, and a mapping of it for a bench user.
 */
import type postgres from "postgres";

/** A page of the data source as Notion answers it. */
export function taskPage(
  id: string,
  { title, status = "Todo", done = false, lastEdited = new Date().toISOString() }: {
    title: string;
    status?: string;
    done?: boolean;
    lastEdited?: string;
  },
) {
  return {
    object: "page",
    id,
    created_time: "2026-11-20T09:00:00.000Z",
    last_edited_time: lastEdited,
    in_trash: false,
    properties: {
      Name: {
        id: "title",
        type: "title",
        title: [{
          type: "text",
          text: { content: title, link: null },
          plain_text: title,
          href: null,
          annotations: {
            bold: false,
            italic: false,
            strikethrough: false,
            underline: false,
            code: false,
            color: "default",
          },
        }],
      },
      Status: { id: "st%3A", type: "status", status: { name: status } },
      Done: { id: "dn%3A", type: "checkbox", checkbox: done },
    },
  };
}

/**
 * In the bench user's transaction: a connection, the data source's schema staged and a mapping of
 * it named `name` saved. Returns the mapping's and the data source's ids.
 */
export async function demoTasksMapping(tx: postgres.TransactionSql, name: string) {
  const dataSourceId = crypto.randomUUID();
  const [{ c }] = await tx`insert into notion_sync.connections (name, token_ciphertext)
    values (${name}, 'v1.x.y') returning connection_id::text as c`;
  await tx`select notion_sync_api.stage_schema(${
    tx.json({
      object: "data_source",
      id: dataSourceId,
      title: [{ plain_text: name }],
      properties: {
        Name: { id: "title", name: "Name", type: "title", title: {} },
        Status: {
          id: "st%3A",
          name: "Status",
          type: "status",
          status: { options: [{ name: "Todo" }, { name: "Doing" }, { name: "Done" }] },
        },
        Done: { id: "dn%3A", name: "Done", type: "checkbox", checkbox: {} },
      },
    })
  })`;
  const [{ m }] = await tx`select notion_sync_api.save_mapping(${
    tx.json({
      name,
      connection_id: c,
      data_source_id: dataSourceId,
      target_schema: "notion_sync_demo",
      target_table: "tasks",
      key_column: "task_id",
      owner_column: "owner_id",
      field_map: [
        { property_id: "title", name: "Name", type: "title", column: "title" },
        { property_id: "st%3A", name: "Status", type: "status", column: "status" },
        { property_id: "dn%3A", name: "Done", type: "checkbox", column: "done" },
      ],
    })
  })::text as m`;
  return { mappingId: m as string, dataSourceId };
}
