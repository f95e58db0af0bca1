import type { ClientInfo, ProgressUpdate, SampleRequest } from './tool.ts';

export interface ElicitResult {
  action: 'accept' | 'decline' | 'cancel';
  content?: Record<string, unknown>;
}

/**
 * The way back to the MCP client during one call. The SDK adapter implements
 * it; everything else (the wrapper, the policy, handlers) sees only this.
 */
export interface ClientChannel {
  readonly info: ClientInfo;
  progress(update: ProgressUpdate): Promise<void>;
  sample(request: SampleRequest): Promise<string | undefined>;
  /** Form-mode elicitation; the caller checks `info.canElicit` first. */
  elicitForm(message: string, requestedSchema: Record<string, unknown>): Promise<ElicitResult>;
  /** URL-mode elicitation; the caller checks `info.canElicitUrl` first. */
  elicitUrl(message: string, url: string, elicitationId: string): Promise<ElicitResult>;
}
