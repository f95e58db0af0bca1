import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  status: number;
}

/**
 * A real local HTTP endpoint that takes what the notifiers and exporters send: a JSON
 * webhook, an ntfy topic (message as body, title in headers), Gotify's /message (with
 * its application key), or anything else. `failNext` answers 503 to that many requests.
 */
export class Receiver {
  readonly received: Received[] = [];
  failNext = 0;
  gotifyKey = 'gotify-app-token';
  private server: Server | undefined;
  private waiters: (() => void)[] = [];
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let status = 200;
        if (this.failNext > 0) {
          this.failNext--;
          status = 503;
        } else if (req.url?.endsWith('/message') && req.headers['x-gotify-key'] !== this.gotifyKey)
          status = 401;
        this.received.push({
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks),
          status,
        });
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(status === 200 ? '{"id":1}' : '{"error":"no"}');
        for (const wake of this.waiters.splice(0)) wake();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  ok(path?: string): Received[] {
    return this.received.filter((r) => r.status === 200 && (!path || r.path === path));
  }

  /** Wait (bounded) until `count` successful requests reached `path`. */
  async waitFor(path: string, count: number, ms = 20_000): Promise<Received[]> {
    const deadline = Date.now() + ms;
    while (this.ok(path).length < count) {
      if (Date.now() > deadline)
        throw new Error(`receiver: ${this.ok(path).length}/${count} requests on ${path}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.ok(path);
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
