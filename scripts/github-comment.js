#!/usr/bin/env node
/**
 * Posts a file as a comment on the pull request a workflow runs for, or updates the comment it
 * posted on an earlier run, so a pull request carries one tagway comment that follows its pushes.
 * Used by action.yml (`comment: true`).
 *
 *   node scripts/github-comment.js --file FILE [--id ID]
 *
 * The comment is found again by a hidden first line, `<!-- tagway-comment: ID -->`.
 * Reads what GitHub Actions provides: GITHUB_TOKEN, GITHUB_API_URL, GITHUB_REPOSITORY and the
 * event payload at GITHUB_EVENT_PATH. Outside a pull request it does nothing. When the token may
 * not write (a pull request from a fork gets a read-only token), it warns and exits 0: the
 * comment is a convenience, the checks are what gate the merge.
 */
import fs from 'node:fs';

/** GitHub rejects longer comment bodies. */
const COMMENT_LIMIT = 65_536;

function fail(message) {
  process.stderr.write(`github-comment: ${message}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const args = { file: undefined, id: 'tagway-diff' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if ((flag === '--file' || flag === '--id') && value !== undefined) {
      args[flag.slice(2)] = value;
      i++;
    } else fail(`unknown argument ${flag}; usage: github-comment.js --file FILE [--id ID]`);
  }
  if (args.file === undefined) fail('--file is required');
  return args;
}

function env(name) {
  const value = process.env[name];
  if (value === undefined || value === '') fail(`${name} is not set (this script runs inside a GitHub Actions job)`);
  return value;
}

/** The pull request number of a `pull_request(_target)` or pull-request `issue_comment` event. */
function pullRequestNumber(payload) {
  if (payload.pull_request?.number !== undefined) return payload.pull_request.number;
  if (payload.issue?.pull_request !== undefined) return payload.issue.number;
  return undefined;
}

function nextPage(link) {
  const match = /<([^>]+)>;\s*rel="next"/.exec(link ?? '');
  return match ? match[1] : undefined;
}

async function main() {
  const { file, id } = parseArgs(process.argv.slice(2));
  const payload = JSON.parse(fs.readFileSync(env('GITHUB_EVENT_PATH'), 'utf8'));
  const number = pullRequestNumber(payload);
  if (number === undefined) {
    process.stdout.write('::notice title=tagway::not a pull request, so no comment was posted\n');
    return;
  }
  const api = (process.env.GITHUB_API_URL || 'https://api.github.com').replace(/\/$/, '');
  const repository = env('GITHUB_REPOSITORY');
  const headers = {
    Accept: 'application/vnd.github+json',
    Authorization: `Bearer ${env('GITHUB_TOKEN')}`,
    'Content-Type': 'application/json',
    'User-Agent': 'tagway-action',
    'X-GitHub-Api-Version': '2022-11-28',
  };

  const marker = `<!-- tagway-comment: ${id} -->`;
  let body = `${marker}\n${fs.readFileSync(file, 'utf8')}`;
  if (body.length > COMMENT_LIMIT) {
    const note = '\n\n> [!NOTE]\n> Cut short at GitHub\'s comment size limit.\n';
    body = body.slice(0, COMMENT_LIMIT - note.length) + note;
  }

  let existing;
  for (let url = `${api}/repos/${repository}/issues/${number}/comments?per_page=100`; url !== undefined && existing === undefined; ) {
    const res = await fetch(url, { headers });
    if (!res.ok) fail(`listing the comments of #${number} failed: ${res.status} ${await res.text()}`);
    existing = (await res.json()).find((c) => typeof c.body === 'string' && c.body.startsWith(marker));
    url = nextPage(res.headers.get('link'));
  }

  if (existing !== undefined && existing.body === body) {
    process.stdout.write(`tagway comment on #${number} is up to date: ${existing.html_url ?? existing.id}\n`);
    return;
  }
  const res =
    existing === undefined
      ? await fetch(`${api}/repos/${repository}/issues/${number}/comments`, { method: 'POST', headers, body: JSON.stringify({ body }) })
      : await fetch(`${api}/repos/${repository}/issues/comments/${existing.id}`, { method: 'PATCH', headers, body: JSON.stringify({ body }) });
  if (res.status === 403 || res.status === 404) {
    process.stdout.write(`::warning title=tagway::could not write the pull-request comment (${res.status}); a pull request from a fork gets a read-only token\n`);
    return;
  }
  if (!res.ok) fail(`writing the comment on #${number} failed: ${res.status} ${await res.text()}`);
  const comment = await res.json();
  process.stdout.write(`tagway comment ${existing === undefined ? 'posted on' : 'updated on'} #${number}: ${comment.html_url ?? comment.id}\n`);
}

main().catch((error) => fail(error instanceof Error ? error.message : String(error)));
