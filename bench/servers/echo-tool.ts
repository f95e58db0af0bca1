import type { IncomingMessage } from 'node:http';
import { z } from 'zod';

/** The trivial low-risk tool both servers expose, so the comparison measures the gateway, not the tool. */
export const ECHO = {
  name: 'bench_echo',
  title: 'Bench: Echo',
  description: 'Returns its text argument unchanged (benchmark tool).',
  input: z.object({ text: z.string().max(1000).describe('Text to return') }),
  output: z.object({ text: z.string() }),
};

export function announce(port: number): void {
  process.stdout.write(`${JSON.stringify({ port, pid: process.pid })}\n`);
}

/** A request's JSON body (the bare servers read it themselves; fastify parses it for the others). */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}
