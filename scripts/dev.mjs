#!/usr/bin/env node
// Usage: npm run dev
// Starts the backend with tsx watch on BACKEND_PORT (default 3001) and Vite with hot reload on PORT
// (default 3000), proxying /api, /socket.io and /yjs to the backend. Open http://localhost:3000.
import { spawn } from 'node:child_process';

const port = process.env.PORT ?? '3000';
const backendPort = process.env.BACKEND_PORT ?? '3001';
const env = { ...process.env, BACKEND_PORT: backendPort };
const children = [
  spawn('npx', ['tsx', 'watch', 'server/index.ts'], {
    stdio: 'inherit',
    env: { ...env, PORT: backendPort, ALLOWED_ORIGINS: process.env.ALLOWED_ORIGINS ?? `http://localhost:${port}` },
  }),
  spawn('npx', ['vite'], { stdio: 'inherit', env: { ...env, PORT: port } }),
];
const stop = () => {
  for (const c of children) c.kill('SIGTERM');
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const c of children) c.on('exit', (code) => code && stop());
