/**
 * Cases of what the Admin API client makes of each answer and each network failure: the error
 * code, its words, the gateway's text (cut to 300 characters) and the body it returns.
 * A fake dispatcher answers; one attempt per request unless a case says otherwise.
 */
import type { Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { resolveCredential } from '../../credentials.js';
import { SyncError } from '../../errors.js';
import { AdminClient, type AdminRequest } from './client.js';

type Answer = { readonly status: number; readonly text?: string } | Error | string;

interface Sent {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: unknown;
}

/** A client whose dispatcher gives `answers` in turn and records what it was sent. */
function fakeClient(answers: readonly Answer[], options: { readonly maxAttempts?: number; readonly key?: boolean; readonly baseUrl?: string } = {}) {
  const sent: Sent[] = [];
  let closed = false;
  const queue = [...answers];
  const dispatcher = {
    request: async (opts: { path: string; headers: Record<string, string>; body?: string }) => {
      sent.push({ path: opts.path, headers: opts.headers, ...('body' in opts ? { body: opts.body } : {}) });
      const answer = queue.shift();
      if (answer === undefined) throw new Error('no answer left');
      if (typeof answer === 'string' || answer instanceof Error) throw answer;
      const bytes = new TextEncoder().encode(answer.text ?? '');
      return { statusCode: answer.status, headers: { 'Content-Type': 'application/json' }, body: { arrayBuffer: async () => bytes.buffer } };
    },
    close: async () => {
      closed = true;
    },
  } as unknown as Dispatcher;
  const client = new AdminClient({
    target: 'eu-1',
    baseUrl: options.baseUrl ?? 'http://gw.test:9180',
    credential: options.key === false ? null : resolveCredential('env:EU1_KEY', { EU1_KEY: 'k-0123' }, { target: 'eu-1', field: 'admin_key' }),
    dispatcher,
    retry: { maxAttempts: options.maxAttempts ?? 1, baseDelayMs: 10, maxDelayMs: 10 },
    timeouts: { connectMs: 2000, headersMs: 3000, bodyMs: 4000, requestMs: 60_000 },
    runtime: { sleep: async () => undefined, random: () => 0.5, now: () => 0 },
  });
  return { client, sent, closed: () => closed };
}

const GET: AdminRequest = { method: 'GET', path: '/apisix/admin/routes' };
const coded = (code: string, message: string) => Object.assign(new Error(message), { code });

async function failure(answers: readonly Answer[], options: Parameters<typeof fakeClient>[1] = {}, req: AdminRequest = GET): Promise<SyncError> {
  const error = await fakeClient(answers, options).client.request(req).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SyncError);
  return error as SyncError;
}

describe('a network failure', () => {
  const cases: ReadonlyArray<readonly [string, Answer, string]> = [
    ['no connection in time', coded('UND_ERR_CONNECT_TIMEOUT', 'Connect Timeout Error'), 'no connection within 2 s'],
    ['no headers in time', coded('UND_ERR_HEADERS_TIMEOUT', 'Headers Timeout Error'), 'no response headers within 3 s'],
    ['a body that stops', coded('UND_ERR_BODY_TIMEOUT', 'Body Timeout Error'), 'the response body stopped for 4 s'],
    ['a refused connection, its code in its message', coded('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.1:9180'), 'connect ECONNREFUSED 10.0.0.1:9180'],
    ['a reset, its code not in its message', coded('ECONNRESET', 'socket hang up'), 'socket hang up (ECONNRESET)'],
    ['an error without a message', coded('EPIPE', ''), 'Error (EPIPE)'],
    ['an error without a code', new Error('other side closed'), 'other side closed'],
    ['something thrown that is no error', 'boom', 'boom'],
  ];
  for (const [name, answer, problem] of cases) {
    it(`${name}: unreachable, saying "${problem}"`, async () => {
      const error = await failure([answer]);
      expect(error.data).toEqual({
        code: 'unreachable',
        target: 'eu-1',
        message: `target eu-1 is unreachable: GET /apisix/admin/routes failed 1 times (${problem})`,
        hint: 'check that the Admin API of eu-1 listens at its admin_url and is reachable from here',
        request: { method: 'GET', path: '/apisix/admin/routes', status: null, attempts: 1 },
      });
    });
  }

  it('an invalid request is a bug, not a network failure', async () => {
    const error = await failure([coded('UND_ERR_INVALID_ARG', 'invalid header')]);
    expect(error.data).toEqual({ code: 'internal', target: 'eu-1', message: 'internal error: invalid request (invalid header)' });
  });
});

