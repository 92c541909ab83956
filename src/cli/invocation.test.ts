import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { invocation } from './invocation.js';

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A folder with an installation of tagway at `<dir>/tagway/bin/run.js`, and its path. */
function setUp(): { dir: string; bin: string } {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tagway-invocation-')));
  temps.push(dir);
  const bin = path.join(dir, 'tagway', 'bin', 'run.js');
  fs.mkdirSync(path.dirname(bin), { recursive: true });
  fs.writeFileSync(bin, '#!/usr/bin/env node\n');
  fs.writeFileSync(path.join(dir, 'tagway', 'package.json'), '{ "name": "tagway" }\n');
  fs.mkdirSync(path.join(dir, 'config'));
  return { dir, bin };
}

describe('invocation', () => {
  it('is tagway when the tagway on PATH is this installation (a global install, npm link)', () => {
    const { dir, bin } = setUp();
    fs.mkdirSync(path.join(dir, 'global-bin'));
    fs.symlinkSync(bin, path.join(dir, 'global-bin', 'tagway'));
    expect(invocation(path.join(dir, 'config'), { bin, path: ['/nonexistent', path.join(dir, 'global-bin')].join(path.delimiter) })).toBe('tagway');
  });

  it('is not tagway when the first tagway on PATH is another installation', () => {
    const { dir, bin } = setUp();
    fs.mkdirSync(path.join(dir, 'other-bin'));
    fs.writeFileSync(path.join(dir, 'other-bin', 'tagway'), '#!/bin/sh\n');
    expect(invocation(path.join(dir, 'config'), { bin, path: path.join(dir, 'other-bin') })).toBe(`node ${bin}`);
  });

  it('is npx tagway in a project whose dependencies installed this tagway', () => {
    const { dir, bin } = setUp();
    fs.writeFileSync(path.join(dir, 'package.json'), '{ "private": true }\n');
    fs.mkdirSync(path.join(dir, 'node_modules', '.bin'), { recursive: true });
    fs.symlinkSync(bin, path.join(dir, 'node_modules', '.bin', 'tagway'));
    expect(invocation(path.join(dir, 'config'), { bin, path: '' })).toBe('npx tagway');
  });

  it('is npx tagway inside a clone of tagway', () => {
    const { dir, bin } = setUp();
    const inside = path.join(dir, 'tagway', 'services');
    fs.mkdirSync(inside);
    expect(invocation(inside, { bin, path: '' })).toBe('npx tagway');
  });

  it('is node and the path of the bin elsewhere, quoted for a shell when it must be', () => {
    const { dir, bin } = setUp();
    expect(invocation(path.join(dir, 'config'), { bin, path: '' })).toBe(`node ${bin}`);
    const spaced = path.join(dir, "it's here", 'run.js');
    fs.mkdirSync(path.dirname(spaced));
    fs.copyFileSync(bin, spaced);
    expect(invocation(path.join(dir, 'config'), { bin: spaced, path: '' })).toBe(`node '${path.join(dir, "it'\\''s here", 'run.js')}'`);
  });
});
