import { Command } from 'commander';
import { ConfigError } from '../config/load.ts';
import { createLogger } from '../log.ts';
import type { DoctorCheck } from '../modules/types.ts';
import { type CommonOptions, loadFor, printJson, withCommonOptions, withJson } from './common.ts';
import { authChecks, daemonChecks, publicUrlCheck, stateDirCheck } from './doctor-core.ts';

const MARK: Record<DoctorCheck['status'], string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };
/** One slow part (an unreachable host, a stuck socket) must not hold the whole report. */
const DEADLINE_MS = 20_000;

async function runChecks(options: CommonOptions): Promise<DoctorCheck[]> {
  const warnings: string[] = [];
  let loaded: ReturnType<typeof loadFor>;
  try {
    loaded = loadFor(options, {}, (w) => warnings.push(w));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return [
      {
        check: 'config',
        status: 'fail',
        detail: error.problems.join('\n'),
        fix: 'correct the file (tailwarden config --check FILE lists every problem); nothing else can be checked before',
      },
    ];
  }
  const { config, file } = loaded;
  const checks: DoctorCheck[] = [
    { check: 'config', status: 'ok', detail: file ?? 'no config file: defaults and TAILWARDEN_* variables' },
    ...warnings.map(
      (w): DoctorCheck => ({
        check: 'config',
        status: 'warn',
        detail: w,
        fix: 'remove or rename the variable',
      }),
    ),
    await stateDirCheck(config),
  ];
  const signal = AbortSignal.timeout(DEADLINE_MS);
  const [{ StateDb }, { allModules }] = await Promise.all([
    import('../state/db.ts'),
    import('../modules/index.ts'),
  ]);
  const db = new StateDb(config.state_dir);
  try {
    const log = createLogger({ level: 'silent' });
    const [daemon, publicUrl, auth, ...modules] = await Promise.all([
      daemonChecks(config, signal),
      publicUrlCheck(config, signal),
      authChecks(config, db, signal),
      ...allModules.map(async (module): Promise<DoctorCheck[]> => {
        if (!module.enabled(config)) return [];
        if (!module.doctor) return [{ check: module.id, status: 'ok', detail: 'enabled (nothing to check)' }];
        return module.doctor({ config, log, db, signal }).catch((error: Error) => [
          {
            check: module.id,
            status: 'fail' as const,
            detail: `the check itself failed: ${error.message}`,
          },
        ]);
      }),
    ]);
    const off = allModules.filter((m) => !m.enabled(config)).map((m) => m.id);
    return [
      ...checks,
      ...daemon,
      publicUrl,
      ...auth,
      ...modules.flat(),
      ...(off.length > 0 ? [{ check: 'modules off', status: 'ok' as const, detail: off.join(', ') }] : []),
    ];
  } finally {
    db.close();
  }
}

function print(checks: DoctorCheck[]): void {
  const width = Math.max(...checks.map((c) => c.check.length));
  const lines: string[] = [];
  for (const c of checks) {
    const [first, ...rest] = c.detail.split('\n');
    lines.push(`${MARK[c.status]}  ${c.check.padEnd(width)}  ${first}`);
    for (const more of rest) lines.push(`${' '.repeat(width + 8)}${more}`);
    if (c.fix && c.status !== 'ok') lines.push(`${' '.repeat(width + 8)}fix: ${c.fix}`);
  }
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  lines.push(
    '',
    failed > 0
      ? `${failed} problem(s) to fix, ${warned} warning(s).`
      : `No problems${warned ? `, ${warned} warning(s)` : ''}.`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function doctorCommand(): Command {
  return withJson(withCommonOptions(new Command('doctor')))
    .description(
      'check the config, the state directory, the daemon, sign-in and every enabled module (rights, reachability), and say how to fix what does not work; exit status 1 when something is broken',
    )
    .action(async (options: CommonOptions) => {
      const checks = await runChecks(options);
      if (options.json) printJson({ ok: !checks.some((c) => c.status === 'fail'), checks });
      else print(checks);
      if (checks.some((c) => c.status === 'fail')) process.exitCode = 1;
    });
}
