import type { Dirent } from 'node:fs';
import { lstat, opendir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import { formatArg } from '../../mcp/format.ts';
import { compileGlob } from '../../util/glob.ts';
import { compileLinearRegex, literalMatcher } from '../../util/linear-regex.ts';
import { TimeSlice } from '../../util/time-slice.ts';
import { systemTool } from './context.ts';
import { isUnder, looksBinary } from './file-guard.ts';
import { boundedLines, readTail, readTextSlice } from './file-read.ts';

const pathArg = z.string().min(1).max(4096).describe('Absolute path under one of the configured file roots');

const kindOf = (d: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }) =>
  d.isSymbolicLink() ? 'symlink' : d.isDirectory() ? 'directory' : d.isFile() ? 'file' : 'other';

export const filesList = systemTool({
  name: 'files_list',
  title: 'Files: List directory',
  description:
    'Entries of a directory under the readable roots (default /var/log): name, type, size, modification time. Deny-listed names are left out and counted.',
  permission: 'files:read',
  risk: 'low',
  input: z.object({
    path: pathArg,
    limit: z.number().int().min(1).max(5000).default(500).describe('Most entries to return'),
    format: formatArg,
  }),
  output: z.object({
    path: z.string(),
    entries: z.array(
      z.object({ name: z.string(), type: z.string(), size_bytes: z.number(), modified: z.string() }),
    ),
    truncated: z.boolean(),
    denied_hidden: z.number().int().describe('Entries left out because they match the deny list'),
  }),
  handler: async ({ path, limit }, { system }) => {
    // Listed through the open descriptor, not the path: a directory swapped for a symlink
    // out of the roots after the check must not have its entries listed.
    const opened = await system.files.openDirectory(path);
    const entries = [];
    let denied = 0;
    let truncated = false;
    try {
      for await (const entry of await opendir(opened.path)) {
        if (system.files.deniedName(entry.name)) {
          denied++;
          continue;
        }
        if (entries.length >= limit) {
          truncated = true;
          break;
        }
        const info = await lstat(join(opened.path, entry.name)).catch(() => undefined);
        entries.push({
          name: entry.name,
          type: kindOf(entry),
          size_bytes: info?.size ?? 0,
          modified: info ? info.mtime.toISOString() : '',
        });
      }
    } finally {
      await opened.handle.close();
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    return { path: opened.guarded.real, entries, truncated, denied_hidden: denied };
  },
});

export const filesStat = systemTool({
  name: 'files_stat',
  title: 'Files: Stat',
  description: 'Type, size, mode, owner ids and times of a file or directory under the readable roots.',
  permission: 'files:read',
  risk: 'low',
  input: z.object({ path: pathArg }),
  output: z.object({
    path: z.string().describe('The real path, symlinks resolved'),
    type: z.string(),
    size_bytes: z.number(),
    mode: z.string().describe('Permission bits in octal'),
    uid: z.number(),
    gid: z.number(),
    modified: z.string(),
    accessed: z.string(),
    changed: z.string(),
  }),
  handler: async ({ path }, { system }) => {
    const { real, stats } = await system.files.check(path);
    return {
      path: real,
      type: kindOf(stats),
      size_bytes: stats.size,
      mode: (stats.mode & 0o7777).toString(8).padStart(4, '0'),
      uid: stats.uid,
      gid: stats.gid,
      modified: stats.mtime.toISOString(),
      accessed: stats.atime.toISOString(),
      changed: stats.ctime.toISOString(),
    };
  },
});

export const filesRead = systemTool({
  name: 'files_read',
  title: 'Files: Read',
  description:
    'Read a slice of a text file under the readable roots from a byte offset: 64 KiB unless length says more (up to modules.system.file_read_max, 1 MiB), ending at a line break when one is near. When more follows, next_offset says where to continue. Binary files are refused.',
  permission: 'files:read',
  risk: 'low',
  input: z.object({
    path: pathArg,
    offset: z.number().int().min(0).default(0).describe('Byte offset to start at'),
    length: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Bytes to read (default: modules.system.file_read_default, 64 KiB)'),
  }),
  output: z.object({
    path: z.string(),
    size_bytes: z.number(),
    offset: z.number(),
    content: z.string(),
    next_offset: z.number().nullable().describe('Where to continue; absent at the end of the file'),
    note: z.string().optional().describe('How much is left and how to read on, when the slice ends early'),
  }),
  handler: async ({ path, offset, length }, { system }) => {
    const cap = system.config.file_read_max;
    if (length !== undefined && length > cap)
      throw new GatewayError(
        'ERR_INPUT_REJECTED',
        `length ${length} exceeds the read cap of ${cap} bytes; read in slices using next_offset.`,
      );
    const slice = await readTextSlice(
      system.files,
      path,
      offset,
      length ?? Math.min(system.config.file_read_default, cap),
    );
    if (slice.next_offset === null) return slice;
    const left = slice.size_bytes - slice.next_offset;
    return {
      ...slice,
      note: `${left} more bytes; continue with files_read {"path": ${JSON.stringify(slice.path)}, "offset": ${slice.next_offset}} (length up to ${cap}), or files_search for a line.`,
    };
  },
});

export const filesTail = systemTool({
  name: 'files_tail',
  title: 'Files: Tail',
  description: 'The last lines of a text file under the readable roots (like tail -n).',
  permission: 'files:read',
  risk: 'low',
  input: z.object({
    path: pathArg,
    lines: z.number().int().min(1).max(10_000).default(100).describe('How many lines from the end'),
  }),
  output: z.object({
    path: z.string(),
    size_bytes: z.number(),
    lines: z.array(z.string()),
    truncated: z.boolean().describe('Fewer lines than asked because the read cap was reached'),
  }),
  handler: ({ path, lines }, { system }) => readTail(system.files, path, lines, system.config.file_read_max),
});

const MAX_LINE = 4096;

const SKIP_REASONS = ['binary', 'deny-listed', 'symlink', 'outside-roots', 'unreadable'] as const;
type SkipReason = (typeof SKIP_REASONS)[number];
const SKIPPED_LISTED = 20;

export const filesSearch = systemTool({
  name: 'files_search',
  title: 'Files: Search',
  description:
    'Search text files under a directory (inside the readable roots) for a literal string or a regular expression; bounded by match count, file count, depth and total bytes. Binary and deny-listed files are skipped; symlinks are not followed.',
  permission: 'files:read',
  risk: 'low',
  input: z.object({
    path: pathArg.describe('Directory (or single file) to search'),
    pattern: z.string().min(1).max(500).describe('Text to find'),
    regex: z
      .boolean()
      .default(false)
      .describe(
        'Treat pattern as a regular expression in RE2 syntax (no back-references or lookaround; matched in linear time)',
      ),
    ignore_case: z.boolean().default(true).describe('Match regardless of letter case'),
    name: z
      .string()
      .max(200)
      .optional()
      .describe(
        'Only files whose name matches this glob: * any text, ? one character, [a-z] a class; e.g. "*.log"',
      ),
    max_matches: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(100)
      .describe('Stop after this many matching lines'),
    max_files: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(1000)
      .describe('Stop after reading this many files'),
    max_depth: z
      .number()
      .int()
      .min(0)
      .max(20)
      .default(5)
      .describe('How many directory levels below the start to descend'),
    format: formatArg,
  }),
  output: z.object({
    matches: z.array(z.object({ path: z.string(), line: z.number().int(), text: z.string() })),
    files_scanned: z.number().int(),
    bytes_scanned: z.number(),
    truncated: z.boolean().describe('A bound was reached before the search finished'),
    skipped: z.number().int().describe('Entries skipped'),
    skipped_reasons: z
      .partialRecord(z.enum(SKIP_REASONS), z.number().int())
      .describe('How many were skipped for each reason'),
    skipped_files: z
      .array(z.object({ path: z.string(), reason: z.enum(SKIP_REASONS) }))
      .describe(`The first ${SKIPPED_LISTED} skipped, with why (deny-listed names are only counted)`),
  }),
  handler: async (input, { system, signal }) => {
    const caseless = { ignoreCase: input.ignore_case };
    const matcher = input.regex
      ? compileLinearRegex(input.pattern, caseless)
      : literalMatcher(input.pattern, caseless);
    const nameGlob = input.name ? compileGlob(input.name, { ignoreCase: true }) : undefined;
    // Matching is linear, but a 64 MiB budget of it is still seconds of CPU: hand the event loop
    // back every few milliseconds so /health and other callers are answered meanwhile.
    const slice = new TimeSlice();
    const start = await system.files.check(input.path);
    const state = {
      matches: [] as { path: string; line: number; text: string }[],
      files: 0,
      bytes: 0,
      skipped: 0,
      truncated: false,
      reasons: {} as Partial<Record<SkipReason, number>>,
      skippedFiles: [] as { path: string; reason: SkipReason }[],
    };
    const skip = (path: string, reason: SkipReason) => {
      state.skipped++;
      state.reasons[reason] = (state.reasons[reason] ?? 0) + 1;
      // Like files_list, the names of deny-listed files are not shown, only counted.
      if (reason !== 'deny-listed' && state.skippedFiles.length < SKIPPED_LISTED)
        state.skippedFiles.push({ path, reason });
    };
    const budget = system.config.file_search_max_bytes;
    const stop = () => {
      state.truncated = true;
    };
    const scanFile = async (file: string) => {
      if (state.files >= input.max_files || state.bytes >= budget) return stop();
      let opened: Awaited<ReturnType<typeof system.files.openFile>>;
      try {
        opened = await system.files.openFile(file);
      } catch {
        return skip(file, 'unreadable');
      }
      state.files++;
      try {
        const head = Buffer.alloc(Math.min(8192, opened.guarded.stats.size));
        await opened.handle.read(head, 0, head.length, 0);
        if (looksBinary(head)) return skip(opened.guarded.real, 'binary');
        let lineNo = 0;
        // Bounded reads, not readLines: a file with no newline (a sparse file, a binary blob
        // after a text head) would be buffered as one line of any size and exhaust memory.
        const reading = boundedLines(opened.handle, MAX_LINE, (n) => {
          state.bytes += n;
          return state.bytes < budget && !signal.aborted;
        });
        for await (const line of reading) {
          lineNo++;
          await slice.pause();
          if (matcher.test(line)) {
            state.matches.push({ path: opened.guarded.real, line: lineNo, text: line.slice(0, 500) });
            if (state.matches.length >= input.max_matches) return stop();
          }
        }
        if (state.bytes >= budget || signal.aborted) return stop();
      } finally {
        await opened.handle.close().catch(() => undefined);
      }
    };
    const walk = async (dir: string, depth: number): Promise<void> => {
      let entries: Dirent[];
      try {
        // Each directory is re-checked and read through its descriptor: one swapped for a
        // symlink out of the roots mid-walk is skipped rather than listed.
        const opened = await system.files.openDirectory(dir);
        try {
          entries = [];
          for await (const entry of await opendir(opened.path)) entries.push(entry);
          entries.sort((a, b) => a.name.localeCompare(b.name));
        } finally {
          await opened.handle.close();
        }
      } catch {
        return skip(dir, 'unreadable');
      }
      for (const entry of entries) {
        if (state.truncated || signal.aborted) return;
        const full = join(dir, entry.name);
        if (system.files.deniedName(entry.name)) {
          skip(full, 'deny-listed');
        } else if (entry.isSymbolicLink()) {
          skip(full, 'symlink');
        } else if (!isUnder(full, start.root)) {
          skip(full, 'outside-roots');
        } else if (entry.isDirectory()) {
          if (depth < input.max_depth) await walk(full, depth + 1);
        } else if (entry.isFile() && (!nameGlob || nameGlob.test(entry.name))) {
          await scanFile(full);
        }
      }
    };
    if (start.stats.isDirectory()) await walk(start.real, 0);
    else await scanFile(start.real);
    return {
      matches: state.matches,
      files_scanned: state.files,
      bytes_scanned: state.bytes,
      truncated: state.truncated,
      skipped: state.skipped,
      skipped_reasons: state.reasons,
      skipped_files: state.skippedFiles,
    };
  },
});

export const fileTools = [filesList, filesStat, filesRead, filesTail, filesSearch];
