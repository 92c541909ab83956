/**
 * Serves bare git repositories over HTTP on 127.0.0.1 (ephemeral port), through git's own
 * `git-http-backend` CGI program (run as `git http-backend`, from `git --exec-path`): the smart
 * HTTP protocol exactly as a git hosting server speaks it, so clones and fetches here are real
 * ones (git CLI and isomorphic-git alike).
 *
 * - `url(name)` is `http://127.0.0.1:<port>/<name>` for a repository folder `<root>/<name>`.
 * - Every repository under `root` is exported (`GIT_HTTP_EXPORT_ALL`); pushes over HTTP are
 *   refused (push to the bare repository's path instead).
 * - `auth` turns on HTTP basic authentication: requests without those credentials get a 401
 *   with `WWW-Authenticate`, as a hosting server answers.
 * - Built on `listenWithFaults`, so `faults` (5xx, drops, hangs) and the request log work as for
 *   the APISIX test servers. `cutNextFetch(bytes)` breaks a transfer half-way instead: the next
 *   `git-upload-pack` response is cut off after that many body bytes.
 *
 * The server runs in the test's own process: a git client talking to it must not block the event
 * loop, hence `gitAsync` (the synchronous `runGit` of git-repo.ts would wait forever).
 */
import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { listenWithFaults, type Faults, type RequestRecord } from './faults.js';

export interface GitHttpServerOptions {
  /** Folder holding the bare repositories. */
  readonly root: string;
  /** Require HTTP basic authentication with these credentials. */
  readonly auth?: { readonly username: string; readonly password: string };
}

export interface GitHttpServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly baseUrl: string;
  /** URL of the repository folder `<root>/<name>`. */
  url(name: string): string;
  readonly faults: Faults;
  readonly requests: readonly RequestRecord[];
  /** Cuts the connection of the next `POST …/git-upload-pack` after `bytes` bytes of its body. */
  cutNextFetch(bytes: number): void;
  close(): Promise<void>;
}

export async function startGitHttpServer(options: GitHttpServerOptions): Promise<GitHttpServer> {
  const expected = options.auth === undefined ? null : `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`;
  let cut: number | null = null;
  const http = await listenWithFaults((req, res) => {
    if (expected !== null && req.headers.authorization !== expected) {
      req.resume();
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"', 'Content-Type': 'text/plain' }).end('authentication required\n');
      return;
    }
    let limit: number | null = null;
    if (req.method === 'POST' && (req.url ?? '').endsWith('/git-upload-pack')) {
      limit = cut;
      cut = null;
    }
    return runBackend(req, res, options.root, limit);
  });
  return {
    baseUrl: http.url,
    url: (name) => `${http.url}/${name}`,
    faults: http.faults,
    requests: http.requests,
    cutNextFetch: (bytes) => {
      cut = bytes;
    },
    close: () => http.close(),
  };
}

/** The CGI environment of RFC 3875 plus what git-http-backend reads (git-http-backend(1)). */
function cgiEnv(req: IncomingMessage, root: string): NodeJS.ProcessEnv {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: os.tmpdir(),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: os.devNull,
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    CONTENT_TYPE: req.headers['content-type'] ?? '',
  };
  if (req.headers['content-length'] !== undefined) env['CONTENT_LENGTH'] = req.headers['content-length'];
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === 'content-type' || name === 'content-length' || name === 'authorization') continue;
    env[`HTTP_${name.toUpperCase().replace(/-/g, '_')}`] = Array.isArray(value) ? value.join(', ') : value;
  }
  return env;
}

/** Runs one request through `git http-backend` and relays its CGI response (cut after `limit` body bytes). */
function runBackend(req: IncomingMessage, res: ServerResponse, root: string, limit: number | null): Promise<void> {
  return new Promise((resolve) => {
    let sent = 0;
    let cutOff = false;
    const relay = (chunk: Buffer): void => {
      if (cutOff) return;
      if (limit !== null && sent + chunk.length > limit) {
        cutOff = true;
        res.write(chunk.subarray(0, Math.max(0, limit - sent)), () => res.destroy());
        child.kill();
        return;
      }
      sent += chunk.length;
      res.write(chunk);
    };
    const child = spawn('git', ['http-backend'], { env: cgiEnv(req, path.resolve(root)), stdio: ['pipe', 'pipe', 'pipe'] });
    let head = Buffer.alloc(0);
    let headersSent = false;
    const stderr: Buffer[] = [];
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersSent) {
        relay(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      const lfEnd = head.indexOf('\n\n');
      const split = end >= 0 ? { at: end, length: 4 } : lfEnd >= 0 ? { at: lfEnd, length: 2 } : null;
      if (split === null) return;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, split.at).toString('latin1').split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      headersSent = true;
      const rest = head.subarray(split.at + split.length);
      if (rest.length > 0) relay(rest);
    });
    child.on('error', () => {
      if (!headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end('git http-backend could not be started\n');
      resolve();
    });
    child.on('close', (code) => {
      if (cutOff) {
        resolve();
        return;
      }
      if (!headersSent) {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(`git http-backend exited with ${String(code)}: ${Buffer.concat(stderr).toString('utf8')}\n`);
      } else {
        res.end();
      }
      resolve();
    });
    req.pipe(child.stdin);
    child.stdin.on('error', () => undefined);
  });
}

/**
 * Runs `git <args>` in `cwd` without blocking the event loop, with no system or global
 * configuration and no inherited `GIT_*` variables (as git-repo.ts does); resolves with stdout,
 * rejects with stderr.
 */
export function gitAsync(cwd: string, args: readonly string[]): Promise<string> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('GIT_')) env[key] = value;
  Object.assign(env, {
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: os.devNull,
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_COUNT: '2',
    GIT_CONFIG_KEY_0: 'init.defaultBranch',
    GIT_CONFIG_VALUE_0: 'main',
    GIT_CONFIG_KEY_1: 'core.hooksPath',
    GIT_CONFIG_VALUE_1: os.devNull,
    LC_ALL: 'C',
  });
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8').replace(/\n$/, ''));
      else reject(new Error(`git ${args.join(' ')} failed in ${cwd}: ${Buffer.concat(err).toString('utf8').trim()}`));
    });
  });
}
