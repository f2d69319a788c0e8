// Loopback port picking and readiness polling.
import net from 'node:net';
import { delay } from './processes.mjs';

export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export function portInUse(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/** One GET of `url` (2 s bound): whether it answered with a status `accept` takes. */
export async function httpAnswers(url, accept = () => true) {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await response.arrayBuffer();
  return accept(response.status);
}

/**
 * Polls `url` until `accept(status)` or the deadline. Fails early if `proc` exits.
 * `describe()` adds context (recent output) to the error.
 */
export async function waitForHttp(url, { timeoutMs = 60000, accept = (s) => s === 200, proc, describe = () => '' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (proc?.exitInfo) {
      throw new Error(`${proc.name} exited (${JSON.stringify(proc.exitInfo)}) before ${url} answered${describe()}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (accept(response.status)) return response.status;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error.cause?.code ?? error.message;
    }
    await delay(250);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${url} (${last})${describe()}`);
}
