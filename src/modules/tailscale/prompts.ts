import { z } from 'zod';
import { aside, definePrompt, step } from '../../mcp/prompt.ts';

export const tailnetAuditPrompt = definePrompt({
  name: 'tailnet_audit',
  title: 'Audit the tailnet',
  description:
    'Review the tailnet for stale devices, outdated clients, expiring keys, untagged servers and pending routes.',
  requires: ['tailscale_audit'],
  args: z.object({
    stale_days: z
      .string()
      .regex(/^\d{1,4}$/)
      .optional()
      .describe('Days without contact that make a device stale'),
  }),
  render: ({ stale_days }) => [
    step(
      'tailscale_audit',
      `Call tailscale_audit${stale_days ? ` with {"stale_days": ${stale_days}}` : ''} and read every finding with a count above 0.`,
    ),
    step(
      'tailscale_status',
      "Call tailscale_status for this node's health warnings and whether its client is up to date.",
    ),
    step(
      'tailscale_routes_get',
      'For routes awaiting approval, call tailscale_routes_get on each device and judge whether the routes are expected.',
    ),
    step(
      [],
      'Report: findings ordered by severity (critical, warning, info), each with the devices concerned and one concrete next step naming the tool to use. Do not change anything: propose the changes and let the user decide.',
    ),
  ],
});

export const onboardDevicePrompt = definePrompt({
  name: 'onboard_device',
  title: 'Onboard a new device',
  description: 'Bring a new device in: create a suitable auth key or approve it, tag it, approve its routes.',
  requires: ['tailscale_policy_get', 'tailscale_device_tags_set'],
  args: z.object({
    device: z.string().max(100).optional().describe('Name of the device if it has already joined'),
    role: z
      .string()
      .max(100)
      .optional()
      .describe('What it is for, e.g. "subnet router for 192.168.1.0/24" or "media server"'),
  }),
  render: ({ device, role }) => [
    `Onboard ${device ? `the device "${device}"` : 'a new device'}${role ? ` meant as: ${role}` : ''}.`,
    step(
      'tailscale_policy_get',
      'Call tailscale_policy_get and list the tags that exist in tagOwners; pick the one that fits (servers should be tagged, not owned by a person).',
    ),
    device
      ? step(
          ['tailscale_device_get', 'tailscale_device_authorize'],
          `Call tailscale_device_get for "${device}". If it is not authorized, confirm with the user and call tailscale_device_authorize.`,
        )
      : step(
          'tailscale_key_create',
          'If the device has not joined yet, propose tailscale_key_create with a single-use, preauthorized key carrying that tag and a short expiry; the secret is shown once — tell the user to use it right away.',
        ),
    step('tailscale_device_tags_set', 'Set its tags with tailscale_device_tags_set.'),
    aside(
      'tailscale_device_key_expiry_set',
      'For a server, suggest tailscale_device_key_expiry_set so it does not drop off.',
    ),
    step(
      ['tailscale_routes_get', 'tailscale_routes_enable'],
      'If it advertises routes, show tailscale_routes_get and enable only the expected ones with tailscale_routes_enable (additive).',
    ),
    step('tailscale_device_get', 'Finish by calling tailscale_device_get and summarising its final state.'),
  ],
});

export const reviewPolicyChangePrompt = definePrompt({
  name: 'review_policy_change',
  title: 'Review a policy file change',
  description:
    'Check a proposed policy change: validate it, preview who gains or loses access, then apply it only on request.',
  requires: ['tailscale_policy_get', 'tailscale_policy_validate'],
  args: z.object({
    change: z.string().max(2000).describe('The change in words, e.g. "let bob reach the NAS on port 445"'),
  }),
  render: ({ change }) => [
    `Proposed change to the tailnet policy: ${change}`,
    step(
      'tailscale_policy_get',
      'Call tailscale_policy_get; keep its ETag. Write the smallest edit of the HuJSON that makes the change, keeping comments.',
    ),
    step(
      'tailscale_policy_validate',
      'Call tailscale_policy_validate with the edited file and fix every problem it reports.',
    ),
    step(
      'tailscale_policy_preview',
      'Call tailscale_policy_preview for each user and destination the change touches, with the current file and with the edited one, and list who gains and who loses access.',
    ),
    step([], 'Show the diff and the access changes.'),
    aside(
      ['tailscale_policy_update', 'tailscale_policy_rollback'],
      'Only if the user approves, call tailscale_policy_update with the edited file and the ETag from step 1. It keeps the old file; tailscale_policy_rollback restores it.',
    ),
  ],
});

export const tailscalePrompts = [tailnetAuditPrompt, onboardDevicePrompt, reviewPolicyChangePrompt];
