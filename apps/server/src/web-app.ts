import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';

/**
 * The built demo web app (`apps/web/dist`) at `/`. Vite names every file under `assets/`
 * by its content hash, so those are cached for a year as immutable; `index.html` (which
 * names the current hashes) is revalidated on every load. Only files that exist are
 * served: any other path falls through to the API's routes and its JSON 404.
 *
 * @example
 * app.use(webAppRouter('/repo/apps/web/dist'));
 */
export function webAppRouter(dir: string): Router {
  const web = express.Router();
  const built = existsSync(path.join(dir, 'index.html'));
  web.get('/', (_req, res, next) => {
    if (built) return next();
    res
      .status(503)
      .type('text/plain')
      .send(
        'The demo web app is not built. Run `pnpm --filter @tideline/web build` (pnpm start does).\n',
      );
  });
  web.use(
    express.static(dir, {
      index: 'index.html',
      redirect: false,
      setHeaders(res, file) {
        const asset = path.relative(dir, file).startsWith(`assets${path.sep}`);
        res.setHeader('Cache-Control', asset ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
  return web;
}

/** Where the demo web app is built, seen from this package (apps/server → apps/web/dist). */
export const defaultWebAppDir = fileURLToPath(new URL('../../web/dist', import.meta.url));
