import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FakeProxmox } from './proxmox.ts';
import { PveError } from './proxmox.ts';
import { tokenHolds } from './proxmox-acl.ts';
import {
  API,
  bool,
  guestAt,
  isOwner,
  need,
  paramsOf,
  rrdPoints,
  taskRow,
  tokenOf,
  vmResource,
} from './proxmox-api.ts';
import { configDigest } from './proxmox-state.ts';

/** Per-node reads of the fake Proxmox API: node status and history, tasks, guests, storage content. */
export function registerNodeRoutes(app: FastifyInstance, fake: FakeProxmox): void {
  const s = () => fake.state;

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
      // vmstatus calls the CPU count `cpus` (qemu-server's $vmstatus_return_properties); resources say maxcpu.
      const { maxcpu, id: _id, ...r } = vmResource(fake, g) as Record<string, unknown>;
      return {
        data: {
          ...r,
          cpus: maxcpu,
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
      // Only backups are modelled: any other content kind lists nothing.
      if (p.content && p.content !== 'backup') return { data: [] };
      const data = st.volumes
        .filter((v) => (st.shared || v.node === req.params.node) && (!p.vmid || v.vmid === Number(p.vmid)))
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
