import { GatewayError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { WatchConfig } from '../config.ts';
import { DEFAULT_RULES, type Rule, ruleSchema } from './rule-schema.ts';
import type { AlertStore } from './store.ts';

export type RuleOrigin = 'default' | 'config' | 'tool';

/** The rules in force: built-ins, replaced by config rules of the same name, then tool-made ones. */
export function loadRuleSet(
  config: WatchConfig,
  alerts: AlertStore,
  log: Logger,
): { rule: Rule; origin: RuleOrigin }[] {
  const byName = new Map<string, { rule: Rule; origin: RuleOrigin }>();
  if (config.default_rules)
    for (const input of DEFAULT_RULES) {
      const rule = ruleSchema.parse(input);
      byName.set(rule.name, { rule, origin: 'default' });
    }
  for (const rule of config.rules) byName.set(rule.name, { rule, origin: 'config' });
  for (const stored of alerts.storedRules()) {
    const parsed = ruleSchema.safeParse(stored.rule);
    if (!parsed.success || byName.has(stored.name)) {
      log.warn(
        { rule: stored.name },
        'a tool-made alert rule no longer validates or clashes with the config; skipped',
      );
      continue;
    }
    byName.set(parsed.data.name, { rule: parsed.data, origin: 'tool' });
  }
  return [...byName.values()].slice(0, config.max_rules);
}

/** Validate a rule a tool wants to create or replace; throws a clear error when it may not. */
export function checkRuleChange(
  input: unknown,
  find: (name: string) => { origin: RuleOrigin } | undefined,
  mode: 'create' | 'update',
  count: number,
  max: number,
): Rule {
  const parsed = ruleSchema.safeParse(input);
  if (!parsed.success)
    throw new GatewayError(
      'ERR_INPUT_REJECTED',
      `The rule is not valid: ${parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(rule)'}: ${i.message}`)
        .join('; ')}`,
    );
  const rule = parsed.data;
  const existing = find(rule.name);
  if (mode === 'create' && existing)
    throw new GatewayError(
      'ERR_CONFLICT',
      `A rule named "${rule.name}" exists (${existing.origin}); pick another name or update it.`,
    );
  if (mode === 'update' && !existing)
    throw new GatewayError(
      'ERR_NOT_FOUND',
      `No rule named "${rule.name}"; create it with watch_rule_create.`,
    );
  if (existing && existing.origin !== 'tool')
    throw new GatewayError(
      'ERR_CONFLICT',
      `"${rule.name}" is a ${existing.origin === 'default' ? 'built-in' : 'config'} rule; change it in the config file (watch.rules${existing.origin === 'default' ? ', or set watch.default_rules: false' : ''}).`,
    );
  if (mode === 'create' && count >= max)
    throw new GatewayError('ERR_CONFLICT', `There are ${count} rules (watch.max_rules); delete one first.`);
  return rule;
}
