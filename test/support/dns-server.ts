import { createSocket, type Socket } from 'node:dgram';
import { isIPv4 } from 'node:net';

/** name → A/AAAA addresses and TXT strings the test server answers with. */
export type Zone = Record<string, { a?: string[]; aaaa?: string[]; txt?: string[] }>;

function readName(msg: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let i = offset;
  while (msg[i]! > 0) {
    labels.push(msg.toString('ascii', i + 1, i + 1 + msg[i]!));
    i += msg[i]! + 1;
  }
  return { name: labels.join('.').toLowerCase(), end: i + 1 };
}

function ipv6Bytes(address: string): Buffer {
  const [head, tail] = address.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return Buffer.from(groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 255]));
}

/** A minimal authoritative DNS server over UDP on loopback, for testing resolution-based guards. */
export async function startDnsServer(zone: Zone): Promise<{ address: string; close(): void }> {
  const socket: Socket = createSocket('udp4');
  socket.on('message', (msg, peer) => {
    const { name, end } = readName(msg, 12);
    const qtype = msg.readUInt16BE(end);
    const entry = zone[name];
    const answers: Buffer[] = [];
    const record = (type: number, data: Buffer) => {
      const head = Buffer.alloc(12);
      head.writeUInt16BE(0xc00c, 0);
      head.writeUInt16BE(type, 2);
      head.writeUInt16BE(1, 4);
      head.writeUInt32BE(60, 6);
      head.writeUInt16BE(data.length, 10);
      answers.push(head, data);
    };
    if (qtype === 1)
      for (const a of entry?.a ?? []) if (isIPv4(a)) record(1, Buffer.from(a.split('.').map(Number)));
    if (qtype === 28) for (const a of entry?.aaaa ?? []) record(28, ipv6Bytes(a));
    if (qtype === 16)
      for (const t of entry?.txt ?? []) record(16, Buffer.concat([Buffer.from([t.length]), Buffer.from(t)]));
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2);
    header.writeUInt16BE(entry ? 0x8580 : 0x8583, 2); // authoritative answer, or NXDOMAIN
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length / 2, 6);
    socket.send(Buffer.concat([header, msg.subarray(12, end + 4), ...answers]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { address: `127.0.0.1:${socket.address().port}`, close: () => socket.close() };
}
