import type { AuditAnchor } from './head.ts';

/** What is known of an audit file when it is compared with its anchor. */
export interface FileState {
  /** Sequence number of the last record (0 when empty). */
  records: number;
  /** Hash of record 1, or null when empty. */
  first: string | null;
  /** The hash of record `seq`, or undefined when it was not read (too far back) or does not exist. */
  hashAt(seq: number): string | undefined;
}

export type AnchorFinding =
  | { ok: true; notice?: string }
  | { ok: false; kind: 'replaced' | 'removed' | 'missing-unsynced' | 'rewritten'; problem: string };

const short = (hash: string) => `${hash.slice(0, 12)}…`;
const when = (anchor: AuditAnchor) => new Date(anchor.updatedAt).toISOString();

/**
 * Compare a log file with the head the gateway anchored in the state database. The anchor is
 * written after the file, so a file *ahead* of it is normal (the gateway is writing, or stopped
 * between a write and its anchor update); a file *behind* it lost records from its end.
 */
export function compareWithAnchor(anchor: AuditAnchor, file: FileState): AnchorFinding {
  const { written, synced } = anchor;
  if (written.seq > 0 && (file.records === 0 || (anchor.first !== null && file.first !== anchor.first)))
    return {
      ok: false,
      kind: 'replaced',
      problem:
        file.records === 0
          ? `The log is empty, but the state database anchored ${written.seq} records (head ${short(written.hash)}, at ${when(anchor)}): the file was emptied, deleted or moved aside.`
          : `Record 1 is not the one the state database anchored (a log of ${written.seq} records, head ${short(written.hash)}, at ${when(anchor)}): this file replaced the anchored log (moved aside or deleted), or was rewritten from its first record.`,
    };
  if (file.records < synced.seq)
    return {
      ok: false,
      kind: 'removed',
      problem: `The log ends at record ${file.records}, but the state database anchored record ${written.seq} (at ${when(anchor)}), and records up to ${synced.seq} had been synced to disk: records ${file.records + 1}–${written.seq} were removed from the end of the file.`,
    };
  if (file.records < written.seq)
    return {
      ok: false,
      kind: 'missing-unsynced',
      problem: `The log ends at record ${file.records}, but the state database anchored record ${written.seq} (at ${when(anchor)}). Records ${file.records + 1}–${written.seq} had been written but not yet synced to disk: if the host crashed or lost power after ${when(anchor)} they may have been lost that way; otherwise they were removed.`,
    };
  for (const point of [synced, written]) {
    const found = file.hashAt(point.seq);
    if (point.seq > 0 && found !== undefined && found !== point.hash)
      return {
        ok: false,
        kind: 'rewritten',
        problem: `Record ${point.seq} is not the one the state database anchored (hash ${short(point.hash)} expected, ${short(found)} found): the log was rewritten from there on, its chain recomputed.`,
      };
  }
  if (file.records > written.seq) {
    const extra = file.records - written.seq;
    return {
      ok: true,
      notice: `${extra} record${extra === 1 ? '' : 's'} after the anchored head (record ${written.seq}): written after the last anchor update — the gateway is writing now, or it stopped between a write and its anchor update (it moves the anchor when it next starts).`,
    };
  }
  return { ok: true };
}
