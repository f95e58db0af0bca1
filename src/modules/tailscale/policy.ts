import { z } from 'zod';
import { GatewayError, isGatewayError } from '../../errors.ts';
import { asRecord } from '../../tailscale/localapi.ts';
import { type TailscaleContext, tailscaleTool } from './context.ts';

type Ctx = TailscaleContext & { signal: AbortSignal; principal: { id: string }; callId: string };

const policyText = z
  .string()
  .min(2)
  .max(1_000_000)
  .describe('The whole policy file as HuJSON (JSON with comments and trailing commas)');
const etagArg = z
  .string()
  .min(1)
  .max(200)
  .describe('ETag from tailscale_policy_get: the change applies only if nobody changed the file since');

interface Validation {
  valid: boolean;
  message: string;
  problems: unknown[];
}

async function readPolicy(ctx: Ctx): Promise<{ policy: string; etag: string }> {
  const res = await ctx.tailscale.admin.request({
    path: ctx.tailscale.admin.tailnetPath('/acl'),
    accept: 'application/hujson', // keeps comments and formatting
    action: 'read the policy file',
    scope: 'policy_file:read',
    signal: ctx.signal,
  });
  const etag = res.headers.get('etag');
  if (!etag) {
    throw new GatewayError(
      'ERR_UPSTREAM_FAILED',
      'The admin API sent the policy file without an ETag; refusing to go on without one.',
    );
  }
  return { policy: res.text, etag };
}

/** The validate endpoint answers 200 either way; problems come back in message/data. */
async function validatePolicy(ctx: Ctx, policy: string): Promise<Validation> {
  try {
    const { value } = await ctx.tailscale.admin.json({
      method: 'POST',
      path: ctx.tailscale.admin.tailnetPath('/acl/validate'),
      body: policy,
      contentType: 'application/hujson',
      idempotent: true, // checks only
      action: 'validate the policy file',
      scope: 'policy_file:read',
      signal: ctx.signal,
    });
    const body = asRecord(value);
    const message = typeof body.message === 'string' ? body.message : '';
    const problems = Array.isArray(body.data) ? body.data : [];
    return { valid: message === '' && problems.length === 0, message, problems };
  } catch (error) {
    // A file that does not even parse comes back as 400: that is a validation result, not a failure.
    if (isGatewayError(error) && error.code === 'ERR_INPUT_REJECTED') {
      return { valid: false, message: error.message, problems: (error.details?.problems as unknown[]) ?? [] };
    }
    throw error;
  }
}

function rejectInvalid(result: Validation): void {
  if (result.valid) return;
  throw new GatewayError(
    'ERR_INPUT_REJECTED',
    `The policy file does not validate, so it was not written: ${result.message}${result.problems.length ? ` ${JSON.stringify(result.problems).slice(0, 1500)}` : ''}`,
    { details: { problems: result.problems.slice(0, 50) } },
  );
}

/**
 * Validate, keep the current file, then write under If-Match. The kept copy is
 * dropped again if the write fails, so every kept version was really replaced.
 */
async function replacePolicy(ctx: Ctx, policy: string, expectedEtag: string, reason: string) {
  const current = await readPolicy(ctx);
  if (current.etag !== expectedEtag) {
    throw new GatewayError(
      'ERR_CONFLICT',
      'The policy file changed since you read it (ETag mismatch); call tailscale_policy_get, re-apply your change to the new file and retry with its ETag.',
    );
  }
  rejectInvalid(await validatePolicy(ctx, policy));
  const { admin, policies } = ctx.tailscale;
  const savedId = policies.save(admin.tailnet, {
    etag: current.etag,
    policy: current.policy,
    reason,
    principal: ctx.principal.id,
    call_id: ctx.callId,
  });
  try {
    const res = await admin.request({
      method: 'POST',
      path: admin.tailnetPath('/acl'),
      body: policy,
      contentType: 'application/hujson',
      accept: 'application/hujson',
      headers: { 'If-Match': current.etag },
      idempotent: false,
      action: 'write the policy file',
      scope: 'policy_file',
      signal: ctx.signal,
    });
    return { etag: res.headers.get('etag') ?? '', previous_version: savedId, previous_etag: current.etag };
  } catch (error) {
    policies.remove(savedId);
    throw error;
  }
}

const writeOutput = z.object({
  etag: z.string().describe('ETag of the file now in force'),
  previous_version: z
    .number()
    .int()
    .describe('Kept copy of the replaced file (for tailscale_policy_rollback)'),
  previous_etag: z.string(),
});

export const policyGet = tailscaleTool({
  name: 'tailscale_policy_get',
  title: 'Tailscale: Get policy file',
  description:
    'The tailnet policy file (ACLs, grants, tags, SSH rules) as HuJSON with its comments, and its ETag for a later update.',
  permission: 'tailscale:read',
  risk: 'low',
  openWorld: true,
  input: z.object({}),
  output: z.object({ policy: z.string(), etag: z.string() }),
  handler: (_input, ctx) => readPolicy(ctx),
});

