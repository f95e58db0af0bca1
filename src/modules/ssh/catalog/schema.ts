import { z } from 'zod';
import { parseBytes, parseDuration } from '../../../config/fields.ts';
import { RISKS } from '../../../mcp/tool.ts';
import { isPermission } from '../../../policy/permissions.ts';
import { compileLinearRegex } from '../../../util/linear-regex.ts';

const PLACEHOLDER_RE = /\{([a-z][a-z0-9_]*)\}/g;
export const COMMAND_NAME_RE = /^[a-z][a-z0-9_]{0,63}$/;

/** `{name}` placeholders in one argv element. */
export function placeholdersOf(element: string): string[] {
  return [...element.matchAll(PLACEHOLDER_RE)].map((m) => m[1]!);
}

const durationText = z.union([z.number().int().positive(), z.string()]).transform((value, ctx) => {
  try {
    return parseDuration(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

const sizeText = z.union([z.number().int().positive(), z.string()]).transform((value, ctx) => {
  try {
    return parseBytes(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

/** Relaxations a parameter may opt into; everything is refused by default. */
const allowances = {
  description: z.string().min(1),
  allow_leading_dash: z.boolean().default(false),
  allow_newlines: z.boolean().default(false),
};

/** A parameter pattern: RE2 syntax, as render.ts matches it (linear time; see util/linear-regex.ts). */
const regexText = z.string().superRefine((source, ctx) => {
  try {
    compileLinearRegex(source);
    compileLinearRegex(`^(?:${source})$`);
  } catch (error) {
    ctx.addIssue({
      code: 'custom',
      message: `is not a valid regular expression in RE2 syntax: ${(error as Error).message}`,
    });
  }
});

const absolutePath = z.string().regex(/^\/(?:[^\0]*)$/, 'must be an absolute path');

export const parameterSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('string'),
    ...allowances,
    pattern: regexText.optional(),
    max_length: z.number().int().positive().max(4096).default(256),
    default: z.string().optional(),
  }),
  z.strictObject({
    type: z.literal('enum'),
    ...allowances,
    values: z.array(z.string().min(1)).min(1),
    default: z.string().optional(),
  }),
  z.strictObject({
    type: z.literal('integer'),
    description: z.string().min(1),
    min: z.number().int().default(0),
    max: z.number().int().default(Number.MAX_SAFE_INTEGER),
    default: z.number().int().optional(),
  }),
  z.strictObject({
    type: z.literal('path'),
    ...allowances,
    roots: z.array(absolutePath).min(1),
    allow_dotdot: z.boolean().default(false),
    default: z.string().optional(),
  }),
]);

export type CatalogParameter = z.output<typeof parameterSchema>;

export const entrySchema = z
  .strictObject({
    name: z.string().regex(COMMAND_NAME_RE, 'must be snake_case, e.g. disk_usage'),
    description: z.string().min(1),
    argv: z
      .array(z.string().refine((s) => !s.includes('\0'), 'must not contain NUL'))
      .min(1, 'must name a program'),
    parameters: z
      .record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'parameter names are snake_case'), parameterSchema)
      .default({}),
    permission: z
      .string()
      .refine(isPermission, { error: (issue) => `unknown permission "${issue.input}"` })
      .default('ssh:read'),
    risk: z.enum(RISKS).default('low'),
    timeout: durationText.optional(),
    output_cap: sizeText.optional(),
    sudo: z.boolean().default(false),
    tags: z.array(z.string().min(1)).default([]),
  })
  .superRefine((entry, ctx) => {
    const used = new Set<string>();
    entry.argv.forEach((element, index) => {
      for (const name of placeholdersOf(element)) {
        if (index === 0)
          ctx.addIssue({ code: 'custom', path: ['argv', 0], message: 'the program must be fixed' });
        else if (!(name in entry.parameters))
          ctx.addIssue({
            code: 'custom',
            path: ['argv', index],
            message: `uses {${name}}, which is not declared in parameters`,
          });
        used.add(name);
      }
    });
    for (const [name, parameter] of Object.entries(entry.parameters)) {
      if (!used.has(name))
        ctx.addIssue({
          code: 'custom',
          path: ['parameters', name],
          message: 'is declared but not used in argv',
        });
      if (parameter.type === 'enum' && parameter.default !== undefined) {
        if (!parameter.values.includes(parameter.default))
          ctx.addIssue({
            code: 'custom',
            path: ['parameters', name, 'default'],
            message: 'is not one of values',
          });
      }
      if (parameter.type === 'integer' && parameter.min > parameter.max)
        ctx.addIssue({ code: 'custom', path: ['parameters', name, 'min'], message: 'is greater than max' });
    }
  });

export type CatalogEntry = z.output<typeof entrySchema>;

export const catalogFileSchema = z.strictObject({
  commands: z.array(z.unknown()).min(1, 'must list at least one command'),
});
