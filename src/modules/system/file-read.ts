import { GatewayError } from '../../errors.ts';
import { type FileGuard, looksBinary } from './file-guard.ts';

function binaryError(path: string): GatewayError {
  return new GatewayError(
    'ERR_INPUT_REJECTED',
    `${path} looks like a binary file (NUL bytes or invalid UTF-8); text reads refuse it. Use files_stat for its size and type.`,
  );
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
    const slice = buffer.subarray(0, bytesRead);
    if (slice.includes(0)) throw binaryError(path);
    const end = offset + bytesRead;
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
      const buffer = Buffer.alloc(take);
      await handle.read(buffer, 0, take, position);
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
