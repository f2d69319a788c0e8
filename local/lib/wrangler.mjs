// `wrangler dev` (the Worker in workerd) on loopback, in its own process group: the launcher the Worker's
// end-to-end tests and the Worker benchmark share. Node built-ins only (imported from packages without `ws`);
// wrangler itself comes from worker-src's own `npm ci`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startReady } from './processes.mjs';
import { freePort, httpAnswers } from './net.mjs';

const HOST = '127.0.0.1';
export const workerSrcDir = fileURLToPath(new URL('../../worker-src/', import.meta.url));

/**
 * Starts `wrangler dev` serving `workerDir` with `vars` (passed as --var; secrets belong in `envFile`, which
 * wrangler shows as hidden), and resolves once GET <base>/voice/health answers with a status `accept` takes
 * (any by default). Returns the process handle (pid, kill(), stop(), output()) with port, base and ws (the
 * voice socket's URL).
 */
export async function startWranglerDev({
  workerDir = workerSrcDir,
  port,
  inspectorPort,
  vars = {},
  envFile,
  logLevel,
  extraArgs = [],
  env = {},
  onLine,
  timeoutMs = 90_000,
  accept = () => true,
} = {}) {
  const wrangler = path.join(workerDir, 'node_modules', '.bin', 'wrangler');
  if (!fs.existsSync(wrangler)) throw new Error(`the Worker's wrangler is missing at ${wrangler}: run "npm ci" in worker-src first`);
  port ??= await freePort(HOST);
  inspectorPort ??= await freePort(HOST);
  const args = ['dev', '--ip', HOST, '--port', String(port), '--inspector-port', String(inspectorPort)];
  if (envFile) args.push('--env-file', envFile);
  for (const [key, value] of Object.entries(vars)) args.push('--var', `${key}:${value}`);
  if (logLevel) args.push('--log-level', logLevel);
  args.push(...extraArgs);
  const base = `http://${HOST}:${port}`;
  const proc = await startReady('wrangler dev', wrangler, args, {
    cwd: workerDir,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1', ...env },
    onLine,
    timeoutMs,
    ready: () => httpAnswers(`${base}/voice/health`, accept),
  });
  return Object.assign(proc, { port, base, ws: `ws://${HOST}:${port}/voice/ws` });
}
