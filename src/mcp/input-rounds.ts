import { randomBytes, randomUUID } from 'node:crypto';
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createRequestStateCodec,
  inputRequired,
  inputResponse,
  type RequestStateCodec,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { GatewayError } from '../errors.ts';
import { argsHash } from '../policy/approvals/canonical.ts';
import { type CallRounds, type ElicitResult, InputRoundEnded } from './channel.ts';

const KEY_FILE = 'request-state.key';
/** A round's state lives as long as a human may take to answer a confirmation form. */
const STATE_TTL_S = 15 * 60;
const CONFIRM_KEY = 'confirm';
const APPROVAL_KEY = 'approval';

/** What a round's requestState says; the HMAC covers it, the codec binds it to the principal. */
interface RoundState {
  /** Tool and exact arguments of the call it belongs to. */
  t: string;
  h: string;
  /** Single use. */
  n: string;
  /** The approval requested in the earlier round. */
  a?: string;
}

function loadKey(stateDir: string): Buffer {
  const path = join(stateDir, KEY_FILE);
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, randomBytes(32), { mode: 0o600 });
  try {
    linkSync(tmp, path); // another process may have created it first: theirs wins
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(tmp);
  }
  return readFileSync(path);
}

function principalIdOf(ctx: ServerContext): string {
  const principal = (ctx.http?.authInfo?.extra as { principal?: { id: string } } | undefined)?.principal;
  if (!principal) throw new Error('unauthenticated');
  return principal.id;
}

/**
 * The 2026-07-28 multi-round-trip calls: confirmations ask through form
 * elicitation, approvals through URL elicitation, and the client calls again
 * with the answer. Each round's `requestState` is HMAC-sealed with a key kept
 * in the state directory, bound to the principal (by the codec), to the tool
 * and the exact arguments (checked here), expires, and is used once.
 */
export class InputRounds {
  readonly codec: RequestStateCodec<RoundState>;
  /** Nonces of states already used, until they expire (server-minted, so clients cannot fill it at will). */
  private readonly used = new Map<string, number>();

  constructor(stateDir: string) {
    this.codec = createRequestStateCodec<RoundState>({
      key: loadKey(stateDir),
      ttlSeconds: STATE_TTL_S,
      bind: principalIdOf,
    });
  }

  /** The rounds of one tools/call: the verified state of this round (if any) and how to ask for the next. */
  forCall(ctx: ServerContext, tool: string, args: unknown): { rounds: CallRounds; form: FormRound } {
    // Hashed only when a round needs it: most calls never ask anything.
    const hash = () => argsHash(tool, (args ?? {}) as Record<string, unknown>);
    const state = ctx.mcpReq.requestState<RoundState>();
    if (state !== undefined) {
      if (state.t !== tool || state.h !== hash())
        throw new GatewayError(
          'ERR_INPUT_REJECTED',
          'This requestState belongs to another call (tool or arguments differ); call again without it.',
        );
      if (!this.consume(state.n))
        throw new GatewayError(
          'ERR_INPUT_REJECTED',
          'This requestState was already used; call again without it to be asked again.',
        );
    }
    const mint = (extra: Partial<RoundState>) =>
      this.codec.mint({ t: tool, h: hash(), n: randomUUID(), ...extra }, ctx);
    const end = async (requests: Record<string, unknown>, extra: Partial<RoundState>): Promise<never> => {
      throw new InputRoundEnded(
        inputRequired({ inputRequests: requests as never, requestState: await mint(extra) }) as never,
      );
    };
    return {
      rounds: {
        approvalId: state?.a,
        askApproval: (message, url, approvalId) =>
          end({ [APPROVAL_KEY]: inputRequired.elicitUrl({ message, url }) }, { a: approvalId }),
      },
      form: {
        async ask(message, requestedSchema) {
          // Only an answer to this call's own confirmation round counts.
          const view = state && !state.a ? inputResponse(ctx.mcpReq.inputResponses, CONFIRM_KEY) : undefined;
          if (view?.kind === 'elicit') return { action: view.action, content: view.content } as ElicitResult;
          return end(
            { [CONFIRM_KEY]: inputRequired.elicit({ message, requestedSchema: requestedSchema as never }) },
            {},
          );
        },
      },
    };
  }

  private consume(nonce: string): boolean {
    const now = Date.now();
    if (this.used.has(nonce)) return false;
    if (this.used.size > 10_000) for (const [n, exp] of this.used) if (exp < now) this.used.delete(n);
    this.used.set(nonce, now + STATE_TTL_S * 1000);
    return true;
  }
}

export interface FormRound {
  ask(message: string, requestedSchema: Record<string, unknown>): Promise<ElicitResult>;
}
