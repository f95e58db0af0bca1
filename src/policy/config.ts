import { z } from 'zod';
import { enumOf, section } from '../config/fields.ts';

export const RISK_RULES = ['allow', 'confirm', 'approve', 'deny'] as const;
export type RiskRule = (typeof RISK_RULES)[number];

const rule = (defaultValue: RiskRule, description: string) =>
  enumOf(RISK_RULES, defaultValue, { description });

export const policyConfig = section(
  {
    low: rule(
      'allow',
      'What happens before a low-risk tool runs: allow, confirm (ask the human through the client), approve (out-of-band approval) or deny.',
    ),
    moderate: rule('allow', 'The rule for moderate-risk tools.'),
    high: rule('confirm', 'The rule for high-risk tools.'),
    critical: rule('approve', 'The rule for critical-risk tools.'),
    tools: z
      .record(z.string(), z.enum(RISK_RULES))
      .meta({
        description: 'Per-tool rules (tool name → rule) that replace the rule of its risk level.',
        format: 'json',
      })
      .default({}),
    confirm_fallback: enumOf(['approve', 'deny', 'allow'] as const, 'approve', {
      description:
        'What "confirm" becomes when the client cannot show a confirmation (no elicitation support).',
    }),
  },
  'What must happen before a tool of each risk level runs (applied after the permission check, for every tool).',
);
