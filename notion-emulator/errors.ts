/** Notion error bodies and the exception that carries them through the handlers. */

/** An error the emulator answers with Notion's JSON error body. */
export class NotionError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public additionalData?: Record<string, unknown>,
    public headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** 400 validation_error with Notion's message. */
export function validationError(message: string): NotionError {
  return new NotionError(400, "validation_error", message);
}

/** 400 validation_error for a body path, in Notion's `body failed validation:` form. */
export function bodyInvalid(path: string, detail: string): NotionError {
  return validationError(`body failed validation: ${path} ${detail}.`);
}

/** 400 validation_error for an over-long value, e.g. `…content.length should be ≤ \`2000\`, instead was \`2001\`.` */
export function tooLong(path: string, limit: number, actual: number): NotionError {
  return validationError(
    `body failed validation: ${path} should be ≤ \`${limit}\`, instead was \`${actual}\`.`,
  );
}

/** 400 invalid_request_url. */
export function invalidUrl(): NotionError {
  return new NotionError(400, "invalid_request_url", "Invalid request URL.");
}

/** 404 object_not_found for unknown or unshared objects, worded as Notion does. */
export function notFound(
  kind: string,
  id: string,
  integration: { name: string; botId: string },
): NotionError {
  return new NotionError(
    404,
    "object_not_found",
    `Could not find ${kind} with ID: ${id}. Make sure the relevant pages and databases are shared with your integration "${integration.name}".`,
    { integration_id: integration.botId },
  );
}

/** Builds the JSON body of an error response. */
export function errorBody(err: NotionError, requestId: string): Record<string, unknown> {
  const body: Record<string, unknown> = {
    object: "error",
    status: err.status,
    code: err.code,
    message: err.message,
  };
  if (err.additionalData) body.additional_data = err.additionalData;
  body.request_id = requestId;
  return body;
}
