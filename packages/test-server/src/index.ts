export { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
export {
  startTestServer,
  TEST_API_KEY,
  TEST_JWT_SECRET,
  type TestServer,
  type TestServerOptions,
} from './test-server.js';
