import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { CallObserver, CallOutcome } from '../mcp/call.ts';

/** The gateway's Prometheus metrics, in a registry of its own (one per app instance). */
export class GatewayMetrics implements CallObserver {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly requestSeconds: Histogram<'route'>;
  private readonly toolCalls: Counter<'tool' | 'outcome'>;
  private readonly toolSeconds: Histogram<'tool'>;
  private readonly authFailures: Counter<'reason'>;

  constructor(openSessions: () => number, options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'tailwarden_http_requests_total',
      help: 'HTTP requests by method, route and status code.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'tailwarden_http_request_duration_seconds',
      help: 'HTTP request latency (for /mcp streams: until the response ends).',
      labelNames: ['route'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.toolCalls = new Counter({
      name: 'tailwarden_tool_calls_total',
      help: 'Tool calls by tool and outcome (ok, error, denied).',
      labelNames: ['tool', 'outcome'],
      registers,
    });
    this.toolSeconds = new Histogram({
      name: 'tailwarden_tool_call_duration_seconds',
      help: 'Tool call latency, from arrival to result, including confirmations and approvals.',
      labelNames: ['tool'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers,
    });
    this.authFailures = new Counter({
      name: 'tailwarden_auth_failures_total',
      help: 'Failed authentications by reason (error code).',
      labelNames: ['reason'],
      registers,
    });
    new Gauge({
      name: 'tailwarden_mcp_sessions_open',
      help: 'Open MCP sessions.',
      registers,
      collect() {
        this.set(openSessions());
      },
    });
    if (options.processMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: 'tailwarden_' });
  }

  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.requestSeconds.observe({ route }, seconds);
  }

  callFinished(tool: string, outcome: CallOutcome, seconds: number): void {
    this.toolCalls.inc({ tool, outcome });
    this.toolSeconds.observe({ tool }, seconds);
  }

  authFailure(reason: string): void {
    this.authFailures.inc({ reason });
  }
}
