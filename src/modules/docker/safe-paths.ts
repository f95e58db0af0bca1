import type Docker from 'dockerode';
import { GatewayError } from '../../errors.ts';

/**
 * Names reach the engine's URL path unescaped (dockerode builds `/containers/<name>/json`).
 * A name with `..`, `//`, `?` or `#` would change which endpoint is called, and a path the
 * engine would clean is answered with a 301 that docker-modem follows to a host named after
 * a path segment — an uncaught error that would take the gateway down. So every request
 * path must be canonical and made of characters names actually use.
 */
const SEGMENT = /^[A-Za-z0-9_.:@+-]+$/;

export function unsafePathReason(path: string): string | undefined {
  const bare = path.replace(/\?$/, '');
  if (!bare.startsWith('/')) return 'it does not start with /';
  for (const segment of bare.slice(1).split('/')) {
    if (segment === '') return 'it has an empty path segment (//)';
    if (segment === '.' || segment === '..') return 'it has a . or .. segment';
    if (!SEGMENT.test(segment)) return 'it has characters no Docker name uses';
  }
  return undefined;
}

type Dial = (options: { path?: string }, callback: (error: unknown, result?: unknown) => void) => unknown;

/** Refuse, before anything is sent, a request whose path a name could have bent. */
export function guardEnginePaths(engine: Docker): Docker {
  const modem = (engine as unknown as { modem: { dial: Dial } }).modem;
  const dial = modem.dial.bind(modem);
  modem.dial = (options, callback) => {
    const reason = options.path === undefined ? undefined : unsafePathReason(options.path);
    if (reason) {
      callback(
        new GatewayError(
          'ERR_INPUT_REJECTED',
          `That name cannot be sent to the Docker engine: ${reason}. Use a container, image, network or volume name or id as \`docker ps\` / \`docker images\` show it.`,
        ),
      );
      return undefined;
    }
    return dial(options, callback);
  };
  return engine;
}
