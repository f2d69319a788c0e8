// The stand-in voice backend on its own: echo path and Twilio-shaped path, on a real socket.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBackend } from '../lib/backend.mjs';
import { openWs, closed, collector, httpGet } from './helpers.mjs';

let backend;
let base;
before(async () => { backend = await startBackend({ port: 0 }); base = `127.0.0.1:${backend.port}`; });
after(async () => { await backend?.close(); });

test('echo path returns text and binary unchanged, keeps the query string visible', async () => {
  const ws = await openWs(`ws://${base}/api/chat?voice=x`);
  const inbox = collector(ws);
  ws.send('hello');
  ws.send(Buffer.from([0, 255, 7]));
  const [text, binary] = await inbox.next(2);
  assert.deepEqual([text.isBinary, text.data.toString()], [false, 'hello']);
  assert.deepEqual([binary.isBinary, [...binary.data]], [true, [0, 255, 7]]);
  ws.close(4000, 'bye');
  assert.equal((await closed(ws)).code, 4000);
  assert.ok(backend.stats().lastUrls.includes('/api/chat?voice=x'));
});

test('Twilio path answers each event and echoes media on the stream', async () => {
  const ws = await openWs(`ws://${base}/twilio`);
  const inbox = collector(ws);
  ws.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
  ws.send(JSON.stringify({ event: 'start', streamSid: 'MZ1', start: { streamSid: 'MZ1' } }));
  ws.send(JSON.stringify({ event: 'media', streamSid: 'MZ1', media: { payload: 'AAEC' } }));
  ws.send(JSON.stringify({ event: 'stop', streamSid: 'MZ1' }));
  const replies = (await inbox.next(4)).map((m) => JSON.parse(m.data));
  assert.deepEqual(replies.map((r) => r.event), ['mark', 'mark', 'media', 'mark']);
  assert.deepEqual(replies[2], { event: 'media', streamSid: 'MZ1', media: { payload: 'AAEC' } });
  assert.equal((await closed(ws)).code, 1000);
});

test('Twilio path closes 1003 on a frame that is not JSON', async () => {
  const ws = await openWs(`ws://${base}/twilio`);
  ws.send('not json');
  const { code, reason } = await closed(ws);
  assert.equal(code, 1003);
  assert.match(reason, /Twilio JSON/);
});

test('plain HTTP: /health is 200, anything else asks for an upgrade', async () => {
  assert.equal((await httpGet(`http://${base}/health`)).status, 200);
  assert.equal((await httpGet(`http://${base}/api/chat`)).status, 426);
});
