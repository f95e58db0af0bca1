import type { OutgoingHttpHeaders } from 'node:http';
import { dosStringCall, hugeBatch, type Samples } from './dos-cases.ts';
import type { RawRequest } from './http.ts';
import { HOSTILE_STRINGS, type Rng } from './random.ts';
import { type JsonSchema, mutatedArguments, stringProperties, validObject } from './schema-values.ts';

export interface HostileTarget {
  host: string;
  token: string;
  /** A session opened with `token`. */
  sessionId: string;
  /** A session that belongs to another principal. */
  foreignSessionId: string;
  tools: { name: string; inputSchema: JsonSchema }[];
  /** Real values for parameters such as `path`, so a DoS string reaches the tool's work. */
  samples?: Samples;
}

export interface HostileCase {
  kind: string;
  request: RawRequest;
}

const PROTOCOL = '2025-06-18';

function headersFor(t: HostileTarget, extra: OutgoingHttpHeaders = {}): OutgoingHttpHeaders {
  return {
    host: t.host,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    authorization: `Bearer ${t.token}`,
    'mcp-session-id': t.sessionId,
    'mcp-protocol-version': PROTOCOL,
    ...extra,
  };
}

// Fresh ids by default: a reused id in flight is refused with 409 before reaching the tool path.
let nextId = 1_000_000;

function rpc(method: unknown, params: unknown, id: unknown = nextId++): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method, params });
}

/** A header sent as several lines (Node's typings allow arrays only for some names). */
function repeated(name: string, values: string[]): OutgoingHttpHeaders {
  return { [name]: values } as OutgoingHttpHeaders;
}

function nested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

function toolCall(name: string, args: unknown, id: unknown = nextId++): string {
  return rpc('tools/call', { name, arguments: args }, id);
}

type Generator = (rng: Rng, t: HostileTarget) => RawRequest;

const INVALID_JSON = [
  '',
  '{',
  '}',
  'null',
  '[',
  '{"jsonrpc":"2.0",',
  '{"jsonrpc":"2.0","id":1,"method":"tools/list"',
  "{'jsonrpc':'2.0'}",
  '{"a":NaN}',
  '{"a":Infinity}',
  '\ufeff{"jsonrpc":"2.0","id":1,"method":"ping"}',
  '{"jsonrpc":"2.0","id":1,"method":"ping"}garbage',
  '\u0000\u0001\u0002',
  '{"__proto__":{"polluted":true},"jsonrpc":"2.0","id":1,"method":"ping"}',
  '{"constructor":{"prototype":{"polluted":true}},"jsonrpc":"2.0","id":1,"method":"ping"}',
  '"\\ud800"',
  '{"a":"\\u0000"}',
  '1e999999',
  '--',
];

