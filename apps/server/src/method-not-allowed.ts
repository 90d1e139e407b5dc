import { TidelineError } from '@tideline/domain';
import type { RequestHandler } from 'express';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * 405 with `Allow` for a request whose path is one of the document's paths (under its
 * server URL) but whose method is not among that path's operations; anything else goes on.
 * Path templates match one segment per `{parameter}`; HEAD goes with GET, and OPTIONS
 * always goes on (CORS preflights).
 *
 * @example
 * app.use(methodNotAllowed(openApiDocument('/api/v1')));
 */
export function methodNotAllowed(document: {
  servers?: readonly { url: string }[];
  paths?: Readonly<Record<string, object | undefined>>;
}): RequestHandler {
  const basePath = new URL(document.servers?.[0]?.url ?? '/', 'http://base').pathname.replace(
    /\/$/,
    '',
  );
  const routes = Object.entries(document.paths ?? {}).map(([template, operations]) => {
    const pattern = template
      .split('/')
      .map((part) =>
        /^\{[^}]+\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
      )
      .join('/');
    const allowed = METHODS.filter((method) => method in (operations ?? {})).map((m) =>
      m.toUpperCase(),
    );
    if (allowed.includes('GET')) allowed.push('HEAD');
    return { pattern: new RegExp(`^${basePath}${pattern}/?$`), allowed };
  });
  return (req, res, next) => {
    const route = routes.find(({ pattern }) => pattern.test(req.baseUrl + req.path));
    if (!route || req.method === 'OPTIONS' || route.allowed.includes(req.method)) {
      next();
      return;
    }
    const allow = route.allowed.join(', ');
    res.setHeader('Allow', allow);
    res
      .status(405)
      .json(
        new TidelineError(
          'METHOD_NOT_ALLOWED',
          `${req.method} is not allowed on ${req.path}; allowed: ${allow}`,
        ),
      );
  };
}
