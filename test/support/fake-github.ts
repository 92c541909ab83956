/**
 * The few GitHub REST endpoints the action's pull-request comment uses, on 127.0.0.1, keeping
 * GitHub's behaviour where the comment script depends on it: comments listed oldest first and
 * paginated with a `Link: <…>; rel="next"` header, 201 on create, 200 on update, 401 without
 * the token, 403 for a read-only token (a pull request from a fork), 422 for a body over
 * 65,536 characters.
 * https://docs.github.com/en/rest/issues/comments
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeComment {
  readonly id: number;
  readonly issue: number;
  body: string;
  readonly html_url: string;
}

export interface FakeGitHubOptions {
  /** `owner/name` the endpoints answer for. Default `example/config`. */
  readonly repository?: string;
  /** The token that is accepted. Default `fake-token`. */
  readonly token?: string;
  /** Writes answer 403. */
  readonly readOnly?: boolean;
  /** Largest page, whatever `per_page` asks for. Default 100. */
  readonly pageSize?: number;
}

export interface FakeGitHub {
  readonly url: string;
  readonly comments: FakeComment[];
  readonly requests: { readonly method: string; readonly path: string }[];
  /** Adds a comment as if someone else had posted it. */
  seed(issue: number, body: string): FakeComment;
  close(): Promise<void>;
}

const COMMENT_LIMIT = 65_536;

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const repository = options.repository ?? 'example/config';
  const token = options.token ?? 'fake-token';
  const comments: FakeComment[] = [];
  const requests: { method: string; path: string }[] = [];
  let nextId = 1000;
  let base = '';

  const add = (issue: number, body: string): FakeComment => {
    const id = nextId++;
    const comment = { id, issue, body, html_url: `https://github.com/${repository}/pull/${issue}#issuecomment-${id}` };
    comments.push(comment);
    return comment;
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', base);
      requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search });
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      if (req.headers.authorization !== `Bearer ${token}`) return send(401, { message: 'Bad credentials' });
      const prefix = `/repos/${repository}/issues/`;
      if (!url.pathname.startsWith(prefix)) return send(404, { message: 'Not Found' });
      const rest = url.pathname.slice(prefix.length);
      const payload = () => JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { body?: unknown };
      const write = (handler: (body: string) => void) => {
        if (options.readOnly) return send(403, { message: 'Resource not accessible by integration' });
        const { body } = payload();
        if (typeof body !== 'string') return send(422, { message: 'body is missing' });
        if (body.length > COMMENT_LIMIT) return send(422, { message: 'Body is too long (maximum is 65536 characters)' });
        handler(body);
      };

      const list = /^(\d+)\/comments$/.exec(rest);
      if (list && req.method === 'GET') {
        const issue = Number(list[1]);
        const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), options.pageSize ?? 100);
        const page = Number(url.searchParams.get('page') ?? 1);
        const all = comments.filter((c) => c.issue === issue);
        const slice = all.slice((page - 1) * perPage, page * perPage);
        const headers: Record<string, string> = {};
        if (page * perPage < all.length) {
          const next = new URL(url);
          next.searchParams.set('page', String(page + 1));
          headers['Link'] = `<${next.href}>; rel="next"`;
        }
        return send(200, slice, headers);
      }
      if (list && req.method === 'POST') return write((body) => send(201, add(Number(list[1]), body)));
      const one = /^comments\/(\d+)$/.exec(rest);
      if (one && req.method === 'PATCH') {
        const comment = comments.find((c) => c.id === Number(one[1]));
        if (!comment) return send(404, { message: 'Not Found' });
        return write((body) => {
          comment.body = body;
          send(200, comment);
        });
      }
      return send(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    comments,
    requests,
    seed: add,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
