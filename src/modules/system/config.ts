import { isIP } from 'node:net';
import { z } from 'zod';
import { bool, bytes, duration, int, list, section } from '../../config/fields.ts';

/** "10.0.0.0/8", "fd7a:115c:a1e0::/48" or a single address. */
function isCidr(value: string): boolean {
  const [address, bits, extra] = value.split('/');
  const family = isIP(address ?? '');
  if (!family || extra !== undefined) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32);
}

const cidr = z
  .string()
  .refine(isCidr, { error: (issue) => `"${issue.input}" is not an address range (CIDR)` });

/** Names refused even inside a file root: keys, credentials, secrets (matched per path segment, `*` wildcards). */
export const DEFAULT_FILE_DENY = [
  '.ssh',
  '.gnupg',
  '.env',
  '.env.*',
  '*.env',
  'shadow',
  'shadow-',
  'gshadow',
  'gshadow-',
  '*.key',
  '*.pem',
  '*.p12',
  '*.pfx',
  '*.jks',
  '*.keystore',
  'id_rsa*',
  'id_dsa*',
  'id_ecdsa*',
  'id_ed25519*',
  '*token*',
  '*secret*',
  '*credential*',
  '*password*',
  '.netrc',
  '.pgpass',
  '.git-credentials',
  '.htpasswd',
];

export const systemConfig = section(
  {
    enabled: bool(true, { description: 'Expose the system module (host status, processes, network).' }),
    sample_interval: duration('5s', {
      description: 'How often the background sampler reads CPU, memory and network counters.',
    }),
    disk_sample_interval: duration('30s', { description: 'How often disk usage is re-read (it spawns df).' }),
    disk_warn_percent: int(
      90,
      { description: 'Disk usage (percent) above which system_status warns.' },
      1,
      100,
    ),
    memory_warn_percent: int(
      90,
      { description: 'Memory in use (percent, excluding caches) above which system_status warns.' },
      1,
      100,
    ),
    exec_prefix: list([], {
      description:
        'Argument list put before every systemctl, journalctl and package-manager command, e.g. ["nsenter","-t","1","-m","-u","-i","-n","-p","--"] when the gateway runs in a container but manages its host. Empty: run them directly.',
    }),
    command_timeout: duration('30s', {
      description: 'Upper bound on one systemctl/journalctl/query command.',
    }),
    package_timeout: duration('20m', {
      description: 'Upper bound on one package install, remove or upgrade.',
    }),
    package_sudo: bool(false, {
      description:
        'Run apt-get changes (update, upgrade, install, remove) as `sudo -n /usr/bin/env ... /usr/bin/apt-get ...`, the exact forms /etc/sudoers.d/tailwarden allows; for a gateway that does not run as root. `install.sh --enable-admin-actions` turns it on.',
    }),
    output_cap: bytes('256KiB', {
      description: 'Most command output kept in a result (the rest is cut, and the result says so).',
    }),
    file_roots: list(['/var/log'], {
      description:
        'Directories the files_* tools may read under (checked on the real path after resolving symlinks).',
    }),
    file_deny: list(DEFAULT_FILE_DENY, {
      description:
        'Names refused even inside the file roots, matched against every path segment, case-insensitive (shell wildcards: `*` any text, `?` one character, `[a-z]` a class).',
    }),
    file_read_max: bytes('1MiB', { description: 'Largest slice files_read returns in one call.' }),
    file_read_default: bytes('64KiB', {
      description:
        "Slice files_read returns when the call names no length: one that fits a model's context (next_offset pages on). At most file_read_max.",
    }),
    file_search_max_bytes: bytes('64MiB', {
      description: 'Most bytes files_search reads across all files in one call.',
    }),
    net_allow: list(
      ['100.64.0.0/10', 'fd7a:115c:a1e0::/48', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'],
      {
        description:
          'Address ranges (CIDR) the net_* tools may reach besides public addresses: the tailnet and private LANs by default.',
      },
      cidr,
    ),
    net_deny: list(
      ['169.254.0.0/16', 'fe80::/10', '100.100.100.200/32', 'fd00:ec2::254/128', '0.0.0.0/8'],
      {
        description:
          'Address ranges (CIDR) the net_* tools never reach, checked first: link-local and cloud-metadata addresses by default.',
      },
      cidr,
    ),
    net_allow_loopback: bool(false, {
      description:
        'Let the net_* tools reach this host itself: loopback (127.0.0.0/8, ::1), the unspecified addresses (0.0.0.0, ::) and Tailscale quad-100 (100.100.100.100, fd7a:115c:a1e0::53).',
    }),
    net_dns_servers: list([], {
      description:
        'DNS servers (IP or IP:port) the net_* tools resolve names with, e.g. ["100.100.100.100"] for MagicDNS. Empty: the system resolver (/etc/hosts, resolv.conf).',
    }),
    net_allow_public: bool(true, {
      description: 'Let the net_* tools reach public internet addresses (not in any private range).',
    }),
  },
  'System module: the host the gateway runs on.',
);