describe('an answer', () => {
  const long = 'x'.repeat(301);
  const cases: ReadonlyArray<{ readonly name: string; readonly answer: Answer; readonly data: Record<string, unknown> }> = [
    {
      name: "400 with APISIX's error_msg",
      answer: { status: 400, text: '{"error_msg":"invalid plugins"}' },
      data: { code: 'rejected', message: 'target eu-1 rejected GET /apisix/admin/routes: 400 invalid plugins', gatewayMessage: 'invalid plugins' },
    },
    {
      name: "404 with APISIX's message",
      answer: { status: 404, text: '{"message":"Key not found"}' },
      data: { code: 'rejected', message: 'target eu-1 rejected GET /apisix/admin/routes: 404 Key not found', gatewayMessage: 'Key not found' },
    },
    {
      name: '400 whose error_msg is no string: the body',
      answer: { status: 400, text: ' {"error_msg":5} ' },
      data: { code: 'rejected', message: 'target eu-1 rejected GET /apisix/admin/routes: 400 {"error_msg":5}', gatewayMessage: '{"error_msg":5}' },
    },
    {
      name: 'a JSON list: the body',
      answer: { status: 400, text: '["a"]' },
      data: { code: 'rejected', gatewayMessage: '["a"]' },
    },
    { name: 'a text of 301 characters: cut to 300', answer: { status: 400, text: long }, data: { code: 'rejected', gatewayMessage: `${'x'.repeat(300)}…` } },
    { name: 'a text of 300 characters: whole', answer: { status: 400, text: long.slice(1) }, data: { code: 'rejected', gatewayMessage: long.slice(1) } },
    { name: 'an empty 400', answer: { status: 400, text: '' }, data: { code: 'rejected', message: 'target eu-1 rejected GET /apisix/admin/routes: 400' } },
    { name: '300 (no success)', answer: { status: 300 }, data: { code: 'rejected', message: 'target eu-1 rejected GET /apisix/admin/routes: 300' } },
    { name: '199 (no success)', answer: { status: 199 }, data: { code: 'rejected', message: 'target eu-1 rejected GET /apisix/admin/routes: 199' } },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const error = await failure([c.answer]);
      expect(error.data).toMatchObject(c.data);
      if (!('gatewayMessage' in c.data)) expect(error.data).not.toHaveProperty('gatewayMessage');
    });
  }

  it('401 without a key: says the target needs one', async () => {
    const error = await failure([{ status: 401, text: '' }], { key: false });
    expect(error.data).toMatchObject({
      code: 'auth',
      message: 'authentication failed for target eu-1: 401 on GET /apisix/admin/routes',
      hint: 'eu-1 requires an admin key: set admin_key: env:<VARIABLE> for it in group.yaml',
    });
  });

  const failing: ReadonlyArray<{ readonly attempts: number; readonly text: string; readonly message: string; readonly gatewayMessage?: string }> = [
    { attempts: 1, text: '', message: 'target eu-1 kept failing GET /apisix/admin/routes: 503 (after 1 attempt)' },
    { attempts: 2, text: '{"error_msg":"busy"}', message: 'target eu-1 kept failing GET /apisix/admin/routes: 503 busy (after 2 attempts)', gatewayMessage: 'busy' },
  ];
  for (const f of failing) {
    it(`503 ${f.attempts === 1 ? 'once' : 'every time'}: ${f.message}`, async () => {
      const error = await failure(Array.from({ length: f.attempts }, () => ({ status: 503, text: f.text })), { maxAttempts: f.attempts });
      expect(error.data).toEqual({
        code: 'http-error',
        target: 'eu-1',
        message: f.message,
        request: { method: 'GET', path: '/apisix/admin/routes', status: 503, attempts: f.attempts },
        ...(f.gatewayMessage === undefined ? {} : { gatewayMessage: f.gatewayMessage }),
      });
    });
  }

  const bodies: ReadonlyArray<readonly [string, unknown]> = [
    ['{"total":0}', { total: 0 }],
    ['', null],
    ['  \n', null],
    ['not json', null],
  ];
  for (const [text, body] of bodies) {
    it(`200 with ${JSON.stringify(text)} gives the body ${JSON.stringify(body)}`, async () => {
      expect((await fakeClient([{ status: 200, text }]).client.request(GET)).body).toEqual(body);
    });
  }

  it('an allowed status is handed back', async () => {
    expect((await fakeClient([{ status: 404, text: '{}' }]).client.request({ ...GET, method: 'DELETE', allow: [404] })).status).toBe(404);
  });
});

describe('a request', () => {
  it('keeps the path prefix of the base URL, without its trailing slashes', async () => {
    const { client, sent } = fakeClient([{ status: 200 }], { baseUrl: 'http://gw.test:9180/gateway//' });
    await client.request(GET);
    expect(sent.map((s) => s.path)).toEqual(['/gateway/apisix/admin/routes']);
  });

  it('sends a body as JSON, and no body nor content type without one', async () => {
    const { client, sent } = fakeClient([{ status: 200 }, { status: 200 }]);
    await client.request({ method: 'PUT', path: '/apisix/admin/routes/r', body: { uri: '/a' } });
    await client.request(GET);
    expect(sent.map((s) => [s.headers['content-type'], s.body])).toEqual([
      ['application/json', '{"uri":"/a"}'],
      [undefined, undefined],
    ]);
    expect('body' in sent[1]!).toBe(false);
  });

  it('leaves a dispatcher it was given open when closed', async () => {
    const { client, closed } = fakeClient([]);
    await client.close();
    expect(closed()).toBe(false);
  });
});
