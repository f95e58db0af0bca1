import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Certificates for the fake Proxmox API, made at test time with Debian's
 * openssl: a self-signed one (as a fresh Proxmox node serves before its
 * cluster CA is trusted anywhere), or a CA plus a node certificate it signed
 * (as /etc/pve/pve-root-ca.pem and pve-ssl.pem are).
 */
export interface TestCertificate {
  key: string;
  cert: string;
  /** SHA-256, "AA:BB:…", as `pvenode cert info` shows it. */
  fingerprint: string;
  /** The CA that signed it (PEM), when there is one. */
  ca?: string;
}

const SAN = 'subjectAltName=IP:127.0.0.1,DNS:localhost';

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function fingerprintOf(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

export function selfSignedCertificate(commonName = 'pve1'): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'tw-test-pvecert-'));
  try {
    openssl(dir, [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      'key.pem',
      '-out',
      'cert.pem',
      '-days',
      '2',
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      SAN,
    ]);
    const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert, fingerprint: fingerprintOf(cert) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A cluster CA and a node certificate it signed, valid for 127.0.0.1 and localhost. */
export function caSignedCertificate(commonName = 'pve1'): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'tw-test-pveca-'));
  try {
    openssl(dir, [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=Proxmox Virtual Environment/OU=test/O=PVE Cluster Manager CA',
    ]);
    openssl(dir, [
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      'key.pem',
      '-out',
      'node.csr',
      '-subj',
      `/CN=${commonName}`,
    ]);
    writeFileSync(join(dir, 'ext.cnf'), `${SAN}\n`);
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      'node.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'cert.pem',
      '-days',
      '2',
      '-extfile',
      'ext.cnf',
    ]);
    const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert,
      fingerprint: fingerprintOf(cert),
      ca: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
