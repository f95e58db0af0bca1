import type { ClientInfo, ProgressUpdate, SampleRequest } from './tool.ts';

export interface ElicitResult {
  action: 'accept' | 'decline' | 'cancel';
  content?: Record<string, unknown>;
}

/**
 * Thrown through the risk gate when a 2026-07-28 call must ask the client
 * and be called again (an input-required result): the call wrapper returns
 * `result` instead of running the tool. Nothing waits in between.
 */
export class InputRoundEnded extends Error {
  readonly result: Record<string, unknown>;
  constructor(result: Record<string, unknown>) {
    super('input required: the client answers and calls again');
    this.result = result;
  }
}

/**
 * Multi-round calls (2026-07-28 only): what earlier rounds of this exact call
 * established, read from a verified requestState bound to the principal, the
 * tool and the exact arguments.
 */
export interface CallRounds {
  /** The approval an earlier round of this call requested, if any. */
  readonly approvalId: string | undefined;
  /** Ask the client to open an approval page and call again; the next round knows `approvalId`. */
  askApproval(message: string, url: string, approvalId: string): Promise<never>;
}

/**
 * The way back to the MCP client during one call. The SDK adapter implements
 * it; everything else (the wrapper, the policy, handlers) sees only this.
 */
export interface ClientChannel {
  readonly info: ClientInfo;
  /** Present on 2026-07-28 calls, which never wait for a human: they ask and are called again. */
  readonly rounds?: CallRounds;
  progress(update: ProgressUpdate): Promise<void>;
  sample(request: SampleRequest): Promise<string | undefined>;
  /**
   * Form-mode elicitation; the caller checks `info.canElicit` first. On a
   * 2026-07-28 call it returns the answer the client sent with this round, or
   * throws InputRoundEnded to ask for it.
   */
  elicitForm(message: string, requestedSchema: Record<string, unknown>): Promise<ElicitResult>;
  /** URL-mode elicitation; the caller checks `info.canElicitUrl` first. */
  elicitUrl(message: string, url: string, elicitationId: string): Promise<ElicitResult>;
}

/**
 * The channel of a caller inside the gateway (the dashboard, a remediation): nobody can be asked
 * mid-call, nothing is pushed. `rounds` lets such a caller take the 2026-07-28 path for approvals
 * (asked, recorded, called again) instead of being refused.
 */
export function headlessChannel(name: string, rounds?: CallRounds): ClientChannel {
  return {
    info: {
      name,
      version: '1',
      canElicit: false,
      canElicitUrl: rounds !== undefined,
      canSample: false,
      canProgress: false,
    },
    ...(rounds ? { rounds } : {}),
    progress: async () => {},
    sample: async () => undefined,
    elicitForm: async () => ({ action: 'cancel' }),
    elicitUrl: async () => ({ action: 'cancel' }),
  };
}
