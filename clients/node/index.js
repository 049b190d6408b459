// Bounceback for Node tests: a client for the HTTP API (docs/api.md) and startBounceback(), which
// runs the binary on free ports. Node 18 built-ins only (global fetch, child_process).
import { execFile, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

export class BouncebackError extends Error {
  constructor(status, message) {
    super(`${status}: ${message}`);
    this.name = "BouncebackError";
    this.status = status;
    this.serverMessage = message;
  }
}

/** waitFor saw no matching message within its timeout (the server's 408). */
export class WaitTimeout extends BouncebackError {
  constructor(status, message) {
    super(status, message);
    this.name = "WaitTimeout";
  }
}

/** The binary: $BOUNCEBACK_BIN, else `bounceback` on PATH. */
export function findBinary() {
  if (process.env.BOUNCEBACK_BIN) return process.env.BOUNCEBACK_BIN;
  for (const dir of (process.env.PATH || "").split(delimiter)) {
    const candidate = join(dir, "bounceback");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  throw new Error("bounceback binary not found: set BOUNCEBACK_BIN or put it on PATH");
}

// RFC 3986 query strings: the API decodes only %XX, so a "+" must go as %2B (not URLSearchParams).
function query(params) {
  const pairs = Object.entries(params).filter(([, v]) => v !== undefined && v !== null);
  return pairs.length
    ? "?" + pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join("&")
    : "";
}

const SCENARIO_NAME = /^[a-z0-9][a-z0-9-]*$/;

export class Bounceback {
  constructor(baseUrl, { token, binary } = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.token = token;
    this.binary = binary;
  }

  async request(method, path, body) {
    const headers = this.token ? { Authorization: `Bearer ${this.token}` } : {};
    const res = await fetch(this.baseUrl + path, { method, headers, body });
    if (!res.ok) {
      let text = await res.text();
      try { text = JSON.parse(text).error ?? text; } catch {}
      throw new (res.status === 408 ? WaitTimeout : BouncebackError)(res.status, text);
    }
    return res;
  }

  async json(method, path, body) {
    return (await this.request(method, path, body)).json();
  }

  messages({ to, from, subject, about, query: q, start, limit } = {}) {
    return this.json("GET", "/api/v1/messages" + query({ to, from, subject, about, query: q, start, limit }));
  }

  message(id) {
    return this.json("GET", "/api/v1/messages/" + encodeURIComponent(id));
  }

  async raw(id) {
    const res = await this.request("GET", `/api/v1/messages/${encodeURIComponent(id)}/raw`);
    return Buffer.from(await res.arrayBuffer());
  }

  waitFor({ to, from, subject, about, query: q, timeout = "10s" } = {}) {
    return this.json("GET", "/api/v1/messages/wait" + query({ to, from, subject, about, query: q, timeout }));
  }

  deleteMessages() {
    return this.json("DELETE", "/api/v1/messages");
  }

  attempts({ rcpt, from, client_ip, start, limit } = {}) {
    return this.json("GET", "/api/v1/attempts" + query({ rcpt, from, client_ip, start, limit }));
  }

  refusals({ class: cls, query: search, start, limit } = {}) {
    return this.json("GET", "/api/v1/refusals" + query({ class: cls, query: search, start, limit }));
  }

  /** TOML text, or a built-in scenario's name ("greylisting"), whose text the binary prints. */
  async useScenario(tomlOrName) {
    let text = tomlOrName;
    if (SCENARIO_NAME.test(tomlOrName)) {
      text = await new Promise((resolve, reject) =>
        execFile(this.binary || findBinary(), ["scenarios", tomlOrName], (err, stdout, stderr) =>
          err ? reject(new Error(stderr.trim() || err.message)) : resolve(stdout)));
    }
    return this.json("PUT", "/api/v1/scenario", text);
  }

  async scenario() {
    return (await this.request("GET", "/api/v1/scenario")).text();
  }

  clock() {
    return this.json("GET", "/api/v1/clock");
  }

  advanceClock(by) {
    return this.json("POST", "/api/v1/clock/advance", JSON.stringify({ by }));
  }

  /** Forgets messages, refusals and the scenario's state; the scenario and the clock stay. */
  async reset() {
    await this.json("POST", "/api/v1/scenario/reset", "");
    await this.json("DELETE", "/api/v1/messages");
    await this.json("DELETE", "/api/v1/refusals");
  }
}

const READY_PORTS = /\b(smtps?|lmtp|http)=[^\s,"]*:(\d+)/g;

/** Runs `bounceback serve` on 127.0.0.1 port 0 and resolves once its "ready" line names the ports. */
export function startBounceback({ args = [], binary, token, startTimeoutMs = 15000 } = {}) {
  const bin = binary || findBinary();
  const argv = ["serve", "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0",
    ...(token ? ["--api-token", token] : []), ...args];
  const proc = spawn(bin, argv, { stdio: ["ignore", "ignore", "pipe"] });
  const lines = [];
  const log = () => lines.join("");
  let stopping = false;
  let exit = null;
  const exited = new Promise((resolve) => proc.on("exit", (code, signal) => {
    exit = code ?? signal;
    resolve(exit);
  }));
  return new Promise((resolve, reject) => {
    const fail = (why) => { proc.kill("SIGKILL"); reject(new Error(`bounceback ${why}:\n${log()}`)); };
    const timer = setTimeout(() => fail("did not start"), startTimeoutMs);
    let pending = "";
    let ready = false;
    proc.on("error", (e) => { clearTimeout(timer); reject(e); });
    proc.stderr.setEncoding("utf8");
    proc.stderr.on("data", (chunk) => {  // read to the end, or the server blocks on a full pipe
      pending += chunk;
      let nl;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, nl + 1);
        pending = pending.slice(nl + 1);
        lines.push(line);
        if (!ready && (line.includes(" msg=ready ") || line.includes('"msg":"ready"'))) {
          ready = true;
          clearTimeout(timer);
          const ports = {};
          for (const [, kind, port] of line.matchAll(READY_PORTS)) ports[kind] ??= Number(port);
          const url = `http://127.0.0.1:${ports.http}`;
          resolve({
            host: "127.0.0.1", smtpPort: ports.smtp, httpPort: ports.http, ports, url, proc,
            client: new Bounceback(url, { token, binary: bin }),
            log,
            /** The exit status when the server ended without stop(), else null. */
            crashed: () => (exit !== null && !stopping ? exit : null),
            /** SIGTERM; rejects with the log unless it exits 0 within timeoutMs. */
            async stop(timeoutMs = 15000) {
              stopping = true;
              if (exit === null) proc.kill("SIGTERM");
              const t = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
              const code = await exited;
              clearTimeout(t);
              if (code !== 0) throw new Error(`bounceback exited ${code}:\n${log()}`);
              return code;
            },
          });
        }
      }
    });
    exited.then((code) => { if (!ready) { clearTimeout(timer); fail(`exited ${code} before it was ready`); } });
  });
}
