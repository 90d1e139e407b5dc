import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The API server `pnpm dev` talks to; the built app is served by that server itself. */
const api = 'http://localhost:3000';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    proxy: {
      '/trpc': { target: api, ws: true },
      '/demo': api,
      '/api': api,
    },
  },
});
