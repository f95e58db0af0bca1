import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { compareWithAnchor } from './anchor-check.ts';
import { GENESIS_HASH, hashOf, unsealLine } from './chain.ts';
import type { AuditAnchor, ChainPoint } from './head.ts';

export interface VerifyReport {
  /** True when the chain is intact and nothing below is a problem. */
  ok: boolean;
  records: number;
  /** The first record that breaks the chain (1-based line number). */
  broken?: { line: number; reason: string };
  /** How the file compares with the head anchored in the state database. */
  anchor: { state: 'none' | 'match' | 'ahead' | 'mismatch'; seq?: number; synced_seq?: number };
  /** Findings that make the log untrustworthy (records removed, rewritten, replaced). */
  problems: string[];
  /** Things worth knowing that are not a fault (records not yet anchored, a log started anew). */
  notices: string[];
}

export interface VerifyOptions {
  /** The head the gateway anchored for this file (tailwarden's state database). */
  anchor?: AuditAnchor;
  /** A head seen elsewhere (a checkpoint in the gateway log): record `seq` must have this hash. */
  expect?: ChainPoint;
}

/** What the chain says about itself: evidence the gateway wrote when it found a fault at start. */
function evidenceIn(record: Record<string, unknown>, problems: string[], notices: string[]): void {
  const at = `record ${String(record.seq)} (${String(record.time)})`;
  if (record.event === 'audit.anchor_mismatch')
    problems.push(`At ${at} the gateway found this log behind its anchored head: ${String(record.detail)}`);
  else if (record.event === 'audit.log_replaced')
    notices.push(`At ${at} the gateway started this log anew: ${String(record.detail)}`);
}

/**
 * Check every record's hash and its link to the one before (stopping at the first break), then
 * compare the end of the file with the anchored head, so records removed from the end — which
 * leave a valid chain — are found too.
 */
export async function verifyAuditLog(path: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const lines = createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  const { anchor, expect } = options;
  const watched = new Set([anchor?.written.seq, anchor?.synced.seq, expect?.seq]);
  const hashes = new Map<number, string>();
  const problems: string[] = [];
  const notices: string[] = [];
  let first: string | null = null;
  let prevHash = GENESIS_HASH;
  let prevSeq = 0;
  let lineNo = 0;
  let broken: VerifyReport['broken'];
  for await (const line of lines) {
    lineNo += 1;
    const fail = (reason: string) => {
      broken = { line: lineNo, reason };
    };
    const sealed = unsealLine(line);
    let record: Record<string, unknown> | undefined;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      record = undefined;
    }
    if (!sealed) fail('not a sealed audit record (no trailing hash)');
    else if (!record) fail('not valid JSON');
    else if (hashOf(sealed.body) !== sealed.hash) fail('content does not match its hash (edited)');
    else if (record.prev !== prevHash) fail('does not link to the previous record (removed or reordered)');
    else if (record.seq !== prevSeq + 1) fail(`sequence ${String(record.seq)} follows ${prevSeq}`);
    if (broken || !sealed || !record) {
      lines.close();
      break;
    }
    prevHash = sealed.hash;
    prevSeq = record.seq as number;
    first ??= sealed.hash;
    if (watched.has(prevSeq)) hashes.set(prevSeq, sealed.hash);
    evidenceIn(record, problems, notices);
  }
  const records = broken ? lineNo - 1 : lineNo;
  if (broken) return { ok: false, records, broken, anchor: { state: 'none' }, problems, notices };

  let state: VerifyReport['anchor']['state'] = 'none';
  if (anchor) {
    const finding = compareWithAnchor(anchor, { records, first, hashAt: (seq) => hashes.get(seq) });
    if (!finding.ok) problems.push(finding.problem);
    else if (finding.notice) notices.push(finding.notice);
    state = !finding.ok ? 'mismatch' : records > anchor.written.seq ? 'ahead' : 'match';
  } else {
    notices.push(
      'No head is anchored for this file in the state database: only the chain itself was checked, so records removed from the end would not show.',
    );
  }
  if (expect) {
    const found = hashes.get(expect.seq);
    if (found === undefined)
      problems.push(`Record ${expect.seq} (given with --expect) is not in the log: it ends at ${records}.`);
    else if (found !== expect.hash)
      problems.push(`Record ${expect.seq} has hash ${found}, not the ${expect.hash} given with --expect.`);
  }
  return {
    ok: problems.length === 0,
    records,
    anchor: { state, ...(anchor ? { seq: anchor.written.seq, synced_seq: anchor.synced.seq } : {}) },
    problems,
    notices,
  };
}
