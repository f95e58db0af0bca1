import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type FakeProxmox, PveError } from './proxmox.ts';
import { effectivePermissions, type FakeToken, tokenHolds } from './proxmox-acl.ts';
import { configDigest, type FakeGuest, guestName } from './proxmox-state.ts';
import type { FakeTask } from './proxmox-tasks.ts';

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

function taskRow(t: FakeTask) {
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

function vmResource(fake: FakeProxmox, g: FakeGuest) {
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
function rrdPoints(timeframe: string, guest?: FakeGuest) {
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

export function registerReadRoutes(app: FastifyInstance, fake: FakeProxmox): void {
  const s = () => fake.state;

  app.get(`${API}/version`, async () => ({
    data: { version: s().version, release: s().version.split('.').slice(0, 2).join('.'), repoid: 'c0ffee12' },
  }));

  app.get(`${API}/cluster/status`, async (req) => {
    paramsOf(req, []);
    need(req, '/', ['Sys.Audit']);
    const nodes = s().nodes.map((n, i) => ({
      type: 'node',
      id: `node/${n.name}`,
      name: n.name,
      nodeid: i + 1,
      local: i === 0 ? 1 : 0,
      online: n.online ? 1 : 0,
      ip: `192.168.1.${10 + i}`,
      level: '',
    }));
    const cluster = s().clusterName
      ? [
          {
            type: 'cluster',
            id: 'cluster',
            name: s().clusterName,
            nodes: s().nodes.length,
            version: 3,
            quorate: s().nodes.filter((n) => n.online).length * 2 > s().nodes.length ? 1 : 0,
          },
        ]
      : [];
    return { data: [...cluster, ...nodes] };
  });

  app.get(`${API}/cluster/resources`, async (req) => {
    const { type } = paramsOf(req, ['type']);
    if (type && !['vm', 'storage', 'node', 'sdn'].includes(type))
      throw new PveError(400, 'Parameter verification failed.', {
        type: `value '${type}' does not have a value in the enumeration 'vm, storage, node, sdn'`,
      });
    const token = tokenOf(req);
    const out: Record<string, unknown>[] = [];
    if (!type || type === 'vm') {
      for (const g of [...s().guests.values()].sort((a, b) => a.vmid - b.vmid)) {
        if (tokenHolds(token, `/vms/${g.vmid}`, 'VM.Audit')) out.push(vmResource(fake, g));
      }
    }
    if (!type || type === 'node') {
      for (const n of s().nodes) {
        const audit = tokenHolds(token, `/nodes/${n.name}`, 'Sys.Audit');
        const stats = audit
          ? {
              maxcpu: n.maxcpu,
              maxmem: n.maxmem,
              maxdisk: n.maxdisk,
              ...(n.online ? { cpu: n.cpu, mem: n.mem, disk: n.disk, uptime: n.uptime } : {}),
            }
          : {};
        out.push({
          id: `node/${n.name}`,
          node: n.name,
          type: 'node',
          status: n.online ? 'online' : 'offline',
          level: '',
          ...stats,
        });
      }
    }
    if (!type || type === 'storage') {
      for (const st of s().storages) {
        if (!tokenHolds(token, `/storage/${st.storage}`, 'Datastore.Audit')) continue;
        for (const n of st.nodes) {
          const online = s().nodes.find((x) => x.name === n)?.online;
          out.push({
            id: `storage/${n}/${st.storage}`,
            storage: st.storage,
            node: n,
            type: 'storage',
            plugintype: st.type,
            shared: st.shared ? 1 : 0,
            content: st.content,
            status: online ? 'available' : 'unknown',
            ...(online ? { disk: st.used, maxdisk: st.total } : {}),
          });
        }
      }
    }
    return { data: out };
  });

  app.get(`${API}/cluster/backup`, async (req) => {
    paramsOf(req, []);
    need(req, '/', ['Sys.Audit']);
    return { data: s().jobs };
  });

  app.get(`${API}/cluster/backup-info/not-backed-up`, async (req) => {
    paramsOf(req, []);
    need(req, '/', ['Sys.Audit']);
    const covered = new Set<number>();
    for (const job of s().jobs) {
      if (job.all === 1) for (const id of s().guests.keys()) covered.add(id);
      for (const id of String(job.vmid ?? '')
        .split(',')
        .filter(Boolean))
        covered.add(Number(id));
    }
    const token = tokenOf(req);
    const data = [...s().guests.values()]
      .filter((g) => !covered.has(g.vmid) && tokenHolds(token, `/vms/${g.vmid}`, 'VM.Audit'))
      .map((g) => ({ vmid: g.vmid, type: g.type, name: guestName(g) }));
    return { data };
  });

  app.get(`${API}/access/permissions`, async (req) => {
    const { userid, path } = paramsOf(req, ['userid', 'path']);
    const token = tokenOf(req);
    if (userid && userid !== token.id)
      throw new PveError(403, 'Permission check failed (/access, Sys.Audit)');
    return { data: effectivePermissions(token, path) };
  });

  app.get<{ Params: { node: string } }>(`${API}/nodes/:node/status`, async (req) => {
    paramsOf(req, []);
    need(req, `/nodes/${req.params.node}`, ['Sys.Audit']);
    const n = s().nodes.find((x) => x.name === req.params.node)!;
    return {
      data: {
        uptime: n.uptime,
        cpu: n.cpu,
        cpuinfo: {
          model: 'AMD Ryzen 7 5700G with Radeon Graphics',
          cpus: n.maxcpu,
          sockets: 1,
          cores: n.maxcpu / 2,
        },
        loadavg: ['0.52', '0.61', '0.58'],
        memory: { total: n.maxmem, used: n.mem, free: n.maxmem - n.mem, available: n.maxmem - n.mem },
        swap: { total: 8 * 1024 ** 3, used: 0, free: 8 * 1024 ** 3 },
        rootfs: { total: n.maxdisk, used: n.disk, free: n.maxdisk - n.disk, avail: n.maxdisk - n.disk },
        pveversion: `pve-manager/${s().version}/c0ffee12`,
        kversion: 'Linux 6.8.12-9-pve #1 SMP PREEMPT_DYNAMIC PMX 6.8.12-9',
      },
    };
  });

  app.get<{ Params: { node: string } }>(`${API}/nodes/:node/rrddata`, async (req) => {
    const { timeframe } = paramsOf(req, ['timeframe', 'cf']);
    need(req, `/nodes/${req.params.node}`, ['Sys.Audit']);
    return { data: rrdPoints(timeframe ?? '') };
  });

  app.get<{ Params: { node: string } }>(`${API}/nodes/:node/tasks`, async (req) => {
    const p = paramsOf(req, [
      'start',
      'limit',
      'userfilter',
      'typefilter',
      'vmid',
      'errors',
      'source',
      'since',
      'until',
      'statusfilter',
    ]);
    const token = tokenOf(req);
    const auditor = tokenHolds(token, `/nodes/${req.params.node}`, 'Sys.Audit');
    const rows = [...fake.tasks.tasks.values()]
      .filter((t) => t.node === req.params.node)
      .filter((t) => auditor || isOwner(t, token))
      .filter((t) => (p.source === 'all' || p.source === 'active' ? true : t.status === 'stopped'))
      .filter((t) => !p.typefilter || t.type === p.typefilter)
      .filter((t) => !p.vmid || t.id === p.vmid)
      .filter(
        (t) =>
          !bool(p.errors) ||
          (t.status === 'stopped' && t.exitstatus !== 'OK' && !/^WARNINGS/.test(t.exitstatus ?? '')),
      )
      .filter((t) => !p.since || t.starttime >= Number(p.since))
      .sort((a, b) => b.starttime - a.starttime)
      .slice(Number(p.start ?? 0), Number(p.start ?? 0) + Number(p.limit ?? 50));
    return { data: rows.map(taskRow) };
  });

  const taskFor = (req: FastifyRequest<{ Params: { node: string; upid: string } }>) => {
    const task = fake.tasks.tasks.get(req.params.upid);
    if (!task || task.node !== req.params.node)
      throw new PveError(400, 'Parameter verification failed.', { upid: 'no such task' });
    if (!isOwner(task, tokenOf(req))) need(req, `/nodes/${req.params.node}`, ['Sys.Audit']);
    return task;
  };

  app.get<{ Params: { node: string; upid: string } }>(
    `${API}/nodes/:node/tasks/:upid/status`,
    async (req) => {
      paramsOf(req, []);
      const task = taskFor(req);
      fake.tasks.advance(task);
      return {
        data: {
          upid: task.upid,
          node: task.node,
          pid: 1,
          pstart: 1,
          starttime: task.starttime,
          type: task.type,
          id: task.id,
          user: task.user,
          ...(task.tokenid ? { tokenid: task.tokenid } : {}),
          status: task.status,
          ...(task.status === 'stopped' ? { exitstatus: task.exitstatus } : {}),
        },
      };
    },
  );

  app.get<{ Params: { node: string; upid: string } }>(`${API}/nodes/:node/tasks/:upid/log`, async (req) => {
    const p = paramsOf(req, ['start', 'limit', 'download']);
    const task = taskFor(req);
    const start = Number(p.start ?? 0);
    const limit = Number(p.limit ?? 50);
    const lines = task.log.map((t, i) => ({ n: i + 1, t }));
    const page = limit === 0 ? lines.slice(start) : lines.slice(start, start + limit);
    return { data: lines.length === 0 ? [{ n: 1, t: 'no content' }] : page, total: lines.length };
  });

  for (const type of ['qemu', 'lxc'] as const) {
    const base = `${API}/nodes/:node/${type}/:vmid`;
    type P = { Params: { node: string; vmid: string } };

    app.get<P>(`${base}/status/current`, async (req) => {
      paramsOf(req, []);
      const g = guestAt(fake, req.params.node, type, req.params.vmid);
      need(req, `/vms/${g.vmid}`, ['VM.Audit']);
      const r = vmResource(fake, g);
      return {
        data: {
          ...r,
          ...(type === 'qemu'
            ? { qmpstatus: g.status === 'running' ? (g.paused ? 'paused' : 'running') : 'stopped', agent: 1 }
            : {}),
          ...(g.status === 'running' ? { pid: 4242 } : {}),
          ha: { managed: 0 },
        },
      };
    });

    app.get<P>(`${base}/config`, async (req) => {
      paramsOf(req, ['current', 'snapshot']);
      const g = guestAt(fake, req.params.node, type, req.params.vmid);
      need(req, `/vms/${g.vmid}`, ['VM.Audit']);
      return { data: { ...g.config, digest: configDigest(g) } };
    });

    app.get<P>(`${base}/rrddata`, async (req) => {
      const { timeframe } = paramsOf(req, ['timeframe', 'cf']);
      const g = guestAt(fake, req.params.node, type, req.params.vmid);
      need(req, `/vms/${g.vmid}`, ['VM.Audit']);
      return { data: rrdPoints(timeframe ?? '', g) };
    });

    app.get<P>(`${base}/snapshot`, async (req) => {
      paramsOf(req, []);
      const g = guestAt(fake, req.params.node, type, req.params.vmid);
      need(req, `/vms/${g.vmid}`, ['VM.Audit']);
      const snaps = g.snapshots.map((sn) => ({
        name: sn.name,
        description: sn.description,
        snaptime: sn.snaptime,
        ...(type === 'qemu' ? { vmstate: sn.vmstate ? 1 : 0 } : {}),
        ...(sn.parent ? { parent: sn.parent } : {}),
      }));
      const current = {
        name: 'current',
        digest: configDigest(g),
        running: g.status === 'running' ? 1 : 0,
        description: 'You are here!',
        ...(g.parent ? { parent: g.parent } : {}),
      };
      return { data: [...snaps, current] };
    });
  }

  app.get<{ Params: { node: string; storage: string } }>(
    `${API}/nodes/:node/storage/:storage/content`,
    async (req) => {
      const p = paramsOf(req, ['content', 'vmid']);
      need(req, `/storage/${req.params.storage}`, ['Datastore.Audit', 'Datastore.AllocateSpace'], true);
      const st = s().storages.find(
        (x) => x.storage === req.params.storage && x.nodes.includes(req.params.node),
      );
      if (!st) throw new PveError(500, `storage '${req.params.storage}' does not exist`);
      const data = st.volumes
        .filter((v) => (st.shared || v.node === req.params.node) && (!p.vmid || v.vmid === Number(p.vmid)))
        .filter((v) => !p.content || p.content === 'backup')
        .map((v) => ({
          volid: v.volid,
          vmid: v.vmid,
          content: 'backup',
          format: v.format,
          size: v.size,
          ctime: v.ctime,
          subtype: v.subtype,
          ...(v.notes ? { notes: v.notes } : {}),
          ...(v.protected ? { protected: 1 } : {}),
        }));
      return { data };
    },
  );
}
