import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AuditHeadStore, readAnchor } from '../../src/audit/head.ts';
import { AuditLog, type AuditLogOptions } from '../../src/audit/log.ts';
import { verifyAuditLog } from '../../src/audit/verify.ts';
import { createLogger, silentLogger } from '../../src/log.ts';
import { StateDb } from '../../src/state/db.ts';

/** A state directory with its database and an audit log path inside it. */
function place() {
  const dir = mkdtempSync(join(tmpdir(), 'tw-head-'));
  return { dir, path: join(dir, 'audit.jsonl') };
}

async function withLog<T>(
  dir: string,
  path: string,
  work: (audit: AuditLog) => Promise<T>,
  options: AuditLogOptions & { log?: ReturnType<typeof silentLogger> } = {},
): Promise<T> {
  const db = new StateDb(dir);
  const head = new AuditHeadStore(db);
  const audit = await AuditLog.open(path, options.log ?? silentLogger(), { head, ...options });
  try {
    return await work(audit);
  } finally {
    await audit.close();
    head.close();
    db.close();
  }
}

async function write(dir: string, path: string, n: number, durable = false): Promise<void> {
  await withLog(dir, path, async (audit) => {
    for (let i = 0; i < n; i++) await audit.append({ event: 'test', i }, { durable });
  });
}

/** Verify as `tailwarden audit verify` does: the anchor read first, then the file. */
function verify(dir: string, path: string) {
  const db = new StateDb(dir);
  const anchor = readAnchor(db, path);
  db.close();
  return verifyAuditLog(path, { anchor });
}

const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean);
const keep = (path: string, kept: string[]) => writeFileSync(path, kept.length ? `${kept.join('\n')}\n` : '');

