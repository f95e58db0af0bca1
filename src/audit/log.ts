import { mkdirSync, writeSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GatewayError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { explainUnwritable } from '../state/unwritable.ts';
import { boundValue } from '../util/bounded.ts';
import { terminalSafeJson } from '../util/terminal-safe.ts';
import { compareWithAnchor } from './anchor-check.ts';
import { GENESIS_HASH, sealLine, unsealLine } from './chain.ts';
import { firstHash, lastCompleteLine, lastHashes } from './file-lines.ts';
import type { AuditHeadStore, ChainPoint } from './head.ts';
import { maskSecretsInText } from './secrets.ts';

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

export interface AuditLogOptions {
  /** Where the head of the chain is anchored (the state database); without it nothing is anchored. */
  head?: AuditHeadStore;
  /** Write an `audit.checkpoint` record after this many records (0: never). */
  checkpointRecords?: number;
  /** ... and after this long (ms) when records were written since the last one (0: never). */
  checkpointIntervalMs?: number;
}

/**
 * While records flow, the anchor is written at most this often (a durable batch and close write it at
 * once). Each write is a commit to the state database, and every other connection to it — the one
 * that checks tokens on each request — must re-read its pages after one: anchoring every batch cost
 * the 2025-era call path about 40 µs a call in bench/eras.ts. The anchor may lag the file by this
 * much, which is the direction it may already lag (see head.ts).
 */
const ANCHOR_EVERY_MS = 250;

/** How far back from the end `open` reads to compare the file with its anchor. */
const ANCHOR_LOOKBACK = 1000;

/**
 * Append-only, hash-chained JSON Lines. Appends are batched into one write per
 * tick; a durable append also waits for fdatasync. The chain only advances once
 * a batch is on disk, so a failed write (disk full) loses no link: the records
 * in that batch are refused, and their callers are told.
 *
 * Every record is cut to a bounded size (boundValue: a caller picks the length of a tool name or
 * an rpc id, not of the audit log) and its JSON written terminal-safe (C1 controls and bidi
 * overrides as \u escapes), so `tail -f` on the file cannot drive the reader's terminal.
 *
 * After each batch (at most every ANCHOR_EVERY_MS) the head (last sequence number and hash) is
 * anchored in the state database (see head.ts); `audit.checkpoint` records, written durably every so many records or minutes,
 * advance the synced anchor and put the head's hash in the gateway log as a second witness.
 */
export class AuditLog {
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;

  readonly path: string;
  private readonly fh: FileHandle;
  private seq: number;
  private lastHash: string;
  private first: string | null;
  private synced: ChainPoint;
  private size: number;
  private readonly log: Logger;
  private readonly options: AuditLogOptions;
  private checkpointSeq: number;
  private checkpointQueued = false;
  private checkpointTimer: NodeJS.Timeout | undefined;
  private anchorFailures = 0;
  private anchorTimer: NodeJS.Timeout | undefined;
  private anchoredAt = 0;

  private constructor(
    path: string,
    fh: FileHandle,
    head: { seq: number; lastHash: string; first: string | null; size: number },
    log: Logger,
    options: AuditLogOptions,
  ) {
    this.path = path;
    this.fh = fh;
    this.seq = head.seq;
    this.lastHash = head.lastHash;
    this.first = head.first;
    this.synced = { seq: 0, hash: GENESIS_HASH };
    this.checkpointSeq = head.seq;
    this.size = head.size;
    this.log = log;
    this.options = options;
    const every = options.checkpointIntervalMs ?? 0;
    if (every > 0) {
      this.checkpointTimer = setInterval(() => {
        if (this.seq > this.checkpointSeq) this.queueCheckpoint('interval');
      }, every);
      this.checkpointTimer.unref();
    }
  }

  static async open(path: string, log: Logger, options: AuditLogOptions = {}): Promise<AuditLog> {
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
    const first = seq > 0 ? await firstHash(fh, goodSize) : null;
    const audit = new AuditLog(path, fh, { seq, lastHash, first, size: goodSize }, log, options);
    if (goodSize < size) await fh.truncate(goodSize);
    await audit.checkAnchor();
    if (goodSize < size) {
      // A crash in the middle of a write left a partial line: it was never acknowledged.
      await audit.append({ event: 'audit.recovered', truncated_bytes: size - goodSize }, { durable: true });
      log.warn({ truncated_bytes: size - goodSize }, 'audit log: removed a partial record left by a crash');
    }
    return audit;
  }

  /**
   * At start: compare the file with the head anchored when the gateway last wrote it. A file
   * behind its anchor lost records while the gateway was stopped; that is recorded in the chain
   * itself (`audit.anchor_mismatch`, which `audit verify` reports from then on) rather than
   * refusing to start. A replaced file (moved aside) starts with `audit.log_replaced`, naming the
   * previous head. Then the anchor is moved to what the file holds, synced.
   */
  private async checkAnchor(): Promise<void> {
    const head = this.options.head;
    // What the file holds is synced before the anchor may call it synced (a character device
    // such as /dev/full cannot be synced: then nothing is anchored).
    if (
      !head ||
      !(await this.fh.datasync().then(
        () => true,
        () => false,
      ))
    )
      return;
    const anchor = head.read(this.path);
    let evidence: AuditEntry | undefined;
    if (anchor) {
      const lookback = Math.min(ANCHOR_LOOKBACK, Math.max(0, this.seq - anchor.synced.seq + 1));
      const tail = await lastHashes(this.fh, this.size, lookback);
      const finding = compareWithAnchor(anchor, {
        records: this.seq,
        first: this.first,
        hashAt: (seq) => tail[tail.length - 1 - (this.seq - seq)],
      });
      if (!finding.ok) {
        const previous = { records: anchor.written.seq, head: anchor.written.hash, first: anchor.first };
        evidence =
          finding.kind === 'replaced'
            ? { event: 'audit.log_replaced', previous, detail: finding.problem }
            : {
                event: 'audit.anchor_mismatch',
                anchored: previous,
                found: { records: this.seq, head: this.lastHash },
                detail: finding.problem,
              };
        if (finding.kind === 'replaced') this.log.warn({ audit: this.path }, finding.problem);
        else this.log.error({ audit: this.path }, `audit log: ${finding.problem}`);
      }
    }
    this.synced = { seq: this.seq, hash: this.lastHash };
    this.anchor();
    if (evidence) await this.append(evidence, { durable: true });
  }

  /** Anchor now when the batch was durable or the last anchor is old enough, else once the pace allows. */
  private anchorSoon(durable: boolean): void {
    const wait = ANCHOR_EVERY_MS - (Date.now() - this.anchoredAt);
    if (durable || wait <= 0) this.anchor();
    else if (!this.anchorTimer) {
      this.anchorTimer = setTimeout(() => this.anchor(), wait);
      this.anchorTimer.unref();
    }
  }

  private anchor(): void {
    clearTimeout(this.anchorTimer);
    this.anchorTimer = undefined;
    this.anchoredAt = Date.now();
    try {
      this.options.head?.write({
        path: this.path,
        first: this.first,
        written: { seq: this.seq, hash: this.lastHash },
        synced: this.synced,
      });
    } catch (error) {
      // Busy (a CLI write holds the lock) or failing: the next batch anchors again. The file is
      // what counts; a lagging anchor only narrows what verify can tell.
      if (this.anchorFailures++ % 1000 === 0)
        this.log.warn({ err: error }, 'audit log: could not update the anchored head');
    }
  }

  private queueCheckpoint(reason: 'records' | 'interval'): void {
    if (this.checkpointQueued || this.closed) return;
    this.checkpointQueued = true;
    this.append({ event: 'audit.checkpoint', reason, previous: this.checkpointSeq }, { durable: true })
      .catch((error) => this.log.error({ err: error }, 'audit log: checkpoint failed'))
      .finally(() => {
        this.checkpointQueued = false;
      });
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
    let first = this.first;
    let checkpoint: ChainPoint | undefined;
    const lines: string[] = [];
    for (const item of batch) {
      seq += 1;
      const { event, ...fields } = item.entry;
      const bounded = boundValue(fields) as Record<string, unknown>;
      // The last net of the one redaction path: no record leaves with a secret the detector knows.
      const json = maskSecretsInText(JSON.stringify({ seq, time: item.time, event, ...bounded, prev }));
      const body = terminalSafeJson(json);
      const sealed = sealLine(body);
      lines.push(sealed.line);
      prev = sealed.hash;
      first ??= sealed.hash;
      if (event === 'audit.checkpoint') checkpoint = { seq, hash: sealed.hash };
    }
    const data = Buffer.from(`${lines.join('\n')}\n`);
    try {
      // Written synchronously, as pino writes the gateway log: a write into the page cache costs about 5 µs
      // in the event loop, while an asynchronous one cost 35–130 µs of CPU (a thread-pool round trip) per
      // batch. Syncing to disk (durable batches) stays asynchronous: that is the part that can wait.
      const bytesWritten = writeSync(this.fh.fd, data, 0, data.length, null);
      // A filling disk answers with a short write, not an error: that is a torn batch, never a success.
      if (bytesWritten !== data.length)
        throw new Error(`short write (${bytesWritten} of ${data.length} bytes): disk full?`);
      const durable = batch.some((p) => p.durable);
      if (durable) await this.fh.datasync();
      this.seq = seq;
      this.lastHash = prev;
      this.first = first;
      this.size += data.length;
      if (durable) this.synced = { seq, hash: prev };
      this.anchorSoon(durable);
      if (checkpoint) {
        this.checkpointSeq = checkpoint.seq;
        // The gateway log (journald) is a second, independent witness of the head.
        this.log.info({ audit_checkpoint: checkpoint }, 'audit log checkpoint');
      }
      const every = this.options.checkpointRecords ?? 0;
      if (every > 0 && this.seq - this.checkpointSeq >= every) this.queueCheckpoint('records');
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
    clearInterval(this.checkpointTimer);
    await this.flush();
    this.closed = true;
    if (this.anchorTimer) this.anchor();
    await this.fh.datasync().catch(() => undefined);
    await this.fh.close();
  }
}
