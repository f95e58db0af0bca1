import { z } from 'zod';
import { aside, definePrompt, step } from '../../mcp/prompt.ts';

const vmidText = z
  .string()
  .regex(/^[1-9]\d{2,8}$/, 'a guest id such as 105')
  .describe('Guest id (VMID), e.g. 105');

export const beforeUpgradePrompt = definePrompt({
  name: 'proxmox_before_upgrade',
  title: 'Upgrade a guest safely',
  description:
    'Snapshot a guest, upgrade it, verify it, and roll back to the snapshot if the upgrade broke it.',
  requires: ['proxmox_guest_status', 'proxmox_snapshot_create'],
  args: z.object({
    vmid: vmidText,
    what: z.string().max(300).optional().describe('What is upgraded, e.g. "Home Assistant to 2026.2"'),
    check: z
      .string()
      .max(300)
      .optional()
      .describe('How to tell it works, e.g. "the web UI answers on :8123"'),
  }),
  render: ({ vmid, what, check }) => [
    `Upgrade guest ${vmid}${what ? ` (${what})` : ''} with a way back.`,
    step(
      'proxmox_guest_status',
      `Call proxmox_guest_status for ${vmid}: note whether it runs, its node, and is_gateway (if true, stop and ask the user: rolling back the gateway's own guest cuts this session).`,
    ),
    step(
      ['proxmox_snapshots_list', 'proxmox_snapshot_create'],
      `Call proxmox_snapshots_list for ${vmid}; then proxmox_snapshot_create with snapname "pre_upgrade_<date>" (a VM that runs may take vmstate: true). Wait for the task to end "ok".`,
    ),
    aside(
      'proxmox_backup_start',
      'If the storage cannot snapshot, offer proxmox_backup_start instead and wait for it.',
    ),
    `Do or guide the upgrade${what ? ` of ${what}` : ''} (inside the guest: through the tools the user has for it, or let the user do it). Do not continue while it runs.`,
    step(
      ['proxmox_guest_status', 'proxmox_tasks_list'],
      `Verify: proxmox_guest_status shows it running${check ? `, and ${check}` : ' and the service it provides answers'}; look at proxmox_tasks_list {"vmid": ${vmid}, "errors": true} for failures since the snapshot.`,
    ),
    step(
      'proxmox_snapshot_rollback',
      'If it is broken, show the evidence and ask the user before calling proxmox_snapshot_rollback with that snapname (everything written since is lost).',
    ),
    aside(
      'proxmox_snapshot_delete',
      'If it works, ask whether to keep the snapshot a few days or delete it (proxmox_snapshot_delete): old snapshots grow and slow the storage.',
    ),
  ],
});

export const backupCoverageAuditPrompt = definePrompt({
  name: 'proxmox_backup_audit',
  title: 'Audit backup coverage',
  description:
    'Find guests no backup job covers, guests without a recent backup, failed backup tasks, and storages running out of room.',
  requires: ['proxmox_backup_coverage'],
  args: z.object({
    max_age_days: z
      .string()
      .regex(/^\d{1,4}$/)
      .optional()
      .describe('A newest backup older than this many days is a finding (default 7)'),
  }),
  render: ({ max_age_days }) => [
    step(
      'proxmox_access_check',
      'Call proxmox_access_check; if the token cannot see guests, storage or backup jobs, say which privilege is missing and stop (the rest would be incomplete).',
    ),
    step(
      'proxmox_backup_coverage',
      `Call proxmox_backup_coverage with {"max_age_days": ${max_age_days ?? 7}, "only_problems": true} for every cluster.`,
    ),
    step(
      'proxmox_backup_jobs_list',
      'Call proxmox_backup_jobs_list: note disabled jobs, jobs whose next run is far off, and which storage each job writes to.',
    ),
    step(
      ['proxmox_tasks_list', 'proxmox_task_get'],
      'Call proxmox_tasks_list {"type": "vzdump", "errors": true, "since": "14d"} and read the log of the latest failures with proxmox_task_get.',
    ),
    step(
      'proxmox_storage_list',
      'Call proxmox_storage_list {"content": "backup"}: flag backup storages above 85 % used.',
    ),
    'Report: guests with no job, guests with no or too old backups (with the age), failed backup runs and their cause, full storages, each with one concrete next step (add to a job in the Proxmox UI, start a backup now, prune or grow the storage). Do not start or delete anything without the user saying so.',
  ],
});

export const proxmoxPrompts = [beforeUpgradePrompt, backupCoverageAuditPrompt];
