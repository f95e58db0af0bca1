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
