import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/log.ts';
import { redactArgs } from '../../src/audit/redact.ts';
import { verifyAuditLog } from '../../src/audit/verify.ts';
import { silentLogger } from '../../src/log.ts';

const tmpFile = () => join(mkdtempSync(join(tmpdir(), 'tw-audit-')), 'audit.jsonl');

async function writeRecords(path: string, n: number): Promise<void> {
  const audit = await AuditLog.open(path, silentLogger());
  await Promise.all(
    Array.from({ length: n }, (_, i) => audit.append({ event: 'test', i, text: `rëcord ${i} ✓` })),
  );
  await audit.close();
}

const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean);

describe('audit log', () => {
  it('chains records across batches and restarts', async () => {
    const path = tmpFile();
    await writeRecords(path, 50);
    await writeRecords(path, 7);
    const all = lines(path).map((l) => JSON.parse(l));
    expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 57 }, (_, i) => i + 1));
    expect(all[1].prev).toBe(all[0].hash);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true, records: 57 });
  });

  it('detects an edited record and names its line', async () => {
    const path = tmpFile();
    await writeRecords(path, 10);
    const content = lines(path);
    content[4] = content[4]!.replace('"i":4', '"i":40');
    writeFileSync(path, `${content.join('\n')}\n`);
    const report = await verifyAuditLog(path);
    expect(report.ok).toBe(false);
    expect(report.broken).toEqual({ line: 5, reason: expect.stringContaining('edited') });
  });

  it('detects a removed record', async () => {
    const path = tmpFile();
    await writeRecords(path, 10);
    const content = lines(path);
    content.splice(6, 1);
    writeFileSync(path, `${content.join('\n')}\n`);
    expect((await verifyAuditLog(path)).broken?.line).toBe(7);
  });

  it('detects a rewritten chain with a wrong sequence', async () => {
    const path = tmpFile();
    await writeRecords(path, 3);
    const content = lines(path);
    writeFileSync(path, `${[content[0], content[0], ...content.slice(1)].join('\n')}\n`);
    expect((await verifyAuditLog(path)).broken?.line).toBe(2);
  });

  it('removes a torn last line left by a crash, records that, and keeps the chain valid', async () => {
    const path = tmpFile();
    await writeRecords(path, 5);
    appendFileSync(path, '{"seq":6,"time":"2026-01-01T00:00:00Z","event":"te');
    const audit = await AuditLog.open(path, silentLogger());
    await audit.append({ event: 'after' });
    await audit.close();
    const records = lines(path).map((l) => JSON.parse(l));
    expect(records.map((r) => r.event)).toEqual([
      'test',
      'test',
      'test',
      'test',
      'test',
      'audit.recovered',
      'after',
    ]);
    expect(records[5].truncated_bytes).toBeGreaterThan(0);
    expect((await verifyAuditLog(path)).ok).toBe(true);
  });

  it('refuses to start on a damaged last record instead of silently forking the chain', async () => {
    const path = tmpFile();
    await writeRecords(path, 2);
    appendFileSync(path, 'not a record\n');
    await expect(AuditLog.open(path, silentLogger())).rejects.toThrow(/damaged record/);
  });

  it('rejects appends when the disk is full, and keeps no half-written chain', async () => {
    const audit = await AuditLog.open('/dev/full', silentLogger());
    await expect(audit.append({ event: 'x' }, { durable: true })).rejects.toMatchObject({
      code: 'ERR_AUDIT_UNAVAILABLE',
    });
    await audit.close();
  });
});

describe('argument redaction', () => {
  it('hides secret-looking and declared keys at any depth, and cuts long values', () => {
    const out = redactArgs(
      {
        name: 'x',
        password: 'p',
        api_key: 'k',
        env: { DB_PASSWORD: 'p', CLIENT_SECRET: 's', PLAIN: 'v' },
        max_tokens: 5,
        note: 'n'.repeat(5000),
        list: Array.from({ length: 250 }, (_, i) => i),
      },
      ['note2'],
    ) as Record<string, unknown>;
    expect(out.password).toBe('[secret: 1 chars]');
    expect(out.api_key).toBe('[secret: 1 chars]');
    expect(out.env).toEqual({
      DB_PASSWORD: '[secret: 1 chars]',
      CLIENT_SECRET: '[secret: 1 chars]',
      PLAIN: 'v',
    });
    expect(out.max_tokens).toBe(5);
    expect(out.note).toMatch(/^n{4096}…\(cut: 5000 characters\)$/);
    expect((out.list as unknown[]).length).toBe(201);
    expect(redactArgs({ value: 'v' }, ['value'])).toEqual({ value: '[secret: 1 chars]' });
  });

  it('masks URL passwords, also in a URL the length cut would split, and stays linear on huge strings', () => {
    expect(redactArgs({ url: 'probe https://alice:s3cret@host/x then git+ssh://bob:pw@h' })).toEqual({
      url: 'probe https://alice:[secret: 6 chars]@host/x then git+ssh://bob:[secret: 2 chars]@h',
    });
    const straddling = redactArgs({ url: `${'x '.repeat(2043)}http://u:${'p'.repeat(40)}@h/` }) as {
      url: string;
    };
    expect(straddling.url).not.toContain('pppp');
    // A 1 MiB run of letters (the hostile-input suite sends such bodies): the first version of this
    // mask was quadratic here and held the event loop for minutes.
    const huge = redactArgs({ blob: 'a'.repeat(1 << 20) }) as { blob: string };
    expect(huge.blob).toMatch(/^a{4096}…\(cut: 1048576 characters\)$/);
  });
});
