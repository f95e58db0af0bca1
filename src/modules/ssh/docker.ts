import { Agent, type AgentOptions, type ClientRequestArgs } from 'node:http';
import type { Duplex } from 'node:stream';
import type Dockerode from 'dockerode';
import { GatewayError } from '../../errors.ts';
import { loadDockerode } from '../../util/lazy-require.ts';
import type { Fleet } from './fleet.ts';

/**
 * An HTTP agent whose every connection is `docker system dial-stdio` run on a
 * fleet host over its pooled, key-pinned SSH connection: the remote docker CLI
 * splices the channel onto the engine's socket. Each request holds one of the
 * host's concurrency slots until its channel closes.
 */
export class SshDockerAgent extends Agent {
  private readonly fleet: Fleet;
  private readonly host: string;

  constructor(fleet: Fleet, host: string, options: AgentOptions = {}) {
    super({ ...options, keepAlive: false });
    this.fleet = fleet;
    this.host = host;
  }

  override createConnection(
    _options: ClientRequestArgs,
    callback?: (error: Error | null, socket: Duplex) => void,
  ): Duplex | undefined {
    const done = (error: Error | null, socket?: Duplex) => callback?.(error, socket as Duplex);
    const holdUntilClosed = new AbortController().signal;
    this.fleet.pool
      .withConnection(
        this.host,
        holdUntilClosed,
        (client) =>
          new Promise<void>((release, reject) => {
            client.exec('docker system dial-stdio', (error, channel) => {
              if (error) return reject(error);
              // http only needs these to exist on a socket it did not create.
              const socketLike = channel as unknown as Record<string, unknown>;
              for (const method of ['setKeepAlive', 'setNoDelay', 'setTimeout', 'ref', 'unref'])
                if (typeof socketLike[method] !== 'function') socketLike[method] = () => channel;
              channel.once('close', () => release());
              done(null, channel);
            });
          }),
      )
      .catch((error: unknown) => done(error instanceof Error ? error : new Error(String(error))));
    return undefined;
  }
}

/** A dockerode client for a fleet host's engine; the host must have `docker: true`. */
export function dockerForHost(fleet: Fleet, name: string): Dockerode {
  const host = fleet.hosts.get(name);
  if (!host.docker) {
    throw new GatewayError(
      'ERR_POLICY_DENIED',
      `Docker over SSH is not enabled for host "${name}"; set docker: true on it in modules.ssh.hosts.`,
    );
  }
  const DockerClient = loadDockerode();
  return new DockerClient({
    protocol: 'http',
    host: name,
    port: 2375,
    agent: new SshDockerAgent(fleet, name),
  } as Dockerode.DockerOptions);
}
