import { findJsonProblems, TidelineError, validationError } from '@tideline/domain';
import express, { type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import { contentEncodingOf } from './content-encoding.js';

/** Deeper bodies are refused before any code walks them recursively. */
const MAX_BODY_DEPTH = 64;

/**
 * Parses REST request bodies before the REST adapter sees them: any `application/json`
 * media type (any case, any charset parameter), decoded as its `Content-Encoding` says
 * (gzip, deflate, br), at most `limit` bytes once decoded, nested at most 64 levels. The adapter itself only parses an exact `application/json` header and walks
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

/**
 * Body-parser failures as Tideline errors: bad JSON or a body that does not decode as its
 * `Content-Encoding` says 400, too large 413, bad charset or coding 415.
 */
export const jsonBodyErrors: ErrorRequestHandler = (error: unknown, req, res, next) => {
  const failure = bodyFailure(error, req);
  if (failure === undefined) return next(error);
  if (failure.code === 'PAYLOAD_TOO_LARGE') res.setHeader('Connection', 'close');
  res.status(failure.httpStatus).json(failure);
};

function bodyFailure(error: unknown, req: Request): TidelineError | undefined {
  if (error instanceof TidelineError) return error;
  const { type, status } = (error ?? {}) as { type?: unknown; status?: unknown };
  if (type === 'entity.parse.failed') {
    return validationError([{ path: 'body', message: 'is not valid JSON' }]);
  }
  if (type === 'entity.too.large') {
    return new TidelineError('PAYLOAD_TOO_LARGE', 'request body: must be at most 1 MiB');
  }
  if (type === 'charset.unsupported') {
    return new TidelineError('UNSUPPORTED_MEDIA_TYPE', 'content-type: must be UTF-8 JSON');
  }
  if (type === 'encoding.unsupported') {
    return new TidelineError(
      'UNSUPPORTED_MEDIA_TYPE',
      'content-encoding: must be gzip, deflate, br or identity',
    );
  }
  // body-parser passes the decompressor's own error (zlib's Z_DATA_ERROR, a Brotli
  // format error, …) on as an untyped 400; raw-body's own failures all carry a type.
  const encoding = contentEncodingOf(req);
  if (type === undefined && status === 400 && encoding !== 'identity') {
    return validationError([
      { path: 'body', message: `is not ${encoding} data, as its content-encoding says` },
    ]);
  }
  return undefined;
}
