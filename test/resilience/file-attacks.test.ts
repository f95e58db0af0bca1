import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemModule } from '../../src/modules/system/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { type Outcome, outcome, pool, tally } from './support/outcome.ts';

/**
 * Attacks on the files_* tools beyond test/system/files.test.ts: paths swapped
 * for symlinks out of the root while calls run, odd spellings of paths, special
 * files inside the root, and files that grow, shrink or have no end of line.
 * Every test runs against a real gateway through a real MCP client; the secret
 * outside the root carries a random marker that must never come back.
 */

const MARKER = `TOPSECRET-${randomBytes(6).toString('hex')}`;
const SECRET_NAME = `hidden-name-${randomBytes(4).toString('hex')}.log`;
/** Codes a refusal during a race may carry; ERR_INTERNAL (or none) means an unhandled error. */
const CLEAN = new Set(['ok', 'ERR_CONFLICT', 'ERR_NOT_FOUND', 'ERR_PERMISSION_DENIED', 'ERR_INPUT_REJECTED']);

/** A child process that keeps swapping paths by rename until killed (real concurrency, not the test's loop). */
function swapper(script: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ['-e', script, ...args], { stdio: 'ignore' });
}

const FILE_SWAP = `
const fs = require('node:fs');
const [target, secret, stage] = process.argv.slice(1);
for (let i = 0; ; i++) {
  fs.writeFileSync(stage + '/f', 'harmless line\\n');
  fs.renameSync(stage + '/f', target);
  try { fs.unlinkSync(stage + '/l'); } catch {}
  fs.symlinkSync(secret, stage + '/l');
  fs.renameSync(stage + '/l', target);
}`;

const DIR_SWAP = `
const fs = require('node:fs');
const [target, outside, stage] = process.argv.slice(1);
fs.symlinkSync(outside, stage + '/link');
for (;;) {
  fs.renameSync(target, stage + '/real');
  fs.renameSync(stage + '/link', target);
  fs.renameSync(target, stage + '/link');
  fs.renameSync(stage + '/real', target);
}`;

function expectClean(outcomes: readonly Outcome[]) {
  for (const o of outcomes) {
    expect(o.text, 'the secret came back').not.toContain(MARKER);
    // (a refusal may echo the caller's own path, which can hold the name)
    if (o.ok) expect(o.text, 'a name outside the root came back').not.toContain(SECRET_NAME);
    expect(CLEAN.has(o.code), `unclean outcome ${o.code}: ${o.text.slice(0, 300)}`).toBe(true);
  }
}

