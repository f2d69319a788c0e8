#!/usr/bin/env node
// Orphan guard. The launcher spawns this detached with a stdin pipe and writes "+<pgid>" / "-<pgid>"
// lines as it starts and stops process groups. If the launcher dies without cleaning up (even by
// SIGKILL) the pipe closes, and this kills every group still listed. "done" ends it quietly.
import readline from 'node:readline';

const groups = new Set();
let finished = false;

function killAll() {
  for (const pgid of groups) { try { process.kill(-pgid, 'SIGTERM'); } catch { /* already gone */ } }
  setTimeout(() => {
    for (const pgid of groups) { try { process.kill(-pgid, 'SIGKILL'); } catch { /* already gone */ } }
    process.exit(0);
  }, 3000);
}

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line === 'done') { finished = true; process.exit(0); }
  const pgid = Number(line.slice(1));
  if (!Number.isInteger(pgid) || pgid <= 1) return;
  if (line[0] === '+') groups.add(pgid);
  if (line[0] === '-') groups.delete(pgid);
});
lines.on('close', () => { if (!finished) killAll(); });
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