const generators: Record<string, Generator> = {
  invalid_json: (rng, t) => ({
    headers: headersFor(t),
    body: rng.chance(0.7)
      ? rng.pick(INVALID_JSON)
      : Buffer.from(Array.from({ length: rng.int(1, 200) }, () => rng.int(0, 255))),
  }),

  wrong_jsonrpc_shape: (rng, t) => {
    const shapes: unknown[] = [
      {},
      [],
      [1, 2, 3],
      42,
      'tools/list',
      true,
      { jsonrpc: '1.0', id: 1, method: 'tools/list' },
      { jsonrpc: 2, id: 1, method: 'tools/list' },
      { id: 1, method: 'tools/list' },
      { jsonrpc: '2.0', id: { x: 1 }, method: 'tools/list' },
      { jsonrpc: '2.0', id: [1], method: 'tools/list' },
      { jsonrpc: '2.0', id: null, method: 'tools/list' },
      { jsonrpc: '2.0', id: 1.5, method: 'tools/list' },
      { jsonrpc: '2.0', id: 1, method: 42 },
      { jsonrpc: '2.0', id: 1, method: null },
      { jsonrpc: '2.0', id: 1, method: 'tools/list', params: 'string' },
      { jsonrpc: '2.0', id: 1, method: 'tools/list', params: [1, 2] },
      { jsonrpc: '2.0', id: 1, method: 'tools/call' },
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: {} },
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 42 } },
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: null, arguments: {} } },
      { jsonrpc: '2.0', id: 1, result: {} },
      { jsonrpc: '2.0', id: 1, error: { code: 1, message: 'x' } },
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'nope' } },
      { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 'x' } },
      { jsonrpc: '2.0', id: 2, method: 'initialize', params: { protocolVersion: PROTOCOL } },
      Array.from({ length: rng.int(2, 50) }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'ping' })),
      [{ jsonrpc: '2.0', id: 1, method: 'ping' }, 'junk', null],
    ];
    return { headers: headersFor(t), body: JSON.stringify(rng.pick(shapes)) };
  },

  unknown_method: (rng, t) => ({
    headers: headersFor(t),
    body: rpc(
      rng.pick([
        'tools/execute',
        'admin/shutdown',
        'rpc.discover',
        '__proto__',
        'constructor',
        'tools/list/../../call',
        'resources/subscribe',
        'logging/setLevel',
        'completion/complete',
        rng.pick(HOSTILE_STRINGS),
        'x'.repeat(rng.int(1, 5000)),
      ]),
      {},
      rng.int(1, 1e9),
    ),
  }),

  wrong_tool_arguments: (rng, t) => {
    const tool = rng.pick(t.tools);
    const { args, what } = mutatedArguments(tool.inputSchema, rng);
    const body = toolCall(tool.name, args, rng.int(1, 1e9));
    return { headers: headersFor(t, { 'x-case': what.replace(/[^\x20-\x7e]/g, '?') }), body };
  },

  hostile_string_arguments: (rng, t) => {
    // Only tools with a string parameter: these calls pass validation and really run.
    const withStrings = t.tools.filter((tool) => stringProperties(tool.inputSchema).length > 0);
    const tool = rng.pick(withStrings);
    const args = validObject(tool.inputSchema, rng);
    const path = rng.pick(stringProperties(tool.inputSchema));
    let cursor = args;
    for (const key of path.slice(0, -1)) {
      cursor[key] ??= {};
      cursor = cursor[key] as Record<string, unknown>;
    }
    cursor[path.at(-1)!] = rng.pick(HOSTILE_STRINGS);
    return { headers: headersFor(t), body: toolCall(tool.name, args) };
  },

  unicode_tool_name: (rng, t) => {
    const real = rng.pick(t.tools).name;
    const tricks = [
      real.toUpperCase(),
      `${real}\u200b`,
      `\u202e${real}`,
      real.replace('s', 'ѕ'),
      `${real}\u0000`,
      `${real} `,
      real.normalize('NFD'),
      `${real}\ud800`,
      rng.pick(HOSTILE_STRINGS),
      // Long names cost "did you mean" and the audit record; both are bounded now.
      'x'.repeat(rng.pick([10_000, 300_000])),
    ];
    return { headers: headersFor(t), body: toolCall(rng.pick(tricks), {}) };
  },

  dos_string_arguments: (rng, t) => {
    const { name, args, what } = dosStringCall(rng, t.tools, t.samples ?? {});
    return {
      headers: headersFor(t, { 'x-case': what.replace(/[^\x20-\x7e]/g, '?') }),
      body: toolCall(name, args),
    };
  },

  huge_batch: (rng, t) => ({ headers: headersFor(t), body: hugeBatch(rng) }),

  huge_arguments: (rng, t) => {
    const tool = rng.pick(t.tools);
    const choice = rng.int(0, 4);
    if (choice === 0) {
      // Just under and just over the 1 MiB body limit.
      const size = rng.pick([900_000, 1_100_000, 3_000_000]);
      return { headers: headersFor(t), body: toolCall(tool.name, { blob: 'A'.repeat(size) }) };
    }
    if (choice === 1) {
      const many = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]));
      return { headers: headersFor(t), body: toolCall(tool.name, many) };
    }
    if (choice === 2) {
      return {
        headers: headersFor(t),
        body: toolCall(
          tool.name,
          Array.from({ length: 50_000 }, (_, i) => i),
        ),
      };
    }
    const depth = rng.pick([100, 1000, 10_000, 100_000]);
    const deep = nested(depth, choice === 3 ? 'array' : 'object');
    return {
      headers: headersFor(t),
      body: `{"jsonrpc":"2.0","id":${nextId++},"method":"tools/call","params":{"name":"${tool.name}","arguments":{"x":${deep}}}}`,
    };
  },

  header_abuse: (rng, t) => {
    const body = rpc('tools/list', {});
    const variants: (() => RawRequest)[] = [
      () => ({
        headers: headersFor(t, repeated('authorization', [`Bearer ${t.token}`, 'Bearer forged'])),
        body,
      }),
      () => ({
        headers: headersFor(t, repeated('authorization', ['Bearer forged', `Bearer ${t.token}`])),
        body,
      }),
      () => ({ headers: headersFor(t, { authorization: `Bearer ${t.token}, Bearer other` }), body }),
      () => ({
        headers: headersFor(t, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }),
        body,
      }),
      () => ({ headers: headersFor(t, { authorization: 'Bearer' }), body }),
      () => ({ headers: headersFor(t, { authorization: `Bearer ${'x'.repeat(rng.int(1, 8000))}` }), body }),
      () => ({ headers: headersFor(t, { authorization: `bearer   ${t.token}   ` }), body }),
      () => ({ headers: headersFor(t, { 'x-filler': 'y'.repeat(rng.pick([20_000, 70_000])) }), body }),
      () => ({
        headers: headersFor(
          t,
          Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x-h${i}`, String(i)])),
        ),
        body,
      }),
      () => ({
        headers: headersFor(t, {
          host: rng.pick([
            'evil.example',
            'localhost.evil.example',
            '127.0.0.1.nip.io',
            '[::1',
            ':80',
            'a'.repeat(300),
          ]),
        }),
        body,
      }),
      () => ({
        headers: headersFor(t, {
          origin: rng.pick([
            'https://evil.example',
            'null',
            'file://',
            'http://127.0.0.1.evil.example',
            'javascript:alert(1)',
            '%%%',
          ]),
        }),
        body,
      }),
      () => ({
        headers: headersFor(t, {
          'mcp-protocol-version': rng.pick([
            '1999-01-01',
            '',
            'latest',
            '2025-06-18, 2025-03-26',
            '\u0000'.replace('\u0000', 'x'),
          ]),
        }),
        body,
      }),
      () => ({
        headers: headersFor(t, {
          'mcp-session-id': rng.pick([
            '',
            'not-a-session',
            '../../etc',
            t.foreignSessionId,
            'a'.repeat(4000),
          ]),
        }),
        body,
      }),
      () => ({ headers: headersFor(t, { 'mcp-session-id': [t.sessionId, t.foreignSessionId] }), body }),
      () => ({
        headers: headersFor(t, {
          'content-type': rng.pick([
            'text/plain',
            'application/xml',
            'application/json; charset=utf-16',
            'multipart/form-data; boundary=x',
            '',
          ]),
        }),
        body,
      }),
      () => ({
        headers: headersFor(t, { accept: rng.pick(['text/html', '*/*', 'application/json', '']) }),
        body,
      }),
      () => ({
        method: rng.pick(['PUT', 'PATCH', 'OPTIONS', 'GET', 'DELETE']),
        headers: headersFor(t, { 'mcp-session-id': 'not-a-session' }),
        body: undefined,
      }),
      () => ({
        path: rng.pick([
          '/mcp/',
          '/MCP',
          '/mcp?x=1',
          '/mcp/../health',
          '/%2e%2e/mcp',
          `/mcp/${'a'.repeat(5000)}`,
        ]),
        headers: headersFor(t),
        body,
      }),
    ];
    return rng.pick(variants)();
  },
};

/** Share of each kind in a run (the rest of a run's cases come from the same weights). */
const WEIGHTS: [keyof typeof generators, number][] = [
  ['invalid_json', 12],
  ['wrong_jsonrpc_shape', 12],
  ['unknown_method', 8],
  ['wrong_tool_arguments', 30],
  ['hostile_string_arguments', 12],
  ['dos_string_arguments', 6],
  ['huge_batch', 1],
  ['unicode_tool_name', 8],
  ['huge_arguments', 1],
  ['header_abuse', 16],
];

export function hostileCase(rng: Rng, target: HostileTarget): HostileCase {
  const total = WEIGHTS.reduce((sum, [, w]) => sum + w, 0);
  let roll = rng.next() * total;
  for (const [kind, weight] of WEIGHTS) {
    roll -= weight;
    if (roll < 0) return { kind, request: generators[kind]!(rng, target) };
  }
  return { kind: 'invalid_json', request: generators.invalid_json!(rng, target) };
}
