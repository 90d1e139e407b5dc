import { TidelineError } from '@tideline/domain';
import express, { type Request, type RequestHandler } from 'express';

/**
 * The codings a request body may come in: the ones body-parser decodes with Node's zlib
 * on every Node version we run on, and none. Anything else (`compress`, a list of
 * codings, `zstd` where Node has it) is refused, so what a client may send does not
 * depend on the server's Node version.
 */
const SUPPORTED_ENCODINGS = new Set(['identity', 'gzip', 'deflate', 'br']);

/** A body's `Content-Encoding`, lower-cased; `identity` when none is given. */
export function contentEncodingOf(req: Request): string {
  return (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
}

/**
 * 415 for a `Content-Encoding` we do not decode, before a byte of the body is read (REST
 * and `/trpc` alike; body-parser alone would answer REST only, with a charset message).
 */
export const refuseUnsupportedEncodings: RequestHandler = (req, res, next) => {
  const encoding = contentEncodingOf(req);
  if (SUPPORTED_ENCODINGS.has(encoding)) return next();
  res
    .status(415)
    .json(
      new TidelineError(
        'UNSUPPORTED_MEDIA_TYPE',
        `content-encoding: must be gzip, deflate, br or identity, not ${JSON.stringify(encoding.slice(0, 40))}`,
      ),
    );
};

/**
 * Decodes compressed `/trpc` request bodies into the text tRPC reads, at most `limit`
 * bytes once decoded (a small body that inflates past it is a 413, not a memory spike).
 * tRPC's adapter reads the raw bytes and ignores `Content-Encoding`; REST bodies are
 * decoded by the JSON parser (`json-body.ts`), so both APIs take the same bodies. Plain
 * bodies are left to tRPC, which streams them itself.
 *
 * @example
 * app.use('/trpc', decodeEncodedBodies(MAX_BODY_BYTES), jsonBodyErrors, trpcMiddleware);
 */
export function decodeEncodedBodies(limit: number): RequestHandler {
  return express.text({
    limit,
    defaultCharset: 'utf-8',
    type: (req) => contentEncodingOf(req as Request) !== 'identity',
  });
}
