import { createInterface } from 'node:readline/promises';
import { Command } from 'commander';
import { createLogger } from '../log.ts';
import { FINGERPRINT_RE } from '../modules/ssh/config.ts';
import type { Fleet } from '../modules/ssh/fleet.ts';
import { StateDb } from '../state/db.ts';
import { terminalSafe } from '../util/terminal-safe.ts';
import { type CommonOptions, loadFor, printJson, printTable, withCommonOptions, withJson } from './common.ts';

async function withFleet<T>(options: CommonOptions, work: (fleet: Fleet) => Promise<T>): Promise<T> {
  const { config } = loadFor(options);
  const db = new StateDb(config.state_dir);
  const log = createLogger({ level: 'silent' });
  // ssh2 and the fleet load only for the commands that use them.
  const { createFleet } = await import('../modules/ssh/index.ts');
  const fleet = createFleet({ config, log, db, audit: undefined as never });
  try {
    return await work(fleet);
  } finally {
    await fleet.pool.close();
    db.close();
  }
}

async function confirmInteractively(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim().toLowerCase() === 'yes';
  } finally {
    rl.close();
  }
}

type TrustOptions = CommonOptions & { fingerprint?: string };

async function trustHost(name: string, options: TrustOptions): Promise<void> {
  if (options.fingerprint !== undefined && !FINGERPRINT_RE.test(options.fingerprint))
    throw new Error('--fingerprint must look like SHA256:… (43 characters), as ssh-keygen -lf prints it');
  await withFleet(options, async (fleet) => {
    const host = fleet.hosts.get(name);
    if (host.host_key)
      throw new Error(`host "${name}" is pinned in the config (host_key); edit the config to change it`);
    const { probeHostKey } = await import('../modules/ssh/exec.ts');
    const probed = await probeHostKey(host.address, host.port, fleet.settings.connect_timeout);
    // The key type is whatever the server sent: terminal-safe before it is printed.
    const probe = { ...probed, key_type: terminalSafe(probed.key_type) };
    process.stderr.write(
      `Host ${name} (${host.address}:${host.port}) presents a ${probe.key_type} key:\n  ${probe.fingerprint}\n` +
        `Compare it with the host's own, run ON the host: ssh-keygen -lf /etc/ssh/ssh_host_${probe.key_type.replace(/^ssh-/, '')}_key.pub\n`,
    );
    if (host.pin && host.pin.fingerprint !== probe.fingerprint)
      process.stderr.write(
        `WARNING: this differs from the key pinned until now (${host.pin.fingerprint}).\n`,
      );
    let confirmed: boolean;
    if (options.fingerprint !== undefined) {
      confirmed = options.fingerprint === probe.fingerprint;
      if (!confirmed)
        throw new Error(
          `the host presents ${probe.fingerprint}, not the ${options.fingerprint} you gave; nothing was pinned`,
        );
    } else if (process.stdin.isTTY) {
      confirmed = await confirmInteractively('Pin this key? Type "yes" to confirm: ');
    } else {
      throw new Error(
        'not pinned: stdin is not a terminal. Confirm non-interactively with --fingerprint SHA256:… (the value checked on the host)',
      );
    }
    if (!confirmed) throw new Error('not confirmed; nothing was pinned');
    fleet.hosts.trust(name, probe.fingerprint);
    process.stdout.write(`Pinned ${probe.fingerprint} for ${name}.\n`);
  });
}

export function hostsCommand(): Command {
  const hosts = new Command('hosts').description('SSH fleet hosts: list, check, trust (pin host keys)');

  withJson(withCommonOptions(hosts.command('list')))
    .description('configured hosts and whether their host key is pinned')
    .action((options: CommonOptions) =>
      withFleet(options, async (fleet) => {
        const rows = fleet.hosts.all().map((h) => ({
          name: h.name,
          address: `${h.address}:${h.port}`,
          user: h.user,
          host_key: h.pin?.fingerprint ?? null,
          host_key_source: h.pin?.source ?? null,
          tags: h.tags,
        }));
        if (options.json) return printJson(rows);
        printTable(
          ['NAME', 'ADDRESS', 'USER', 'TAGS', 'HOST KEY'],
          rows.map((r) => [
            r.name,
            r.address,
            r.user,
            r.tags.join(',') || '-',
            r.host_key ? `${r.host_key} (${r.host_key_source})` : 'NO — run `tailwarden hosts trust`',
          ]),
        );
      }),
    );

  withJson(withCommonOptions(hosts.command('check')))
    .description('reachability, key match, login and latency of every host (or one)')
    .argument('[name]', 'only this host')
    .action((name: string | undefined, options: CommonOptions) =>
      withFleet(options, async (fleet) => {
        const names = name ? [name] : fleet.hosts.names();
        const signal = AbortSignal.timeout(fleet.settings.connect_timeout * 3);
        const checks = await Promise.all(names.map((n) => fleet.check(n, signal)));
        if (options.json) return printJson(checks);
        printTable(
          ['NAME', 'REACHABLE', 'KEY', 'LOGIN', 'LATENCY', 'PROBLEM'],
          checks.map((c) => [
            c.host,
            c.reachable ? 'yes' : 'no',
            c.key_matches ? 'matches' : c.pinned_fingerprint ? 'MISMATCH' : 'unpinned',
            c.login_ok ? 'ok' : 'no',
            c.latency_ms === null ? '-' : `${c.latency_ms} ms`,
            c.error ?? '',
          ]),
        );
        if (checks.some((c) => !c.login_ok)) process.exitCode = 1;
      }),
    );

  withCommonOptions(hosts.command('trust'))
    .description('show a host key fingerprint and pin it after confirmation')
    .argument('<name>', 'host name from modules.ssh.hosts')
    .option(
      '--fingerprint <SHA256:...>',
      'confirm non-interactively: pin only if the host presents exactly this key',
    )
    .action((name: string, options: TrustOptions) => trustHost(name, options));

  withCommonOptions(hosts.command('untrust'))
    .description('remove a key pinned with `hosts trust` (the host is refused until trusted again)')
    .argument('<name>', 'host name')
    .action((name: string, options: CommonOptions) =>
      withFleet(options, async (fleet) => {
        const removed = fleet.hosts.untrust(name);
        process.stdout.write(
          removed ? `Unpinned ${name}.\n` : `${name} had no key pinned by \`hosts trust\`.\n`,
        );
      }),
    );

  return hosts;
}
