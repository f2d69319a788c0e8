// Builds the relay once (Release, into local/.build/relay) and says which dll to run.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';

const localDir = fileURLToPath(new URL('..', import.meta.url));
const relayDir = path.resolve(localDir, '..', 'relay');
const outDir = path.join(localDir, '.build', 'relay');

/** The relay's service project: the one .csproj under relay/ that is not a test project. */
export function findRelayProject() {
  if (!fs.existsSync(relayDir)) throw new Error(`relay/ not found at ${relayDir}`);
  const found = [];
  const walk = (dir, depth) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && depth < 3 && !['bin', 'obj', 'node_modules'].includes(entry.name)) walk(path.join(dir, entry.name), depth + 1);
      else if (entry.isFile() && entry.name.endsWith('.csproj') && !/test|bench/i.test(entry.name)) found.push(path.join(dir, entry.name));
    }
  };
  walk(relayDir, 0);
  if (found.length === 0) throw new Error(`no relay project (.csproj) under ${relayDir} yet`);
  if (found.length > 1) found.sort((a, b) => a.length - b.length);
  return found[0];
}

function run(command, args, log) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' } });
    let output = '';
    for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk) => { output += chunk; });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} failed (exit ${code}):\n${output.slice(-4000)}`));
    });
    log?.(`[build] ${command} ${args.join(' ')}`);
  });
}

/** Newest modification time of the relay's sources (and the shared build files), bin/obj excluded. */
function newestSourceTime() {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) { if (!['bin', 'obj', 'node_modules', 'TestResults'].includes(entry.name)) walk(full); }
      else newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  };
  walk(relayDir);
  for (const shared of ['Directory.Build.props', 'Directory.Packages.props', 'global.json']) {
    const file = path.resolve(relayDir, '..', shared);
    if (fs.existsSync(file)) newest = Math.max(newest, fs.statSync(file).mtimeMs);
  }
  return newest;
}

const stampFile = path.join(outDir, '.built-at');

/**
 * Returns { dll, dir }. build: true always rebuilds, false uses the last build (fails if none),
 * 'auto' (default) rebuilds when relay/ changed since the last build.
 */
export async function buildRelay({ build = 'auto', log } = {}) {
  const project = findRelayProject();
  const stale = !fs.existsSync(stampFile) || Number(fs.readFileSync(stampFile, 'utf8')) < newestSourceTime();
  if (build === true || (build === 'auto' && stale)) {
    const startedAt = Date.now();
    await run('dotnet', ['build', project, '-c', 'Release', '-o', outDir, '--nologo', '-v', 'q', '-clp:ErrorsOnly'], log);
    fs.writeFileSync(stampFile, String(startedAt));
  }
  const name = path.basename(project, '.csproj');
  const runtimeConfigs = fs.existsSync(outDir) ? fs.readdirSync(outDir).filter((f) => f.endsWith('.runtimeconfig.json')) : [];
  const preferred = runtimeConfigs.find((f) => f === `${name}.runtimeconfig.json`) ?? runtimeConfigs[0];
  if (!preferred) throw new Error(`no built relay in ${outDir}; run without --no-build`);
  return { dll: path.join(outDir, preferred.replace('.runtimeconfig.json', '.dll')), dir: outDir };
}
