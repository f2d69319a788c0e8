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

/** Returns { dll, dir }. With build=false, uses the last build and fails if there is none. */
export async function buildRelay({ build = true, log } = {}) {
  const project = findRelayProject();
  if (build) {
    await run('dotnet', ['build', project, '-c', 'Release', '-o', outDir, '--nologo', '-v', 'q', '-clp:ErrorsOnly'], log);
  }
  const name = path.basename(project, '.csproj');
  const runtimeConfigs = fs.existsSync(outDir) ? fs.readdirSync(outDir).filter((f) => f.endsWith('.runtimeconfig.json')) : [];
  const preferred = runtimeConfigs.find((f) => f === `${name}.runtimeconfig.json`) ?? runtimeConfigs[0];
  if (!preferred) throw new Error(`no built relay in ${outDir}; run without --no-build`);
  return { dll: path.join(outDir, preferred.replace('.runtimeconfig.json', '.dll')), dir: outDir };
}
