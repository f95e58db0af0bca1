import { Command } from 'commander';
import { createLogger } from '../log.ts';
import { explainListenError, parseListen } from '../util/listen.ts';
import { VERSION } from '../version.ts';
import { type CommonOptions, loadFor, withCommonOptions } from './common.ts';
import { writeDaemonFile } from './daemon-file.ts';

function formatHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

interface ServeOptions extends CommonOptions {
  listen?: string;
  auth?: string;
}

/** Start the daemon and run until SIGTERM/SIGINT; a second signal exits at once. */
export async function serve(options: ServeOptions): Promise<void> {
  const overrides: Record<string, unknown> = {};
  if (options.listen) overrides.listen = options.listen;
  if (options.auth)
    overrides.auth = {
      modes: options.auth
        .split(',')
        .map((m) => m.trim())
        .filter(Boolean),
    };
  const warnings: string[] = [];
  const { config, file } = loadFor(options, overrides, (warning) => warnings.push(warning));
  const log = createLogger({ level: config.log.level });
  for (const warning of warnings) log.warn(warning);
  // Loaded here, not at the top: every other command starts without the server's dependencies.
  const [{ startGateway }, { buildApp }] = await Promise.all([import('../gateway.ts'), import('../app.ts')]);
  // Background work (the first metrics collection) starts once the daemon answers: start-up is only what
  // /health and the first request need.
  let answering!: () => void;
  const started = new Promise<void>((resolve) => {
    answering = resolve;
  });
  const gateway = await startGateway(config, { log, started });
  const app = await buildApp(config, gateway);
  const { host, port } = parseListen(config.listen);
  try {
    await app.listen({ host: host || '0.0.0.0', port });
  } catch (error) {
    await app.close();
    throw new Error(await explainListenError(error as NodeJS.ErrnoException, config.listen));
  }
  answering();
  const bound = app.server.address();
  const listening =
    bound && typeof bound === 'object' ? `${formatHost(bound.address)}:${bound.port}` : config.listen;
  const removeDaemonFile = writeDaemonFile(config.state_dir, {
    pid: process.pid,
    version: VERSION,
    listen: listening,
    public_url: config.public_url ?? null,
    started_at: new Date().toISOString(),
  });

  log.info(
    {
      version: VERSION,
      listen: listening,
      auth: config.auth.modes,
      state_dir: config.state_dir,
      config_file: file ?? null,
    },
    `tailwarden ${VERSION} listening on http://${listening}/mcp`,
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down: finishing calls in flight');
    app.close().then(
      () => {
        removeDaemonFile();
        log.info('stopped');
        log.flush();
        process.exit(0);
      },
      (err) => {
        removeDaemonFile();
        log.error({ err }, 'error during shutdown');
        log.flush();
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('unhandledRejection', (reason) =>
    log.error({ err: reason }, 'unhandled promise rejection (kept running)'),
  );
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception: shutting down');
    stop('uncaughtException');
  });
}

export function serveCommand(): Command {
  return withCommonOptions(new Command('serve'))
    .description('run the gateway daemon (Streamable HTTP MCP on /mcp)')
    .option('--listen <host:port>', 'listen address (default 127.0.0.1:8080; env TAILWARDEN_LISTEN)')
    .option('--auth <modes>', 'authentication modes, comma-separated, tried in order (env TAILWARDEN_AUTH)')
    .action(serve);
}
