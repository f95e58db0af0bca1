import { mkdirSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GatewayError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { explainUnwritable } from '../state/unwritable.ts';
import { GENESIS_HASH, sealLine, unsealLine } from './chain.ts';

export interface AuditEntry {
  event: string;
  [field: string]: unknown;
}

interface Pending {
  entry: AuditEntry;
  time: string;
  durable: boolean;
  resolve: () => void;
  reject: (error: Error) => void;
}

const TAIL_CHUNK = 64 * 1024;

/** Absolute offset of the last newline byte before `end`, or -1. */
async function newlineBefore(fh: FileHandle, end: number): Promise<number> {
  while (end > 0) {
    const start = Math.max(0, end - TAIL_CHUNK);
    const buf = Buffer.alloc(end - start);
    await fh.read(buf, 0, buf.length, start);
    const at = buf.lastIndexOf(0x0a);
    if (at >= 0) return start + at;
    end = start;
  }
  return -1;
}

/** The last complete line of the file, and the size up to its end (anything after is a torn write). */
async function lastCompleteLine(fh: FileHandle): Promise<{ line: string | undefined; goodSize: number }> {
  const { size } = await fh.stat();
  const lastNl = await newlineBefore(fh, size);
  if (lastNl < 0) return { line: undefined, goodSize: 0 };
  const prevNl = await newlineBefore(fh, lastNl);
  const buf = Buffer.alloc(lastNl - prevNl - 1);
  await fh.read(buf, 0, buf.length, prevNl + 1);
  return { line: buf.toString('utf8'), goodSize: lastNl + 1 };
}

/**
 * Append-only, hash-chained JSON Lines. Appends are batched into one write per
 * tick; a durable append also waits for fdatasync. The chain only advances once
 * a batch is on disk, so a failed write (disk full) loses no link: the records
 * in that batch are refused, and their callers are told.
 */
export class AuditLog {
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;

  readonly path: string;
  private readonly fh: FileHandle;
  private seq: number;
  private lastHash: string;
  private size: number;
  private readonly log: Logger;

  private constructor(
    path: string,
    fh: FileHandle,
    seq: number,
    lastHash: string,
    size: number,
    log: Logger,
  ) {
    this.path = path;
    this.fh = fh;
    this.seq = seq;
    this.lastHash = lastHash;
    this.size = size;
    this.log = log;
  }

  static async open(path: string, log: Logger): Promise<AuditLog> {
    let fh: FileHandle;
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      fh = await open(path, 'a+', 0o600);
    } catch (error) {
      throw explainUnwritable(error, path, 'The audit log');
    }
    const { size } = await fh.stat();
    const { line, goodSize } = await lastCompleteLine(fh);
    let seq = 0;
    let lastHash = GENESIS_HASH;
    if (line !== undefined && line.length > 0) {
      const sealed = unsealLine(line);
      let parsedSeq: unknown;
      try {
        parsedSeq = (JSON.parse(line) as { seq?: unknown }).seq;
      } catch {
        parsedSeq = undefined;
      }
      if (!sealed || typeof parsedSeq !== 'number') {
        await fh.close();
        throw new GatewayError(
          'ERR_AUDIT_UNAVAILABLE',
          `The audit log ${path} ends with a damaged record. Run \`tailwarden audit verify\`, then move the file aside to start a new log.`,
        );
      }
      seq = parsedSeq;
      lastHash = sealed.hash;
    }
    const audit = new AuditLog(path, fh, seq, lastHash, goodSize, log);
    if (goodSize < size) {
      // A crash in the middle of a write left a partial line: it was never acknowledged.
      await fh.truncate(goodSize);
      await audit.append({ event: 'audit.recovered', truncated_bytes: size - goodSize }, { durable: true });
      log.warn({ truncated_bytes: size - goodSize }, 'audit log: removed a partial record left by a crash');
    }
    return audit;
  }

  /** Resolves once the record is written (and synced, when durable); rejects if it could not be. */
  append(entry: AuditEntry, options: { durable?: boolean } = {}): Promise<void> {
    if (this.closed) {
      return Promise.reject(
        new GatewayError('ERR_AUDIT_UNAVAILABLE', 'The audit log is closed (shutting down).'),
      );
    }
    return new Promise((resolve, reject) => {
      this.pending.push({
        entry,
        time: new Date().toISOString(),
        durable: options.durable === true,
        resolve,
        reject,
      });
      if (!this.flushing) this.flushing = this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    await new Promise<void>((r) => setImmediate(r));
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      await this.writeBatch(batch);
    }
    this.flushing = undefined;
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    let seq = this.seq;
    let prev = this.lastHash;
    const lines: string[] = [];
    for (const item of batch) {
      seq += 1;
      const { event, ...fields } = item.entry;
      const body = JSON.stringify({ seq, time: item.time, event, ...fields, prev });
      const sealed = sealLine(body);
      lines.push(sealed.line);
      prev = sealed.hash;
    }
    const data = Buffer.from(`${lines.join('\n')}\n`);
    try {
      const { bytesWritten } = await this.fh.write(data, 0, data.length, null);
      // A filling disk answers with a short write, not an error: that is a torn batch, never a success.
      if (bytesWritten !== data.length)
        throw new Error(`short write (${bytesWritten} of ${data.length} bytes): disk full?`);
      if (batch.some((p) => p.durable)) await this.fh.datasync();
      this.seq = seq;
      this.lastHash = prev;
      this.size += data.length;
      for (const item of batch) item.resolve();
    } catch (cause) {
      await this.fh.truncate(this.size).catch(() => undefined);
      this.log.error({ err: cause, records: batch.length }, 'audit log write failed');
      const error = new GatewayError(
        'ERR_AUDIT_UNAVAILABLE',
        'The audit log cannot be written (disk full or not writable); nothing runs unaudited. Free space in the state directory and retry.',
        { cause },
      );
      for (const item of batch) item.reject(error);
    }
  }

  /** Wait for everything appended so far to be written. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    await this.fh.datasync().catch(() => undefined);
    await this.fh.close();
  }
}
