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

/** Who answers /health at an address: "tailwarden 0.1.0" when it is a gateway, undefined when none or another program. */
async function whoAnswers(host: string, port: number): Promise<string | undefined> {
  const target = host === '' || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  try {
    const res = await fetch(`http://${target.includes(':') ? `[${target}]` : target}:${port}/health`, {
      signal: AbortSignal.timeout(1000),
    });
    const body = (await res.json()) as { version?: unknown };
    return typeof body.version === 'string' ? `tailwarden ${body.version.slice(0, 40)}` : undefined;
  } catch {
    return undefined;
  }
}

const CHOOSE_ANOTHER =
  'choose another address with --listen HOST:PORT, TAILWARDEN_LISTEN, or listen in the config file';

/**
 * A failed listen as one sentence: which address, the likely cause, and what to do — instead of the bare
 * EADDRINUSE / EACCES / EADDRNOTAVAIL the operating system reports.
 */
export async function explainListenError(error: NodeJS.ErrnoException, listen: string): Promise<string> {
  const { host, port } = parseListen(listen);
  const where = `cannot listen on ${listen}`;
  switch (error.code) {
    case 'EADDRINUSE': {
      const holder = await whoAnswers(host, port);
      const who = holder
        ? `${holder} is already running there (another \`tailwarden serve\`, or the systemd service: systemctl status tailwarden)`
        : `another program holds port ${port} (see which: ss -ltnp 'sport = :${port}')`;
      return `${where}: the address is in use: ${who}. Stop it, or ${CHOOSE_ANOTHER}.`;
    }
    case 'EACCES':
      return port < 1024
        ? `${where}: ports below 1024 need root or CAP_NET_BIND_SERVICE. Use a port from 1024 up (e.g. 127.0.0.1:8080) and publish it on 443 with \`tailscale serve\`, or ${CHOOSE_ANOTHER}.`
        : `${where}: permission denied by the system (a sandbox or security policy). ${CHOOSE_ANOTHER}.`;
    case 'EADDRNOTAVAIL':
      return `${where}: this machine has no address ${host}. Use 127.0.0.1 (this machine only), 0.0.0.0 (every interface), or one of its own addresses (ip -brief address); ${CHOOSE_ANOTHER}.`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${where}: the host name ${host} does not resolve to an address of this machine. Use an IP address such as 127.0.0.1; ${CHOOSE_ANOTHER}.`;
    default:
      return `${where}: ${error.message}`;
  }
}
