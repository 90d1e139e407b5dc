export { type DemoUser, demoUsers, ensureDemoData, isDemoUser } from './demo-users.js';
