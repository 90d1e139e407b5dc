export { DEMO_TOKEN_TTL_SECONDS, demoRouter } from './demo-routes.js';
export { type DemoUser, demoUsers, ensureDemoData, isDemoUser } from './demo-users.js';
