// Child processes in their own process groups, stopped as whole groups (wrangler starts workerd,
// `dotnet` may start more): SIGTERM, a grace period, then SIGKILL. A guardian process kills what is
// left if this process dies without stopping them.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const live = new Map(); // pgid -> ManagedProcess
let guardian = null;

function ensureGuardian() {
  if (guardian) return guardian;
  guardian = spawn(process.execPath, [fileURLToPath(new URL('./guardian.mjs', import.meta.url))], {
    detached: true,
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  guardian.unref();
  guardian.stdin.on('error', () => {});
  // Keep the pipe from holding the event loop open; it still closes when this process dies.
  guardian.stdin.unref();
  return guardian;
}

function tellGuardian(line) {
  try { ensureGuardian().stdin.write(line + '\n'); } catch { /* guardian gone: exit hook still runs */ }
}

process.on('exit', () => {
  // Last resort on any exit path (uncaught error, process.exit): nothing we started may outlive us.
  for (const pgid of live.keys()) { try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ } }
  if (guardian && live.size === 0) { try { guardian.stdin.write('done\n'); } catch { /* gone */ } }
});

/**
 * Spawns `command args` in a new process group. `onLine(stream, line)` sees each output line.
 * `stdin: 'pipe'` gives the handle a writable `stdin` (a child controlled over its standard input).
 * Returns { name, pid, exited: Promise<{code, signal}>, stop(graceMs), stdin }.
 */
export function startProcess(name, command, args, { cwd, env, onLine, stdin = 'ignore' } = {}) {
  const child = spawn(command, args, { cwd, env, detached: true, stdio: [stdin, 'pipe', 'pipe'] });
  const pgid = child.pid;
  if (pgid === undefined) throw new Error(`${name}: could not start "${command}"`);
  live.set(pgid, name);
  tellGuardian(`+${pgid}`);
  let exitInfo = null;
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => { exitInfo = { code, signal }; resolve(exitInfo); });
    child.once('error', (error) => { exitInfo = { code: null, signal: null, error }; resolve(exitInfo); });
  });
  for (const stream of ['stdout', 'stderr']) {
    let pending = '';
    child[stream].setEncoding('utf8');
    child[stream].on('data', (chunk) => {
      pending += chunk;
      let newline;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        onLine?.(stream, line);
      }
    });
  }

  async function stop(graceMs = 8000) {
    if (live.has(pgid)) {
      signalGroup(pgid, 'SIGTERM');
      const timedOut = await Promise.race([exited.then(() => false), delay(graceMs).then(() => true)]);
      // The leader may exit before its children (workerd under wrangler): always sweep the group.
      await waitGroupGone(pgid, timedOut ? 0 : 2000);
      signalGroup(pgid, 'SIGKILL');
      await waitGroupGone(pgid, 2000);
      live.delete(pgid);
      tellGuardian(`-${pgid}`);
    }
    return exited;
  }

  /** SIGKILL to the whole group now, without a grace period (benchmarks and test stand-ins). */
  function kill() {
    signalGroup(pgid, 'SIGKILL');
    if (live.delete(pgid)) tellGuardian(`-${pgid}`);
  }

  return { name, pid: pgid, exited, get exitInfo() { return exitInfo; }, stop, kill, stdin: child.stdin };
}

/**
 * startProcess, then polls `ready()` every 200 ms until it resolves truthy; kills the group and throws with the
 * output's tail if the process exits first or `timeoutMs` passes. The handle gains `output()`, all it printed.
 */
export async function startReady(name, command, args, { ready, timeoutMs = 90_000, onLine, ...options }) {
  let output = '';
  const proc = startProcess(name, command, args, {
    ...options,
    onLine: (stream, line) => { output += `${line}\n`; onLine?.(stream, line); },
  });
  proc.output = () => output;
  const deadline = Date.now() + timeoutMs;
  while (!(await Promise.resolve().then(ready).catch(() => false))) {
    if (proc.exitInfo || Date.now() > deadline) {
      proc.kill();
      throw new Error(`${name} did not start within ${timeoutMs / 1000} s${proc.exitInfo ? ` (exited: ${JSON.stringify(proc.exitInfo)})` : ''}: ${output.slice(-2000)}`);
    }
    await delay(200);
  }
  return proc;
}

function signalGroup(pgid, signal) {
  try { process.kill(-pgid, signal); return true; } catch { return false; }
}

function groupAlive(pgid) {
  try { process.kill(-pgid, 0); return true; } catch { return false; }
}

async function waitGroupGone(pgid, ms) {
  const until = Date.now() + ms;
  while (groupAlive(pgid) && Date.now() < until) await delay(50);
  return !groupAlive(pgid);
}

export function delay(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }

/** Tells the guardian we are done (all groups stopped) so it exits. */
export function releaseGuardian() {
  if (guardian && live.size === 0) {
    try { guardian.stdin.end('done\n'); } catch { /* gone */ }
    guardian = null;
  }
}

export function liveGroups() { return [...live.entries()].map(([pgid, name]) => ({ pgid, name })); }
