import { GatewayError } from '../../errors.ts';
import type { ToolContext } from '../../mcp/tool.ts';
import type { DockerContext } from './context.ts';
import { dockerError, engineMessage } from './errors.ts';

interface PullEvent {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

const UNREACHABLE =
  /connection refused|no such host|i\/o timeout|dial tcp|tls handshake|network is unreachable|server misbehaving|timeout exceeded/i;
const MISSING = /not found|manifest unknown|pull access denied|repository does not exist|no such image/i;

/** A pull failure in words a user can act on. */
export function pullError(ref: string, message: string, cause?: unknown): GatewayError {
  if (UNREACHABLE.test(message)) {
    return new GatewayError(
      'ERR_UPSTREAM_UNAVAILABLE',
      `Cannot reach the registry for "${ref}": ${message}. Check the host's network and DNS, or the registry address in the image name.`,
      { cause, retryAfter: 30 },
    );
  }
  if (MISSING.test(message)) {
    return new GatewayError(
      'ERR_NOT_FOUND',
      `The registry has no image "${ref}": ${message}. Check the name and tag; for a private image log the engine in (docker login).`,
      { cause },
    );
  }
  return new GatewayError('ERR_UPSTREAM_FAILED', `Pulling "${ref}" failed: ${message}.`, { cause });
}

/** `nginx` → `nginx:latest`; a digest or explicit tag is kept. */
export function withTag(ref: string): string {
  if (ref.includes('@')) return ref;
  const lastSegment = ref.slice(ref.lastIndexOf('/') + 1);
  return lastSegment.includes(':') ? ref : `${ref}:latest`;
}

/**
 * Pull an image, turning the engine's JSON progress stream into progress
 * notifications (layers done of layers seen). Resolves with the last status line.
 */
export async function pullImage(ctx: ToolContext & DockerContext, ref: string): Promise<string> {
  const image = withTag(ref);
  let stream: NodeJS.ReadableStream;
  try {
    stream = await ctx.docker.engine.pull(image, { abortSignal: ctx.signal });
  } catch (error) {
    const translated = dockerError(error, `pull ${image}`, ctx.docker.config.socket);
    if (translated.code === 'ERR_UPSTREAM_UNAVAILABLE' && !(error as { statusCode?: number }).statusCode)
      throw translated;
    throw pullError(image, engineMessage(error), error);
  }
  const layers = new Map<string, boolean>();
  let lastReported = 0;
  const events = await new Promise<PullEvent[]>((resolve, reject) => {
    ctx.docker.engine.modem.followProgress(
      stream,
      (error: unknown, output: PullEvent[]) => (error ? reject(error) : resolve(output)),
      (event: PullEvent) => {
        if (event.id && event.status && /^[0-9a-f]{12}$/.test(event.id)) {
          layers.set(event.id, /complete|already exists/i.test(event.status));
          const done = [...layers.values()].filter(Boolean).length;
          const now = Date.now();
          if (now - lastReported > 250 || done === layers.size) {
            lastReported = now;
            void ctx.progress({ progress: done, total: layers.size, message: `${event.status} ${event.id}` });
          }
        }
      },
    );
  }).catch((error: unknown) => {
    throw pullError(image, engineMessage(error), error);
  });
  const failed = events.find((e) => e.error || e.errorDetail);
  if (failed) throw pullError(image, failed.errorDetail?.message ?? failed.error ?? 'unknown error');
  return events.at(-1)?.status ?? 'pulled';
}
