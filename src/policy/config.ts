import { z } from 'zod';
import { bool, duration, enumOf, list, optionalStr, section } from '../config/fields.ts';

export const RISK_RULES = ['allow', 'confirm', 'approve', 'deny'] as const;
export type RiskRule = (typeof RISK_RULES)[number];

const rule = (defaultValue: RiskRule, description: string) =>
  enumOf(RISK_RULES, defaultValue, { description });

const notifySection = section(
  {
    webhooks: list(
      [],
      {
        description:
          'URLs that get a JSON POST for every new approval request (id, tool, summary, who asked, the approval page link).',
        secret: true,
      },
      z.url({ protocol: /^https?$/ }),
    ),
    ntfy: optionalStr({
      description:
        'An ntfy topic URL (e.g. https://ntfy.sh/my-homelab-approvals) that gets a push for every new approval request, with an "Open" action to the approval page.',
      secret: true,
    }),
    ntfy_token: optionalStr({
      description: 'Access token for a protected ntfy topic (sent as a Bearer header).',
      secret: true,
      envOnly: true,
    }),
    timeout: duration('5s', { description: 'How long one notification may take before it is given up.' }),
  },
  'Where new approval requests are announced, besides a log line.',
);

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
    approval_ttl: duration('15m', {
      description: 'How long an approval request stays valid; unused approvals expire after it.',
    }),
    approval_wait: duration('120s', {
      description:
        'How long a call that needs an approval waits for it, sending progress, when its client asked for progress (a progress token); other calls answer "pending" with the approval id at once.',
    }),
    approval_result_keep: duration('1h', {
      description:
        'How long the result of a call run under an approval is kept, so calling again with the same approval_id returns it instead of running the action twice.',
    }),
    allow_self_approval: bool(false, {
      description:
        'Let an approver approve a request they made themselves (for single-admin homelabs; see docs/security.md).',
    }),
    notify: notifySection,
  },
  'What must happen before a tool of each risk level runs (applied after the permission check, for every tool).',
);
