import type { RequestHandler } from 'express';

/**
 * REST error bodies in Tideline's shape. The REST adapter answers errors with tRPC's
 * error shape (`{ message, code: <tRPC code>, data, issues }`); our error formatter puts
 * the Tideline error in `data.tideline`, and this rewrites the body to exactly that —
 * `{ code, message, details? }` with the stable code — before it leaves.
 */
export const restErrorBodies: RequestHandler = (_req, res, next) => {
  const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    if (res.statusCode >= 400 && typeof chunk === 'string') {
      return end(tidelineBody(chunk), ...rest);
    }
    return end(chunk, ...rest);
  }) as typeof res.end;
  next();
};

function tidelineBody(text: string): string {
  try {
    const body = JSON.parse(text) as { data?: { tideline?: unknown } };
    return body.data?.tideline === undefined ? text : JSON.stringify(body.data.tideline);
  } catch {
    return text;
  }
}
