import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type FakeProxmox, PveError } from './proxmox.ts';
import { API, bool, guestAt, isOwner, label, need, paramsOf, tokenOf } from './proxmox-api.ts';
import { configDigest, type FakeGuest, guestName } from './proxmox-state.ts';

const MiB = 1024 ** 2;

/** Parameters each power call takes (qemu-server PVE/API2/Qemu.pm, pve-container PVE/API2/LXC/Status.pm). */
const POWER_PARAMS: Record<string, { qemu: string[]; lxc: string[] | undefined }> = {
  start: { qemu: ['skiplock', 'timeout'], lxc: ['skiplock', 'debug'] },
  stop: {
    qemu: ['skiplock', 'timeout', 'keepActive', 'overrule-shutdown'],
    lxc: ['skiplock', 'overrule-shutdown'],
  },
  shutdown: { qemu: ['skiplock', 'timeout', 'forceStop', 'keepActive'], lxc: ['timeout', 'forceStop'] },
  reboot: { qemu: ['timeout'], lxc: ['timeout'] },
  suspend: { qemu: ['skiplock', 'todisk', 'statestorage'], lxc: [] },
  resume: { qemu: ['skiplock', 'nocheck'], lxc: [] },
  reset: { qemu: ['skiplock'], lxc: undefined },
};

/** Config keys the fake knows, with the privilege that changes them (qemu-server's $check_vm_modify_config_perm). */
const CONFIG_PRIV: Record<string, string> = {
  memory: 'VM.Config.Memory',
  balloon: 'VM.Config.Memory',
  swap: 'VM.Config.Memory',
  cores: 'VM.Config.CPU',
  sockets: 'VM.Config.CPU',
  cpulimit: 'VM.Config.CPU',
  cpuunits: 'VM.Config.CPU',
  onboot: 'VM.Config.Options',
  protection: 'VM.Config.Options',
  name: 'VM.Config.Options',
  hostname: 'VM.Config.Options',
  description: 'VM.Config.Options',
  tags: 'VM.Config.Options',
  ostype: 'VM.Config.Options',
};

