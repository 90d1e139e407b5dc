import { demoUsers, isDemoUser } from '@tideline/demo-data';
import { validationError } from '@tideline/domain';
import express, { type Router } from 'express';
import { SignJWT } from 'jose';
import { jsonBodies, jsonBodyErrors } from '../json-body.js';

/** How long a demo token lives; the demo app asks for a new one before it expires. */
const DEMO_TOKEN_TTL_SECONDS = 15 * 60;

/**
 * `/demo`, mounted only when `DEMO=1`: `GET /demo/users` lists the demo users and
 * `POST /demo/token {"user":"ana"}` mints a short-lived HS256 user token for one of them
 * (`sub` = the user id), signed with `JWT_SECRET` like any user token. Anyone who can reach
 * the server can act as a demo user, which is the point of a demo and why it is off by
 * default.
 *
 * @example
 * app.use('/demo', demoRouter({ jwtSecret }));
 */
export function demoRouter(options: { jwtSecret: string }): Router {
  const secret = new TextEncoder().encode(options.jwtSecret);
  const demo = express.Router();
  demo.get('/users', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ users: demoUsers });
  });
  demo.post('/token', ...jsonBodies(1024), async (req, res) => {
    const user: unknown = (req.body as { user?: unknown } | undefined)?.user;
    if (typeof user !== 'string' || !isDemoUser(user)) {
      const names = demoUsers.map((candidate) => candidate.id).join(', ');
      res
        .status(400)
        .json(validationError([{ path: 'user', message: `must be a demo user (${names})` }]));
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const expiresAt = now + DEMO_TOKEN_TTL_SECONDS;
    const token = await new SignJWT({ demo: true })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user)
      .setIssuedAt(now)
      .setExpirationTime(expiresAt)
      .sign(secret);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ token, expiresAt: new Date(expiresAt * 1000).toISOString() });
  });
  demo.use(jsonBodyErrors);
  return demo;
}
