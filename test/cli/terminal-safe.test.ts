import { describe, expect, it } from 'vitest';
import { terminalSafe, terminalSafeJson } from '../../src/util/terminal-safe.ts';
import { cli, pendingFor, textOf } from '../approvals/helpers.ts';
import { startTestGateway } from '../support/gateway.ts';
import { testModule } from '../support/test-module.ts';

/** What must never reach the operator's terminal raw (line feeds between lines aside). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the test
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

// A caller's tool name and arguments that would clear the screen, move the cursor, set the
// window title, use the C1 CSI, and reverse the text direction.
const FAKE_TOOL = '\u001b[2J\u001b[1;1Htailwarden: all good\u001b]0;owned\u0007';
const FAKE_ARG = 'pool\u001b[31m RED \u009b2J\u202egnp.exe\r\nfake line';

describe('CLI output of caller-supplied text is terminal-safe', () => {
  it('escapes control, C1 and bidi characters in audit tail, approvals list/show and token list; JSON stays JSON', async () => {
    const gw = await startTestGateway({ modules: [testModule], config: { policy: { approval_wait: '0s' } } });
    try {
      const client = await gw.client(await gw.token({ role: 'admin', name: `alice\u001b[8m hidden` }));
      const unknown = await client.callTool({ name: FAKE_TOOL, arguments: {} });
      expect(textOf(unknown)).toContain('ERR_UNKNOWN_TOOL');
      const pending = await client.callTool({ name: 'test_thing_wipe', arguments: { name: FAKE_ARG } });
      expect(textOf(pending)).toContain('ERR_APPROVAL_PENDING');
      const approval = await pendingFor(gw, 'test_thing_wipe');
      await gw.gateway.audit.flush();

      const outputs = {
        tail: await cli(gw.stateDir, 'audit', 'tail', '-n', '50'),
        tailJson: await cli(gw.stateDir, 'audit', 'tail', '-n', '50', '--json'),
        list: await cli(gw.stateDir, 'approvals', 'list'),
        listJson: await cli(gw.stateDir, 'approvals', 'list', '--json'),
        show: await cli(gw.stateDir, 'approvals', 'show', approval.id),
        tokens: await cli(gw.stateDir, 'token', 'list'),
        noSuch: await cli(gw.stateDir, 'approvals', 'show', `nope\u001b[2J`),
      };
      for (const [name, out] of Object.entries(outputs)) {
        expect(out.stdout, name).not.toMatch(UNSAFE);
        expect(out.stderr, name).not.toMatch(UNSAFE);
      }
      // The text is shown, escaped, not dropped: the operator sees what was sent.
      expect(outputs.tail.stdout).toContain('\\x1b[2J\\x1b[1;1Htailwarden: all good');
      expect(outputs.show.stdout).toContain('\\u{202e}gnp.exe');
      expect(outputs.list.stdout).toContain('test_thing_wipe');
      expect(outputs.tokens.stdout).toContain('alice\\x1b[8m hidden');
      expect(outputs.noSuch.stderr).toContain('nope\\x1b[2J');
      // JSON output is still JSON with the very same values.
      const records = outputs.tailJson.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(records.some((r) => r.tool === FAKE_TOOL)).toBe(true);
      const listed = JSON.parse(outputs.listJson.stdout) as { args: { name: string } }[];
      expect(listed[0]!.args.name).toBe(FAKE_ARG);
    } finally {
      await gw.close();
    }
  }, 180_000);

  it('escapes each unsafe character visibly and keeps everything else', () => {
    expect(terminalSafe('a\u001bb\u009bc\u202ed\ne\tf😀é')).toBe('a\\x1bb\\x9bc\\u{202e}d\\ne\\tf😀é');
    expect(terminalSafe('one\ntwo\u001b', { multiline: true })).toBe('one\ntwo\\x1b');
    const json = JSON.stringify({ v: 'x\u009b\u202e\u2028\u{e0041}y\u0007' });
    const safe = terminalSafeJson(json);
    expect(safe).not.toMatch(UNSAFE);
    expect(JSON.parse(safe)).toEqual(JSON.parse(json));
  });
});
