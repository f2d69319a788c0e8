// Shared test helpers: WebSocket clients that report refusals, and message collectors.
import WebSocket from 'ws';

/**
 * Opens a WebSocket. Resolves { ws, protocol } on open; rejects with an Error carrying
 * `status` (HTTP status of a refused upgrade) and `body`.
 */
export function openWs(url, { protocols, headers = {}, origin, timeoutMs = 15000 } = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { headers, origin, handshakeTimeout: timeoutMs });
    ws.binaryType = 'nodebuffer';
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => { body += chunk; });
      response.on('end', () => {
        const error = new Error(`upgrade refused: HTTP ${response.statusCode} ${body.trim()}`);
        error.status = response.statusCode;
        error.body = body;
        reject(error);
        ws.terminate();
      });
    });
    ws.once('error', (error) => reject(error));
  });
}

/** Resolves { code, reason } when `ws` closes, or rejects after `timeoutMs`. */
export function closed(ws, timeoutMs = 20000) {
  return new Promise((resolve, reject) => {
    if (ws.readyState === WebSocket.CLOSED) { resolve({ code: ws._closeCode, reason: String(ws._closeMessage ?? '') }); return; }
    const timer = setTimeout(() => reject(new Error(`socket did not close within ${timeoutMs} ms`)), timeoutMs);
    ws.once('close', (code, reason) => { clearTimeout(timer); resolve({ code, reason: reason.toString() }); });
  });
}

/** Collects messages as { data, isBinary }; `next(n)` waits for the next n of them. */
export function collector(ws) {
  const queue = [];
  const waiters = [];
  ws.on('message', (data, isBinary) => {
    queue.push({ data, isBinary });
    while (waiters.length && queue.length >= waiters[0].count) {
      const waiter = waiters.shift();
      clearTimeout(waiter.timer);
      waiter.resolve(queue.splice(0, waiter.count));
    }
  });
  return {
    next(count = 1, timeoutMs = 15000) {
      if (queue.length >= count) return Promise.resolve(queue.splice(0, count));
      return new Promise((resolve, reject) => {
        const waiter = { count, resolve, timer: setTimeout(() => reject(new Error(`waited ${timeoutMs} ms for ${count} messages, have ${queue.length}`)), timeoutMs) };
        waiters.push(waiter);
      });
    },
  };
}

/** A plain HTTP request without an Upgrade; resolves { status, body }. */
export async function httpGet(url, headers = {}) {
  const response = await fetch(url, { headers });
  return { status: response.status, body: await response.text() };
}
