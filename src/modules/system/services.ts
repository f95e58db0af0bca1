import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import { formatArg } from '../../mcp/format.ts';
import { TimeSlice } from '../../util/time-slice.ts';
import { whenArg } from '../../util/when.ts';
import { type SystemContext, systemTool } from './context.ts';
import {
  checkUnitName,
  checkUnitPattern,
  commandFailure,
  journalArgs,
  parseJournalJson,
  showUnit,
  UNIT_TYPES,
  unixTimestamp,
} from './systemd.ts';

const unitArg = z.string().min(1).max(255).describe('Unit name, e.g. "nginx" or "nginx.service"');
export const PRIORITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;

const unitRow = z.object({
  unit: z.string(),
  load: z.string(),
  active: z.string(),
  sub: z.string(),
  description: z.string(),
});

const opts = (ctx: SystemContext & { signal: AbortSignal }) => ({
  timeoutMs: ctx.system.config.command_timeout,
  signal: ctx.signal,
  outputCap: ctx.system.config.output_cap,
});

async function listUnits(
  ctx: SystemContext & { signal: AbortSignal },
  filters: { state?: string; type?: string; pattern?: string },
) {
  const args = ['systemctl', 'list-units', '--all', '--no-pager', '--output=json'];
  if (filters.state) args.push(`--state=${filters.state}`);
  if (filters.type) args.push(`--type=${filters.type}`);
  if (filters.pattern) args.push('--', checkUnitPattern(filters.pattern));
  const result = await ctx.system.runner.run(args, opts(ctx));
  if (result.code !== 0) throw commandFailure('systemctl list-units', result);
  return z.array(unitRow).parse(JSON.parse(result.stdout || '[]'));
}

export const servicesList = systemTool({
  name: 'system_services_list',
  title: 'System: List systemd units',
  description:
    'systemd units with their load, active and sub state; filter by state, type and a name pattern.',
  permission: 'system:read',
  risk: 'low',
  input: z.object({
    state: z
      .enum(['active', 'inactive', 'failed', 'running', 'exited', 'dead', 'activating', 'deactivating'])
      .optional()
      .describe('Only units in this state'),
    type: z.enum(UNIT_TYPES).default('service').describe('Unit type'),
    pattern: z.string().max(255).optional().describe('Glob on the unit name, e.g. "nginx*"'),
    format: formatArg,
  }),
  output: z.object({ units: z.array(unitRow), count: z.number().int() }),
  validate: ({ pattern }) => {
    if (pattern) checkUnitPattern(pattern);
  },
  handler: async (input, ctx) => {
    const units = await listUnits(ctx, input);
    return { units, count: units.length };
  },
});

export const servicesFailed = systemTool({
  name: 'system_services_failed',
  title: 'System: Failed units',
  description: 'Every systemd unit (any type) currently in the failed state.',
  permission: 'system:read',
  risk: 'low',
  input: z.object({ format: formatArg }),
  output: z.object({ units: z.array(unitRow), count: z.number().int() }),
  handler: async (_input, ctx) => {
    const args = ['systemctl', 'list-units', '--all', '--no-pager', '--output=json', '--state=failed'];
    const result = await ctx.system.runner.run(args, opts(ctx));
    if (result.code !== 0) throw commandFailure('systemctl list-units', result);
    const units = z.array(unitRow).parse(JSON.parse(result.stdout || '[]'));
    return { units, count: units.length };
  },
});

/** One journal line as the log tools return it. */
export const journalEntry = z.object({
  time: z.string().nullable(),
  priority: z.number().nullable(),
  unit: z.string().nullable(),
  identifier: z.string().nullable(),
  pid: z.number().nullable(),
  message: z.string(),
});

