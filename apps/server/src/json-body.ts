import { findJsonProblems, TidelineError, validationError } from '@tideline/domain';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';

/** Deeper bodies are refused before any code walks them recursively. */
const MAX_BODY_DEPTH = 64;

/**
 * Parses REST request bodies before the REST adapter sees them: any `application/json`
 * media type (any case, any charset parameter), at most `limit` bytes, nested at most 64
 * levels. The adapter itself only parses an exact `application/json` header and walks
 * bodies recursively, so a body nested thousands of levels deep would overflow its stack.
 */
export function jsonBodies(limit: number): RequestHandler[] {
  const parse = express.json({
    limit,
    strict: false,
    type: (req) => isJson(req.headers['content-type']),
  });
  const check: RequestHandler = (req, _res, next) => {
    if (req.body === undefined) return next();
    const tooDeep = findJsonProblems(req.body, MAX_BODY_DEPTH).find((problem) =>
      problem.message.startsWith('must not nest'),
    );
    if (tooDeep) {
      return next(
        validationError([
          { path: 'body', message: `must not nest deeper than ${MAX_BODY_DEPTH} levels` },
        ]),
      );
    }
    // The adapter compares the header exactly; the body is parsed already.
    req.headers['content-type'] = 'application/json';
    next();
  };
  return [parse, check];
}

function isJson(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return type === 'application/json' || (type?.endsWith('+json') ?? false);
}

/** Body-parser failures as Tideline errors: bad JSON 400, too large 413, bad charset 415. */
export const jsonBodyErrors: ErrorRequestHandler = (error: unknown, _req, res, next) => {
  const failure = bodyFailure(error);
  if (failure === undefined) return next(error);
  if (failure.code === 'PAYLOAD_TOO_LARGE') res.setHeader('Connection', 'close');
  res.status(failure.httpStatus).json(failure);
};

function bodyFailure(error: unknown): TidelineError | undefined {
  if (error instanceof TidelineError) return error;
  const type = (error as { type?: unknown } | null)?.type;
  if (type === 'entity.parse.failed') {
    return validationError([{ path: 'body', message: 'is not valid JSON' }]);
  }
  if (type === 'entity.too.large') {
    return new TidelineError('PAYLOAD_TOO_LARGE', 'request body: must be at most 1 MiB');
  }
  if (type === 'charset.unsupported' || type === 'encoding.unsupported') {
    return new TidelineError('UNSUPPORTED_MEDIA_TYPE', 'content-type: must be UTF-8 JSON');
  }
  return undefined;
}
