import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { settings, type WorkerEnv } from "../../../src/env";
import { originAllowed, refuse, REFUSAL_STATUSES, routeOf } from "../../../src/handler";
import worker from "../../../src/index";
import { hs256, now } from "../support";
import { cookieHeader, headerValue, jwtLike, noiseName, protocolHeader, rawQuery, tokenish } from "./arbitraries";

const testEnv = env as unknown as WorkerEnv;
const validKey = "dGhlIHNhbXBsZSBub25jZQ==";

/** A value for each handshake header: the right one, a near miss, or junk. */
const handshakeHeaders = fc.record(
  {
    Upgrade: fc.oneof(fc.constantFrom("websocket", "WebSocket", "websocket, h2c", "h2c", ""), headerValue),
    Connection: fc.oneof(fc.constantFrom("Upgrade", "keep-alive, Upgrade", "Keep-Alive", "close", ""), headerValue),
    "Sec-WebSocket-Key": fc.oneof(fc.constant(validKey), fc.base64String({ maxLength: 32 }), headerValue),
    "Sec-WebSocket-Version": fc.oneof(fc.constantFrom("13", "8", " 13", "13, 8"), headerValue),
    Origin: fc.oneof(fc.constantFrom("https://app.example.com", "https://app.example.com/", "https://APP.example.com", "null"), headerValue),
    "Sec-WebSocket-Protocol": fc.oneof(protocolHeader, jwtLike.map((t) => `voice-edge, bearer.${t}`)),
    Cookie: fc.oneof(cookieHeader, jwtLike.map((t) => `ve_token=${t}`)),
    Authorization: fc.oneof(headerValue, jwtLike.map((t) => `Bearer ${t}`)),
  },
  { requiredKeys: [] },
);

const pathname = fc.oneof(fc.constantFrom("/voice/ws", "/voice/health", "/voice/ws/", "/voice//ws", "/VOICE/ws", "/voice/%77s", "/"), fc.webPath());

const documented = new Set<number>([...REFUSAL_STATUSES, 101, 200]);

describe("the fetch handler on hostile requests", () => {
  test.prop([pathname, fc.oneof(rawQuery, jwtLike.map((t) => `token=${t}`)), fc.constantFrom("GET", "POST", "OPTIONS"), handshakeHeaders, fc.array(fc.tuple(noiseName, headerValue), { maxLength: 3 })])(
    "never throws; answers a documented status, every refusal with a plain-text reason",
    async (path, query, method, headers, noise) => {
      const all = new Headers(headers);
      for (const [n, v] of noise) all.append(`x-${n}`, v);
      const request = new Request(`https://example.com${path.startsWith("/") ? path : `/${path}`}?${query}`, { method, headers: all });
      const ctx = createExecutionContext();
      const response = await worker.fetch(request, testEnv, ctx);
      await waitOnExecutionContext(ctx);
      expect(documented).toContain(response.status);
      if (response.status >= 400 && response.status !== 503) {
        expect(response.headers.get("content-type")).toContain("text/plain");
        expect((await response.text()).trim().length).toBeGreaterThan(0);
      } else if (response.status === 503) {
        expect(await response.text()).toMatch(/token keys unavailable|not configured|"relay"/);
      } else {
        await response.body?.cancel();
      }
    },
  );

  test.prop([fc.constantFrom("protocol", "query", "cookie"), handshakeHeaders, rawQuery.map((q) => q.replace(/(^|&)token=[^&]*/g, "")), fc.array(fc.tuple(noiseName, headerValue.map((v) => v.replace(/[;,]/g, ""))), { maxLength: 4 }), fc.array(tokenish.filter((t) => /^[A-Za-z0-9_.-]+$/.test(t) && !t.startsWith("bearer.")), { maxLength: 3 })])(
    "a whole handshake with a valid token passes, whatever noise rides along in other headers and parameters",
    async (carrier, noiseHeaders, noiseQuery, noiseCookies, noiseProtocols) => {
      const token = await hs256({ sub: "u", exp: now() + 60 }, "unit-test-jwt-secret");
      const headers = new Headers({ Authorization: noiseHeaders.Authorization ?? "" });
      headers.set("Upgrade", "websocket");
      headers.set("Connection", "Upgrade");
      headers.set("Sec-WebSocket-Key", validKey);
      headers.set("Sec-WebSocket-Version", "13");
      headers.set("Origin", "https://app.example.com");
      const protocols = ["voice-edge", ...noiseProtocols];
      const cookies = noiseCookies.map(([n, v]) => `${n}=${v}`);
      let query = noiseQuery;
      if (carrier === "protocol") protocols.push(`bearer.${token}`);
      if (carrier === "query") query += `&token=${token}`;
      if (carrier === "cookie") cookies.push(`ve_token=${token}`);
      headers.set("Sec-WebSocket-Protocol", protocols.join(", "));
      if (cookies.length > 0) headers.set("Cookie", cookies.join("; "));
      const request = new Request(`https://example.com/voice/ws?${query}`, { headers });
      const refusal = await refuse(request, testEnv, settings(testEnv));
      expect(refusal === null ? null : `${refusal.status} ${await refusal.text()}`).toBeNull();
    },
  );
});

describe("origin and path matching", () => {
  const allowedList = fc.array(fc.oneof(fc.webUrl().map((u) => new URL(u).origin), headerValue), { maxLength: 3 });

  test.prop([fc.option(fc.oneof(headerValue, fc.webUrl().map((u) => new URL(u).origin)), { nil: null }), allowedList])(
    "an origin passes only as an exact member of a non-empty list (or when the list is empty)",
    (origin, allowed) => {
      expect(originAllowed(origin, allowed)).toBe(allowed.length === 0 || (origin !== null && allowed.includes(origin)));
    },
  );

  test.prop([allowedList.filter((l) => l.length > 0), fc.constantFrom((o: string) => `${o}/`, (o: string) => o.toUpperCase(), (o: string) => ` ${o}`, (o: string) => `${o}.evil.example`, (o: string) => o.replace("https:", "http:"))])(
    "near misses of an allowed origin (slash, case, space, suffix, scheme) are refused",
    (allowed, mangle) => {
      const near = mangle(allowed[0]!);
      fc.pre(!allowed.includes(near));
      expect(originAllowed(near, allowed)).toBe(false);
    },
  );

  test.prop([fc.oneof(fc.webPath(), fc.string({ maxLength: 30 })), fc.constantFrom("/voice", "/a/b", "/v")])("a path routes only when it is exactly <prefix>/ws or <prefix>/health", (path, prefix) => {
    const route = routeOf(path, prefix);
    expect(route).toBe(path === `${prefix}/ws` ? "ws" : path === `${prefix}/health` ? "health" : null);
  });
});