describe('audit chain head anchored in the state database', () => {
  it('verifies an untouched log against its anchor', async () => {
    const { dir, path } = place();
    await write(dir, path, 20);
    const report = await verify(dir, path);
    expect(report).toMatchObject({
      ok: true,
      records: 20,
      anchor: { state: 'match', seq: 20 },
      problems: [],
    });
  });

  it('detects records dropped from the end, which leave a valid chain', async () => {
    const { dir, path } = place();
    await write(dir, path, 10, true);
    keep(path, lines(path).slice(0, 7));
    // The chain alone still verifies: that was the hole.
    expect((await verifyAuditLog(path)).ok).toBe(true);
    const report = await verify(dir, path);
    expect(report.ok).toBe(false);
    expect(report.anchor.state).toBe('mismatch');
    expect(report.problems[0]).toMatch(/ends at record 7.*anchored record 10.*synced.*8–10 were removed/);
  });

  it('says when the missing records had not been synced yet (a power failure could explain it)', async () => {
    const { dir, path } = place();
    await write(dir, path, 5, true);
    await write(dir, path, 5, false);
    keep(path, lines(path).slice(0, 8));
    const report = await verify(dir, path);
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatch(
      /Records 9–10 had been written but not yet synced.*crashed or lost power/,
    );
  });

  it('detects an emptied or deleted log, and a file put in its place', async () => {
    const { dir, path } = place();
    await write(dir, path, 4);
    keep(path, []);
    expect((await verify(dir, path)).problems[0]).toMatch(/log is empty.*anchored 4 records/);
    const other = place();
    await write(other.dir, other.path, 6);
    writeFileSync(path, readFileSync(other.path));
    expect((await verify(dir, path)).problems[0]).toMatch(
      /Record 1 is not the one the state database anchored/,
    );
  });

  it('detects a chain rewritten from the middle on (hashes recomputed) by the anchored hash', async () => {
    const { dir, path } = place();
    await write(dir, path, 6);
    const original = lines(path);
    // Rebuild records 4–6 with other content, chained correctly: only the anchor can tell.
    const forged = place();
    const head = original.slice(0, 3);
    keep(forged.path, head);
    const audit = await AuditLog.open(forged.path, silentLogger());
    for (let i = 0; i < 3; i++) await audit.append({ event: 'test', i: 100 + i });
    await audit.close();
    writeFileSync(path, readFileSync(forged.path));
    expect((await verifyAuditLog(path)).ok).toBe(true);
    const report = await verify(dir, path);
    expect(report.problems[0]).toMatch(/Record 6 is not the one the state database anchored.*rewritten/);
  });

  it('still names an edit in the middle and a reordering by their line', async () => {
    const { dir, path } = place();
    await write(dir, path, 8);
    const original = lines(path);
    keep(
      path,
      original.map((l, i) => (i === 3 ? l.replace('"i":3', '"i":33') : l)),
    );
    expect((await verify(dir, path)).broken).toEqual({ line: 4, reason: expect.stringContaining('edited') });
    keep(path, [original[0]!, original[2]!, original[1]!, ...original.slice(3)]);
    expect((await verify(dir, path)).broken).toEqual({
      line: 2,
      reason: expect.stringContaining('removed or reordered'),
    });
  });

  it('records, when it starts, that records were removed while it was stopped; verify reports it from then on', async () => {
    const { dir, path } = place();
    await write(dir, path, 10, true);
    keep(path, lines(path).slice(0, 6));
    const logged: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of chunk.toString().split('\n')) if (line) logged.push(JSON.parse(line));
        done();
      },
    });
    await withLog(dir, path, (audit) => audit.append({ event: 'after' }), {
      log: createLogger({ destination: sink }),
    });
    const records = lines(path).map((l) => JSON.parse(l));
    expect(records.map((r) => r.event).slice(-2)).toEqual(['audit.anchor_mismatch', 'after']);
    expect(records.at(-2)).toMatchObject({ anchored: { records: 10 }, found: { records: 6 } });
    expect(logged.some((l) => l.level === 'error' && String(l.msg).includes('were removed'))).toBe(true);
    const report = await verify(dir, path);
    expect(report.ok).toBe(false);
    expect(report.anchor.state).toBe('match');
    expect(report.problems[0]).toMatch(/record 7 .* found this log behind its anchored head/);
  });

  it('starts a moved-aside log anew with a record naming the previous head (a notice, not a fault)', async () => {
    const { dir, path } = place();
    await write(dir, path, 3);
    renameSync(path, `${path}.old`);
    await write(dir, path, 2);
    const records = lines(path).map((l) => JSON.parse(l));
    expect(records[0]).toMatchObject({ event: 'audit.log_replaced', previous: { records: 3 } });
    const report = await verify(dir, path);
    expect(report.ok).toBe(true);
    expect(report.notices.join(' ')).toMatch(/started this log anew/);
  });

  it('writes durable checkpoints every so many records and logs their hash as a second witness', async () => {
    const { dir, path } = place();
    const logged: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of chunk.toString().split('\n')) if (line) logged.push(JSON.parse(line));
        done();
      },
    });
    await withLog(
      dir,
      path,
      async (audit) => {
        for (let i = 0; i < 25; i++) await audit.append({ event: 'test', i });
        await audit.flush();
      },
      { checkpointRecords: 10, log: createLogger({ destination: sink }) },
    );
    const records = lines(path).map((l) => JSON.parse(l));
    const checkpoints = records.filter((r) => r.event === 'audit.checkpoint');
    expect(checkpoints.map((r) => r.seq)).toEqual([11, 22]);
    const witness = logged.filter((l) => l.audit_checkpoint).map((l) => l.audit_checkpoint);
    expect(witness).toEqual(checkpoints.map((r) => ({ seq: r.seq, hash: r.hash })));
    // The synced anchor moved with the last checkpoint.
    const db = new StateDb(dir);
    expect(readAnchor(db, path)?.synced.seq).toBeGreaterThanOrEqual(22);
    db.close();
    const expect22 = { seq: 22, hash: checkpoints[1].hash as string };
    expect((await verifyAuditLog(path, { expect: expect22 })).ok).toBe(true);
    const wrong = await verifyAuditLog(path, { expect: { seq: 22, hash: '0'.repeat(64) } });
    expect(wrong.problems[0]).toMatch(/Record 22 has hash/);
  });

  it('after a crash between the file write and the anchor update: verify explains, the next start moves the anchor', async () => {
    const { dir, path } = place();
    await write(dir, path, 5, true);
    // A real process killed (SIGKILL) after its third batch reached the file and before the
    // anchor update that follows it.
    const script = `
      import { AuditHeadStore } from ${JSON.stringify(join(import.meta.dirname, '../../src/audit/head.ts'))};
      import { AuditLog } from ${JSON.stringify(join(import.meta.dirname, '../../src/audit/log.ts'))};
      import { silentLogger } from ${JSON.stringify(join(import.meta.dirname, '../../src/log.ts'))};
      import { StateDb } from ${JSON.stringify(join(import.meta.dirname, '../../src/state/db.ts'))};
      const head = new AuditHeadStore(new StateDb(${JSON.stringify(dir)}));
      let writes = 0;
      const write = head.write.bind(head);
      head.write = (anchor) => { if (++writes === 4) process.kill(process.pid, 'SIGKILL'); write(anchor); };
      const audit = await AuditLog.open(${JSON.stringify(path)}, silentLogger(), { head });
      for (let i = 0; i < 10; i++) await audit.append({ event: 'child', i }, { durable: true });
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
    const signal = await new Promise((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
    expect(signal).toBe('SIGKILL');
    // open anchors once (write 1), then the batches of records 6, 7 anchored (2, 3); the write
    // of record 8 reached the file, its anchor update (4) did not happen.
    expect(lines(path)).toHaveLength(8);
    const report = await verify(dir, path);
    expect(report.ok).toBe(true);
    expect(report.anchor).toMatchObject({ state: 'ahead', seq: 7 });
    expect(report.notices[0]).toMatch(
      /1 record after the anchored head \(record 7\).*stopped between a write and its anchor update/,
    );
    await write(dir, path, 1);
    expect(await verify(dir, path)).toMatchObject({ ok: true, records: 9, anchor: { state: 'match' } });
  });
});
