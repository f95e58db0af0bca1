import { Command } from 'commander';
import { describeRecord, followLines, lastLines } from '../audit/tail.ts';
import { verifyAuditLog } from '../audit/verify.ts';
import { auditPath } from '../gateway.ts';
import { type CommonOptions, loadFor, printJson, withCommonOptions, withJson } from './common.ts';

export function auditCommand(): Command {
  const audit = new Command('audit').description('read and verify the audit log');

  withJson(withCommonOptions(audit.command('tail')))
    .description('print the latest audit records')
    .option('-n, --lines <n>', 'how many records', '20')
    .option('-f, --follow', 'keep printing records as they are written')
    .action(async (options: CommonOptions & { lines: string; follow?: boolean }) => {
      const path = auditPath(loadFor(options).config);
      const print = (line: string) => process.stdout.write(`${options.json ? line : describeRecord(line)}\n`);
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
    .description('check the hash chain; reports the first broken record')
    .action(async (options: CommonOptions) => {
      const path = auditPath(loadFor(options).config);
      const report = await verifyAuditLog(path);
      if (options.json) printJson({ file: path, ...report });
      else if (report.ok) process.stdout.write(`${path}: ok, ${report.records} records, chain intact\n`);
      else {
        process.stdout.write(
          `${path}: BROKEN at line ${report.broken!.line}: ${report.broken!.reason} (${report.records} records before it verify)\n`,
        );
      }
      if (!report.ok) process.exitCode = 1;
    });
  return audit;
}
