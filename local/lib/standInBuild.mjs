// Builds the stand-in PersonaPlex (local/standin-personaplex, C#: it reuses the relay's Ogg/Opus code and the
// test rig's host, tests/VoiceEdge.TestSupport) when its sources, the relay's or the rig's are newer than its
// last build, and says which dll to run. Debug, in the project's own bin/: the same build `dotnet test` makes
// for the relay tests, so CI reuses it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const localDir = fileURLToPath(new URL('..', import.meta.url));
const projectDir = path.join(localDir, 'standin-personaplex');
const repoRoot = path.resolve(localDir, '..');
const dll = path.join(projectDir, 'bin', 'Debug', 'net10.0', 'standin-personaplex.dll');

function newest(dir) {
  let t = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) { if (!['bin', 'obj', 'node_modules', 'TestResults'].includes(entry.name)) t = Math.max(t, newest(full)); }
    else t = Math.max(t, fs.statSync(full).mtimeMs);
  }
  return t;
}

export function buildStandIn({ build = 'auto', log } = {}) {
  const sources = Math.max(newest(projectDir), newest(path.join(repoRoot, 'relay')), newest(path.join(repoRoot, 'tests', 'VoiceEdge.TestSupport')),
    ...['Directory.Build.props', 'Directory.Packages.props'].map((f) => fs.statSync(path.join(repoRoot, f)).mtimeMs));
  // A build that changed nothing leaves the dll's time alone: the stamp records that it was checked.
  const stamp = path.join(projectDir, 'bin', '.built-at');
  const builtAt = Math.max(fs.existsSync(dll) ? fs.statSync(dll).mtimeMs : 0, fs.existsSync(stamp) ? Number(fs.readFileSync(stamp, 'utf8')) : 0);
  const stale = !fs.existsSync(dll) || builtAt < sources;
  if (build === true || (build === 'auto' && stale)) {
    log?.('[build] dotnet build local/standin-personaplex');
    const startedAt = Date.now();
    const r = spawnSync('dotnet', ['build', projectDir, '-c', 'Debug', '--nologo', '-v', 'q', '-clp:ErrorsOnly'], {
      encoding: 'utf8', env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' },
    });
    if (r.status !== 0) throw new Error(`building the stand-in PersonaPlex failed:\n${(r.stdout + r.stderr).slice(-4000)}`);
    fs.writeFileSync(stamp, String(startedAt));
  }
  if (!fs.existsSync(dll)) throw new Error(`no stand-in PersonaPlex build at ${dll}; run without --no-build`);
  return { dll };
}