export const policyValidate = tailscaleTool({
  name: 'tailscale_policy_validate',
  title: 'Tailscale: Validate policy file',
  description: 'Check a policy file with the control server (syntax, references, tests) without applying it.',
  permission: 'tailscale:read',
  risk: 'low',
  openWorld: true,
  input: z.object({ policy: policyText }),
  output: z.object({ valid: z.boolean(), message: z.string(), problems: z.array(z.unknown()) }),
  handler: ({ policy }, ctx) => validatePolicy(ctx, policy),
});

export const policyPreview = tailscaleTool({
  name: 'tailscale_policy_preview',
  title: 'Tailscale: Preview policy rules',
  description:
    'Which rules of a policy file (the given one, or the current one) apply to a user ("type": "user", e.g. alice@example.com) or to a destination ("type": "ipport", e.g. 100.64.0.30:443).',
  permission: 'tailscale:read',
  risk: 'low',
  openWorld: true,
  input: z.object({
    type: z
      .enum(['user', 'ipport'])
      .describe('Preview for a user ("user") or a destination IP:port ("ipport")'),
    preview_for: z.string().min(1).max(300).describe('A user login, or IP:port'),
    policy: policyText.optional().describe('Policy file to preview (default: the one in force)'),
  }),
  output: z.object({ matches: z.array(z.unknown()) }),
  handler: async ({ type, preview_for, policy }, ctx) => {
    const text = policy ?? (await readPolicy(ctx)).policy;
    const { value } = await ctx.tailscale.admin.json({
      method: 'POST',
      path: ctx.tailscale.admin.tailnetPath('/acl/preview'),
      query: { type, previewFor: preview_for },
      body: text,
      contentType: 'application/hujson',
      idempotent: true,
      action: 'preview the policy file',
      scope: 'policy_file:read',
      signal: ctx.signal,
    });
    const matches = asRecord(value).matches;
    return { matches: Array.isArray(matches) ? matches : [] };
  },
});

export const policyUpdate = tailscaleTool({
  name: 'tailscale_policy_update',
  title: 'Tailscale: Update policy file',
  description:
    'Replace the policy file. It is validated first, written only if unchanged since your tailscale_policy_get (ETag), and the replaced file is kept for tailscale_policy_rollback.',
  permission: 'tailscale:admin',
  risk: 'critical',
  openWorld: true,
  input: z.object({ policy: policyText, etag: etagArg }),
  output: writeOutput,
  summarize: ({ policy }) =>
    `Replace the tailnet policy file (${policy.length} characters); the current one is kept.`,
  handler: ({ policy, etag }, ctx) => replacePolicy(ctx, policy, etag, 'replaced by tailscale_policy_update'),
});

export const policyVersions = tailscaleTool({
  name: 'tailscale_policy_versions',
  title: 'Tailscale: Kept policy versions',
  description: 'Policy files this gateway replaced, newest first (ids for tailscale_policy_rollback).',
  permission: 'tailscale:read',
  risk: 'low',
  input: z.object({}),
  output: z.object({
    versions: z.array(
      z.object({
        id: z.number().int(),
        saved_at: z.string(),
        etag: z.string(),
        reason: z.string(),
        principal: z.string(),
        size: z.number().int(),
      }),
    ),
  }),
  handler: (_input, ctx) => ({
    versions: ctx.tailscale.policies.list(ctx.tailscale.admin.tailnet).map((v) => ({
      id: v.id,
      saved_at: new Date(v.saved_at).toISOString(),
      etag: v.etag,
      reason: v.reason,
      principal: v.principal,
      size: (v as unknown as { size: number }).size,
    })),
  }),
});

export const policyRollback = tailscaleTool({
  name: 'tailscale_policy_rollback',
  title: 'Tailscale: Roll back policy file',
  description:
    'Put a kept policy version back in force (validated first, ETag-guarded); the file it replaces is kept too, so a rollback can be undone.',
  permission: 'tailscale:admin',
  risk: 'critical',
  openWorld: true,
  input: z.object({
    version: z.number().int().min(1).describe('Id from tailscale_policy_versions'),
    etag: etagArg,
  }),
  output: writeOutput,
  summarize: ({ version }) => `Restore kept policy version ${version} as the tailnet policy file.`,
  handler: async ({ version, etag }, ctx) => {
    const kept = ctx.tailscale.policies.get(ctx.tailscale.admin.tailnet, version);
    if (!kept) {
      throw new GatewayError(
        'ERR_NOT_FOUND',
        `No kept policy version ${version}; see tailscale_policy_versions.`,
      );
    }
    return replacePolicy(ctx, kept.policy, etag, `replaced by rollback to version ${version}`);
  },
});

export const policyTools = [
  policyGet,
  policyValidate,
  policyPreview,
  policyUpdate,
  policyVersions,
  policyRollback,
];