/** Run a journalctl query and parse its JSON lines. */
export async function queryJournal(
  ctx: SystemContext & { signal: AbortSignal },
  query: Parameters<typeof journalArgs>[0],
) {
  const result = await ctx.system.runner.run(journalArgs(query), {
    ...opts(ctx),
    outputCap: Math.max(ctx.system.config.output_cap, query.lines * 4096),
  });
  // journalctl --grep exits 1 when nothing matched.
  if (result.code !== 0 && !(query.grep && result.code === 1 && !result.stderr.trim()))
    throw commandFailure('journalctl', result);
  const lines = result.stdout.split('\n').filter(Boolean);
  if (result.truncated) lines.pop();
  // Up to 100,000 JSON lines (hundreds of MB): parsed in slices so the event loop keeps answering.
  const slice = new TimeSlice();
  const entries = [];
  for (const line of lines) {
    await slice.pause();
    const entry = parseJournalJson(line);
    if (entry) entries.push(entry);
  }
  const note =
    [
      journalNote(result.stderr),
      result.truncated
        ? 'The output reached modules.system.output_cap and was cut; ask for fewer lines or narrow with since/until, priority or grep.'
        : undefined,
    ]
      .filter(Boolean)
      .join(' ') || undefined;
  return { entries, truncated: result.truncated, ...(note ? { note } : {}) };
}

/**
 * What journalctl says on stderr beside a successful answer — "No journal files were
 * found.", or the hint that the gateway's user sees only its own messages — is why a
 * result is empty or thin, so it travels with the result (bounded) instead of being lost.
 */
function journalNote(stderr: string): string | undefined {
  const said = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');
  return said ? `journalctl: ${said.slice(0, 500)}` : undefined;
}

export const journalNoteField = z
  .string()
  .optional()
  .describe('What journalctl said besides the lines (e.g. no journal files, or no right to read them all)');

export const serviceStatus = systemTool({
  name: 'system_service_status',
  title: 'System: Service status',
  description:
    'Status of one systemd unit: load/active/sub state, since when, main PID, memory, restarts, enablement, and its recent log lines.',
  permission: 'system:read',
  risk: 'low',
  input: z.object({
    unit: unitArg,
    log_lines: z.number().int().min(0).max(200).default(10).describe('Recent journal lines to include'),
  }),
  output: z.object({
    unit: z.string(),
    description: z.string(),
    load_state: z.string(),
    active_state: z.string(),
    sub_state: z.string(),
    since: z.string().nullable(),
    main_pid: z.number().nullable(),
    memory_bytes: z.number().nullable(),
    restarts: z.number().nullable(),
    unit_file_state: z.string(),
    result: z.string(),
    fragment_path: z.string(),
    recent_logs: z.array(journalEntry),
  }),
  validate: ({ unit }) => void checkUnitName(unit),
  handler: async ({ unit, log_lines }, ctx) => {
    const name = checkUnitName(unit);
    const p = await showUnit(
      ctx.system.runner,
      name,
      [
        'Id',
        'Description',
        'ActiveState',
        'SubState',
        'StateChangeTimestamp',
        'MainPID',
        'MemoryCurrent',
        'NRestarts',
        'UnitFileState',
        'Result',
        'FragmentPath',
      ],
      opts(ctx),
    );
    const num = (v: string | undefined) =>
      v && /^\d+$/.test(v) && v !== '18446744073709551615' ? Number(v) : null;
    const logs = log_lines > 0 ? (await queryJournal(ctx, { unit: name, lines: log_lines })).entries : [];
    return {
      unit: p.Id ?? name,
      description: p.Description ?? '',
      load_state: p.LoadState ?? '',
      active_state: p.ActiveState ?? '',
      sub_state: p.SubState ?? '',
      since: unixTimestamp(p.StateChangeTimestamp),
      main_pid: num(p.MainPID) || null,
      memory_bytes: num(p.MemoryCurrent),
      restarts: num(p.NRestarts),
      unit_file_state: p.UnitFileState ?? '',
      result: p.Result ?? '',
      fragment_path: p.FragmentPath ?? '',
      recent_logs: logs,
    };
  },
});

