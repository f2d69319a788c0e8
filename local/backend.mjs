#!/usr/bin/env node
// Runs the stand-in voice backend as its own process: `node local/backend.mjs --port 0 [--label westeurope]`.
// Prints one JSON line {"ready":true,"port":N} on stdout once listening.
import { parseArgs } from 'node:util';
import { startBackend } from './lib/backend.mjs';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' }, label: { type: 'string' } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`backend: --port must be an integer 0-65535, got "${values.port}"`);
  process.exit(2);
}
const backend = await startBackend({ host: values.host, port, label: values.label });
process.stdout.write(JSON.stringify({ ready: true, port: backend.port }) + '\n');
const shutdown = async () => { await backend.close(); process.exit(0); };
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
