// The launcher's programmatic API: start(options) brings up the whole voice path on loopback
// (stand-in backend, relay on Kestrel, the Worker in workerd via `wrangler dev`, the page server)
// and returns handles to reach and stop it. up.mjs and the tests both use it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProcess, releaseGuardian, delay } from './processes.mjs';
import { freePort, portInUse, waitForHttp } from './net.mjs';
import { randomSecret, signHs256, userClaims } from './jwt.mjs';
import { answerCall, randomSid, twilioWebhookSignature, voiceWebhookUrl } from './twilio.mjs';
import { startPageServer } from './pageServer.mjs';
import { buildRelay } from './relayBuild.mjs';
import { buildStandIn } from './standInBuild.mjs';
import { cfObject, fleetEnv, LOCAL_REGIONS, MAX_LOCAL_RELAYS, relaysBinding } from './fleet.mjs';

const localDir = fileURLToPath(new URL('..', import.meta.url));
export const repoRoot = path.resolve(localDir, '..');
const HOST = '127.0.0.1';

// How the user's token reaches the Worker from a browser, which cannot set headers on a WebSocket:
// as a `bearer.<jwt>` Sec-WebSocket-Protocol entry next to the app protocol `voice-edge`, which the
// Worker answers with (worker-src/src/userToken.ts). The Worker also takes ?token= and a cookie.
export const tokenCarrier = {
  kind: 'protocol',
  appProtocol: 'voice-edge',
  prefix: 'bearer.',
  connect(wsUrl, token, protocols = [tokenCarrier.appProtocol]) {
    return { url: wsUrl, protocols: [...protocols, `${tokenCarrier.prefix}${token}`] };
  },
  pageConfig: { carrier: 'protocol', protocols: ['voice-edge'], protocolPrefix: 'bearer.' },
};

/** Keeps the last lines a child printed, with every secret value replaced, for error messages. */
function outputTail(secrets, keep = 40) {
  const lines = [];
  const redact = (line) => secrets.reduce((text, secret) => text.split(secret).join('[redacted]'), line);
  return {
    push(name, line) { lines.push(`[${name}] ${redact(line)}`); if (lines.length > keep) lines.shift(); },
    redact,
    describe() { return lines.length ? `\nlast output:\n${lines.join('\n')}` : ''; },
  };
}

function checkPort(name, value) {
  if (value === undefined || value === null) return 0;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name} must be an integer 0-65535 (0 = any free port), got "${value}"`);
  return port;
}

function checkWsUrl(name, value) {
  if (value === undefined) return undefined;
  let url;
  try { url = new URL(value); } catch { throw new Error(`${name} must be a ws:// or wss:// URL, got "${value}"`); }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new Error(`${name} must be a ws:// or wss:// URL, got "${value}"`);
  return url.toString();
}

/** The most stand-in PersonaPlex backends one local run starts (each is a dotnet process). */
export const MAX_STANDIN_BACKENDS = 8;

function checkBackendCount(value) {
  if (value === undefined || value === null) return 0;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > MAX_STANDIN_BACKENDS) throw new Error(`--backends must be a whole number 0-${MAX_STANDIN_BACKENDS} (0 = the echo backend), got "${value}"`);
  return n;
}

