// Seal values with @linode/kubeseal-encrypt (namespace-wide scope), for the
// cross-check tests and the sealing benchmark.
// stdin: {"pem": "<PUBLIC KEY PEM>", "namespace": "apps", "values": ["..."]}
// stdout: {"sealed": ["<base64>", ...], "seconds": <wall time of the sealing loop>}
'use strict';
const { encryptSecretItem } = require('@linode/kubeseal-encrypt');

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const started = process.hrtime.bigint();
  const sealed = [];
  for (const value of input.values) {
    sealed.push(await encryptSecretItem(input.pem, input.namespace, value));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(JSON.stringify({ sealed, seconds }));
}

main().catch((error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
