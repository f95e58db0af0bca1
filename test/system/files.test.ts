import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemModule } from '../../src/modules/system/index.ts';
import type { ToolModule } from '../../src/modules/types.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { fails, ok } from './helpers.ts';

describe('files_* tools under configured roots', () => {
  let gw: TestGateway;
  let client: Client;
  let base: string;
  let root: string;

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'tw-test-files-'));
    root = join(base, 'logs');
    const sibling = join(base, 'logsX');
    const outside = join(base, 'outside');
    for (const dir of [root, sibling, outside, join(root, 'sub'), join(root, '.ssh')]) mkdirSync(dir);
    writeFileSync(join(root, 'app.log'), 'line one\nERROR disk on fire\nline three\n');
    writeFileSync(join(root, 'sub', 'nested.log'), 'alpha\nbeta ERROR nested\n');
    writeFileSync(join(root, '.env'), 'DB_PASSWORD=hunter2\n');
    writeFileSync(join(root, 'sub', 'server.key'), '-----BEGIN PRIVATE KEY-----\nERROR\n');
    writeFileSync(join(root, '.ssh', 'authorized_keys'), 'ssh-ed25519 AAAA ERROR\n');
    writeFileSync(join(root, 'api_token.txt'), 'ERROR token\n');
    writeFileSync(
      join(root, 'binary.bin'),
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0x45, 0x52, 0x52, 0x4f, 0x52]),
    );
    writeFileSync(join(root, 'latin1.log'), Buffer.from('caf\xe9 ERROR\n', 'latin1'));
    writeFileSync(
      join(root, 'big.log'),
      Array.from({ length: 200_000 }, (_, i) => `line ${i}`).join('\n') + '\n',
    );
    writeFileSync(join(sibling, 'secret.txt'), 'not yours ERROR\n');
    writeFileSync(join(outside, 'secret.txt'), 'outside ERROR\n');
    symlinkSync(join(outside, 'secret.txt'), join(root, 'link-out.log'));
    symlinkSync(join(root, 'app.log'), join(root, 'link-in.log'));
    symlinkSync('../logsX/secret.txt', join(root, 'link-sibling.log'));
    symlinkSync(outside, join(root, 'dir-out'));
    symlinkSync(join(root, '.env'), join(root, 'harmless.log'));
    gw = await startTestGateway({
      modules: [systemModule as ToolModule],
      config: { modules: { system: { file_roots: [root], file_read_max: '64KiB' } } },
    });
    client = await gw.client(await gw.token({ permissions: ['files:read'] }));
  });
  afterAll(async () => {
    await gw?.close();
    rmSync(base, { recursive: true, force: true });
  });

  it('lists a root, hiding deny-listed names', async () => {
    const out = await ok(client, 'files_list', { path: root });
    const names = out.entries.map((e: { name: string }) => e.name);
    expect(names).toContain('app.log');
    expect(names).toContain('sub');
    expect(names).not.toContain('.env');
    expect(names).not.toContain('.ssh');
    expect(names).not.toContain('api_token.txt');
    expect(out.denied_hidden).toBe(3);
    expect(out.entries.find((e: { name: string }) => e.name === 'link-out.log').type).toBe('symlink');
  });

  it('reads, stats and tails text files', async () => {
    const read = await ok(client, 'files_read', { path: join(root, 'app.log') });
    expect(read.content).toBe('line one\nERROR disk on fire\nline three\n');
    expect(read).not.toHaveProperty('next_offset'); // the whole file was read
    const slice = await ok(client, 'files_read', { path: join(root, 'app.log'), offset: 9, length: 5 });
    expect(slice.content).toBe('ERROR');
    expect(slice.next_offset).toBe(14);
    const stat = await ok(client, 'files_stat', { path: join(root, 'sub') });
    expect(stat).toMatchObject({ type: 'directory', path: join(root, 'sub') });
    const tail = await ok(client, 'files_tail', { path: join(root, 'big.log'), lines: 3 });
    expect(tail.lines).toEqual(['line 199997', 'line 199998', 'line 199999']);
  });

  it('follows a symlink that stays inside the root', async () => {
    const read = await ok(client, 'files_read', { path: join(root, 'link-in.log') });
    expect(read.path).toBe(join(root, 'app.log'));
  });

  it('refuses traversal with ..', async () => {
    const text = await fails(
      client,
      'files_read',
      { path: `${root}/../outside/secret.txt` },
      'ERR_PERMISSION_DENIED',
    );
    expect(text).toContain('outside the readable roots');
    await fails(client, 'files_list', { path: `${root}/sub/../..` }, 'ERR_PERMISSION_DENIED');
  });

  it('refuses a prefix-sibling directory (logsX is not under logs)', async () => {
    await fails(client, 'files_read', { path: `${root}X/secret.txt` }, 'ERR_PERMISSION_DENIED');
    await fails(client, 'files_list', { path: `${root}X` }, 'ERR_PERMISSION_DENIED');
  });

  it('refuses symlinks that lead out of the root, to files and directories', async () => {
    await fails(client, 'files_read', { path: join(root, 'link-out.log') }, 'ERR_PERMISSION_DENIED');
    await fails(client, 'files_read', { path: join(root, 'link-sibling.log') }, 'ERR_PERMISSION_DENIED');
    await fails(client, 'files_read', { path: join(root, 'dir-out', 'secret.txt') }, 'ERR_PERMISSION_DENIED');
    await fails(client, 'files_tail', { path: join(root, 'link-out.log') }, 'ERR_PERMISSION_DENIED');
  });

  it('refuses deny-listed names inside the root, also behind an innocent-looking link', async () => {
    for (const path of [
      join(root, '.env'),
      join(root, 'sub', 'server.key'),
      join(root, '.ssh', 'authorized_keys'),
      join(root, 'api_token.txt'),
      join(root, 'harmless.log'),
    ]) {
      const text = await fails(client, 'files_read', { path }, 'ERR_PERMISSION_DENIED');
      expect(text).toContain('deny list');
      expect(text).not.toContain('hunter2');
    }
    await fails(client, 'files_stat', { path: join(root, '.ssh') }, 'ERR_PERMISSION_DENIED');
  });

  it('refuses relative paths, missing files and binary files with clear errors', async () => {
    await fails(client, 'files_read', { path: 'logs/app.log' }, 'ERR_INPUT_REJECTED');
    await fails(client, 'files_read', { path: join(root, 'nope.log') }, 'ERR_NOT_FOUND');
    const binary = await fails(
      client,
      'files_read',
      { path: join(root, 'binary.bin') },
      'ERR_INPUT_REJECTED',
    );
    expect(binary).toContain('binary');
    await fails(client, 'files_read', { path: join(root, 'latin1.log') }, 'ERR_INPUT_REJECTED');
    await fails(client, 'files_read', { path: root }, 'ERR_INPUT_REJECTED');
  });

  it('caps reads of huge files and pages with next_offset', async () => {
    await fails(
      client,
      'files_read',
      { path: join(root, 'big.log'), length: 1_000_000 },
      'ERR_INPUT_REJECTED',
    );
    const first = await ok(client, 'files_read', { path: join(root, 'big.log') });
    // At most the default slice, ending at a line break so the next slice starts on a line.
    expect(first.content.length).toBeLessThanOrEqual(64 * 1024);
    expect(first.content.length).toBeGreaterThan(60 * 1024);
    expect(first.content.endsWith('\n')).toBe(true);
    expect(first.next_offset).toBe(Buffer.byteLength(first.content));
    expect(first.note).toContain(`"offset": ${first.next_offset}`);
    const second = await ok(client, 'files_read', { path: join(root, 'big.log'), offset: first.next_offset });
    expect(second.offset).toBe(first.next_offset);
    expect(second.content).toMatch(/^line \d+\n/);
    const lastBefore = Number(/line (\d+)\n$/.exec(first.content)![1]);
    expect(second.content.startsWith(`line ${lastBefore + 1}\n`)).toBe(true);
  });

  it('reads 64 KiB by default even where the cap allows more, and more when asked', async () => {
    const roomy = await startTestGateway({
      modules: [systemModule as ToolModule],
      config: { modules: { system: { file_roots: [root] } } }, // file_read_max: 1 MiB
    });
    try {
      const reader = await roomy.client(await roomy.token({ permissions: ['files:read'] }));
      const slice = await ok(reader, 'files_read', { path: join(root, 'big.log') });
      expect(slice.content.length).toBeLessThanOrEqual(64 * 1024);
      expect(slice.note).toMatch(
        /more bytes; continue with files_read .*"offset": \d+.*length up to 1048576/,
      );
      const more = await ok(reader, 'files_read', { path: join(root, 'big.log'), length: 500_000 });
      expect(more.content.length).toBeGreaterThan(400_000);
    } finally {
      await roomy.close();
    }
  });

  it('searches a tree, skipping binary, deny-listed and symlinked files', async () => {
    const out = await ok(client, 'files_search', { path: root, pattern: 'error', name: '*.log' });
    const hits = out.matches.map((m: { path: string; line: number }) => `${m.path}:${m.line}`).sort();
    expect(hits).toEqual([`${join(root, 'app.log')}:2`, `${join(root, 'sub', 'nested.log')}:2`]);
    expect(out.skipped).toBeGreaterThan(0);
    // Which were skipped and why; deny-listed names are only counted, as in files_list.
    expect(out.skipped_reasons).toMatchObject({ symlink: 5 });
    expect(out.skipped_reasons['deny-listed']).toBeGreaterThan(0);
    expect(out.skipped_files).toContainEqual({ path: join(root, 'link-out.log'), reason: 'symlink' });
    expect(JSON.stringify(out.skipped_files)).not.toMatch(/\.env|server\.key|authorized_keys/);
    const binary = await ok(client, 'files_search', { path: root, pattern: 'ERROR', name: '*.bin' });
    expect(binary.skipped_files).toContainEqual({ path: join(root, 'binary.bin'), reason: 'binary' });
    const all = await ok(client, 'files_search', { path: root, pattern: 'ERROR', ignore_case: false });
    const paths = all.matches.map((m: { path: string }) => m.path);
    expect(paths.some((p: string) => /outside|logsX|\.env|server\.key|token|binary/.test(p))).toBe(false);
    const regex = await ok(client, 'files_search', {
      path: root,
      pattern: '^line 1999\\d\\d$',
      regex: true,
      max_matches: 5,
    });
    expect(regex.matches).toHaveLength(5);
    expect(regex.truncated).toBe(true);
    await fails(client, 'files_search', { path: root, pattern: '(', regex: true }, 'ERR_INPUT_REJECTED');
    // Shapes that backtrack catastrophically elsewhere simply run: RE2 matches in linear time.
    for (const shape of ['(a+)+$', '(\\w+\\s?)*x', '(a|aa)*b', '.*.*.*.*.*.*.*.*x']) {
      const out = await ok(client, 'files_search', {
        path: root,
        pattern: shape,
        regex: true,
        name: '*.log',
      });
      expect(out.truncated).toBe(false);
    }
    // What RE2 cannot do is refused with what to write instead.
    const backref = await fails(
      client,
      'files_search',
      { path: root, pattern: '(x)\\1', regex: true },
      'ERR_INPUT_REJECTED',
    );
    expect(backref).toContain('back-references');
    const look = await fails(
      client,
      'files_search',
      { path: root, pattern: 'a(?=b)', regex: true },
      'ERR_INPUT_REJECTED',
    );
    expect(look).toContain('lookahead and lookbehind');
    const huge = await fails(
      client,
      'files_search',
      { path: root, pattern: '.{1000}', regex: true },
      'ERR_INPUT_REJECTED',
    );
    expect(huge).toContain('counted repetitions');
    // Globs: ? and classes too.
    const glob = await ok(client, 'files_search', { path: root, pattern: 'error', name: '[a-b]??.l?g' });
    expect(glob.matches.map((m: { path: string }) => m.path)).toEqual([join(root, 'app.log')]);
  }, 120_000); // more calls than most: a generous bound for a loaded machine

  it('is hidden from callers without files:read', async () => {
    const viewer = await gw.client(await gw.token({ permissions: ['system:read'] }));
    const { tools } = await viewer.listTools();
    expect(tools.map((t) => t.name)).not.toContain('files_read');
    await fails(viewer, 'files_read', { path: join(root, 'app.log') }, 'ERR_PERMISSION_DENIED');
  });
});
