import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { GENESIS_HASH, hashOf, unsealLine } from './chain.ts';

export interface VerifyReport {
  ok: boolean;
  records: number;
  /** The first record that breaks the chain (1-based line number). */
  broken?: { line: number; reason: string };
}

/** Check every record's hash and its link to the one before; stop at the first break. */
export async function verifyAuditLog(path: string): Promise<VerifyReport> {
  const lines = createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let prevHash = GENESIS_HASH;
  let prevSeq = 0;
  let lineNo = 0;
  const fail = (reason: string): VerifyReport => {
    lines.close();
    return { ok: false, records: lineNo - 1, broken: { line: lineNo, reason } };
  };
  for await (const line of lines) {
    lineNo += 1;
    const sealed = unsealLine(line);
    if (!sealed) return fail('not a sealed audit record (no trailing hash)');
    let record: { seq?: unknown; prev?: unknown };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      return fail('not valid JSON');
    }
    if (hashOf(sealed.body) !== sealed.hash) return fail('content does not match its hash (edited)');
    if (record.prev !== prevHash) return fail('does not link to the previous record (removed or reordered)');
    if (record.seq !== prevSeq + 1) return fail(`sequence ${String(record.seq)} follows ${prevSeq}`);
    prevHash = sealed.hash;
    prevSeq = record.seq as number;
  }
  return { ok: true, records: lineNo };
}
