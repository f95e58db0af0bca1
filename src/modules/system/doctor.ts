import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { DoctorCheck, DoctorDeps } from '../types.ts';

const run = promisify(execFile);

async function tryRun(
  argv: readonly string[],
  signal: AbortSignal,
): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(argv[0]!, argv.slice(1), { signal, timeout: 10_000 });
    return { ok: true, output: `${stdout}${stderr}`.trim() };
  } catch (error) {
    const e = error as { code?: string; stdout?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT') return { ok: false, output: `${argv[0]} is not installed` };
    return { ok: false, output: (e.stdout || e.stderr || e.message).trim() };
  }
}

const firstLine = (text: string) => text.split('\n')[0]!.slice(0, 200);

/** journalctl and systemctl answer for this user (through exec_prefix), and sudo allows apt when configured. */
export async function systemDoctor({ config, signal }: DoctorDeps): Promise<DoctorCheck[]> {
  const settings = config.modules.system;
  const prefix = settings.exec_prefix;
  const checks: DoctorCheck[] = [];

  const journal = await tryRun([...prefix, 'journalctl', '-n', '1', '--no-pager', '-q'], signal);
  const noJournal = /No journal files were found|insufficient permissions|not seeing messages/i.test(
    journal.output,
  );
  checks.push(
    journal.ok && !noJournal
      ? { check: 'system: journal', status: 'ok', detail: 'journalctl reads the journal' }
      : {
          check: 'system: journal',
          status: 'warn',
          detail: `journalctl: ${firstLine(journal.output) || 'no entries visible'}`,
          fix: 'the gateway user needs the systemd-journal (or adm) group to read logs: usermod -aG systemd-journal tailwarden; in a container without systemd there is no journal',
        },
  );

  const systemctl = await tryRun([...prefix, 'systemctl', 'is-system-running'], signal);
  const state = firstLine(systemctl.output);
  checks.push(
    ['running', 'degraded'].includes(state)
      ? { check: 'system: systemd', status: 'ok', detail: `systemd is ${state}` }
      : {
          check: 'system: systemd',
          status: 'warn',
          detail: `systemctl: ${state || 'no answer'}: the service tools will not work`,
          fix: 'run the gateway on a machine or container booted with systemd (or set modules.system.exec_prefix to reach the host)',
        },
  );

  if (settings.package_sudo) {
    const sudo = await tryRun(['sudo', '-n', '-l'], signal);
    const allowsApt = sudo.ok && /apt-get|apt\b/.test(sudo.output);
    checks.push(
      allowsApt
        ? {
            check: 'system: sudo rules',
            status: 'ok',
            detail: 'sudo allows the package commands without a password',
          }
        : {
            check: 'system: sudo rules',
            status: 'fail',
            detail: `modules.system.package_sudo is on but sudo does not allow apt without a password: ${firstLine(sudo.output)}`,
            fix: 'install the sudoers file (install.sh --enable-admin-actions writes /etc/sudoers.d/tailwarden), or turn package_sudo off',
          },
    );
  }
  return checks;
}
