import { createReadStream, unwatchFile, watchFile } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { terminalSafe } from '../util/terminal-safe.ts';

/** The last `n` lines of a file (reads only the end of it). */
export async function lastLines(path: string, n: number): Promise<string[]> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    let start = size;
    const chunks: Buffer[] = [];
    let newlines = 0;
    // Count newlines per chunk read (not by re-splitting all text read so far, which was quadratic).
    while (start > 0 && newlines <= n + 1) {
      const from = Math.max(0, start - 64 * 1024);
      const buf = Buffer.alloc(start - from);
      await fh.read(buf, 0, buf.length, from);
      for (const byte of buf) if (byte === 0x0a) newlines++;
      chunks.unshift(buf);
      start = from;
    }
    return Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean).slice(-n);
  } finally {
    await fh.close();
  }
}

/** Call `onLine` for every complete line appended after now, until the returned stop function is called. */
export async function followLines(path: string, onLine: (line: string) => void): Promise<() => void> {
  let offset = (await stat(path)).size;
  let carry = '';
  let reading = false;
  const readMore = () => {
    if (reading) return;
    reading = true;
    const stream = createReadStream(path, { start: offset, encoding: 'utf8' });
    stream.on('data', (chunk: string | Buffer) => {
      offset += Buffer.byteLength(chunk);
      const parts = (carry + chunk.toString()).split('\n');
      carry = parts.pop() ?? '';
      for (const line of parts) if (line) onLine(line);
    });
    stream.on('close', () => {
      reading = false;
    });
  };
  watchFile(path, { interval: 500 }, readMore);
  return () => unwatchFile(path, readMore);
}

/**
 * One readable line for a record: time, event, principal, tool, decision or outcome. Every field
 * is caller- or network-supplied text as far as a terminal is concerned, so each is made
 * terminal-safe (a tool name holding ESC sequences would otherwise fake lines on the screen).
 */
export function describeRecord(line: string): string {
  try {
    const r = JSON.parse(line) as Record<string, unknown> & { principal?: { name?: string; id?: string } };
    const what = [r.decision, r.outcome, r.error_code].filter(Boolean).join(' ');
    const who = r.principal ? (r.principal.name ?? r.principal.id) : '';
    const duration = typeof r.duration_ms === 'number' ? `${r.duration_ms}ms` : '';
    return [r.time, r.event, who, r.tool ?? r.uri ?? '', what, duration]
      .filter((x) => x !== '' && x !== undefined)
      .map((x) => terminalSafe(String(x)))
      .join('  ');
  } catch {
    return terminalSafe(line);
  }
}
