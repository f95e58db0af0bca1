// The 2025 era on SDK v2 alone: its sessionful Streamable HTTP transport (the one tailwarden's 2025 door
// runs) on node:http, stateful sessions, the same tool, no auth, no audit. Shows what the transport costs
// by itself against SDK v1's.
import { createServer } from 'node:http';
import { announce, readJson } from './echo-tool.ts';
import { v2SessionHandler } from './sdk-v2.ts';

const handle = v2SessionHandler('bare-v2-sessions');
const server = createServer(async (req, res) => {
  await handle(req, res, req.method === 'POST' ? await readJson(req) : undefined);
});
server.listen(0, '127.0.0.1', () => announce((server.address() as { port: number }).port));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
