import { z } from 'zod';
import { formatDuration } from '../../config/fields.ts';
import { formatArg } from '../../mcp/format.ts';
import { RULE_NAME, ruleSchema } from '../alerts/rule-schema.ts';
import { watchTool } from '../context.ts';

const DURATION_FIELDS = new Set(['for', 'within', 'lookback', 'window', 'older_than']);

/** A rule as tools show it: durations written back as "5m", "7d". */
function ruleView(rule: Record<string, unknown>) {
  return Object.fromEntries(
    Object.entries(rule).map(([key, value]) => [
      key,
      DURATION_FIELDS.has(key) && typeof value === 'number' ? formatDuration(value) : value,
    ]),
  );
}

export const watchRulesList = watchTool({
  name: 'watch_rules_list',
  title: 'Watch: Alert rules',
  description:
    'Every alert rule: built-in, from the config file, or made with a tool; enabled or not, with its fields.',
  permission: 'system:read',
  risk: 'low',
  input: z.object({ format: formatArg }),
  output: z.object({
    rules: z.array(
      z.object({ origin: z.enum(['default', 'config', 'tool']), rule: z.record(z.string(), z.unknown()) }),
    ),
  }),
  handler: (_input, { watch }) => ({
    rules: watch.engine.rules().map(({ rule, origin }) => ({ origin, rule: ruleView(rule) })),
  }),
});

const ruleArg = ruleSchema.describe(
  'The rule: name, kind and the fields of that kind (see docs/watch.md), e.g. { "name": "nas-disk", "kind": "threshold", "series": "host.disk.used_percent", "match": { "mount": "/srv" }, "above": 80, "for": "10m" }',
);

export const watchRuleCreate = watchTool({
  name: 'watch_rule_create',
  title: 'Watch: Create an alert rule',
  description:
    'Add an alert rule (kept in the history database; config rules are changed in the config file). Kinds: threshold, disk_forecast, unit_failed, unit_restart_loop, container_unhealthy, container_restart_loop, container_exited, oom_kill, security_updates, tls_expiry, tailscale_offline, tailscale_key_expiry, fleet_unreachable.',
  permission: 'system:write',
  risk: 'moderate',
  idempotent: false,
  input: z.object({ rule: ruleArg }),
  output: z.object({ rule: z.record(z.string(), z.unknown()) }),
  summarize: ({ rule }) => `Create alert rule ${rule.name} (${rule.kind})`,
  handler: ({ rule }, { watch, principal }) => ({
    rule: ruleView(watch.engine.saveRule(rule, principal.id, watch.clock.now(), 'create')),
  }),
});

export const watchRuleUpdate = watchTool({
  name: 'watch_rule_update',
  title: 'Watch: Replace an alert rule',
  description:
    'Replace a tool-made rule of the same name with this one; its open alerts resolve and may fire again under the new rule.',
  permission: 'system:write',
  risk: 'moderate',
  input: z.object({ rule: ruleArg }),
  output: z.object({ rule: z.record(z.string(), z.unknown()) }),
  summarize: ({ rule }) => `Replace alert rule ${rule.name}`,
  handler: ({ rule }, { watch, principal }) => ({
    rule: ruleView(watch.engine.saveRule(rule, principal.id, watch.clock.now(), 'update')),
  }),
});

export const watchRuleDelete = watchTool({
  name: 'watch_rule_delete',
  title: 'Watch: Delete an alert rule',
  description:
    'Delete a tool-made rule; its open alerts resolve. Built-in and config rules are changed in the config file.',
  permission: 'system:write',
  risk: 'moderate',
  destructive: true,
  input: z.object({ name: z.string().regex(RULE_NAME, 'a rule name').describe('The rule name') }),
  output: z.object({ deleted: z.string() }),
  summarize: ({ name }) => `Delete alert rule ${name}`,
  handler: ({ name }, { watch }) => {
    watch.engine.deleteRule(name, watch.clock.now());
    return { deleted: name };
  },
});

export const ruleTools = [watchRulesList, watchRuleCreate, watchRuleUpdate, watchRuleDelete];
