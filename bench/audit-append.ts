/**
 * What anchoring the audit head costs on the call path: records appended one after another (each
 * its own batch, as a quiet gateway writes them), without and with the anchor update in the state
 * database, in the same run. Also the durable (fdatasync) case for comparison.
 *   npx node bench/audit-append.ts [records]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditHeadStore } from '../src/audit/head.ts';
import { AuditLog } from '../src/audit/log.ts';
import { silentLogger } from '../src/log.ts';
import { StateDb } from '../src/state/db.ts';

const n = Number(process.argv[2] ?? 3000);

async function run(label: string, anchored: boolean, durable: boolean): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'tw-bench-audit-'));
  const db = new StateDb(dir);
  const head = anchored ? new AuditHeadStore(db) : undefined;
  const audit = await AuditLog.open(join(dir, 'audit.jsonl'), silentLogger(), head ? { head } : {});
  const count = durable ? Math.ceil(n / 10) : n;
  const began = performance.now();
  for (let i = 0; i < count; i++)
    await audit.append(
      { event: 'tool.decision', tool: 'system_status', args: { i }, decision: 'allowed' },
      { durable },
    );
  const perRecord = ((performance.now() - began) / count) * 1000;
  await audit.close();
  head?.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(`${label.padEnd(34)} ${perRecord.toFixed(0).padStart(6)} µs per record (${count} records)`);
  return perRecord;
}

await run('warm-up', false, false);
const plain = await run('append, no anchor', false, false);
const anchored = await run('append, anchored head', true, false);
await run('durable append, no anchor', false, true);
await run('durable append, anchored head', true, true);
console.log(`anchored / plain: ${(anchored / plain).toFixed(2)}×`);
