import { describe, expect, it } from 'vitest';
import {
  checkPackageNames,
  parseApkInfo,
  parseApkUpgradable,
  parseAptUpgradable,
  parseDnfCheckUpdate,
  parseDnfSecurity,
} from '../../src/modules/system/package-managers.ts';
import { parseSs } from '../../src/modules/system/sockets.ts';

// apt output is covered end to end against real apt in systemd.test.ts; dnf and apk cannot run
// here, so their parsers are checked against the formats those tools document.
describe('package manager output parsers', () => {
  it('parses apt list --upgradable, marking security suites', () => {
    const out = parseAptUpgradable(
      'Listing...\nopenssl/bookworm-security,bookworm-updates 3.0.15-1~deb12u1 amd64 [upgradable from: 3.0.14-1~deb12u2]\ntzdata/bookworm-updates 2025b-0+deb12u1 all [upgradable from: 2025a-0+deb12u1]\n',
    );
    expect(out).toEqual([
      {
        name: 'openssl',
        available: '3.0.15-1~deb12u1',
        current: '3.0.14-1~deb12u2',
        source: 'bookworm-security,bookworm-updates',
        security: true,
      },
      {
        name: 'tzdata',
        available: '2025b-0+deb12u1',
        current: '2025a-0+deb12u1',
        source: 'bookworm-updates',
        security: false,
      },
    ]);
  });

  it('parses dnf check-update and updateinfo', () => {
    const security = parseDnfSecurity(
      'FEDORA-2025-1a2b3c  Important/Sec.  openssl-libs-1:3.2.2-9.fc41.x86_64\n',
    );
    expect([...security]).toEqual(['openssl-libs']);
    const out = parseDnfCheckUpdate(
      '\nopenssl-libs.x86_64    1:3.2.2-9.fc41    updates\nvim-minimal.x86_64     2:9.1.800-1.fc41  updates\n',
      security,
    );
    expect(out.map((u) => [u.name, u.available, u.security])).toEqual([
      ['openssl-libs', '1:3.2.2-9.fc41', true],
      ['vim-minimal', '2:9.1.800-1.fc41', false],
    ]);
  });

  it('parses apk -u list and apk info -v', () => {
    const out = parseApkUpgradable(
      'busybox-1.36.1-r31 x86_64 {busybox} (GPL-2.0-only) [upgradable from: busybox-1.36.1-r29]\n',
    );
    expect(out).toEqual([
      { name: 'busybox', available: '1.36.1-r31', current: '1.36.1-r29', source: 'busybox', security: false },
    ]);
    expect(parseApkInfo('musl-1.2.5-r0\nca-certificates-bundle-20240705-r0\n')).toEqual([
      { name: 'musl', version: '1.2.5-r0', arch: '' },
      { name: 'ca-certificates-bundle', version: '20240705-r0', arch: '' },
    ]);
  });

  it('validates package names', () => {
    expect(checkPackageNames(['nginx', 'libc6=2.36-9', 'g++=4:12.2.0-3', 'nginx'])).toEqual([
      'nginx',
      'libc6=2.36-9',
      'g++=4:12.2.0-3',
    ]);
    for (const bad of ['-y', '--force', 'a b', 'Nginx', '../x', 'x;y', '', '-oAPT::Foo=1'])
      expect(() => checkPackageNames([bad]), bad).toThrow(/Not valid package names/);
    // apt reads a trailing - as "remove" and + as "install", whatever the command: never let one through
    for (const flips of ['nginx-', 'nginx+', 'g++', 'curl=7.88.1-10-', 'x.deb'])
      expect(() => checkPackageNames([flips]), flips).toThrow(/Not valid package names/);
  });

  it('parses ss output, including IPv6 and UDP', () => {
    const rows = parseSs(
      'tcp LISTEN 0 511 0.0.0.0:80 0.0.0.0:* users:(("nginx",pid=812,fd=6))\nudp UNCONN 0 0 [::]:5353 [::]:*\ntcp ESTAB 0 0 [fd7a:115c:a1e0::1]:22 [fd7a:115c:a1e0::2]:51234\n',
    );
    expect(rows).toEqual([
      {
        protocol: 'tcp',
        state: 'LISTEN',
        local_address: '0.0.0.0',
        local_port: 80,
        peer_address: '0.0.0.0',
        peer_port: null,
        process: 'nginx',
        pid: 812,
      },
      {
        protocol: 'udp',
        state: 'LISTEN',
        local_address: '::',
        local_port: 5353,
        peer_address: '::',
        peer_port: null,
        process: null,
        pid: null,
      },
      {
        protocol: 'tcp',
        state: 'ESTAB',
        local_address: 'fd7a:115c:a1e0::1',
        local_port: 22,
        peer_address: 'fd7a:115c:a1e0::2',
        peer_port: 51234,
        process: null,
        pid: null,
      },
    ]);
  });
});
