import { hostname, userInfo } from 'node:os';
import { Command } from 'commander';
import { decideApproval } from '../policy/approvals/decide.ts';
import { type ApprovalRecord, type ApprovalState, ApprovalStore } from '../policy/approvals/store.ts';
import { approvalUrl } from '../policy/approvals/summary.ts';
import { StateDb } from '../state/db.ts';
import { terminalSafe } from '../util/terminal-safe.ts';
import {
  type CommonOptions,
  isoOrDash,
  jsonRecord,
  loadFor,
  printJson,
  printTable,
  withCommonOptions,
  withJson,
} from './common.ts';
import { reachableAddress } from './daemon-file.ts';

function openStore(options: CommonOptions) {
  const { config } = loadFor(options);
  const db = new StateDb(config.state_dir);
  return { config, db, store: new ApprovalStore(db) };
}

/** Whoever runs the CLI on the gateway host can read its state directory, so they are trusted as an approver. */
function hostApprover() {
  const user = userInfo().username;
  return { id: `host:${user}`, name: `${user}@${hostname()} (CLI)`, via: 'cli' };
}

/** The state a reader should see: a pending request past its expiry is expired, even before the daemon marks it. */
function effectiveState(record: ApprovalRecord, now = Date.now()): ApprovalState {
  return (record.state === 'pending' || record.state === 'approved') && record.expiresAt <= now
    ? 'expired'
    : record.state;
}

function printRecord(record: ApprovalRecord, url: string): void {
  const lines: [string, string][] = [
    ['ID', record.id],
    ['State', effectiveState(record)],
    ['Tool', `${record.tool} (risk ${record.risk})`],
    ['Summary', record.summary],
    ['Arguments', JSON.stringify(record.args)],
    ['Arguments hash', record.argsHash],
    ['Requested by', `${record.principalName} (${record.principalId})`],
    ['Created', isoOrDash(record.createdAt)],
    ['Expires', isoOrDash(record.expiresAt)],
    ['Page', url],
  ];
  if (record.decidedAt) {
    lines.push([
      'Decided',
      `${isoOrDash(record.decidedAt)} by ${record.decidedByName} via ${record.decidedVia}`,
    ]);
    if (record.reason) lines.push(['Reason', record.reason]);
  }
  if (record.usedAt) lines.push(['Used', isoOrDash(record.usedAt)]);
  const width = Math.max(...lines.map(([k]) => k.length));
  // Summary, arguments, names and reasons come from callers and approvers: terminal-safe each one.
  process.stdout.write(`${lines.map(([k, v]) => `${k.padEnd(width)}  ${terminalSafe(v)}`).join('\n')}\n`);
}

function decideCommand(name: 'approve' | 'deny') {
  return withCommonOptions(new Command(name))
    .description(
      name === 'approve'
        ? 'approve a pending request; the waiting call (or its retry with approval_id) runs once'
        : 'deny a pending request; the caller is told, with your reason',
    )
    .argument('<id>', 'approval id (from `tailwarden approvals list`)')
    .option('--reason <text>', 'why (shown to the caller and kept in the audit log)')
    .action((id: string, options: CommonOptions & { reason?: string }) => {
      const { config, db, store } = openStore(options);
      try {
        const record = decideApproval(store, {
          id,
          decision: name === 'approve' ? 'approved' : 'denied',
          approver: hostApprover(),
          reason: options.reason,
          allowSelf: config.policy.allow_self_approval,
        });
        process.stdout.write(
          `${name === 'approve' ? 'Approved' : 'Denied'} ${record.id}: ${terminalSafe(record.summary)}\n` +
            'The running gateway records the decision in the audit log.\n',
        );
      } finally {
        db.close();
      }
    });
}

export function approvalsCommand(): Command {
  const approvals = new Command('approvals').description(
    'list, show, approve and deny out-of-band approvals',
  );

  withJson(withCommonOptions(approvals.command('list')))
    .description('list pending approval requests (--all for every state)')
    .option('--all', 'include approved, denied, expired and used requests')
    .action((options: CommonOptions & { all?: boolean }) => {
      const { db, store } = openStore(options);
      const now = Date.now();
      const records = store
        .list(options.all ? undefined : ['pending'])
        .filter((r) => options.all || effectiveState(r, now) === 'pending');
      db.close();
      if (options.json)
        return printJson(records.map((r) => jsonRecord({ ...r, state: effectiveState(r, now) })));
      if (records.length === 0) {
        process.stdout.write(options.all ? 'No approval requests.\n' : 'No pending approval requests.\n');
        return;
      }
      printTable(
        ['ID', 'STATE', 'TOOL', 'REQUESTED BY', 'EXPIRES', 'SUMMARY'],
        records.map((r) => [
          r.id,
          effectiveState(r, now),
          r.tool,
          r.principalName,
          isoOrDash(r.expiresAt),
          r.summary,
        ]),
      );
    });

  withJson(withCommonOptions(approvals.command('show')))
    .description('show one request in full')
    .argument('<id>', 'approval id')
    .action((id: string, options: CommonOptions) => {
      const { config, db, store } = openStore(options);
      const record = store.get(id);
      db.close();
      if (!record) throw new Error(`no approval request "${id}" (see \`tailwarden approvals list --all\`)`);
      // The page of the daemon as it runs (its flags may differ from this command's config).
      const url = approvalUrl(reachableAddress(config), record.id);
      if (options.json)
        return printJson({ ...jsonRecord({ ...record, state: effectiveState(record) }), url });
      printRecord(record, url);
    });

  approvals.addCommand(decideCommand('approve'));
  approvals.addCommand(decideCommand('deny'));
  return approvals;
}
