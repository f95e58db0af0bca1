import type { FastifyInstance } from 'fastify';
import type { HealthReport, HealthState } from '../auth/verifier.ts';
import { VERSION } from '../version.ts';

export type Readiness = () => Promise<{ status: HealthState; checks: Record<string, HealthReport> }>;

/** /health: the process answers (no auth, nothing secret). /ready: what works, per component. */
export function registerHealthRoutes(app: FastifyInstance, readiness: Readiness): void {
  const started = Date.now();
  app.get('/health', async () => ({
    status: 'ok',
    version: VERSION,
    uptime_s: Math.round((Date.now() - started) / 1000),
  }));
  app.get('/ready', async (_request, reply) => {
    const report = await readiness();
    return reply.code(report.status === 'unavailable' ? 503 : 200).send(report);
  });
}

/** Overall state: unavailable if a required check is, degraded if anything is not ok. */
export function overallState(checks: Record<string, HealthReport>, required: readonly string[]): HealthState {
  const states = Object.entries(checks);
  if (states.some(([name, r]) => required.includes(name) && r.status === 'unavailable')) return 'unavailable';
  return states.some(([, r]) => r.status !== 'ok') ? 'degraded' : 'ok';
}
