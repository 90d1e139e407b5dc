import { errorCodeTable } from '@tideline/domain';
import { generateOpenApiDocument, type OpenAPIObject } from 'trpc-to-openapi';

type OperationObject = NonNullable<NonNullable<OpenAPIObject['paths']>[string]['get']>;
type ResponseObject = NonNullable<OperationObject['responses']>[string];

import { createDocument } from 'zod-openapi';
import { appRouter } from './router.js';
import { errorBodySchema, feedStreamMessageSchema } from './schemas.js';

/** REST statuses that differ from 200 on success. */
const successStatus: Record<string, number> = { 'POST /feeds/{group}/{id}/activities': 201 };

/** The error statuses every protected operation can answer with. */
const errorStatuses = [400, 401, 403, 404, 409, 413, 415, 429, 503, 500];

/**
 * The OpenAPI 3.1 document of the REST API, generated from the router's `openapi` meta
 * and zod schemas, then corrected where the generator cannot know better: the success
 * status of operations that create (201), and one error body schema — `{ code, message,
 * details }` with the stable codes — for every error status.
 *
 * @example
 * const document = openApiDocument('https://feeds.example.com/api/v1');
 */
export function openApiDocument(baseUrl: string): OpenAPIObject {
  const document = generateOpenApiDocument(appRouter, {
    title: 'Tideline',
    description:
      'Real-time activity feeds. Authenticate with `Authorization: Bearer <token>`: a server API key, or a user JWT (HS256, `sub` = user id, `exp` required) that may act on its own feeds only.',
    version: '1.0.0',
    baseUrl,
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
  });
  const { components } = createDocument({
    openapi: '3.1.0',
    info: { title: '', version: '' },
    components: { schemas: { Error: errorBodySchema, FeedStreamMessage: feedStreamMessageSchema } },
  });
  // The generator's own error schemas (`error.BAD_REQUEST`, …) are replaced by `Error`.
  const generated = Object.entries(document.components?.schemas ?? {}).filter(
    ([name]) => !name.startsWith('error.'),
  );
  // Only the two added schemas: the stream message's activity is the generated `Activity`.
  const added = JSON.parse(
    JSON.stringify({
      Error: components?.schemas?.Error,
      FeedStreamMessage: components?.schemas?.FeedStreamMessage,
    }).replaceAll('#/components/schemas/ActivityOutput', '#/components/schemas/Activity'),
  );
  document.components = {
    ...document.components,
    schemas: { ...Object.fromEntries(generated), ...added },
  };
  const errorResponse = (status: number) => ({
    description: describeStatus(status),
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  });
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of ['get', 'post', 'patch', 'put', 'delete'] as const) {
      const operation = item[method];
      if (!operation) continue;
      const ok = operation.responses?.['200'];
      const status = successStatus[`${method.toUpperCase()} ${path}`] ?? 200;
      operation.responses = {
        [status]: ok,
        ...Object.fromEntries(errorStatuses.map((code) => [code, errorResponse(code)])),
      };
    }
  }
  document.paths = {
    ...document.paths,
    '/feeds/{group}/{id}/stream': { get: streamOperation(errorResponse) },
  };
  return document;
}

/**
 * The live stream, served by hand (the generator knows no subscriptions) through the
 * `feeds.watch` procedure, so it shares its auth, validation and error codes.
 */
function streamOperation(errorResponse: (status: number) => ResponseObject): OperationObject {
  const path = (name: string, description: string) => ({
    name,
    in: 'path' as const,
    required: true,
    schema: { type: 'string' as const, pattern: '^[A-Za-z0-9_-]{1,128}$' },
    description,
  });
  const resume = 'The `id` of the last event received: the stream resumes right after it';
  return {
    operationId: 'feeds-stream',
    summary: 'Live stream of a feed (Server-Sent Events)',
    description:
      "A `text/event-stream` of the feed's messages (`activity.added`, `activity.updated`, `activity.removed`, `feed.marked`, `feed.followed`, `feed.unfollowed`), each an event whose `data` is a JSON `FeedStreamMessage` and whose `id` is an opaque position; the first event, `feed.watching`, marks where the stream starts. Reconnect with `Last-Event-ID` (EventSource does it by itself) or `?lastEventId=` to receive exactly what was missed. A comment line is sent every `WATCH_KEEPALIVE_SECONDS`. A client that stops reading is sent an `error` event (`SERVICE_UNAVAILABLE`) and disconnected; it resumes from its last id. A user token may watch its own feeds only.",
    tags: ['feeds'],
    security: [{ bearer: [] }],
    parameters: [
      path('group', 'Feed group, e.g. `timeline`'),
      path('id', 'Feed id, e.g. a user id'),
      {
        name: 'lastEventId',
        in: 'query' as const,
        required: false,
        schema: { type: 'string' as const },
        description: resume,
      },
      {
        name: 'Last-Event-ID',
        in: 'header' as const,
        required: false,
        schema: { type: 'string' as const },
        description: resume,
      },
    ],
    responses: {
      200: {
        description: "The event stream; each event's `data` is a FeedStreamMessage",
        content: {
          'text/event-stream': {
            schema: {
              type: 'string' as const,
              description: 'id: <position>\\ndata: <FeedStreamMessage JSON>',
            },
          },
        },
      },
      ...Object.fromEntries(
        [400, 401, 403, 429, 503, 500].map((code) => [code, errorResponse(code)]),
      ),
    },
  };
}

function describeStatus(status: number): string {
  const codes = Object.entries(errorCodeTable)
    .filter(([, row]) => row.httpStatus === status)
    .map(([code]) => code);
  return `Error: ${codes.join(' or ')}`;
}
