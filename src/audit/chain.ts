import { hash as digest } from 'node:crypto';

/**
 * The audit log's hash chain. A record line is the JSON of the record with
 * `prev` (the previous record's hash) and then `hash` as its last field, where
 * `hash` = sha256 of the line up to (not including) `,"hash":…` plus the closing
 * brace. Working on the text, not a re-serialisation, makes the check exact.
 */
export const GENESIS_HASH = '0'.repeat(64);
const HASH_SUFFIX = /,"hash":"([0-9a-f]{64})"\}$/;

export function sealLine(body: string): { line: string; hash: string } {
  // body is a JSON object text ending in "}"; the hash covers it exactly
  const hash = digest('sha256', body, 'hex');
  return { line: `${body.slice(0, -1)},"hash":"${hash}"}`, hash };
}

/** Split a sealed line into the body the hash covers and the hash it claims; undefined if malformed. */
export function unsealLine(line: string): { body: string; hash: string } | undefined {
  const match = HASH_SUFFIX.exec(line);
  if (!match) return undefined;
  return { body: `${line.slice(0, match.index)}}`, hash: match[1]! };
}

export function hashOf(body: string): string {
  return digest('sha256', body, 'hex');
}
