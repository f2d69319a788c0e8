#!/usr/bin/env node
// One command for the whole voice path on loopback: `npm --prefix local start [-- flags]`.
import { parseArgs } from 'node:util';
import { voiceWebhookUrl } from './lib/twilio.mjs';
import { start } from './lib/stack.mjs';

const usage = `usage: npm --prefix local start -- [options]

  --backend <ws url>         real voice backend for /api/chat (e.g. ws://127.0.0.1:8998/api/chat);
                             default: the built-in echo backend
  --twilio-backend <ws url>  backend for Twilio streams (default: the echo's /twilio, or --backend)
  --backends <n>             n stand-in PersonaPlex servers (1-8; one conversation at a time each,
                             0x00 handshake after --handshake-ms) pooled by the relay as
                             Relay__Backends__0..n-1, instead of the echo; e.g. --backends 2
  --handshake-ms <n>         the stand-ins' prompt-processing delay before 0x00 (default 2500,
                             about what a real PersonaPlex's prompts take)
  --queue-seconds <n>        how long a call waits for a free backend (Relay__QueueSeconds, default 10)
  --relays <n>               a fleet of n relays (2-5), each named and labelled with a region (weu westeurope,
                             neu northeurope, eus eastus, aue australiaeast, sea southeastasia) with its own
                             echo backend, all behind the one Worker (RELAYS); callers are in Paris (request.cf)
  --page-port <n>            page server port        (default: any free port)
  --worker-port <n>          Worker (workerd) port   (default: any free port)
  --relay-port <n>           relay (Kestrel) port    (default: any free port)
  --backend-port <n>         echo backend port       (default: any free port)
  --no-build                 run the last relay build (default: rebuild when relay/ changed)
  --verbose                  print the children's output (secrets redacted)
  --help`;

let values;
try {
  ({ values } = parseArgs({
    options: {
      backend: { type: 'string' }, 'twilio-backend': { type: 'string' },
      backends: { type: 'string' }, 'handshake-ms': { type: 'string' }, 'queue-seconds': { type: 'string' }, relays: { type: 'string' },
      'page-port': { type: 'string' }, 'worker-port': { type: 'string' }, 'relay-port': { type: 'string' }, 'backend-port': { type: 'string' },
      'no-build': { type: 'boolean', default: false }, verbose: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
    },
  }));
} catch (error) {
  console.error(`${error.message}\n\n${usage}`);
  process.exit(2);
}
if (values.help) { console.log(usage); process.exit(0); }

let stack = null;
let stopping = false;
async function shutdown(reason) {
  if (stopping) return;
  stopping = true;
  console.error(`\n${reason}: stopping everything...`);
  try { await stack?.stop(); console.error('stopped; ports freed.'); process.exit(0); } catch (error) { console.error(error.message); process.exit(1); }
}
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGHUP', () => shutdown('SIGHUP'));
// Under `npm start`, a SIGTERM to npm ends npm and its shell but not this process: notice that the
// parent is gone (we get re-parented) and stop everything too.
const parentAtStart = process.ppid;
setInterval(() => { if (process.ppid !== parentAtStart) shutdown('parent process exited'); }, 500).unref();

console.error('starting backend, relay, Worker (workerd) and page server on 127.0.0.1 ...');
try {
  stack = await start({
    backend: values.backend,
    twilioBackend: values['twilio-backend'],
    backends: values.backends,
    handshakeMs: values['handshake-ms'],
    queueSeconds: values['queue-seconds'],
    relays: values.relays,
    ports: { page: values['page-port'], worker: values['worker-port'], relay: values['relay-port'], backend: values['backend-port'] },
    build: values['no-build'] ? false : 'auto',
    log: values.verbose ? (line) => console.error(line) : undefined,
  });
} catch (error) {
  console.error(`could not start: ${error.message}`);
  process.exit(1);
}
if (stopping) process.exit(0);

const { urls } = stack;
console.log(`
voice-edge local path is up (loopback only). Ctrl-C stops everything.

  Page (browser path):   ${urls.page}
  Browser WebSocket:     ${urls.browserWs}   (Worker in workerd -> relay -> backend)
  Twilio voice webhook:  ${voiceWebhookUrl(urls.twilioStream)}   (POST, signed; account ${stack.twilioAccountSid})
  Twilio stream URL:     ${urls.twilioStream}   (relay, X-Twilio-Signature over this URL; start must carry the webhook's call token)
  Relay health/metrics:  ${urls.relay}/health  ${urls.relay}/metrics
  Worker health:         ${urls.workerHealth}
${stack.fleet
    ? stack.fleet.map((m) => `  Relay ${m.name} (${m.region}): ${m.http}/health   Twilio webhook ${voiceWebhookUrl(m.twilioStream)}   echo backend ${m.backendHttp}/stats`).join('\n')
    : urls.standIns
    ? urls.standIns.map((b, i) => `  Voice backend ${i}:       ${b.ws} (stand-in PersonaPlex, one call at a time; ${b.http}/stats)`).join('\n')
    : `  Voice backend:         ${urls.upstream}${urls.backendHttp ? ' (built-in echo)' : ''}`}

  Sample user token (HS256, valid 1 h, signed with this run's random secret):
  ${stack.userToken}
`);
