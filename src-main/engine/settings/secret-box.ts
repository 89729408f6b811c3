import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Encrypts secrets at rest. Async because the Electron implementation goes through the OS key store.
 */
export interface SecretBox {
  /** Shown on the dashboard when the protection is weaker than an OS key store; null when all is well. */
  readonly warning: string | null;
  encrypt(plain: string): Promise<Buffer>;
  decrypt(data: Buffer): Promise<string>;
}

const VERSION = 1;

/**
 * Headless mode: AES-256-GCM with a random key kept in a file only the current user can read (0600).
 * Format: version (1 byte) | iv (12) | auth tag (16) | ciphertext.
 */
export class FileKeySecretBox implements SecretBox {
  readonly warning: string | null;
  private readonly key: Buffer;

  constructor(keyFile: string) {
    this.key = loadOrCreateKey(keyFile);
    this.warning =
      process.platform === 'win32'
        ? 'Секреты зашифрованы ключом из файла в папке данных. Храните папку данных в безопасности.'
        : null;
  }

  async encrypt(plain: string): Promise<Buffer> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), ct]);
  }

  async decrypt(data: Buffer): Promise<string> {
    if (data.length < 29 || data[0] !== VERSION) throw new Error('unknown secret format');
    const decipher = createDecipheriv('aes-256-gcm', this.key, data.subarray(1, 13));
    decipher.setAuthTag(data.subarray(13, 29));
    return Buffer.concat([decipher.update(data.subarray(29)), decipher.final()]).toString('utf8');
  }
}

function loadOrCreateKey(file: string): Buffer {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    // 'wx': create only if absent, so two starts racing cannot overwrite each other's key.
    const fd = fs.openSync(file, 'wx', 0o600);
    const key = randomBytes(32);
    fs.writeSync(fd, key.toString('base64'));
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if (process.platform !== 'win32') {
    const mode = fs.statSync(file).mode & 0o777;
    if (mode & 0o077) fs.chmodSync(file, 0o600);
  }
  const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`secret key file ${file} is damaged`);
  return key;
}
