/**
 * Cost of the secret detector (src/audit/secrets.ts): throughput on 4 MiB of log-like text with a
 * secret on every other line, against a baseline in the same run (JSON.stringify of the same text:
 * what writing it to the audit log or a result costs anyway), and the worst of a set of hostile
 * inputs against the log text (a small ratio means linear: no input makes the scan quadratic).
 *   npx node bench/secrets.ts [MiB]
 */
import { redactValue } from '../src/audit/redact.ts';
import { maskSecretsInText } from '../src/audit/secrets.ts';

const mib = Number(process.argv[2] ?? 4);
const size = mib * 1024 * 1024;

function fill(unit: string): string {
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}

function time(work: () => unknown, rounds = 3): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < rounds; i++) {
    const began = performance.now();
    work();
    best = Math.min(best, performance.now() - began);
  }
  return best;
}

const logText = fill(
  '2026-01-31T12:00:00Z web[812]: GET /api/items/42 200 17ms from 10.0.3.7 user=alice token_id=t1\n' +
    '2026-01-31T12:00:01Z app[900]: connect postgres://app:hunter2@db:5432/app --password=x DB_PW=y\n',
);
const baseline = time(() => JSON.stringify({ text: logText }));
const detector = time(() => maskSecretsInText(logText));
console.log(
  `log text ${mib} MiB: baseline ${baseline.toFixed(1)} ms, detector ${detector.toFixed(1)} ms (${(detector / baseline).toFixed(1)}x), ${(mib / (detector / 1000)).toFixed(1)} MiB/s`,
);

const plain = detector;
const hostile = [
  'a',
  '--password ',
  'PASSWORD=',
  'https://',
  'x://a@',
  'password: "',
  '"password":"\\',
  '-----BEGIN RSA PRIVATE KEY-----',
  'eyJa.eyJa.',
  'ghp_',
  'mysql -p',
];
let worst = { unit: '', ms: 0 };
for (const unit of hostile) {
  const ms = time(() => maskSecretsInText(fill(unit)), 1);
  if (ms > worst.ms) worst = { unit, ms };
}
console.log(
  `hostile ${mib} MiB: worst ${JSON.stringify(worst.unit)} ${worst.ms.toFixed(1)} ms vs the log text ${plain.toFixed(1)} ms (${(worst.ms / plain).toFixed(1)}x)`,
);

const inspect = {
  env: Array.from({ length: 60 }, (_, i) => (i % 3 ? `VAR_${i}=value-${i}` : `SECRET_${i}=s3cr3t-${i}`)),
  labels: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`com.example.label${i}`, `v${i}`])),
  command: ['--password', 'x', '--port', '8080'],
  mounts: Array.from({ length: 10 }, (_, i) => ({ source: `/srv/data${i}`, destination: `/data${i}` })),
};
const copy = JSON.parse(JSON.stringify(inspect)) as typeof inspect;
const cloneMs = time(() => JSON.parse(JSON.stringify(inspect)), 200);
const outputMs = time(() => redactValue(copy), 200);
console.log(
  `docker inspect-sized output: the output walk (redactValue) ${(outputMs * 1000).toFixed(0)} µs vs a JSON clone ${(cloneMs * 1000).toFixed(0)} µs (${(outputMs / cloneMs).toFixed(1)}x)`,
);