export const serviceLogs = systemTool({
  name: 'system_service_logs',
  title: 'System: Service logs',
  description:
    'Journal lines of one unit, newest last: time window (since/until), line count, minimum priority, and a grep pattern.',
  permission: 'system:read',
  risk: 'low',
  input: z.object({
    unit: unitArg,
    since: whenArg('Start of the window').optional(),
    until: whenArg('End of the window (default: now)').optional(),
    lines: z.number().int().min(1).max(5000).default(100).describe('At most this many lines, newest kept'),
    priority: z.enum(PRIORITIES).optional().describe('Only this priority and more severe'),
    grep: z.string().max(200).optional().describe('Only messages matching this (PCRE) pattern'),
    format: formatArg,
  }),
  output: z.object({
    unit: z.string(),
    entries: z.array(journalEntry),
    truncated: z.boolean(),
    note: journalNoteField,
  }),
  validate: ({ unit }) => void checkUnitName(unit),
  handler: async (input, ctx) => {
    const unit = checkUnitName(input.unit);
    await showUnit(ctx.system.runner, unit, [], opts(ctx));
    return { unit, ...(await queryJournal(ctx, { ...input, unit })) };
  },
});

const ACTIONS = {
  start: { verb: 'Start', past: 'started' },
  stop: { verb: 'Stop', past: 'stopped' },
  restart: { verb: 'Restart', past: 'restarted' },
  reload: { verb: 'Reload', past: 'reloaded' },
  enable: { verb: 'Enable', past: 'enabled' },
  disable: { verb: 'Disable', past: 'disabled' },
} as const;

function actionTool(action: keyof typeof ACTIONS) {
  const { verb, past } = ACTIONS[action];
  const enablement = action === 'enable' || action === 'disable';
  return systemTool({
    name: `system_service_${action}`,
    title: `System: ${verb} service`,
    description: enablement
      ? `${verb} a systemd unit at boot (systemctl ${action}); does not ${action === 'enable' ? 'start' : 'stop'} it now.`
      : `${verb} a systemd unit (systemctl ${action}) and report its state afterwards.`,
    permission: 'system:write',
    risk: 'high',
    idempotent: action !== 'restart',
    input: z.object({ unit: unitArg }),
    output: z.object({
      unit: z.string(),
      action: z.string(),
      active_state: z.string(),
      sub_state: z.string(),
      unit_file_state: z.string(),
    }),
    summarize: ({ unit }) => `${verb} the systemd unit ${unit} on this host.`,
    // "--all" or any other name that is not a unit is refused here, before a confirmation or an approval.
    validate: ({ unit }) => void checkUnitName(unit),
    handler: async ({ unit }, ctx) => {
      const name = checkUnitName(unit);
      await showUnit(ctx.system.runner, name, [], opts(ctx));
      const result = await ctx.system.runner.run(
        ['systemctl', action, '--no-ask-password', '--', name],
        opts(ctx),
      );
      if (result.code !== 0) {
        const error = commandFailure(`systemctl ${action} ${name}`, result);
        throw new GatewayError(
          error.code,
          `${error.message} See system_service_logs {"unit":"${name}"} for why.`,
          { cause: error },
        );
      }
      const after = await showUnit(
        ctx.system.runner,
        name,
        ['ActiveState', 'SubState', 'UnitFileState'],
        opts(ctx),
      );
      return {
        unit: name,
        action: past,
        active_state: after.ActiveState ?? '',
        sub_state: after.SubState ?? '',
        unit_file_state: after.UnitFileState ?? '',
      };
    },
  });
}

export const serviceTools = [
  servicesList,
  servicesFailed,
  serviceStatus,
  serviceLogs,
  ...(Object.keys(ACTIONS) as (keyof typeof ACTIONS)[]).map(actionTool),
];
