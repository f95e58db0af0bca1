import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type FakeProxmox, PveError } from './proxmox.ts';
import { API, bool, guestAt, label, need, paramsOf, tokenOf } from './proxmox-api.ts';

const CONFIG_ID = /^[a-z][a-z0-9_-]+$/i;

/** Snapshot create, rollback and delete of the fake Proxmox API (each one a task). */
export function registerSnapshotRoutes(app: FastifyInstance, fake: FakeProxmox): void {
  const start = (
    req: FastifyRequest,
    node: string,
    type: string,
    id: string,
    lines: string[],
    effect: () => void,
  ) => fake.tasks.start(node, type, id, tokenOf(req).id, lines, effect);

  for (const type of ['qemu', 'lxc'] as const) {
    const base = `${API}/nodes/:node/${type}/:vmid`;
    const prefix = type === 'qemu' ? 'qm' : 'vz';

    app.post<{ Params: { node: string; vmid: string } }>(`${base}/snapshot`, async (req) => {
      const p = paramsOf(
        req,
        type === 'qemu' ? ['snapname', 'description', 'vmstate'] : ['snapname', 'description'],
      );
      const g = guestAt(fake, req.params.node, type, req.params.vmid);
      need(req, `/vms/${g.vmid}`, ['VM.Snapshot']);
      const name = p.snapname ?? '';
      if (!CONFIG_ID.test(name) || name.length > 40)
        throw new PveError(400, 'Parameter verification failed.', {
          snapname: `invalid configuration ID '${name}'`,
        });
      if (name === 'current')
        throw new PveError(500, "unable to use snapshot name 'current' (reserved name)");
      if (g.lock) throw new PveError(500, `${label(g)} is locked (${g.lock})`);
      g.lock = 'snapshot';
      const upid = start(
        req,
        g.node,
        `${type === 'qemu' ? 'qm' : 'vz'}snapshot`,
        String(g.vmid),
        [`${label(g)}: snapshot ${name}`, 'snapshotting the disks', 'saving the config'],
        () => {
          delete g.lock;
          if (g.snapshots.some((x) => x.name === name))
            throw new Error(`snapshot name '${name}' already used`);
          g.snapshots.push({
            name,
            description: p.description ?? '',
            snaptime: Math.floor(Date.now() / 1000),
            vmstate: bool(p.vmstate),
            parent: g.parent,
          });
          g.parent = name;
        },
      );
      return { data: upid };
    });

    app.post<{ Params: { node: string; vmid: string; snapname: string } }>(
      `${base}/snapshot/:snapname/rollback`,
      async (req) => {
        const p = paramsOf(req, ['start']);
        const g = guestAt(fake, req.params.node, type, req.params.vmid);
        need(req, `/vms/${g.vmid}`, ['VM.Snapshot', 'VM.Snapshot.Rollback'], true);
        const name = req.params.snapname;
        const upid = start(
          req,
          g.node,
          `${prefix}rollback`,
          String(g.vmid),
          [`${label(g)}: rollback to ${name}`, 'stopping the guest'],
          () => {
            const snap = g.snapshots.find((x) => x.name === name);
            if (!snap) throw new Error(`snapshot '${name}' does not exist`);
            g.parent = name;
            Object.assign(g, {
              status: bool(p.start) || snap.vmstate ? 'running' : 'stopped',
              uptime: bool(p.start) ? 1 : 0,
            });
          },
        );
        return { data: upid };
      },
    );

    app.delete<{ Params: { node: string; vmid: string; snapname: string } }>(
      `${base}/snapshot/:snapname`,
      async (req) => {
        paramsOf(req, ['force']);
        const g = guestAt(fake, req.params.node, type, req.params.vmid);
        need(req, `/vms/${g.vmid}`, ['VM.Snapshot']);
        const name = req.params.snapname;
        const upid = start(
          req,
          g.node,
          `${prefix}delsnapshot`,
          String(g.vmid),
          [`${label(g)}: delete snapshot ${name}`],
          () => {
            const snap = g.snapshots.find((x) => x.name === name);
            if (!snap) throw new Error(`snapshot '${name}' does not exist`);
            g.snapshots = g.snapshots
              .filter((x) => x !== snap)
              .map((x) => (x.parent === name ? { ...x, parent: snap.parent } : x));
            if (g.parent === name) g.parent = snap.parent;
          },
        );
        return { data: upid };
      },
    );
  }
}
