import { safeStorage } from 'electron';
import fs from 'node:fs';
import { FileKeySecretBox, type SecretBox } from '../engine/settings/secret-box.js';

/**
 * Secrets at rest through the OS key store (Keychain, DPAPI, libsecret/KWallet) via Electron's `safeStorage`.
 * Lives in the main process (the engine's utility process has no safeStorage) and serves the engine through
 * the host protocol. Stored form: tag 0x02 | safeStorage ciphertext. Data from the key-file box (tag 0x01:
 * headless mode, or a PC without a key store) still opens, so moving between modes loses nothing.
 */

const TAG_SAFE_STORAGE = 0x02;
const TAG_FILE_KEY = 0x01;

export const secretsWarnings = {
  basicText:
    'Linux не предоставил хранилище ключей (GNOME Keyring или KWallet): секреты зашифрованы встроенным ключом Electron. Установите и разблокируйте хранилище ключей.',
  unavailable: 'Хранилище ключей системы недоступно: секреты зашифрованы ключом из файла в папке данных. Храните папку данных в безопасности.',
} as const;

/** The part of Electron's safeStorage we use; the async API is newer, the sync one is the fallback. */
export type SafeStorageLike = Pick<
  Electron.SafeStorage,
  'isEncryptionAvailable' | 'encryptString' | 'decryptString' | 'getSelectedStorageBackend'
> &
  Partial<Pick<Electron.SafeStorage, 'isAsyncEncryptionAvailable' | 'encryptStringAsync' | 'decryptStringAsync'>>;

export interface ElectronSecretBoxOptions {
  /** The key file of FileKeySecretBox, used when the OS offers no encryption and to read data it wrote. */
  keyFile: string;
  safeStorage?: SafeStorageLike;
  platform?: NodeJS.Platform;
}

/** Call after `app.whenReady()`: the key store is chosen when the app is ready. */
export async function createElectronSecretBox(opts: ElectronSecretBoxOptions): Promise<SecretBox> {
  const ss = opts.safeStorage ?? safeStorage;
  const platform = opts.platform ?? process.platform;
  const useAsync = typeof ss.isAsyncEncryptionAvailable === 'function' && typeof ss.encryptStringAsync === 'function' && typeof ss.decryptStringAsync === 'function';
  const available = useAsync ? await ss.isAsyncEncryptionAvailable!() : ss.isEncryptionAvailable();
  let fileBox: FileKeySecretBox | null = null;
  const files = (): FileKeySecretBox => (fileBox ??= new FileKeySecretBox(opts.keyFile));

  if (!available) {
    const box = files();
    return {
      warning: secretsWarnings.unavailable,
      encrypt: (plain) => box.encrypt(plain),
      decrypt: (data) => box.decrypt(data),
    };
  }

  const warning = platform === 'linux' && ss.getSelectedStorageBackend() === 'basic_text' ? secretsWarnings.basicText : null;
  return {
    warning,
    async encrypt(plain: string): Promise<Buffer> {
      const ct = useAsync ? await ss.encryptStringAsync!(plain) : ss.encryptString(plain);
      return Buffer.concat([Buffer.from([TAG_SAFE_STORAGE]), ct]);
    },
    async decrypt(data: Buffer): Promise<string> {
      if (data[0] === TAG_SAFE_STORAGE) {
        const ct = data.subarray(1);
        return useAsync ? (await ss.decryptStringAsync!(ct)).result : ss.decryptString(ct);
      }
      if (data[0] === TAG_FILE_KEY && fs.existsSync(opts.keyFile)) return files().decrypt(data);
      throw new Error('unknown secret format');
    },
  };
}
