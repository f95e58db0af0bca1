import { Command } from 'commander';
import { permissionsFor, unknownRoles } from '../auth/roles.ts';
import { usableBy } from '../policy/exposure.ts';
import { type CommonOptions, loadFor, printJson, printTable, withCommonOptions, withJson } from './common.ts';

export function toolsCommand(): Command {
  return withJson(withCommonOptions(new Command('tools')))
    .description('list the tool catalog: name, permission, risk, title')
    .option('--role <role>', 'only the tools this role may see and call')
    .action(async (options: CommonOptions & { role?: string }) => {
      const { config } = loadFor(options);
      const [{ Registry }, { allModules }] = await Promise.all([
        import('../mcp/registry.ts'),
        import('../modules/index.ts'),
      ]);
      const registry = new Registry(allModules, config);
      if (options.role && unknownRoles(config, [options.role]).length > 0) {
        throw new Error(`unknown role "${options.role}"; roles: ${Object.keys(config.roles).join(', ')}`);
      }
      const permissions = options.role ? permissionsFor(config, [options.role]) : undefined;
      const tools = [...registry.tools.values()].filter((t) => !permissions || usableBy(t, permissions));
      if (options.json) {
        return printJson(
          tools.map((t) => ({
            name: t.def.name,
            title: t.def.title,
            permission: t.def.permission,
            risk: t.def.risk,
            module: t.moduleId,
            annotations: t.annotations,
            ...(t.hidden ? { hidden: t.hidden } : {}),
          })),
        );
      }
      printTable(
        ['NAME', 'PERMISSION', 'RISK', 'TITLE'],
        tools.map((t) => [
          t.def.name,
          t.def.permission,
          t.def.risk,
          t.hidden ? `${t.def.title} (hidden: ${t.hidden})` : t.def.title,
        ]),
      );
    });
}
