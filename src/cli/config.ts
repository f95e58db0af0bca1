import { Command } from 'commander';
import { ConfigError, loadConfig } from '../config/load.ts';
import { type CommonOptions, loadFor, printJson, withCommonOptions, withJson } from './common.ts';

export function configCommand(): Command {
  return withJson(withCommonOptions(new Command('config')))
    .description('show the effective configuration, or check a config file')
    .option('--print', 'print the effective config (defaults < file < environment < flags), secrets masked')
    .option('--check <file>', 'validate a config file and report every problem')
    .action(async (options: CommonOptions & { print?: boolean; check?: string }) => {
      if (options.check) {
        try {
          const { warnings } = loadConfig({ file: options.check });
          for (const warning of warnings) process.stderr.write(`tailwarden: warning: ${warning}\n`);
          process.stdout.write(`${options.check}: ok\n`);
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          process.stderr.write(`${error.message}\n`);
          process.exitCode = 1;
        }
        return;
      }
      if (!options.print) throw new Error('give --print or --check FILE (see --help)');
      const { config, file } = loadFor(options);
      const { configToYaml, printableConfig } = await import('../config/print.ts');
      if (options.json) return printJson(printableConfig(config));
      process.stdout.write(
        `# effective configuration${file ? ` (file: ${file})` : ' (no config file)'}\n${configToYaml(config)}`,
      );
    });
}
