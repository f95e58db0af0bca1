import type { FastifyRequest } from 'fastify';
import { type FakeProxmox, PveError } from './proxmox.ts';
import { type FakeToken, tokenHolds } from './proxmox-acl.ts';
import { type FakeGuest, guestName } from './proxmox-state.ts';
import type { FakeTask } from './proxmox-tasks.ts';

/** What every route of the fake Proxmox API shares: privilege checks, parameters, guests by path, row shapes. */
export const API = '/api2/json';
export const GUEST_TYPES = ['qemu', 'lxc'] as const;

type Params = Record<string, string>;

export function tokenOf(req: FastifyRequest): FakeToken {
  return req.pveToken!;
}

/** 403 unless the token holds the privilege(s) on the path (any: one of them is enough). */
export function need(req: FastifyRequest, path: string, privs: string[], any = false): void {
  const token = tokenOf(req);
  const held = privs.filter((p) => tokenHolds(token, path, p));
  if (any ? held.length > 0 : held.length === privs.length) return;
  const missing = privs.find((p) => !held.includes(p))!;
  throw new PveError(403, `Permission check failed (${path}, ${any ? privs.join('|') : missing})`);
}

/** The call's parameters (query for GET/DELETE, form body for POST/PUT); unknown ones are refused as Proxmox does. */
export function paramsOf(req: FastifyRequest, allowed: readonly string[]): Params {
  const raw = (req.method === 'GET' || req.method === 'DELETE' ? req.query : req.body) ?? {};
  const params = raw as Params;
  const unknown = Object.keys(params).filter((k) => !allowed.includes(k));
  if (unknown.length) {
    throw new PveError(
      400,
      'Parameter verification failed.',
      Object.fromEntries(
        unknown.map((k) => [
          k,
          'property is not defined in schema and the schema does not allow additional properties',
        ]),
      ),
    );
  }
  return params;
}

export const bool = (v: string | undefined) => v === '1' || v === 'true';

/** The guest at /nodes/{node}/{type}/{vmid}, as Proxmox finds its config file there. */
export function guestAt(fake: FakeProxmox, node: string, type: string, vmid: string): FakeGuest {
  const g = fake.state.guests.get(Number(vmid));
  if (!/^[1-9]\d{2,8}$/.test(vmid))
    throw new PveError(400, 'Parameter verification failed.', {
      vmid: 'value does not look like a valid VM ID',
    });
  if (!g || g.node !== node || g.type !== type) {
    const dir = type === 'qemu' ? 'qemu-server' : 'lxc';
    throw new PveError(500, `Configuration file 'nodes/${node}/${dir}/${vmid}.conf' does not exist`);
  }
  return g;
}

export function isOwner(task: FakeTask, token: FakeToken): boolean {
  return `${task.user}${task.tokenid ? `!${task.tokenid}` : ''}` === token.id;
}

export function taskRow(t: FakeTask) {
  return {
    upid: t.upid,
    node: t.node,
    pid: 0,
    pstart: 0,
    starttime: t.starttime,
    type: t.type,
    id: t.id,
    user: t.user,
    ...(t.tokenid ? { tokenid: t.tokenid } : {}),
    ...(t.status === 'stopped' ? { endtime: t.endtime, status: t.exitstatus } : {}),
  };
}

export function vmResource(fake: FakeProxmox, g: FakeGuest) {
  const online = fake.state.nodes.find((n) => n.name === g.node)?.online;
  const base = { id: `${g.type}/${g.vmid}`, vmid: g.vmid, node: g.node, type: g.type, status: 'unknown' };
  if (!online) return { ...base, name: guestName(g) };
  return {
    ...base,
    name: guestName(g),
    status: g.status,
    template: g.template ? 1 : 0,
    maxcpu: g.maxcpu,
    cpu: g.cpu,
    maxmem: g.maxmem,
    mem: g.mem,
    maxdisk: g.maxdisk,
    disk: g.disk,
    netin: g.status === 'running' ? 123_456 : 0,
    netout: g.status === 'running' ? 654_321 : 0,
    diskread: 0,
    diskwrite: 0,
    uptime: g.uptime,
    ...(g.config.tags ? { tags: g.config.tags } : {}),
    ...(g.lock ? { lock: g.lock } : {}),
    ...(g.pool ? { pool: g.pool } : {}),
  };
}

/** Round-robin history points: 70 of them, as create_rrd_data returns for a timeframe. */
export function rrdPoints(timeframe: string, guest?: FakeGuest) {
  const step = { hour: 60, day: 1800, week: 10_800, month: 43_200, year: 604_800, decade: 6_048_000 }[
    timeframe
  ];
  if (!step)
    throw new PveError(400, 'Parameter verification failed.', {
      timeframe: `value '${timeframe}' does not have a value in the enumeration 'hour, day, week, month, year, decade'`,
    });
  const end = Math.floor(Date.now() / 1000 / step) * step;
  return Array.from({ length: 70 }, (_, i) => {
    const time = end - (69 - i) * step;
    // The newest point has no data yet (Proxmox leaves the fields out).
    if (i === 69) return { time };
    const wave = (Math.sin(i / 5) + 1) / 2;
    return guest
      ? {
          time,
          cpu: 0.02 + wave * 0.3,
          maxcpu: guest.maxcpu,
          mem: guest.maxmem * (0.3 + wave * 0.2),
          maxmem: guest.maxmem,
          disk: guest.disk,
          maxdisk: guest.maxdisk,
          netin: 1000 + wave * 5000,
          netout: 800 + wave * 3000,
          diskread: wave * 10_000,
          diskwrite: wave * 20_000,
        }
      : {
          time,
          cpu: 0.1 + wave * 0.2,
          iowait: 0.01,
          loadavg: 0.5 + wave,
          maxcpu: 16,
          memtotal: 64 * 1024 ** 3,
          memused: 20 * 1024 ** 3,
          swaptotal: 8 * 1024 ** 3,
          swapused: 0,
          roottotal: 100 * 1024 ** 3,
          rootused: 30 * 1024 ** 3,
          netin: 20_000 + wave * 1000,
          netout: 10_000,
        };
  });
}

export function label(g: FakeGuest): string {
  return `${g.type === 'qemu' ? 'VM' : 'CT'} ${g.vmid}`;
}
