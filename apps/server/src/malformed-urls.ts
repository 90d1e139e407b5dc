import { validationError } from '@tideline/domain';
import type { RequestHandler } from 'express';

/**
 * Refuses a path that is not valid percent-encoding (`/api/v1/feeds/user/%E0/stream`,
 * `/trpc/%E0`) with 400 naming `path`. Express decodes route parameters and tRPC its
 * procedure path themselves, and both throw a URIError that reaches the error handlers as
 * a bug (500); checking once, up front, answers what is the client's mistake as one.
 */
export const refuseMalformedPaths: RequestHandler = (req, res, next) => {
  try {
    decodeURIComponent(req.path);
  } catch {
    res
      .status(400)
      .json(validationError([{ path: 'path', message: 'is not valid percent-encoding' }]));
    return;
  }
  next();
};

/**
 * Refuses a tRPC query or subscription whose `input` parameter is not JSON, with 400
 * naming `input`. tRPC parses it inside the procedure call, where its SyntaxError cannot be
 * told from a bug's; a query's input is small, so parsing it twice costs little.
 */
export const refuseMalformedTrpcInput: RequestHandler = (req, res, next) => {
  const query = req.url.indexOf('?');
  if (req.method !== 'GET' || query < 0) return next();
  const input = new URLSearchParams(req.url.slice(query + 1)).get('input');
  if (input !== null) {
    try {
      JSON.parse(input);
    } catch {
      res.status(400).json(validationError([{ path: 'input', message: 'is not valid JSON' }]));
      return;
    }
  }
  next();
};
