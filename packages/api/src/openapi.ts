import { errorCodeTable } from '@tideline/domain';
import { generateOpenApiDocument, type OpenAPIObject } from 'trpc-to-openapi';
import { createDocument } from 'zod-openapi';
import { appRouter } from './router.js';
import { errorBodySchema } from './schemas.js';

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
    components: { schemas: { Error: errorBodySchema } },
  });
  // The generator's own error schemas (`error.BAD_REQUEST`, …) are replaced by `Error`.
  const generated = Object.entries(document.components?.schemas ?? {}).filter(
    ([name]) => !name.startsWith('error.'),
  );
  document.components = {
    ...document.components,
    schemas: { ...Object.fromEntries(generated), ...components?.schemas },
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
  return document;
}

function describeStatus(status: number): string {
  const codes = Object.entries(errorCodeTable)
    .filter(([, row]) => row.httpStatus === status)
    .map(([code]) => code);
  return `Error: ${codes.join(' or ')}`;
}
