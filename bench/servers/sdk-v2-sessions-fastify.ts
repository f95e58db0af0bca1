// SDK v2's sessionful transport behind a fastify route (hijacked, as tailwarden's 2025 door does), the same
// tool, no auth, no audit: beside bare-sdk-v2-sessions.ts it shows what fastify itself costs a call.
import Fastify from 'fastify';
import { announce } from './echo-tool.ts';
import { v2SessionHandler } from './sdk-v2.ts';

const handle = v2SessionHandler('sdk-v2-sessions-fastify');
const app = Fastify({ logger: false });
app.all('/mcp', async (request, reply) => {
  reply.hijack();
  await handle(request.raw, reply.raw, request.body);
});
await app.listen({ host: '127.0.0.1', port: 0 });
announce((app.server.address() as { port: number }).port);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
