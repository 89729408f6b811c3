import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FromEngine } from '../../src-main/engine/host-protocol.js';
import { HostClient } from '../../src-main/engine/host-services.js';
import { FileKeySecretBox } from '../../src-main/engine/settings/secret-box.js';
import type { SafeStorageLike } from '../../src-main/shell/secrets.js';

vi.mock('electron', () => import('../mocks/electron.js'));
const { forks } = await import('../mocks/electron.js');

const { createElectronSecretBox, secretsWarnings } = await import('../../src-main/shell/secrets.js');
const { EngineHost } = await import('../../src-main/shell/engine-host.js');


/** A reversible stand-in for the OS key store: XOR with a fixed byte, so a wrong path is visible. */
function fakeSafeStorage(over: Partial<SafeStorageLike> & { backend?: ReturnType<SafeStorageLike['getSelectedStorageBackend']> } = {}) {
  const calls: string[] = [];
  const xor = (b: Buffer) => Buffer.from(b.map((x) => x ^ 0x5a));
  const ss: SafeStorageLike = {
    isEncryptionAvailable: () => true,
    encryptString: (s) => (calls.push('encryptString'), xor(Buffer.from(s))),
    decryptString: (b) => (calls.push('decryptString'), xor(b).toString()),
    getSelectedStorageBackend: () => over.backend ?? 'gnome_libsecret',
    isAsyncEncryptionAvailable: async () => true,
    encryptStringAsync: async (s) => (calls.push('encryptStringAsync'), xor(Buffer.from(s))),
    decryptStringAsync: async (b) => (calls.push('decryptStringAsync'), { result: xor(b).toString(), shouldReEncrypt: false }),
    ...over,
  };
  return { ss, calls };
}

const dirs: string[] = [];
function keyFile(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'prilavok-secrets-'));
  dirs.push(d);
  return path.join(d, 'secret.key');
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('secret box over safeStorage', () => {
  it('uses the async API, round-trips, and has no warning with a real key store', async () => {
    const { ss, calls } = fakeSafeStorage();
    const box = await createElectronSecretBox({ keyFile: keyFile(), safeStorage: ss, platform: 'linux' });
    expect(box.warning).toBeNull();
    const ct = await box.encrypt('api-key-секрет');
    expect(ct.includes(Buffer.from('api-key'))).toBe(false);
    expect(await box.decrypt(ct)).toBe('api-key-секрет');
    expect(calls).toEqual(['encryptStringAsync', 'decryptStringAsync']);
  });

  it('warns on Linux with the basic_text backend', async () => {
    const { ss } = fakeSafeStorage({ backend: 'basic_text' });
    const box = await createElectronSecretBox({ keyFile: keyFile(), safeStorage: ss, platform: 'linux' });
    expect(box.warning).toBe(secretsWarnings.basicText);
    expect(await box.decrypt(await box.encrypt('x'))).toBe('x');
  });

  it('falls back to the sync API when the async one is absent', async () => {
    const { ss, calls } = fakeSafeStorage({ isAsyncEncryptionAvailable: undefined, encryptStringAsync: undefined, decryptStringAsync: undefined });
    const box = await createElectronSecretBox({ keyFile: keyFile(), safeStorage: ss, platform: 'win32' });
    expect(await box.decrypt(await box.encrypt('token'))).toBe('token');
    expect(calls).toEqual(['encryptString', 'decryptString']);
  });

  it('without OS encryption: the key-file box with a warning; its data still opens once a key store appears', async () => {
    const file = keyFile();
    const none = fakeSafeStorage({ isAsyncEncryptionAvailable: async () => false });
    const weak = await createElectronSecretBox({ keyFile: file, safeStorage: none.ss, platform: 'linux' });
    expect(weak.warning).toBe(secretsWarnings.unavailable);
    const old = await weak.encrypt('пароль');
    expect(none.calls).toEqual([]);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const strong = await createElectronSecretBox({ keyFile: file, safeStorage: fakeSafeStorage().ss, platform: 'linux' });
    expect(await strong.decrypt(old)).toBe('пароль');
    // Headless mode's data opens too.
    expect(await strong.decrypt(await new FileKeySecretBox(file).encrypt('из headless'))).toBe('из headless');
    await expect(strong.decrypt(Buffer.from([9, 9, 9]))).rejects.toThrow(/unknown secret format/);
  });
});

describe('host protocol: the engine asks the main process for secrets and PDFs', () => {
  it('the engine host tells the engine what it serves and answers its requests; the engine client resolves them', async () => {
    forks.length = 0;
    const { ss } = fakeSafeStorage({ backend: 'basic_text' });
    const box = await createElectronSecretBox({ keyFile: keyFile(), safeStorage: ss, platform: 'linux' });
    const pages: unknown[] = [];
    const host = new EngineHost('/app/engine.js', '/data', {
      secretBox: box,
      pdf: async (html, page) => (pages.push([html, page]), Buffer.from('%PDF-1.7 fake')),
    });
    void host.start().catch(() => undefined);
    const child = forks[0]!;
    expect(child.env).toMatchObject({ PRILAVOK_HOST_SECRETS: '1', PRILAVOK_SECRETS_WARNING: secretsWarnings.basicText, PRILAVOK_HOST_PDF: '1' });

    // Wire the engine's client to the fake child the way process.ts does.
    const client = new HostClient((msg: FromEngine) => child.emit('message', msg));
    const relay = setInterval(() => {
      for (const m of child.sent.splice(0)) client.handle(m);
    }, 1);
    try {
      const engineBox = client.secretBox(child.env.PRILAVOK_SECRETS_WARNING || null);
      expect(engineBox.warning).toBe(secretsWarnings.basicText);
      const ct = await engineBox.encrypt('X-API-KEY value');
      expect(ct[0]).toBe(0x02);
      expect(await engineBox.decrypt(ct)).toBe('X-API-KEY value');
      await expect(engineBox.decrypt(Buffer.from([7]))).rejects.toThrow(/unknown secret format/);
      const pdf = await client.pdfRenderer().pdf('<p>Накладная</p>', { widthMm: 100, heightMm: 150 });
      expect(pdf.toString()).toBe('%PDF-1.7 fake');
      expect(pages).toEqual([['<p>Накладная</p>', { widthMm: 100, heightMm: 150 }]]);
    } finally {
      clearInterval(relay);
    }
  });

  it('a shell without PDF printing answers with an error the engine turns into a Russian message; no answer times out', async () => {
    vi.useFakeTimers();
    try {
      const posted: FromEngine[] = [];
      const client = new HostClient((m) => posted.push(m), { pdfMs: 1000 });
      const failed = client.pdfRenderer().pdf('<p/>', { widthMm: 10, heightMm: 10 });
      const req = posted[0] as { id: number };
      client.handle({ type: 'hostResult', id: req.id, ok: false, message: 'no PDF printing in this shell' });
      await expect(failed).rejects.toMatchObject({ kind: 'needsAttention', message: expect.stringMatching(/PDF/) });
      const slow = client.pdfRenderer().pdf('<p/>', { widthMm: 10, heightMm: 10 });
      const check = expect(slow).rejects.toMatchObject({ kind: 'retryable' });
      await vi.advanceTimersByTimeAsync(1000);
      await check;
    } finally {
      vi.useRealTimers();
    }
  });
});
