// Small static server for local/page on loopback, plus /config.json telling the page where to connect
// and /client/ (the voice-edge browser client module from the repository's client/ folder).
import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../page/', import.meta.url));
const clientRoot = fileURLToPath(new URL('../../client/', import.meta.url));
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

export function startPageServer({ host = '127.0.0.1', port = 0, config }) {
  const server = http.createServer(async (req, res) => {
    const { pathname } = new URL(req.url, 'http://local');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (pathname === '/config.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(config()));
      return;
    }
    const [base, relative] = pathname.startsWith('/client/') ? [clientRoot, pathname.slice('/client/'.length)] : [root, pathname === '/' ? 'index.html' : pathname];
    const file = path.normalize(path.join(base, relative));
    if (!file.startsWith(base) || !types[path.extname(file)]) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    try {
      const body = await fs.readFile(file);
      res.writeHead(200, { 'content-type': types[path.extname(file)], 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve({
      port: server.address().port,
      close: () => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }),
    }));
  });
}
