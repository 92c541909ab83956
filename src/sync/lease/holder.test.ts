import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import { describeRun, newRunToken, processGone, thisProcess } from './holder.js';

describe('describeRun', () => {
  const info = { user: 'ci', host: 'runner-7', pid: 4242, startedAt: new Date('2025-01-02T03:04:05.678Z') };
  it('names the command, who runs it where, since when (to the second) and the snapshot', () => {
    expect(describeRun({ command: 'tagway sync --group staging --rev v1', digest: 'sha256:ab' }, info)).toBe(
      'tagway sync --group staging --rev v1 by ci@runner-7, pid 4242, started 2025-01-02T03:04:05Z, snapshot sha256:ab',
    );
  });

  it('describes this process by default', () => {
    const me = thisProcess();
    expect(describeRun({ command: 'tagway sync', digest: 'sha256:ab' })).toContain(`@${os.hostname()}, pid ${process.pid}, started `);
    expect(me.user).not.toBe('');
  });
});

describe('thisProcess', () => {
  it('is this host and process, started when the run says', () => {
    const startedAt = new Date('2025-01-01T00:00:00Z');
    expect(thisProcess(startedAt)).toEqual({ user: expect.any(String), host: os.hostname(), pid: process.pid, startedAt });
  });
});

describe('thisProcess: who runs it', () => {
  const cases: ReadonlyArray<{ readonly name: string; readonly account: string | null; readonly env: string | undefined; readonly user: string }> = [
    { name: "the account's name, whatever USER says", account: 'ada', env: 'someone-else', user: 'ada' },
    { name: 'USER when the account has no passwd entry', account: null, env: 'grace', user: 'grace' },
    { name: 'USER when the account has an empty name', account: '', env: 'grace', user: 'grace' },
    { name: 'unknown when neither says', account: null, env: undefined, user: 'unknown' },
  ];
  it.each(cases)('$name', ({ account, env, user }) => {
    const info = vi.spyOn(os, 'userInfo').mockImplementation(() => {
      if (account === null) throw Object.assign(new Error('no passwd entry'), { code: 'ENOENT' });
      return { username: account, uid: 1, gid: 1, shell: null, homedir: '/' };
    });
    const saved = process.env['USER'];
    if (env === undefined) delete process.env['USER'];
    else process.env['USER'] = env;
    try {
      expect(thisProcess().user).toBe(user);
    } finally {
      info.mockRestore();
      if (saved === undefined) delete process.env['USER'];
      else process.env['USER'] = saved;
    }
  });
});

describe('newRunToken', () => {
  it('is 16 hex digits, another each time', () => {
    const tokens = new Set(Array.from({ length: 20 }, () => newRunToken()));
    expect(tokens.size).toBe(20);
    for (const token of tokens) expect(token).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('processGone', () => {
  const exited = spawnSync(process.execPath, ['-e', '0']).pid;
  const cases: ReadonlyArray<{ readonly name: string; readonly host: string; readonly pid: number; readonly gone: boolean }> = [
    { name: 'a process of this host that exited', host: os.hostname(), pid: exited, gone: true },
    { name: 'a process of another host that is not here', host: `not-${os.hostname()}`, pid: exited, gone: false },
    { name: 'this process', host: os.hostname(), pid: process.pid, gone: false },
    { name: 'the parent process', host: os.hostname(), pid: process.ppid, gone: false },
    { name: 'pid 0 (the process group)', host: os.hostname(), pid: 0, gone: false },
    { name: 'a negative pid', host: os.hostname(), pid: -exited, gone: false },
    { name: 'a fractional pid', host: os.hostname(), pid: exited + 0.5, gone: false },
    { name: 'a pid too large to be one', host: os.hostname(), pid: 2 ** 53, gone: false },
    { name: 'a pid of another user (init), which exists', host: os.hostname(), pid: 1, gone: false },
  ];
  for (const c of cases) {
    it(`${c.gone ? 'finds' : 'does not find'} ${c.name} gone`, () => expect(processGone(c.host, c.pid)).toBe(c.gone));
  }

  it('does not find a process gone that it may not signal (another user\'s)', () => {
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => {
      throw Object.assign(new Error('kill EPERM'), { code: 'EPERM' });
    });
    try {
      expect(processGone(os.hostname(), exited)).toBe(false);
      expect(kill).toHaveBeenCalledWith(exited, 0);
    } finally {
      kill.mockRestore();
    }
  });

  it('does not find a running child gone, and finds it gone once it has exited', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    const pid = child.pid!;
    try {
      expect(processGone(os.hostname(), pid)).toBe(false);
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    expect(processGone(os.hostname(), pid)).toBe(true);
  });
});
