import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The dev server proxies the API and both sockets to the backend started by scripts/dev.mjs.
const backend = `http://localhost:${process.env.BACKEND_PORT ?? 3001}`;

export default defineConfig({
  root: 'client',
  plugins: [svelte()],
  // CLIENT_DIST_DIR (absolute) builds elsewhere, e.g. two worktrees testing at once; the server reads the same variable.
  build: { outDir: process.env.CLIENT_DIST_DIR ?? '../dist/client', emptyOutDir: true, sourcemap: false, target: 'es2022' },
  server: {
    port: Number(process.env.PORT ?? 3000),
    strictPort: true,
    proxy: {
      '/api': backend,
      '/healthz': backend,
      '/socket.io': { target: backend, ws: true },
      '/yjs': { target: backend, ws: true },
    },
  },
});
