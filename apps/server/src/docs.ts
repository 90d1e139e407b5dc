import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import express, { type Router } from 'express';

const require = createRequire(import.meta.url);
const swaggerUiDir = dirname(require.resolve('swagger-ui-dist/package.json'));

/**
 * Swagger UI's initializer, pointed at our document; served as a file so CSP allows it.
 * `validatorUrl: 'none'`: on any host but localhost, Swagger UI would otherwise show a
 * badge image from validator.swagger.io (which CSP refuses, and which would send it our
 * document's URL).
 */
const initializer = `window.onload = () => {
  window.ui = SwaggerUIBundle({
    url: '/api/v1/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'StandaloneLayout',
    validatorUrl: 'none',
  });
};
`;

/**
 * `/docs`: Swagger UI from the `swagger-ui-dist` package, so the page works offline (no
 * CDN), reading `/api/v1/openapi.json`.
 */
export function docsRouter(): Router {
  const docs = express.Router();
  docs.get('/swagger-initializer.js', (_req, res) => {
    res.type('application/javascript').send(initializer);
  });
  docs.get('/', (req, res, next) => {
    // Relative asset URLs in index.html need the trailing slash.
    if (!req.originalUrl.endsWith('/')) res.redirect(301, `${req.originalUrl}/`);
    else next();
  });
  docs.use(express.static(swaggerUiDir, { index: 'index.html', maxAge: '1h' }));
  return docs;
}