function checkWholeNumber(name, value, min, max, fallback) {
  if (value === undefined || value === null) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be a whole number ${min}-${max}, got "${value}"`);
  return n;
}

/**
 * Options: ports {page, worker, relay, backend} (0 or missing = free port), backend (ws URL of a real
 * voice backend instead of the echo), twilioBackend (ws URL for Twilio streams; defaults to the echo's
 * /twilio or to `backend`), backends (n >= 1: n stand-in PersonaPlex servers, one conversation at a time
 * each, pooled by the relay as Relay__Backends__0..n-1; 0: the echo), handshakeMs (the stand-ins' delay before
 * the 0x00 handshake; default 2500, about a real PersonaPlex's prompts), queueSeconds (Relay__QueueSeconds), build (true: always rebuild the relay, false:
 * never, default 'auto': when relay/ sources are newer than the last build), workerDir, relayCommand, log(line),
 * relayEnv (more Relay__ settings for every relay start), relayLauncher ({ spawn(name, command, args, { cwd, env, onLine })
 * returning a handle like startProcess's, holdsPort: true when it holds the relay's listening socket itself, so a
 * stopped relay leaves the port in use; the deploy drill's socket holder}), relays (1: one relay, as always; 2-5: a
 * fleet, lib/fleet.mjs: that many relays named and labelled with regions, each with its own echo backend, listed to each
 * other and to the Worker as RELAYS; `stack.fleet` then holds them), caller (the request.cf place of the Worker's
 * callers in a fleet, default Paris), relaySigningKey (the key the Worker and the relay share, at least 16 characters;
 * default: a random one per run; a test that rotates it passes its own, and `restartWorker` / `startRelay` change it).
 */
export async function start(options = {}) {
  const ports = {
    page: checkPort('page port', options.ports?.page),
    worker: checkPort('worker port', options.ports?.worker),
    relay: checkPort('relay port', options.ports?.relay),
    backend: checkPort('backend port', options.ports?.backend),
  };
  const externalBackend = checkWsUrl('--backend', options.backend);
  const externalTwilioBackend = checkWsUrl('--twilio-backend', options.twilioBackend);
  const standInCount = checkBackendCount(options.backends);
  if (standInCount > 0 && externalBackend) throw new Error('--backends starts stand-in backends; it cannot be combined with --backend');
  const handshakeMs = checkWholeNumber('--handshake-ms', options.handshakeMs, 0, 60000, 2500);
  const queueSeconds = checkWholeNumber('--queue-seconds', options.queueSeconds, 0, 600, undefined);
  const relayCount = checkWholeNumber('--relays', options.relays, 1, MAX_LOCAL_RELAYS, 1);
  if (relayCount > 1 && (standInCount > 0 || externalBackend || externalTwilioBackend || options.relayLauncher || options.relayCommand)) {
    throw new Error('--relays runs each relay with its own echo backend; it cannot be combined with --backend, --twilio-backend or --backends');
  }
  const log = options.log ?? (() => {});
  if (options.relaySigningKey !== undefined && (typeof options.relaySigningKey !== 'string' || options.relaySigningKey.length < 16)) {
    throw new Error('relaySigningKey must be a string of at least 16 characters (the relay refuses a shorter Relay:SigningKey)');
  }
  const secrets = { relaySigningKey: options.relaySigningKey ?? randomSecret(), authJwtSecret: randomSecret(), twilioAuthToken: randomSecret(24) };
  const twilioAccountSid = randomSid('AC');
  // Every secret value any part was given; keys passed later (a relay start's *SigningKey settings, restartWorker) join it.
  const secretValues = Object.values(secrets);
  const tail = outputTail(secretValues);
  const addSecrets = (env) => {
    for (const [key, value] of Object.entries(env)) if (/SigningKey$/.test(key) && value && !secretValues.includes(value)) secretValues.push(value);
  };
  const onLine = (name) => (stream, line) => { tail.push(name, line); log(`[${name}] ${tail.redact(line)}`); };
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'voice-edge-local-'));
  // Stop order: the relay first, so open calls get its drain close (1012) through the Worker, then
  // the Worker, the page server and the backend.
  const STOP_ORDER = { relay: 0, worker: 1, page: 2, backend: 3, standin: 3 };
  const started = []; // { part, stop }
  let pageServer = null;

  const stack = {
    urls: {},
    userToken: null,
    processes: {},
    /** A user token signed with this run's secret; `claims` overrides the defaults. */
    mintUserToken(claims = {}) { return signHs256({ ...userClaims(), ...claims }, secrets.authJwtSecret); },
    /** The X-Twilio-Signature Twilio would send when dialling `url` (default: this relay's stream URL). */
    signTwilio(url = stack.urls.twilioStream) { return twilioWebhookSignature(secrets.twilioAuthToken, url); },
    twilioAccountSid,
    /**
     * Rings the relay's voice webhook as Twilio does (or `postUrl`, e.g. a TwiML <Redirect>'s URL); resolves
     * { streamUrl, token, callSid, accountSid, twiml } (lib/twilio.mjs).
     */
    answerTwilioCall(callSid = randomSid('CA'), postUrl = voiceWebhookUrl(stack.urls.twilioStream)) {
      return answerCall({ postUrl, authToken: secrets.twilioAuthToken, accountSid: twilioAccountSid, callSid });
    },
    async backendStats() {
      if (!stack.urls.backendHttp) throw new Error('backend stats exist only for the built-in echo backend');
      return (await fetch(`${stack.urls.backendHttp}/stats`)).json();
    },
    /** With `backends`: each stand-in PersonaPlex's { inConversation, waiting, conversations }, in pool order. */
    async standInStats() {
      return Promise.all((stack.urls.standIns ?? []).map(async ({ http }) => (await fetch(`${http}/stats`)).json()));
    },
    /** Where and how a browser connects with `token`: { url, protocols }. */
    browserConnect(token = stack.userToken, { protocols } = {}) {
      return tokenCarrier.connect(stack.urls.browserWs, token, protocols);
    },
    stopRelay, startRelay,
    async restartRelay(signal = 'SIGTERM') { await stopRelay(signal); await startRelay(); },
    /**
     * Stops the Worker and starts it again on the same port, signing relay tokens with `relaySigningKey` (default: the
     * run's key): a Worker deploy with a new secret, e.g. a step of a signing-key rotation.
     */
    async restartWorker({ relaySigningKey = secrets.relaySigningKey } = {}) { await stopWorker(); await startWorker(relaySigningKey); },
    stop,
    /** With `relays` > 1: [{ name, region, latitude, longitude, port, http, twilioStream, backendHttp }], in order. */
    fleet: null,
    /** Stops fleet relay `name` (SIGTERM: it drains; SIGKILL: it dies; SIGSTOP: it hangs, a VM gone silent). */
    async stopFleetRelay(name, signal = 'SIGTERM') {
      const member = fleetMember(name);
      const proc = stack.processes[`relay-${name}`];
      if (!proc) return;
      if (signal === 'SIGSTOP') { process.kill(-proc.pid, 'SIGSTOP'); member.stopped = true; return; }
      if (member.stopped) { try { process.kill(-proc.pid, 'SIGCONT'); } catch { /* gone */ } member.stopped = false; }
      if (signal === 'SIGKILL') { try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* gone */ } }
      else if (signal === 'SIGTERM-nowait') { try { process.kill(-proc.pid, 'SIGTERM'); } catch { /* gone */ } return; }
      await proc.stop();
      stack.processes[`relay-${name}`] = null;
      await waitPortFree(member.port);
    },
    /** (Re)starts fleet relay `name` on its port. */
    startFleetRelay(name, extraEnv = {}) { return launchFleetRelay(fleetMember(name), extraEnv); },
    /** Each fleet relay's echo backend's /stats (connectionsTotal, connectionsOpen, label, ...), by name. */
    async fleetStats() {
      return Object.fromEntries(await Promise.all(stack.fleet.map(async (m) => [m.name, await (await fetch(`${m.backendHttp}/stats`)).json()])));
    },
  };

  function fleetMember(name) {
    const member = stack.fleet?.find((m) => m.name === name);
    if (!member) throw new Error(`no fleet relay named "${name}" (the fleet: ${(stack.fleet ?? []).map((m) => m.name).join(', ') || 'none'})`);
    return member;
  }

  /** Starts one fleet relay: its own echo backend's URLs, the fleet's lines, its name. */
  async function launchFleetRelay(member, extraEnv = {}) {
    addSecrets(extraEnv);
    const [command, ...args] = relayLaunch.command;
    const name = `relay-${member.name}`;
    const proc = startProcess(name, command, [...args, '--urls', `http://${HOST}:${member.port}`], {
      cwd: relayLaunch.dir,
      env: {
        ...process.env,
        DOTNET_CLI_TELEMETRY_OPTOUT: '1',
        Relay__DrainGraceSeconds: String(options.relayDrainGraceSeconds ?? 2),
        Relay__Upstream: `ws://${HOST}:${member.backendPort}/api/chat`,
        Relay__TwilioUpstream: `ws://${HOST}:${member.backendPort}/twilio`,
        Relay__SigningKey: secrets.relaySigningKey,
        Relay__TwilioAuthToken: secrets.twilioAuthToken,
        Relay__TwilioAccountSid: twilioAccountSid,
        Relay__PublicBaseUrl: `ws://${HOST}:${member.port}`,
        ...fleetEnv(stack.fleet, member),
        ...options.relayEnv,
        ...extraEnv,
      },
      onLine: onLine(name),
    });
    stack.processes[name] = proc;
    await waitForHttp(`${member.http}/health/live`, { proc, timeoutMs: 60000, describe: tail.describe });
    return proc;
  }

  let relayLaunch = null;

  /** The voice backend(s): one Upstream (echo or --backend), or the pool of stand-ins with PersonaPlex's defaults. */
  function relayBackendEnv() {
    if (!stack.urls.standIns) return { Relay__Upstream: stack.urls.upstream };
    const env = {};
    stack.urls.standIns.forEach(({ ws }, i) => {
      env[`Relay__Backends__${i}__Url`] = ws;
      env[`Relay__Backends__${i}__Capacity`] = '1';
      env[`Relay__Backends__${i}__DefaultQuery__voice_prompt`] = 'NATF2.pt';
      // PersonaPlex drops a call without text_prompt (the relay refuses to start without one); no seed (NVIDIA/personaplex PR #75).
      env[`Relay__Backends__${i}__DefaultQuery__text_prompt`] = 'You enjoy having a good conversation.';
    });
    // Twilio calls are bridged to the first stand-in (the phone bridge speaks PersonaPlex's protocol).
    if (!externalTwilioBackend) env.Relay__TwilioMode = 'PersonaPlex';
    if (queueSeconds !== undefined) env.Relay__QueueSeconds = String(queueSeconds);
    return env;
  }

  /** Starts one stand-in PersonaPlex on `port`; resolves its URLs once it serves. */
  async function startStandIn(dll, index, port) {
    const name = `standin-${index}`;
    let chatUrl = null;
    let listening;
    const ready = new Promise((resolve) => { listening = resolve; });
    const proc = startProcess(name, 'dotnet', [dll, '--port', String(port), '--handshake-ms', String(handshakeMs)], {
      env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1' },
      onLine: (stream, line) => {
        onLine(name)(stream, line);
        const m = /^listening (\S+)/.exec(line);
        if (m && !chatUrl) { chatUrl = m[1]; listening(); }
      },
    });
    stack.processes[name] = proc;
    started.push({ part: 'standin', stop: async () => { await proc.stop(3000); await waitPortFree(port); } });
    await Promise.race([ready, proc.exited]);
    if (!chatUrl) throw new Error(`${name} (the stand-in PersonaPlex) did not start${tail.describe()}`);
    return { ws: `ws://${HOST}:${port}/api/chat`, http: `http://${HOST}:${port}` };
  }

  /** Starts a relay (on the same port); `extraEnv` adds settings to this one start (e.g. `Relay__Build`). */
  async function startRelay(extraEnv = {}) {
    addSecrets(extraEnv);
    if (stack.fleet) {
      const proc = await launchFleetRelay(stack.fleet[0], extraEnv);
      stack.processes.relay = proc;
      return proc;
    }
    const [command, ...args] = relayLaunch.command;
    const spawnRelay = options.relayLauncher?.spawn ?? startProcess;
    const proc = await spawnRelay('relay', command, [...args, '--urls', `http://${HOST}:${ports.relay}`], {
      cwd: relayLaunch.dir,
      env: {
        ...process.env,
        DOTNET_CLI_TELEMETRY_OPTOUT: '1',
        // Local calls get a short drain so Ctrl-C and restarts are quick (production default: 10 s).
        Relay__DrainGraceSeconds: String(options.relayDrainGraceSeconds ?? 2),
        ...relayBackendEnv(),
        Relay__TwilioUpstream: stack.urls.twilioUpstream,
        Relay__SigningKey: secrets.relaySigningKey,
        Relay__TwilioAuthToken: secrets.twilioAuthToken,
        Relay__TwilioAccountSid: twilioAccountSid,
        Relay__PublicBaseUrl: `ws://${HOST}:${ports.relay}`,
        ...options.relayEnv,
        ...extraEnv,
      },
      onLine: onLine('relay'),
    });
    stack.processes.relay = proc;
    await waitForHttp(`${stack.urls.relay}/health/live`, { proc, timeoutMs: 60000, describe: tail.describe });
    return proc;
  }

  async function stopRelay(signal = 'SIGTERM') {
    if (stack.fleet) {
      await stack.stopFleetRelay(stack.fleet[0].name, signal);
      stack.processes.relay = null;
      return;
    }
    const proc = stack.processes.relay;
    if (!proc) return;
    if (signal === 'SIGKILL') { try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* gone */ } }
    await proc.stop();
    stack.processes.relay = null;
    if (!options.relayLauncher?.holdsPort) await waitPortFree(ports.relay);
  }

  let workerLaunch = null;

  /** Starts the Worker in workerd (`wrangler dev`) on its port, signing relay tokens with `relaySigningKey`. */
  async function startWorker(relaySigningKey) {
    if (!secretValues.includes(relaySigningKey)) secretValues.push(relaySigningKey);
    // Secrets go through an env file (wrangler shows them as hidden), never on the command line.
    const envFile = path.join(tempDir, 'worker.env');
    fs.writeFileSync(envFile, `RELAY_SIGNING_KEY=${relaySigningKey}\nAUTH_JWT_SECRET=${secrets.authJwtSecret}\n`, { mode: 0o600 });
    const { wrangler, dir, origins, inspectorPort, fleetVars, cfFile } = workerLaunch;
    const worker = startProcess('worker', wrangler, [
      'dev', '--ip', HOST, '--port', String(ports.worker), '--inspector-port', String(inspectorPort),
      '--env-file', envFile,
      '--var', `RELAY_URL:${stack.urls.relay}`,
      '--var', `ALLOWED_ORIGINS:${origins.join(',')}`,
      '--var', 'ROUTE_PREFIX:/voice',
      ...fleetVars,
      '--show-interactive-dev-session=false', '--log-level', 'log',
    ], {
      cwd: dir,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1', WRANGLER_LOG_PATH: tempDir, ...(stack.fleet ? { CLOUDFLARE_CF_FETCH_PATH: cfFile } : {}) },
      onLine: onLine('worker'),
    });
    stack.processes.worker = worker;
    await waitForHttp(stack.urls.workerHealth, { proc: worker, timeoutMs: 120000, accept: (s) => s === 200, describe: tail.describe });
    return worker;
  }

  async function stopWorker() {
    const worker = stack.processes.worker;
    if (!worker) return;
    await worker.stop(5000);
    stack.processes.worker = null;
    await waitPortFree(ports.worker);
    // wrangler's inspector port is freed with it; the next start reuses it.
    await waitPortFree(workerLaunch.inspectorPort);
  }

  async function stop() {
    const errors = [];
    started.sort((a, b) => STOP_ORDER[a.part] - STOP_ORDER[b.part]);
    for (const { stop: stopPart } of started) {
      try { await stopPart(); } catch (error) { errors.push(error); }
    }
    started.length = 0;
    fs.rmSync(tempDir, { recursive: true, force: true });
    releaseGuardian();
    if (errors.length) throw new AggregateError(errors, 'some parts did not stop cleanly');
  }

  try {
    // Each probe binds port 0 and lets it go, so the OS may hand the same port out twice: keep them distinct.
    const taken = new Set(Object.values(ports).filter(Boolean));
    const distinctPort = async () => {
      for (;;) {
        const port = await freePort(HOST);
        if (!taken.has(port)) { taken.add(port); return port; }
      }
    };
    for (const key of ['page', 'worker', 'relay', 'backend']) if (!ports[key]) ports[key] = await distinctPort();
    const inspectorPort = await distinctPort();

    // 1. Stand-in voice backend (unless a real one was given): the echo, or n stand-in PersonaPlex servers; in a
    //    fleet, an echo per relay, labelled with the relay's region.
    if (relayCount > 1) {
      stack.fleet = [];
      for (let i = 0; i < relayCount; i++) {
        const { name, region, latitude, longitude } = LOCAL_REGIONS[i];
        const port = i === 0 ? ports.relay : await distinctPort();
        const backendPort = i === 0 ? ports.backend : await distinctPort();
        const backend = startProcess(`backend-${name}`, process.execPath, [path.join(localDir, 'backend.mjs'), '--port', String(backendPort), '--label', region], { onLine: onLine(`backend-${name}`) });
        stack.processes[`backend-${name}`] = backend;
        started.push({ part: 'backend', stop: async () => { await backend.stop(3000); await waitPortFree(backendPort); } });
        const member = { name, region, latitude, longitude, port, backendPort, http: `http://${HOST}:${port}`, twilioStream: `ws://${HOST}:${port}/twilio/stream`, backendHttp: `http://${HOST}:${backendPort}` };
        stack.fleet.push(member);
        await waitForHttp(`${member.backendHttp}/health`, { proc: backend, timeoutMs: 15000, describe: tail.describe });
      }
      stack.urls.backendHttp = stack.fleet[0].backendHttp;
      stack.urls.upstream = `ws://${HOST}:${ports.backend}/api/chat`;
      stack.urls.twilioUpstream = `ws://${HOST}:${ports.backend}/twilio`;
    } else if (standInCount > 0) {
      const { dll } = buildStandIn({ build: options.build ?? 'auto', log });
      const standInPorts = [ports.backend];
      while (standInPorts.length < standInCount) standInPorts.push(await distinctPort());
      stack.urls.standIns = await Promise.all(standInPorts.map((port, i) => startStandIn(dll, i, port)));
      stack.urls.upstream = stack.urls.standIns[0].ws;
      stack.urls.twilioUpstream = externalTwilioBackend ?? `${stack.urls.standIns[0].ws}?voice_prompt=NATF2.pt&text_prompt=You%20enjoy%20having%20a%20good%20conversation.`;
    } else if (externalBackend) {
      stack.urls.upstream = externalBackend;
      stack.urls.twilioUpstream = externalTwilioBackend ?? externalBackend;
    } else {
      const backend = startProcess('backend', process.execPath, [path.join(localDir, 'backend.mjs'), '--port', String(ports.backend)], { onLine: onLine('backend') });
      stack.processes.backend = backend;
      started.push({ part: 'backend', stop: async () => { await backend.stop(3000); await waitPortFree(ports.backend); } });
      stack.urls.backendHttp = `http://${HOST}:${ports.backend}`;
      stack.urls.upstream = `ws://${HOST}:${ports.backend}/api/chat`;
      stack.urls.twilioUpstream = externalTwilioBackend ?? `ws://${HOST}:${ports.backend}/twilio`;
      await waitForHttp(`${stack.urls.backendHttp}/health`, { proc: backend, timeoutMs: 15000, describe: tail.describe });
    }

    // 2. The relay on Kestrel.
    // options.relayCommand ([command, ...args]) runs another relay build (e.g. a published one).
    const relayCommand = options.relayCommand ?? (process.env.VOICE_EDGE_RELAY_COMMAND ? JSON.parse(process.env.VOICE_EDGE_RELAY_COMMAND) : null);
    relayLaunch = relayCommand
      ? { command: relayCommand, dir: repoRoot }
      : await buildRelay({ build: options.build, log }).then(({ dll, dir }) => ({ command: ['dotnet', dll], dir }));
    stack.urls.relay = `http://${HOST}:${ports.relay}`;
    stack.urls.twilioStream = `ws://${HOST}:${ports.relay}/twilio/stream`;
    if (stack.fleet) {
      for (const member of stack.fleet) started.push({ part: 'relay', stop: () => stack.stopFleetRelay(member.name) });
      await Promise.all(stack.fleet.map((member) => launchFleetRelay(member)));
      stack.processes.relay = stack.processes[`relay-${stack.fleet[0].name}`];
    } else {
      started.push({ part: 'relay', stop: () => stopRelay() });
      await startRelay();
    }

    // 3. The page server (its origin must be known before the Worker starts).
    const origins = [`http://${HOST}:${ports.page}`, `http://localhost:${ports.page}`];
    stack.urls.page = `http://${HOST}:${ports.page}/`;
    stack.urls.browserWs = `ws://${HOST}:${ports.worker}/voice/ws`;
    stack.urls.workerHealth = `http://${HOST}:${ports.worker}/voice/health`;
    stack.allowedOrigins = origins;
    stack.userToken = stack.mintUserToken();
    pageServer = await startPageServer({ host: HOST, port: ports.page, config: () => ({ wsUrl: stack.urls.browserWs, token: stack.userToken, ...tokenCarrier.pageConfig }) });
    started.push({ part: 'page', stop: () => pageServer.close() });

    // 4. The Worker in workerd.
    workerLaunch = { origins, inspectorPort, fleetVars: [], cfFile: path.join(tempDir, 'cf.json') };
    // A fleet: the relays as RELAYS, and the callers' place as request.cf (Miniflare reads it from this file).
    if (stack.fleet) {
      workerLaunch.fleetVars = ['--var', `RELAYS:${relaysBinding(stack.fleet)}`];
      fs.writeFileSync(workerLaunch.cfFile, JSON.stringify(cfObject(options.caller)));
    }
    workerLaunch.dir = options.workerDir ?? process.env.VOICE_EDGE_WORKER_DIR ?? path.join(repoRoot, 'worker-src');
    workerLaunch.wrangler = path.join(workerLaunch.dir, 'node_modules', '.bin', 'wrangler');
    if (!fs.existsSync(workerLaunch.wrangler)) {
      throw new Error(`the Worker's wrangler is missing at ${workerLaunch.wrangler}: run "npm ci" in worker-src first`);
    }
    started.push({ part: 'worker', stop: () => stopWorker() });
    await startWorker(secrets.relaySigningKey);

    stack.ports = { ...ports };
    return stack;
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}

async function waitPortFree(port, ms = 5000) {
  const until = Date.now() + ms;
  while (await portInUse(port)) {
    if (Date.now() > until) throw new Error(`port ${port} still in use after stopping`);
    await delay(100);
  }
}
