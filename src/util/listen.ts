import { isIP } from 'node:net';

export interface ListenAddress {
  host: string;
  port: number;
}

/** "127.0.0.1:8080", "[::1]:8080", ":8080" or "0.0.0.0:8080" → host and port. */
export function parseListen(value: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value.trim());
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new Error(`listen "${value}" is not HOST:PORT (e.g. 127.0.0.1:8080)`);
  return { host: match[1] ?? match[2] ?? '', port };
}

export function isLoopbackAddress(address: string): boolean {
  const a = address.replace(/^::ffff:/, '');
  if (a === 'localhost' || a === '::1') return true;
  return isIP(a) === 4 && a.startsWith('127.');
}

export function isListenAddress(value: string): boolean {
  try {
    parseListen(value);
    return true;
  } catch {
    return false;
  }
}
