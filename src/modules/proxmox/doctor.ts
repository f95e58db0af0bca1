import type { DoctorCheck, DoctorDeps } from '../types.ts';
import { describeAccess, proxmoxAccessReports } from './access.ts';

/** One line per configured cluster: reachable, the pin holds, and what the token may do. */
export async function proxmoxDoctor({ config, log }: DoctorDeps): Promise<DoctorCheck[]> {
  const settings = config.modules.proxmox;
  if (settings.clusters.length === 0)
    return [
      {
        check: 'proxmox: clusters',
        status: 'fail',
        detail: 'the module is on but no cluster is configured',
        fix: 'add modules.proxmox.clusters (docs/proxmox.md), or run ct/tailwarden.sh --proxmox-api on the Proxmox host',
      },
    ];
  const reports = await proxmoxAccessReports(settings, log);
  return reports.map((report) => {
    const { ok, line } = describeAccess(report);
    const [detail, fix] = line.split('. Fix: ');
    return {
      check: `proxmox: cluster ${report.cluster}`,
      status: ok ? 'ok' : 'fail',
      detail: detail!,
      ...(fix
        ? { fix }
        : ok
          ? {}
          : { fix: 'see docs/proxmox.md (token, privileges and the certificate pin)' }),
    };
  });
}
