import type { FileHandle } from 'node:fs/promises';
import { unsealLine } from './chain.ts';

/** Reading an open audit file from either end without reading all of it. */

const CHUNK = 64 * 1024;

/** Absolute offset of the last newline byte before `end`, or -1. */
export async function newlineBefore(fh: FileHandle, end: number): Promise<number> {
  while (end > 0) {
    const start = Math.max(0, end - CHUNK);
    const buf = Buffer.alloc(end - start);
    await fh.read(buf, 0, buf.length, start);
    const at = buf.lastIndexOf(0x0a);
    if (at >= 0) return start + at;
    end = start;
  }
  return -1;
}

/** The last complete line of the file, and the size up to its end (anything after is a torn write). */
export async function lastCompleteLine(
  fh: FileHandle,
): Promise<{ line: string | undefined; goodSize: number }> {
  const { size } = await fh.stat();
  const lastNl = await newlineBefore(fh, size);
  if (lastNl < 0) return { line: undefined, goodSize: 0 };
  const prevNl = await newlineBefore(fh, lastNl);
  const buf = Buffer.alloc(lastNl - prevNl - 1);
  await fh.read(buf, 0, buf.length, prevNl + 1);
  return { line: buf.toString('utf8'), goodSize: lastNl + 1 };
}

/** The hash of the first complete line (record 1), or null for an empty file. */
export async function firstHash(fh: FileHandle, goodSize: number): Promise<string | null> {
  let text = '';
  for (let at = 0; at < goodSize; at += CHUNK) {
    const buf = Buffer.alloc(Math.min(CHUNK, goodSize - at));
    await fh.read(buf, 0, buf.length, at);
    const nl = buf.indexOf(0x0a);
    if (nl >= 0) return unsealLine(text + buf.subarray(0, nl).toString('utf8'))?.hash ?? null;
    text += buf.toString('utf8');
  }
  return null;
}

/**
 * The hashes of the last `count` complete records before `goodSize`, newest last (fewer when the
 * file has fewer); `count` is kept small by the caller, so this reads only the file's end.
 */
export async function lastHashes(fh: FileHandle, goodSize: number, count: number): Promise<string[]> {
  const hashes: string[] = [];
  let end = goodSize - 1; // the newline that ends the last record
  while (hashes.length < count && end > 0) {
    const start = (await newlineBefore(fh, end)) + 1;
    const buf = Buffer.alloc(end - start);
    await fh.read(buf, 0, buf.length, start);
    hashes.unshift(unsealLine(buf.toString('utf8'))?.hash ?? '');
    end = start - 1;
  }
  return hashes;
}
