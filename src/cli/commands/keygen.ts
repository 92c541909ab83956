import path from 'node:path';
import { Flags } from '@oclif/core';
import { EXIT, TagwayCommand, formatFlag } from '../base.js';

export default class Keygen extends TagwayCommand {
  static override summary = 'Make an ed25519 key pair for signed snapshots.';
  static override description = `Writes a new private key to --out (PEM PKCS#8, readable by you alone) and its public key to <out>.pub (PEM), and prints the public key and its id. The private key is never printed: keep it where CI signs (compile --sign file:PATH, or its content in a secret variable for --sign env:NAME). Put the public key where snapshots are synced: under trusted_keys in tagway.yaml, or sync --trusted-key file:<out>.pub. Existing files are never overwritten.

The same key can be made with openssl genpkey -algorithm ed25519 -out key.pem. See docs/signing.md.
Exit status: 0, or 2 on a usage or runtime error.`;
  static override examples = ['<%= config.bin %> keygen --out ~/.config/tagway/ci-signing.pem'];
  static override flags = {
    out: Flags.string({ description: 'Where to write the private key; the public key goes to <out>.pub.', required: true }),
    format: formatFlag(['human', 'json'], 'human'),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Keygen);
    const { runKeygen } = await this.library(import('../../app/keygen.js'));
    const outcome = await runKeygen({ privateKeyFile: path.resolve(flags.cwd, flags.out) });
    if (flags.format === 'json') {
      this.printJson({ privateKeyFile: outcome.privateKeyFile, publicKeyFile: outcome.publicKeyFile, keyId: outcome.keyId, publicKey: outcome.publicKey });
    } else {
      this.print(
        [
          `wrote ${outcome.privateKeyFile} (private key: keep it secret)`,
          `wrote ${outcome.publicKeyFile} (public key)`,
          `key id: ${outcome.keyId}`,
          '',
          'in tagway.yaml where snapshots are synced:',
          'trusted_keys:',
          `  - id: ${outcome.keyId}`,
          `    key: ${outcome.publicKey}`,
        ].join('\n'),
      );
    }
    process.exitCode = EXIT.ok;
  }
}
