import type { FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { GatewayError } from '../../errors.ts';
import { type FileGuard, looksBinary } from './file-guard.ts';

function binaryError(path: string): GatewayError {
  return new GatewayError(
    'ERR_INPUT_REJECTED',
    `${path} looks like a binary file (NUL bytes or invalid UTF-8); text reads refuse it. Use files_stat for its size and type.`,
  );
}

/**
 * Where a slice that is not the end of the file stops: after its last line break
 * when there is one in its last quarter (so the next slice starts on a line), else
 * before a UTF-8 sequence it would cut in two.
 */
function sliceEnd(slice: Buffer, more: boolean): Buffer {
  if (!more || slice.length === 0) return slice;
  const newline = slice.lastIndexOf(10);
  if (newline >= 0 && newline >= slice.length * 0.75) return slice.subarray(0, newline + 1);
  let end = slice.length;
  // Step back over continuation bytes (10xxxxxx) to the lead byte of a sequence that may be cut.
  while (end > 0 && end > slice.length - 4 && (slice[end - 1]! & 0xc0) === 0x80) end--;
  const lead = slice[end - 1];
  if (lead !== undefined && lead >= 0xc0) {
    const needed = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
    if (slice.length - (end - 1) < needed) return slice.subarray(0, end - 1);
  }
  return slice;
}

/** A slice of a text file, checked by the guard and refused when it looks binary. */
export async function readTextSlice(guard: FileGuard, path: string, offset: number, length: number) {
  const { handle, guarded } = await guard.openFile(path);
  try {
    const size = guarded.stats.size;
    const head = Buffer.alloc(Math.min(8192, size));
    await handle.read(head, 0, head.length, 0);
    if (looksBinary(head)) throw binaryError(path);
    const want = Math.max(0, Math.min(length, size - offset));
    const buffer = Buffer.alloc(want);
    const { bytesRead } = want > 0 ? await handle.read(buffer, 0, want, offset) : { bytesRead: 0 };
    const slice = sliceEnd(buffer.subarray(0, bytesRead), offset + bytesRead < size);
    if (slice.includes(0)) throw binaryError(path);
    const end = offset + slice.length;
    return {
      path: guarded.real,
      size_bytes: size,
      offset,
      content: slice.toString('utf8'),
      next_offset: end < size ? end : null,
    };
  } finally {
    await handle.close();
  }
}

/** The last `count` lines, reading backwards in chunks but never more than `cap` bytes. */
export async function readTail(guard: FileGuard, path: string, count: number, cap: number) {
  const { handle, guarded } = await guard.openFile(path);
  try {
    const size = guarded.stats.size;
    const chunk = 64 * 1024;
    let position = size;
    let collected = Buffer.alloc(0);
    let newlines = 0;
    while (position > 0 && newlines <= count && collected.length < cap) {
      const take = Math.min(chunk, position, cap - collected.length);
      position -= take;
      const room = Buffer.alloc(take);
      // A file truncated since it was checked reads short: keep what was read, not the zero fill
      // (which made a shrinking log look binary).
      const { bytesRead } = await handle.read(room, 0, take, position);
      const buffer = room.subarray(0, bytesRead);
      for (const byte of buffer) if (byte === 10) newlines++;
      collected = Buffer.concat([buffer, collected]);
    }
    if (looksBinary(collected.subarray(-8192))) throw binaryError(path);
    const text = collected.toString('utf8');
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    // The first line is partial when the read started mid-file.
    if (position > 0) lines.shift();
    const truncated = lines.length < count && position > 0;
    return { path: guarded.real, size_bytes: size, lines: lines.slice(-count), truncated };
  } finally {
    await handle.close();
  }
}

/**
 * Lines of an open file, read in 64 KiB chunks from the start; each line is cut
 * to `maxLine` characters so no line, however long, is held whole. `more(n)` is
 * told every chunk's size and stops the reading by returning false.
 */
export async function* boundedLines(
  handle: FileHandle,
  maxLine: number,
  more: (bytes: number) => boolean,
): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  const buffer = Buffer.alloc(64 * 1024);
  let pending = '';
  let position = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) break;
    position += bytesRead;
    const parts = decoder.write(buffer.subarray(0, bytesRead)).split('\n');
    for (let i = 0; i < parts.length - 1; i++) {
      yield (pending + parts[i]).slice(0, maxLine);
      pending = '';
    }
    if (pending.length < maxLine) pending = (pending + parts.at(-1)).slice(0, maxLine);
    if (!more(bytesRead)) return;
  }
  pending += decoder.end();
  if (pending) yield pending.slice(0, maxLine);
}
