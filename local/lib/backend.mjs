// Stand-in voice backend: a WebSocket echo that also speaks the Twilio Media Streams shape. The one echo
// backend of the local stack and the benchmarks (bench/lib/echo.mjs).
// Paths starting with /twilio get the Twilio behaviour; every other path echoes frames unchanged.
import http from 'node:http';

/**
 * Twilio-shaped reply for one inbound message. Marks make each inbound event visible to the caller,
 * media is sent back as media on the same stream (what an agent speaking back would do).
 */
export function twilioReplies(message, state) {
  switch (message.event) {
    case 'connected':
      return [{ event: 'mark', mark: { name: 'backend-got-connected' } }];
    case 'start':
      state.streamSid = message.streamSid ?? message.start?.streamSid ?? null;
      return [{ event: 'mark', streamSid: state.streamSid, mark: { name: 'backend-got-start' } }];
    case 'media':
      return [{
        event: 'media',
        streamSid: state.streamSid,
        media: { payload: message.media?.payload ?? '' },
      }];
    case 'stop':
      return [{ event: 'mark', streamSid: state.streamSid, mark: { name: 'backend-got-stop' } }];
    default:
      return [{ event: 'mark', streamSid: state.streamSid, mark: { name: `backend-ignored-${String(message.event)}` } }];
  }
}

/**
 * Starts the backend on host:port (port 0 picks a free one). Resolves to { port, close(), stats() }. `label` (a fleet
 * relay's region, locally) is in /health and /stats.
 * `WebSocketServer`: the `ws` server class of the calling package (a bare import resolves from this file's
 * folder, so a package other than local/ hands in its own `ws`); default: local/'s.
 */
export async function startBackend({ host = '127.0.0.1', port = 0, WebSocketServer, label } = {}) {
  WebSocketServer ??= (await import('ws')).WebSocketServer;
  const stats = { ...(label ? { label } : {}), connectionsTotal: 0, connectionsOpen: 0, framesIn: 0, framesOut: 0, twilioEvents: {}, lastUrls: [] };
  const server = http.createServer((req, res) => {
    if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, role: 'voice-backend-echo', ...(label ? { label } : {}) }));
    } else if (req.url === '/stats') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(stats));
    } else {
      res.writeHead(426, { 'content-type': 'text/plain' });
      res.end('WebSocket upgrade required\n');
    }
  });
  const wss = new WebSocketServer({ server, maxPayload: 16 * 1024 * 1024 });
  wss.on('connection', (ws, req) => {
    stats.connectionsTotal++;
    stats.connectionsOpen++;
    stats.lastUrls = [...stats.lastUrls.slice(-19), req.url];
    const twilio = req.url.startsWith('/twilio');
    const state = { streamSid: null };
    ws.on('message', (data, isBinary) => {
      stats.framesIn++;
      if (!twilio) {
        ws.send(data, { binary: isBinary });
        stats.framesOut++;
        return;
      }
      let message;
      try {
        message = JSON.parse(data.toString('utf8'));
      } catch {
        ws.close(1003, 'expected Twilio JSON text frames');
        return;
      }
      stats.twilioEvents[message.event] = (stats.twilioEvents[message.event] ?? 0) + 1;
      for (const reply of twilioReplies(message, state)) {
        ws.send(JSON.stringify(reply));
        stats.framesOut++;
      }
      if (message.event === 'stop') ws.close(1000, 'stream stopped');
    });
    ws.on('close', () => { stats.connectionsOpen--; });
    ws.on('error', () => {});
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      resolve({
        port: server.address().port,
        stats: () => structuredClone(stats),
        close: () => new Promise((done) => {
          for (const client of wss.clients) client.terminate();
          wss.close();
          server.close(() => done());
        }),
      });
    });
  });
}
