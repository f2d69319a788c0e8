// The runtime-log gate: reads `wrangler dev --log-level debug` output and lists every exception thrown by
// Worker code. A Worker exception shows up in that log as one of:
//   - `[wrangler-UserWorker:error] <Error>: ...` with the stack in the Worker's source (thrown from fetch);
//   - `[wrangler-ProxyWorker:info] GET /path 500 Internal Server Error` (wrangler's 500 error page, what
//     Cloudflare shows as "Error 1101: Worker threw exception");
//   - `Uncaught <Error>: ...` from workerd or the inspector (thrown in an event listener, a rejected promise
//     handed to waitUntil or left unhandled).
// The runtime's own network notices, which no Worker code can prevent, are allowed by name below.

/** Runtime notices allowed in the log, with why no Worker can prevent them. */
export const ALLOWED_RUNTIME_NOTICES = [
  {
    name: "Network connection lost",
    why: "workerd reports a peer whose TCP connection dropped (a client or relay that vanished) as an uncaught error of the runtime's own response or WebSocket pipe; no Worker code is on that stack",
  },
];

const ANSI = /\u001b\[[0-9;]*m/g;

/** Every exception thrown by Worker code in the log, each with the line that shows it and the lines after. */
export function workerExceptions(log) {
  const lines = log.replace(ANSI, "").split("\n");
  const found = [];
  lines.forEach((line, i) => {
    const context = lines.slice(i, i + 4).join("\n");
    if (/\[wrangler-UserWorker:error\]/.test(line)) {
      found.push({ kind: "thrown from the handler", context });
    } else if (/\[wrangler-ProxyWorker:info\] [A-Z]+ \S+ 500 /.test(line)) {
      found.push({ kind: "wrangler's 500 error page", context });
    } else if (/uncaught/i.test(line)) {
      const error = /([A-Za-z.]*Error): (.*)/.exec(line.slice(line.search(/uncaught/i)));
      const message = error ? `${error[1]}: ${error[2].replace(/['"],?\s*$/, "").trim()}` : line.trim();
      if (!ALLOWED_RUNTIME_NOTICES.some((n) => message.includes(n.name))) found.push({ kind: `uncaught ${message}`, context });
    }
  });
  return found;
}

/** A readable report of `workerExceptions`, for assertion messages. */
export function describeExceptions(found) {
  return found.map((f) => `- ${f.kind}\n    ${f.context.split("\n").join("\n    ")}`).join("\n");
}