describe('file tools under attack', () => {
  let gw: TestGateway;
  let client: Client;
  let base: string;
  let root: string;
  let outside: string;
  let linkedRoot: string;
  const secretText = `${MARKER}\n`.repeat(40);
  const figures: string[] = [];
  let socketServer: Server;

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'tw-test-fileattack-'));
    root = join(base, 'root');
    outside = join(base, 'outside');
    const realOfLinkedRoot = join(base, 'real-second-root');
    linkedRoot = join(base, 'second-root');
    for (const d of [root, outside, realOfLinkedRoot, join(base, 'stage-f'), join(base, 'stage-d')])
      mkdirSync(d);
    mkdirSync(join(root, 'dir'));
    symlinkSync(realOfLinkedRoot, linkedRoot);
    writeFileSync(join(realOfLinkedRoot, 'second.log'), 'in the second root\n');
    writeFileSync(join(outside, 'payroll.txt'), secretText);
    writeFileSync(join(outside, 'a.log'), secretText);
    writeFileSync(join(outside, SECRET_NAME), secretText);
    writeFileSync(join(root, 'app.log'), 'harmless line\n');
    writeFileSync(join(root, 'race.log'), 'harmless line\n');
    writeFileSync(join(root, 'dir', 'a.log'), 'harmless line\n');
    gw = await startTestGateway({
      modules: [systemModule as ToolModule],
      config: {
        rate_limit: { per_principal: 1_000_000 },
        modules: {
          system: { file_roots: [root, linkedRoot], file_read_max: '64KiB', file_search_max_bytes: '4MiB' },
        },
      },
    });
    client = await gw.client(await gw.token({ permissions: ['files:read'] }));
  });
  afterAll(async () => {
    socketServer?.close();
    await gw?.close();
    rmSync(base, { recursive: true, force: true });
    console.log(`file attacks:\n  ${figures.join('\n  ')}`);
  });

  it('never returns the secret while a file is swapped for a symlink out of the root', async () => {
    const child = swapper(FILE_SWAP, [
      join(root, 'race.log'),
      join(outside, 'payroll.txt'),
      join(base, 'stage-f'),
    ]);
    const started = performance.now();
    try {
      const race = join(root, 'race.log');
      const calls = Array.from({ length: 400 }, (_, i) => {
        const kind = i % 5;
        if (kind === 0) return () => outcome(client, 'files_read', { path: race });
        if (kind === 1) return () => outcome(client, 'files_tail', { path: race, lines: 5 });
        if (kind === 2) return () => outcome(client, 'files_stat', { path: race });
        if (kind === 3) return () => outcome(client, 'files_search', { path: root, pattern: 'line' });
        return () => outcome(client, 'files_list', { path: root });
      });
      const results = await pool(calls, 8);
      expectClean(results);
      for (const r of results.filter((o) => o.ok && o.data?.type !== undefined)) {
        // files_stat: never the secret's size or a path outside the root
        expect(r.data.size_bytes).not.toBe(secretText.length);
        expect(r.data.path.startsWith(root)).toBe(true);
      }
      const counts = tally(results);
      expect(counts.ok).toBeGreaterThan(0);
      figures.push(
        `file swap race: ${results.length} calls in ${Math.round(performance.now() - started)} ms, ${JSON.stringify(counts)}`,
      );
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('never lists or reads outside the root while a directory is swapped for a symlink', async () => {
    const child = swapper(DIR_SWAP, [join(root, 'dir'), outside, join(base, 'stage-d')]);
    const started = performance.now();
    const dir = join(root, 'dir');
    try {
      const calls = Array.from({ length: 400 }, (_, i) => {
        const kind = i % 5;
        if (kind === 0) return () => outcome(client, 'files_list', { path: dir });
        if (kind === 1) return () => outcome(client, 'files_read', { path: join(dir, 'a.log') });
        if (kind === 2) return () => outcome(client, 'files_search', { path: dir, pattern: 'line' });
        if (kind === 3) return () => outcome(client, 'files_search', { path: root, pattern: 'TOPSECRET' });
        return () => outcome(client, 'files_stat', { path: join(dir, SECRET_NAME) });
      });
      const results = await pool(calls, 8);
      expectClean(results);
      for (const r of results.filter((o) => o.ok && Array.isArray(o.data?.matches)))
        expect(r.data.matches).toEqual(
          expect.not.arrayContaining([expect.objectContaining({ path: expect.not.stringContaining(root) })]),
        );
      const counts = tally(results);
      expect(counts.ok).toBeGreaterThan(0);
      figures.push(
        `directory swap race: ${results.length} calls in ${Math.round(performance.now() - started)} ms, ${JSON.stringify(counts)}`,
      );
    } finally {
      child.kill('SIGKILL');
      // Leave root/dir a real directory whatever state the swapper was killed in.
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
      for (const name of readdirSync(join(base, 'stage-d')))
        rmSync(join(base, 'stage-d', name), { recursive: true });
      mkdirSync(dir);
    }
  });

  it('handles odd spellings of paths with a clean answer and never reads outside', async () => {
    const longName = 'a'.repeat(300);
    const deep = `${root}/${'x/'.repeat(2000)}app.log`;
    const cases: [string, string][] = [
      [`${root}/%2e%2e/outside/payroll.txt`, 'ERR_NOT_FOUND'],
      [`${root}/..%2fouside/payroll.txt`, 'ERR_NOT_FOUND'],
      [`${root}//app.log`, 'ok'],
      [`${root}/./app.log`, 'ok'],
      // Normalized lexically before the check (path.resolve), so these name app.log itself:
      // the same file, inside the root, where POSIX would say ENOTDIR.
      [`${root}/app.log/.`, 'ok'],
      [`${root}/app.log/`, 'ok'],
      [`${root}/app.log\0.txt`, 'ERR_INPUT_REJECTED'],
      [`${root}\u2215..\u2215outside\u2215secret.txt`, 'ERR_PERMISSION_DENIED'],
      [`${root}/\uff0e\uff0e/outside/payroll.txt`, 'ERR_NOT_FOUND'],
      [`${root}/\u2024\u2024/outside/payroll.txt`, 'ERR_NOT_FOUND'],
      [`${root}/${longName}`, 'ERR_INPUT_REJECTED'],
      [deep.slice(0, 4096), 'ERR_NOT_FOUND'],
      [`/proc/self/root${root}/app.log`, 'ok'],
      [`/proc/self/root${outside}/payroll.txt`, 'ERR_PERMISSION_DENIED'],
      [`/proc/self/cwd/package.json`, 'ERR_PERMISSION_DENIED'],
      ['/proc/self/environ', 'ERR_PERMISSION_DENIED'],
      ['/proc/self/mem', 'ERR_PERMISSION_DENIED'],
      [`${linkedRoot}/second.log`, 'ok'],
      [`${linkedRoot}/../outside/payroll.txt`, 'ERR_PERMISSION_DENIED'],
    ];
    // Every descriptor the gateway process holds (it runs in this process): the audit log,
    // the state database, sockets. Through /proc/self/fd none may be read.
    for (const fd of readdirSync('/proc/self/fd')) cases.push([`/proc/self/fd/${fd}`, 'refused']);
    symlinkSync(join(root, 'loop-b'), join(root, 'loop-a'));
    symlinkSync(join(root, 'loop-a'), join(root, 'loop-b'));
    cases.push([join(root, 'loop-a'), 'ERR_INPUT_REJECTED']);
    const results: Outcome[] = [];
    const wrong: string[] = [];
    for (const [path, want] of cases) {
      for (const tool of ['files_read', 'files_stat']) {
        const o = await outcome(client, tool, { path });
        results.push(o);
        if (want === 'refused' ? o.ok : o.code !== want)
          wrong.push(
            `${tool} ${JSON.stringify(path.slice(0, 120))}: want ${want}, got ${o.text.slice(0, 160)}`,
          );
      }
    }
    expect(wrong).toEqual([]);
    expectClean(results);
    figures.push(`odd paths: ${cases.length} paths × 2 tools, ${JSON.stringify(tally(results))}`);
  });

  it('answers promptly for a FIFO, a socket and a device inside the root, and searches past them', async () => {
    execFileSync('mkfifo', [join(root, 'pipe.log')]);
    execFileSync('mknod', [join(root, 'zero.log'), 'c', '1', '5']);
    socketServer = createServer();
    await new Promise<void>((r) => socketServer.listen(join(root, 'sock.log'), r));
    for (const name of ['pipe.log', 'zero.log', 'sock.log']) {
      const path = join(root, name);
      expect((await outcome(client, 'files_read', { path })).text).toMatch(
        /ERR_INPUT_REJECTED.*not a regular file/,
      );
      expect((await outcome(client, 'files_tail', { path })).text).toMatch(
        /ERR_INPUT_REJECTED.*not a regular file/,
      );
      expect((await outcome(client, 'files_stat', { path })).data).toMatchObject({ type: 'other' });
      expect((await outcome(client, 'files_search', { path, pattern: 'x' })).data).toMatchObject({
        files_scanned: 0,
      });
    }
    const search = await outcome(client, 'files_search', { path: root, pattern: 'harmless' });
    expect(search.code).toBe('ok');
    expect(search.data.matches.length).toBeGreaterThan(0);
    const listed = await outcome(client, 'files_list', { path: root });
    expect(listed.data.entries.map((e: { name: string }) => e.name)).toEqual(
      expect.arrayContaining(['pipe.log', 'zero.log', 'sock.log']),
    );
    for (const name of ['pipe.log', 'zero.log', 'sock.log']) rmSync(join(root, name));
  });

  it('bounds a search through a huge file with no newline by the byte budget', async () => {
    // 10 KB of text, then 512 MiB of hole: one "line" far larger than the 4 MiB search budget.
    const path = join(root, 'sparse.log');
    writeFileSync(path, 'text head\n'.repeat(1000));
    truncateSync(path, 512 * 1024 * 1024);
    const before = process.memoryUsage().rss;
    const started = performance.now();
    const o = await outcome(client, 'files_search', { path, pattern: 'never-there' });
    const ms = Math.round(performance.now() - started);
    expect(o.code).toBe('ok');
    expect(o.data.truncated).toBe(true);
    expect(o.data.bytes_scanned).toBeLessThanOrEqual(4 * 1024 * 1024 + 64 * 1024);
    const tail = await outcome(client, 'files_tail', { path, lines: 10 });
    expect(tail.code).toBe('ERR_INPUT_REJECTED'); // the tail is all NUL bytes: binary
    figures.push(
      `512 MiB sparse file, no newline: search stopped after ${o.data.bytes_scanned} bytes in ${ms} ms; RSS ${Math.round(before / 2 ** 20)} → ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`,
    );
    rmSync(path);
  });

  it('tails and searches a file that grows and is truncated meanwhile, with whole text lines', async () => {
    const path = join(root, 'grow.log');
    writeFileSync(path, '');
    const writer = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('node:fs'); const p = process.argv[1];
         for (let i = 0; ; i++) {
           if (i % 2000 === 0) fs.truncateSync(p, 0);
           fs.appendFileSync(p, 'grow ' + i + '\\n');
         }`,
        path,
      ],
      { stdio: 'ignore' },
    );
    try {
      const calls = Array.from({ length: 200 }, (_, i) =>
        i % 2 === 0
          ? () => outcome(client, 'files_tail', { path, lines: 20 })
          : () => outcome(client, 'files_search', { path, pattern: 'grow 1' }),
      );
      const results = await pool(calls, 8);
      expectClean(results);
      for (const r of results) expect(r.code, r.text.slice(0, 300)).toBe('ok');
      // Text only: a line cut where the file was truncated under the read is fine, NUL fill is not.
      for (const r of results.filter((o) => Array.isArray(o.data?.lines)))
        for (const line of r.data.lines) expect(line).toMatch(/^[grow \d]*$/);
      figures.push(
        `growing/truncated file: ${results.length} tail/search calls, ${JSON.stringify(tally(results))}`,
      );
    } finally {
      writer.kill('SIGKILL');
    }
  });

  it('reads a hard link inside the root as the file it is, but keeps the deny list on its name', async () => {
    // Decision (docs/resilience.md): a hard link is the same file under a name inside the
    // root; the guard judges names, so it is readable. Making one needs write access to the
    // root and, with fs.protected_hardlinks=1 (checked below), read and write access to the
    // target, so it gives nobody a file they could not already read.
    expect(execFileSync('cat', ['/proc/sys/fs/protected_hardlinks']).toString().trim()).toBe('1');
    const target = join(outside, 'hard-target.txt');
    writeFileSync(target, 'linked content\n');
    linkSync(target, join(root, 'hard.log'));
    linkSync(target, join(root, 'hard.key'));
    expect((await outcome(client, 'files_read', { path: join(root, 'hard.log') })).data.content).toBe(
      'linked content\n',
    );
    expect((await outcome(client, 'files_read', { path: join(root, 'hard.key') })).code).toBe(
      'ERR_PERMISSION_DENIED',
    );
    // A file with no read permission: the test runs as root, which reads it anyway, so there is
    // nothing to observe here (noted in docs/resilience.md).
  });
});
