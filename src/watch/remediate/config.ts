import { z } from 'zod';
import { bool, int, list, section } from '../../config/fields.ts';
import { isPermission } from '../../policy/permissions.ts';
import { RULE_NAME, span } from '../alerts/rule-schema.ts';

const permissionName = z
  .string()
  .refine(isPermission, { error: (issue) => `unknown permission "${issue.input}"` });

/** An argument value of a remediation: a string may name alert labels as {label}. */
const remediationScalar = z.union([
  z
    .string()
    .max(500)
    .refine((text) => ![...text].some((c) => c.charCodeAt(0) < 32), 'must not contain control characters'),
  z.number(),
  z.boolean(),
]);

/** A value, or one level of named values (e.g. ssh_command_run's parameters). */
const remediationValue = z.union([
  remediationScalar,
  z
    .record(z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'a parameter name'), remediationScalar)
    .refine((values) => Object.keys(values).length <= 20, 'at most 20 values'),
]);

/**
 * What to do when an alert of a rule fires: one tool call, run through the call wrapper as
 * the system principal (watch.remediation), repeated while the alert stays open, at most
 * `attempts` times with a doubling wait in between.
 */
const remediationSchema = z
  .strictObject({
    tool: z
      .string()
      .regex(/^[a-z][a-z0-9_]{1,63}$/, 'must be a tool name, e.g. docker_container_restart')
      .describe('The tool to call, e.g. docker_container_restart or system_service_restart'),
    args: z
      .record(z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'an argument name'), remediationValue)
      .refine((args) => Object.keys(args).length <= 20, 'at most 20 arguments')
      .default({})
      .describe(
        'Its arguments (values, or one level of named values); "{container}", "{unit}", "{host}"… in a string are replaced by the alert\'s labels, e.g. { container: "{container}" } or { host: "oci-vm", container: "{container}" }',
      ),
    attempts: z
      .number()
      .int()
      .min(1)
      .max(20)
      .default(3)
      .describe('Runs at most; after them the alert is marked "could not recover" and nothing more is tried'),
    backoff: span('1m', 'Wait after a run before judging it and trying again; doubled after each run', 1000),
    max_backoff: span('30m', 'The longest wait between runs', 1000),
  })
  .describe('A remediation: a tool call the gateway makes itself while the alert is open (docs/watch.md)');

export type Remediation = z.output<typeof remediationSchema>;

/** The system principal that runs remediations, and what it may do without a person. */
export const remediationConfig = section(
  {
    enabled: bool(true, {
      description:
        'Run the remediations in watch.remediation.actions when their alerts fire; off: those alerts only notify.',
    }),
    permissions: list(
      ['system:write', 'docker:write'],
      {
        description:
          'What the system principal that runs remediations may do; a remediation whose tool needs more is refused and audited.',
      },
      permissionName,
    ),
    unattended: list(
      [],
      {
        description:
          'Remediation tools that run without an approval (e.g. docker_container_restart). Every other remediation asks for one first, whatever policy.* says; critical-risk tools always ask, and a deny rule still denies.',
      },
      z.string().regex(/^[a-z][a-z0-9_]{1,63}$/, 'a tool name'),
    ),
    actions: z
      .record(z.string().max(63), remediationSchema)
      .superRefine((actions, ctx) => {
        const names = Object.keys(actions);
        if (names.length > 200) ctx.addIssue({ code: 'custom', message: 'at most 200 remediations' });
        for (const name of names.filter((n) => !RULE_NAME.test(n)))
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: 'is not an alert rule name (lowercase letters, digits, - and _, e.g. container-exited)',
          });
      })
      .meta({
        description:
          'Remediations by alert rule name (a built-in or watch.rules rule; rules made with a tool never get one): { tool, args, attempts, backoff, max_backoff }, e.g. {"container-exited": {"tool": "docker_container_restart", "args": {"container": "{container}"}}}.',
        format: 'json',
      })
      .default({}),
    max_active: int(
      20,
      {
        description:
          'Alerts being remediated at once at most; alerts beyond it are noted as not remediated (a storm stays bounded).',
      },
      1,
      500,
    ),
  },
  'Self-healing: remediations per alert rule, and the system principal that runs them (docs/watch.md).',
);

export type RemediationConfig = z.output<typeof remediationConfig>;
