import { Command } from 'commander';
import { readAnchor } from '../audit/head.ts';
import { auditPath } from '../audit/path.ts';
import { describeRecord, followLines, lastLines } from '../audit/tail.ts';
import { verifyAuditLog } from '../audit/verify.ts';
import { StateDb } from '../state/db.ts';
import { terminalSafe, terminalSafeJson } from '../util/terminal-safe.ts';
import { type CommonOptions, loadFor, printJson, withCommonOptions, withJson } from './common.ts';

/** "SEQ:HASH" as a checkpoint line in the gateway log gives it (`audit_checkpoint`). */
function parseExpect(value: string): { seq: number; hash: string } {
  const match = /^(\d{1,15}):([0-9a-f]{64})$/.exec(value.trim());
  if (!match)
    throw new Error(
      '--expect takes SEQ:HASH, e.g. 1000:3f5c… (64 hex digits), from an audit_checkpoint log line',
    );
  return { seq: Number(match[1]), hash: match[2]! };
}

export function auditCommand(): Command {
  const audit = new Command('audit').description('read and verify the audit log');

  withJson(withCommonOptions(audit.command('tail')))
    .description('print the latest audit records')
    .option('-n, --lines <n>', 'how many records', '20')
    .option('-f, --follow', 'keep printing records as they are written')
    .action(async (options: CommonOptions & { lines: string; follow?: boolean }) => {
      const path = auditPath(loadFor(options).config);
      // Records hold caller text (tool names, arguments): never let it reach the terminal raw.
      const print = (line: string) =>
        process.stdout.write(`${options.json ? terminalSafeJson(line) : describeRecord(line)}\n`);
      const count = Number.parseInt(options.lines, 10);
      if (!Number.isInteger(count) || count < 0) throw new Error('-n takes a whole number');
      for (const line of await lastLines(path, count)) print(line);
      if (options.follow) {
        const stop = await followLines(path, print);
        await new Promise<void>((resolve) => {
          const end = () => {
            stop();
            resolve();
          };
          process.once('SIGINT', end);
          process.once('SIGTERM', end);
        });
      }
    });

  withJson(withCommonOptions(audit.command('verify')))
    .description(
      'check the hash chain and compare its end with the head anchored in the state database; reports the first broken record, removed or rewritten records',
    )
    .option('--expect <seq:hash>', 'also require record SEQ to have HASH (from an audit_checkpoint log line)')
    .action(async (options: CommonOptions & { expect?: string }) => {
      const { config } = loadFor(options);
      const path = auditPath(config);
      const expect = options.expect ? parseExpect(options.expect) : undefined;
      // The anchor is read before the file: the gateway writes the file first, so a file read
      // afterwards can only be ahead of it, never behind, while the gateway keeps writing.
      const db = new StateDb(config.state_dir);
      let anchor: ReturnType<typeof readAnchor>;
      try {
        anchor = readAnchor(db, path);
      } finally {
        db.close();
      }
      const report = await verifyAuditLog(path, { anchor, ...(expect ? { expect } : {}) });
      if (options.json) printJson({ file: path, ...report });
      else {
        const out: string[] = [];
        if (report.broken)
          out.push(
            `${path}: BROKEN at line ${report.broken.line}: ${report.broken.reason} (${report.records} records before it verify)`,
          );
        else if (report.ok) {
          const head = { none: '', match: ', head matches its anchor', ahead: ', anchored head found' }[
            report.anchor.state as 'none' | 'match' | 'ahead'
          ];
          out.push(`${path}: ok, ${report.records} records, chain intact${head}`);
        } else out.push(`${path}: PROBLEM: ${report.records} records, chain intact, but:`);
        for (const problem of report.problems) out.push(`  - ${terminalSafe(problem)}`);
        for (const notice of report.notices) out.push(`  note: ${terminalSafe(notice)}`);
        process.stdout.write(`${out.join('\n')}\n`);
      }
      if (!report.ok) process.exitCode = 1;
    });
  return audit;
}
