import { Command, CommanderError } from 'commander';
import { approvalsCommand } from './cli/approvals.ts';
import { auditCommand } from './cli/audit.ts';
import { configCommand } from './cli/config.ts';
import { doctorCommand } from './cli/doctor.ts';
import { hostsCommand } from './cli/hosts.ts';
import { reportCommand } from './cli/report.ts';
import { serveCommand } from './cli/serve.ts';
import { tokenCommand } from './cli/token.ts';
import { toolsCommand } from './cli/tools.ts';
import { ConfigError } from './config/load.ts';
import { isGatewayError } from './errors.ts';
import { terminalSafe } from './util/terminal-safe.ts';
import { VERSION } from './version.ts';

export function program(): Command {
  const root = new Command('tailwarden')
    .description('An MCP gateway for Tailscale-connected homelabs: authenticated, permissioned, audited.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  for (const command of [
    serveCommand(),
    tokenCommand(),
    toolsCommand(),
    configCommand(),
    auditCommand(),
    approvalsCommand(),
    doctorCommand(),
  ]) {
    root.addCommand(command);
  }
  root.addCommand(hostsCommand());
  root.addCommand(reportCommand());
  return root;
}

function messageOf(error: unknown): string {
  if (error instanceof ConfigError || isGatewayError(error)) return error.message;
  const errno = error as NodeJS.ErrnoException;
  if (errno.code === 'ENOENT' && errno.path) return `${errno.path} does not exist`;
  if (errno.code === 'EACCES' && errno.path)
    return `permission denied: ${errno.path} (run as the gateway's user?)`;
  return error instanceof Error ? error.message : String(error);
}

export async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    // An error can quote a caller's or a server's text (an id, a key type): never raw to the terminal.
    process.stderr.write(`tailwarden: ${terminalSafe(messageOf(error), { multiline: true })}\n`);
    process.exitCode = 1;
  }
}
