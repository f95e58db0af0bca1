import { type FileHandle, open } from 'node:fs/promises';

export interface AuditSummary {
  time: string;
  seq: number;
  event: string;
  principal?: string;
  tool?: string;
  uri?: string;
  decision?: string;
  outcome?: string;
  error_code?: string;
  risk?: string;
  /** With `details`: the arguments as the record keeps them (redacted when written), and the error or reason. */
  args?: unknown;
  error?: string;
  reason?: string;
}

const CHUNK = 64 * 1024;
const MAX_LINE = 4 * 1024 * 1024;
const MAX_SCAN = 16 * 1024 * 1024;

/** The first complete line starting at or after `offset`, with where it starts and ends. */
async function lineAt(
  fh: FileHandle,
  offset: number,
  size: number,
): Promise<{ start: number; end: number; text: string } | undefined> {
  let start = offset;
  if (offset > 0) {
    // Skip the rest of the line `offset` falls in.
    let found = -1;
    for (let at = offset - 1; at < size && found < 0; at += CHUNK) {
      const buf = Buffer.alloc(Math.min(CHUNK, size - at));
      await fh.read(buf, 0, buf.length, at);
      const nl = buf.indexOf(0x0a);
      if (nl >= 0) found = at + nl;
      if (at - offset > MAX_LINE) return undefined;
    }
    if (found < 0) return undefined;
    start = found + 1;
  }
  const parts: Buffer[] = [];
  for (let at = start; at < size && at - start <= MAX_LINE; at += CHUNK) {
    const buf = Buffer.alloc(Math.min(CHUNK, size - at));
    await fh.read(buf, 0, buf.length, at);
    const nl = buf.indexOf(0x0a);
    if (nl >= 0) {
      parts.push(buf.subarray(0, nl));
      return { start, end: at + nl + 1, text: Buffer.concat(parts).toString('utf8') };
    }
    parts.push(buf);
  }
  return undefined;
}

function timeOf(text: string): number {
  const match = /"time":"([^"]{10,40})"/.exec(text.slice(0, 200));
  return match ? Date.parse(match[1]!) : Number.NaN;
}

function summarize(text: string, details: boolean): AuditSummary | undefined {
  try {
    const r = JSON.parse(text) as Record<string, unknown> & { principal?: { name?: string; id?: string } };
    const pick = (key: string) => (typeof r[key] === 'string' ? { [key]: r[key] as string } : {});
    return {
      time: String(r.time),
      seq: Number(r.seq),
      event: String(r.event),
      ...(r.principal ? { principal: r.principal.name ?? r.principal.id } : {}),
      ...pick('tool'),
      ...pick('uri'),
      ...pick('decision'),
      ...pick('outcome'),
      ...pick('error_code'),
      ...pick('risk'),
      ...(details
        ? { ...(r.args !== undefined ? { args: r.args } : {}), ...pick('error'), ...pick('reason') }
        : {}),
    };
  } catch {
    return undefined;
  }
}

/**
 * Audit records with a time in [from, to), oldest first, as summaries (who, what tool,
 * what was decided and how it went; never the arguments). The log is ordered by time,
 * so the start is found by bisecting the file: a year of records costs a few reads.
 */
export async function auditRecordsBetween(
  path: string,
  fromMs: number,
  toMs: number,
  limit: number,
  options: { details?: boolean; keep?: (summary: AuditSummary) => boolean } = {},
): Promise<{ records: AuditSummary[]; truncated: boolean }> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch {
    return { records: [], truncated: false };
  }
  try {
    const { size } = await fh.stat();
    let lo = 0;
    let hi = size;
    while (hi - lo > CHUNK) {
      const mid = Math.floor((lo + hi) / 2);
      const line = await lineAt(fh, mid, size);
      if (!line || !(timeOf(line.text) < fromMs)) hi = mid;
      else lo = mid;
    }
    const records: AuditSummary[] = [];
    let offset = lo;
    let scanned = 0;
    while (offset < size && scanned < MAX_SCAN) {
      // At a line start (the byte before is a newline) this is that line; else the next one.
      const line = await lineAt(fh, offset, size);
      if (!line) break;
      scanned += line.end - offset;
      offset = line.end;
      const t = timeOf(line.text);
      if (!(t >= fromMs)) continue;
      if (t >= toMs) break;
      const summary = summarize(line.text, options.details ?? false);
      if (!summary || (options.keep && !options.keep(summary))) continue;
      if (records.length >= limit) return { records, truncated: true };
      records.push(summary);
    }
    return { records, truncated: offset < size && scanned >= MAX_SCAN };
  } finally {
    await fh.close();
  }
}
