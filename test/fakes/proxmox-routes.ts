import type { FastifyInstance } from 'fastify';
import type { FakeProxmox } from './proxmox.ts';
import { PveError } from './proxmox.ts';
import { effectivePermissions, tokenHolds } from './proxmox-acl.ts';
import { API, need, paramsOf, tokenOf, vmResource } from './proxmox-api.ts';
import { guestName } from './proxmox-state.ts';

/** Cluster-wide reads of the fake Proxmox API: version, status, resources, backup jobs, permissions. */
export function registerClusterRoutes(app: FastifyInstance, fake: FakeProxmox): void {
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
}
