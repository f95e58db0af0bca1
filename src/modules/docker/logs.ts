export type LogStream = 'stdout' | 'stderr';

export interface LogLine {
  stream: LogStream;
  text: string;
}

/**
 * Split the engine's multiplexed log body into lines. Without a TTY every frame
 * has an 8-byte header: stream (1 = stdout, 2 = stderr), 3 zero bytes, and the
 * payload length (big-endian). With a TTY the body is raw stdout.
 */
export function demuxLogs(body: Buffer, tty: boolean): LogLine[] {
  if (tty) return splitLines(body.toString('utf8'), 'stdout');
  const pending: Record<LogStream, string> = { stdout: '', stderr: '' };
  const lines: LogLine[] = [];
  let offset = 0;
  while (offset + 8 <= body.length) {
    const kind = body[offset];
    const size = body.readUInt32BE(offset + 4);
    const payload = body.subarray(offset + 8, offset + 8 + size).toString('utf8');
    offset += 8 + size;
    const stream: LogStream = kind === 2 ? 'stderr' : 'stdout';
    const text = pending[stream] + payload;
    const parts = text.split('\n');
    pending[stream] = parts.pop() ?? '';
    for (const part of parts) lines.push({ stream, text: part.replace(/\r$/, '') });
  }
  for (const stream of ['stdout', 'stderr'] as const) {
    if (pending[stream]) lines.push({ stream, text: pending[stream] });
  }
  return lines;
}

function splitLines(text: string, stream: LogStream): LogLine[] {
  const parts = text.split('\n');
  if (parts.at(-1) === '') parts.pop();
  return parts.map((part) => ({ stream, text: part.replace(/\r$/, '') }));
}

const ENGINE_TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})) /;

/** A line read with `timestamps: true`: the engine's RFC 3339 time (epoch ms) and the text after it. */
export function splitTimestamp(text: string): { time?: number; text: string } {
  const match = ENGINE_TIMESTAMP.exec(text);
  if (!match) return { text };
  const time = Date.parse(match[1]!);
  return Number.isNaN(time) ? { text } : { time, text: text.slice(match[0].length) };
}

/** What a log answer cut to modules.docker.logs_max_bytes says about reading the rest. */
export function logsCutNote(maxBytes: number): string {
  return `Older lines were dropped to stay under modules.docker.logs_max_bytes (${maxBytes} bytes); narrow with since/until, grep or a smaller tail.`;
}

/** Keep the newest lines that fit in `maxBytes`; say whether anything was dropped. */
export function capLines(lines: LogLine[], maxBytes: number): { lines: LogLine[]; truncated: boolean } {
  let total = 0;
  let start = lines.length;
  while (start > 0) {
    const size = Buffer.byteLength(lines[start - 1]!.text) + 1;
    if (total + size > maxBytes) break;
    total += size;
    start -= 1;
  }
  return { lines: lines.slice(start), truncated: start > 0 };
}
