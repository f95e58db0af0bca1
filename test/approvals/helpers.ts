import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { vi } from 'vitest';
import type { ApprovalRecord } from '../../src/policy/approvals/store.ts';
import type { TestGateway } from '../support/gateway.ts';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '../../bin/tailwarden.js');

export function textOf(result: unknown): string {
  return (result as { content: { text: string }[] }).content[0]?.text ?? '';
}

/** Run the real CLI against a gateway's state directory. */
export async function cli(stateDir: string, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args, '--state-dir', stateDir], {
      env: { ...process.env, TAILWARDEN_CONFIG: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A tool call that keeps its request open while the gateway waits (progress resets the client timeout). */
export function callWaiting(client: Client, name: string, args: Record<string, unknown>) {
  const progress: { progress: number; message?: string }[] = [];
  const result = client.callTool({ name, arguments: args }, CallToolResultSchema, {
    onprogress: (p) => progress.push(p),
    resetTimeoutOnProgress: true,
    timeout: 60_000,
  });
  return { result, progress };
}

/** The one pending approval for a tool, once the gateway has created it. */
export async function pendingFor(gw: TestGateway, tool: string): Promise<ApprovalRecord> {
  return vi.waitFor(
    () => {
      const found = gw.gateway.approvals.store.list(['pending']).find((r) => r.tool === tool);
      if (!found) throw new Error(`no pending approval for ${tool} yet`);
      return found;
    },
    { timeout: 120_000, interval: 50 }, // liveness only
  );
}