export function registerActionRoutes(app: FastifyInstance, fake: FakeProxmox): void {
  const s = () => fake.state;
  const start = (
    req: FastifyRequest,
    node: string,
    type: string,
    id: string,
    lines: string[],
    effect: () => void,
  ) => fake.tasks.start(node, type, id, tokenOf(req).id, lines, effect);
  const running = (g: FakeGuest) => {
    if (g.status !== 'running') throw new Error(`${label(g)} not running`);
  };

  for (const type of ['qemu', 'lxc'] as const) {
    const base = `${API}/nodes/:node/${type}/:vmid`;
    const prefix = type === 'qemu' ? 'qm' : 'vz';

    app.post<{ Params: { node: string; vmid: string; action: string } }>(
      `${base}/status/:action`,
      async (req) => {
        const spec = POWER_PARAMS[req.params.action];
        const allowed = spec?.[type];
        if (!allowed)
          throw new PveError(
            501,
            `Method 'POST /nodes/${req.params.node}/${type}/${req.params.vmid}/status/${req.params.action}' not implemented`,
          );
        paramsOf(req, allowed);
        const g = guestAt(fake, req.params.node, type, req.params.vmid);
        need(req, `/vms/${g.vmid}`, ['VM.PowerMgmt']);
        const action = req.params.action;
        const up = () =>
          Object.assign(g, { status: 'running', paused: false, uptime: 1, mem: g.maxmem * 0.3, cpu: 0.02 });
        const down = () => Object.assign(g, { status: 'stopped', paused: false, uptime: 0, mem: 0, cpu: 0 });
        const effects: Record<string, () => void> = {
          start: () => {
            if (g.status === 'running') throw new Error(`${label(g)} already running`);
            up();
          },
          stop: () => {
            running(g);
            down();
          },
          shutdown: () => {
            running(g);
            down();
          },
          reboot: () => {
            running(g);
            up();
          },
          suspend: () => {
            running(g);
            g.paused = true;
          },
          resume: () => {
            g.paused = false;
          },
          reset: () => {
            running(g);
            up();
          },
        };
        const upid = start(
          req,
          g.node,
          `${prefix}${action}`,
          String(g.vmid),
          [`${action} ${label(g)}`, `${label(g)}: ${action} requested`],
          effects[action]!,
        );
        return { data: upid };
      },
    );

    app.put<{ Params: { node: string; vmid: string } }>(`${base}/config`, async (req) => {
      const p = paramsOf(req, [
        'digest',
        'delete',
        'revert',
        'skiplock',
        'force',
        ...Object.keys(CONFIG_PRIV),
        'args',
        'hookscript',
      ]);
      const g = guestAt(fake, req.params.node, type, req.params.vmid);
      const { digest, delete: del, revert: _r, skiplock: _s, force: _f, ...set } = p;
      const deleting = (del ?? '').split(/[,;\s]+/).filter(Boolean);
      if (Object.keys(set).length === 0 && deleting.length === 0)
        throw new PveError(500, 'no options specified');
      for (const key of [...Object.keys(set), ...deleting]) {
        const priv = CONFIG_PRIV[key];
        if (!priv) throw new PveError(500, `only root can set '${key}' config`);
        need(req, `/vms/${g.vmid}`, [priv]);
      }
      if (digest && digest !== configDigest(g)) {
        throw new PveError(
          500,
          type === 'qemu'
            ? 'checksum mismatch (file change by other user?)'
            : 'detected modified configuration - file changed by other user? Try again.',
        );
      }
      if (g.lock) throw new PveError(500, `${label(g)} is locked (${g.lock})`);
      for (const [key, value] of Object.entries(set))
        g.config[key] = /^\d+$/.test(value) ? Number(value) : value;
      for (const key of deleting) delete g.config[key];
      if (set.memory) g.maxmem = Number(set.memory) * MiB;
      if (set.cores) g.maxcpu = Number(set.cores);
      return { data: null };
    });
  }

  app.post<{ Params: { node: string } }>(`${API}/nodes/:node/vzdump`, async (req) => {
    const p = paramsOf(req, [
      'vmid',
      'storage',
      'mode',
      'compress',
      'notes-template',
      'protected',
      'all',
      'exclude',
      'pool',
      'remove',
      'mailto',
    ]);
    const ids = (p.vmid ?? '').split(',').filter(Boolean).map(Number);
    const storageId = p.storage ?? 'local';
    for (const id of ids) need(req, `/vms/${id}`, ['VM.Backup']);
    const local = ids.filter((id) => s().guests.get(id)?.node === req.params.node);
    if (local.length === 0) return { data: 'OK' };
    need(req, `/storage/${storageId}`, ['Datastore.AllocateSpace']);
    const store = s().storages.find((x) => x.storage === storageId && x.nodes.includes(req.params.node));
    if (!store?.content.split(',').includes('backup'))
      throw new PveError(500, `storage '${storageId}' does not support backups`);
    const g = s().guests.get(local[0]!)!;
    const lines = [
      `INFO: starting new backup job: vzdump ${local.join(' ')} --storage ${storageId} --mode ${p.mode ?? 'snapshot'}`,
      `INFO: Starting Backup of VM ${g.vmid} (${g.type})`,
      'INFO:  25% (2.0 GiB of 8.0 GiB) in 2s, read: 1.0 GiB/s, write: 500.0 MiB/s',
      'INFO:  60% (4.8 GiB of 8.0 GiB) in 5s, read: 1.0 GiB/s, write: 480.0 MiB/s',
      'INFO: 100% (8.0 GiB of 8.0 GiB) in 8s, read: 1.0 GiB/s, write: 470.0 MiB/s',
      `INFO: Finished Backup of VM ${g.vmid} (00:00:08)`,
    ];
    const upid = start(req, req.params.node, 'vzdump', String(g.vmid), lines, () => {
      const ctime = Math.floor(Date.now() / 1000);
      const subtype = g.type;
      const volid =
        store.type === 'pbs'
          ? `${storageId}:backup/${subtype === 'qemu' ? 'vm' : 'ct'}/${g.vmid}/${new Date(ctime * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')}`
          : `${storageId}:backup/vzdump-${subtype}-${g.vmid}-${ctime}.${subtype === 'qemu' ? 'vma.zst' : 'tar.zst'}`;
      store.volumes.push({
        volid,
        vmid: g.vmid,
        subtype,
        ctime,
        size: 1024 ** 3,
        format: 'zst',
        notes: p['notes-template']?.replace('{{guestname}}', guestName(g)),
        protected: bool(p.protected),
        node: store.shared ? undefined : req.params.node,
      });
    });
    return { data: upid };
  });

  app.delete<{ Params: { node: string; storage: string; volume: string } }>(
    `${API}/nodes/:node/storage/:storage/content/:volume`,
    async (req) => {
      paramsOf(req, ['delay']);
      const store = s().storages.find(
        (x) => x.storage === req.params.storage && x.nodes.includes(req.params.node),
      );
      const volid = req.params.volume.includes(':')
        ? req.params.volume
        : `${req.params.storage}:${req.params.volume}`;
      const volume = store?.volumes.find(
        (v) => v.volid === volid && (store.shared || v.node === req.params.node),
      );
      if (!store || !volume) throw new PveError(500, `no such volume '${volid}'`);
      need(req, `/storage/${store.storage}`, ['Datastore.AllocateSpace']);
      need(req, `/vms/${volume.vmid}`, ['VM.Backup']);
      const upid = start(
        req,
        req.params.node,
        'imgdel',
        `${volume.vmid}@${store.storage}`,
        [`removing ${volid}`],
        () => {
          if (volume.protected) throw new Error(`cannot remove protected archive '${volid}'`);
          store.volumes = store.volumes.filter((v) => v !== volume);
        },
      );
      return { data: upid };
    },
  );

  app.delete<{ Params: { node: string; upid: string } }>(`${API}/nodes/:node/tasks/:upid`, async (req) => {
    paramsOf(req, []);
    const task = fake.tasks.tasks.get(req.params.upid);
    if (!task || task.node !== req.params.node)
      throw new PveError(400, 'Parameter verification failed.', { upid: 'no such task' });
    if (!isOwner(task, tokenOf(req))) need(req, `/nodes/${req.params.node}`, ['Sys.Modify']);
    fake.tasks.stop(task);
    return { data: null };
  });
}
