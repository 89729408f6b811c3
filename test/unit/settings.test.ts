import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { retailcrmSettingsSchema, secretKeys, suggestCrmUrl } from '../../src-shared/settings.js';
import { openDatabase, type Db } from '../../src-main/engine/db/open.js';
import { SyncError } from '../../src-main/engine/errors.js';
import { Redactor } from '../../src-main/engine/redact.js';
import { FileKeySecretBox } from '../../src-main/engine/settings/secret-box.js';
import { SecretStore, SettingsStore } from '../../src-main/engine/settings/store.js';
import { makeTempDir, removeDir } from './support.js';

let dir: string;
let db: Db;

beforeEach(() => {
  dir = makeTempDir();
  db = openDatabase(path.join(dir, 'prilavok.db'));
});
afterEach(() => {
  db.close();
  removeDir(dir);
});

const keyFile = () => path.join(dir, 'secret.key');

describe('FileKeySecretBox (headless mode)', () => {
  it('what is encrypted decrypts back, Cyrillic and all', async () => {
    const box = new FileKeySecretBox(keyFile());
    for (const plain of ['Xk29fLq0vRT', 'пароль-Магазина №1 🙂', 'x']) {
      const ct = await box.encrypt(plain);
      // A one-byte secret can occur in random ciphertext by chance; longer ones must not show through.
      if (plain.length > 3) expect(ct.includes(Buffer.from(plain, 'utf8'))).toBe(false);
      expect(await box.decrypt(ct)).toBe(plain);
    }
  });

  it('the same password encrypts differently each time (random IV)', async () => {
    const box = new FileKeySecretBox(keyFile());
    const a = await box.encrypt('hunter22');
    const b = await box.encrypt('hunter22');
    expect(a.equals(b)).toBe(false);
  });

  it('creates its key file readable by the current user only', () => {
    new FileKeySecretBox(path.join(dir, 'nested', 'secret.key'));
    const file = path.join(dir, 'nested', 'secret.key');
    expect(Buffer.from(fs.readFileSync(file, 'utf8'), 'base64')).toHaveLength(32);
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('tightens a key file that someone made readable by others', () => {
    new FileKeySecretBox(keyFile());
    fs.chmodSync(keyFile(), 0o644);
    new FileKeySecretBox(keyFile());
    if (process.platform !== 'win32') expect(fs.statSync(keyFile()).mode & 0o777).toBe(0o600);
    else expect(fs.existsSync(keyFile())).toBe(true);
  });

  it('a second start with the same key file decrypts what the first one stored', async () => {
    const ct = await new FileKeySecretBox(keyFile()).encrypt('Xk29fLq0vRT');
    expect(await new FileKeySecretBox(keyFile()).decrypt(ct)).toBe('Xk29fLq0vRT');
  });

  it('a box with another key cannot read it', async () => {
    const ct = await new FileKeySecretBox(keyFile()).encrypt('Xk29fLq0vRT');
    const other = new FileKeySecretBox(path.join(dir, 'other.key'));
    await expect(other.decrypt(ct)).rejects.toThrow();
  });

  it('tampering with the ciphertext, the tag or the IV makes decryption fail instead of returning garbage', async () => {
    const box = new FileKeySecretBox(keyFile());
    const ct = await box.encrypt('Xk29fLq0vRT');
    for (const at of [5, 20, ct.length - 1]) {
      const bad = Buffer.from(ct);
      bad[at] = bad[at]! ^ 0x01;
      await expect(box.decrypt(bad)).rejects.toThrow();
    }
    const wrongVersion = Buffer.from(ct);
    wrongVersion[0] = 9;
    await expect(box.decrypt(wrongVersion)).rejects.toThrow(/unknown secret format/);
    await expect(box.decrypt(ct.subarray(0, 20))).rejects.toThrow(/unknown secret format/);
  });

  it('a damaged key file is refused rather than silently replaced', () => {
    fs.writeFileSync(keyFile(), 'not a key', { mode: 0o600 });
    expect(() => new FileKeySecretBox(keyFile())).toThrow(/damaged/);
    expect(fs.readFileSync(keyFile(), 'utf8')).toBe('not a key');
  });
});

describe('SecretStore', () => {
  it('stores only ciphertext; after a restart the values are decrypted and known to the redactor', async () => {
    const first = new SecretStore(db, new FileKeySecretBox(keyFile()), new Redactor());
    await first.set('retailcrm.apiKey', 'Xk29fLq0vRT');
    await first.set('measoft.password', 'пароль-123');
    const blobs = db.prepare('SELECT ciphertext FROM secrets').all() as Array<{ ciphertext: Buffer }>;
    expect(blobs).toHaveLength(2);
    for (const b of blobs) {
      expect(b.ciphertext.includes(Buffer.from('Xk29fLq0vRT'))).toBe(false);
      expect(b.ciphertext.includes(Buffer.from('пароль-123'))).toBe(false);
    }

    const redactor = new Redactor();
    const second = new SecretStore(db, new FileKeySecretBox(keyFile()), redactor);
    expect(second.get('retailcrm.apiKey')).toBeNull();
    await second.load();
    expect(second.get('retailcrm.apiKey')).toBe('Xk29fLq0vRT');
    expect(second.get('measoft.password')).toBe('пароль-123');
    expect(redactor.redact('key Xk29fLq0vRT, pwd пароль-123')).toBe('key ***, pwd ***');
  });

  it('a saved secret is masked at once, before any restart', async () => {
    const redactor = new Redactor();
    const store = new SecretStore(db, new FileKeySecretBox(keyFile()), redactor);
    await store.set('lifepos.password', 'hunter22-pos');
    expect(redactor.redact('login failed: hunter22-pos')).toBe('login failed: ***');
  });

  it('view() tells the window whether each secret is set and when, never the value', async () => {
    const store = new SecretStore(db, new FileKeySecretBox(keyFile()), new Redactor());
    const before = Date.now();
    await store.set('retailcrm.apiKey', 'Xk29fLq0vRT');
    const view = store.view();
    expect(Object.keys(view).sort()).toEqual([...secretKeys].sort());
    expect(view['retailcrm.apiKey'].set).toBe(true);
    expect(view['retailcrm.apiKey'].updatedAt).toBeGreaterThanOrEqual(before);
    expect(view['measoft.password']).toEqual({ set: false, updatedAt: null });
    for (const v of Object.values(view)) expect(Object.keys(v).sort()).toEqual(['set', 'updatedAt']);
    expect(JSON.stringify(view)).not.toContain('Xk29fLq0vRT');
  });

  it('a cleared secret is gone from the store and the view', async () => {
    const store = new SecretStore(db, new FileKeySecretBox(keyFile()), new Redactor());
    await store.set('kassa.password', 'kassa-pass-1');
    store.delete('kassa.password');
    expect(store.get('kassa.password')).toBeNull();
    expect(store.view()['kassa.password'].set).toBe(false);
    const again = new SecretStore(db, new FileKeySecretBox(keyFile()), new Redactor());
    await again.load();
    expect(again.get('kassa.password')).toBeNull();
  });

  it('secrets that cannot be decrypted (key file replaced) stop the start with a Russian explanation', async () => {
    await new SecretStore(db, new FileKeySecretBox(keyFile()), new Redactor()).set('retailcrm.apiKey', 'Xk29fLq0vRT');
    const replaced = new SecretStore(db, new FileKeySecretBox(path.join(dir, 'new.key')), new Redactor());
    const err = await replaced.load().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SyncError);
    expect((err as SyncError).kind).toBe('fatal');
    expect((err as SyncError).message).toMatch(/Не удалось расшифровать/);
    expect((err as SyncError).detail).toContain('retailcrm.apiKey');
    expect((err as SyncError).detail).not.toContain('Xk29fLq0vRT');
  });
});

describe('SettingsStore', () => {
  it('a new shop starts with the defaults', () => {
    expect(new SettingsStore(db).get('general')).toEqual({ webhookPort: 47800, keepHistoryDays: 30 });
  });

  it('update merges over the current values, validates, saves, and survives a restart', () => {
    const store = new SettingsStore(db);
    expect(store.update('general', { keepHistoryDays: 7 })).toEqual({ webhookPort: 47800, keepHistoryDays: 7 });
    store.update('general', { webhookPort: 47900 });
    expect(new SettingsStore(db).get('general')).toEqual({ webhookPort: 47900, keepHistoryDays: 7 });
    expect(new SettingsStore(db).all().general).toEqual(store.get('general'));
  });

  it('an invalid value is refused with a needsAttention error naming the field, and nothing is saved', () => {
    const store = new SettingsStore(db);
    store.update('general', { keepHistoryDays: 14 });
    let caught: unknown = null;
    try {
      store.update('general', { webhookPort: 80, keepHistoryDays: 60 });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SyncError);
    const err = caught as SyncError;
    expect(err.kind).toBe('needsAttention');
    expect(err.message).toMatch(/^Настройки не сохранены: поле «webhookPort» — /);
    expect(err.detail).toContain('webhookPort');
    expect(store.get('general').keepHistoryDays).toBe(14);
    expect(new SettingsStore(db).get('general')).toEqual({ webhookPort: 47800, keepHistoryDays: 14 });
  });

  it('every invalid field is named', () => {
    const store = new SettingsStore(db);
    expect(() => store.update('general', { webhookPort: 'восемьдесят', keepHistoryDays: 0 })).toThrow(
      /поле «webhookPort».*; поле «keepHistoryDays»/,
    );
    expect(() => store.update('tunnel', { provider: 'own', ownUrl: 'ftp://shop' })).toThrow(/поле «ownUrl»/);
  });

  it('the own public address is required when it is the chosen way in', () => {
    const store = new SettingsStore(db);
    expect(() => store.update('tunnel', { provider: 'own' })).toThrow(/поле «ownUrl» — укажите адрес, по которому Прилавок доступен из интернета/);
    expect(store.get('tunnel').provider).toBe('none');
    expect(store.update('tunnel', { provider: 'own', ownUrl: 'https://shop.example.ru/prilavok' })).toMatchObject({ provider: 'own', ownUrl: 'https://shop.example.ru/prilavok' });
  });

  it('a stored section that no longer validates falls back to the defaults instead of stopping the engine', () => {
    db.prepare(`INSERT INTO settings (section, value, updated_at) VALUES ('general', ?, 0)`).run(JSON.stringify({ webhookPort: 5 }));
    expect(new SettingsStore(db).get('general')).toEqual({ webhookPort: 47800, keepHistoryDays: 30 });
  });

  it('a stored section that is not even JSON (edited by hand) also falls back to the defaults', () => {
    db.prepare(`INSERT INTO settings (section, value, updated_at) VALUES ('general', ?, 0)`).run('{ webhookPort: 47801,');
    const store = new SettingsStore(db);
    expect(store.get('general')).toEqual({ webhookPort: 47800, keepHistoryDays: 30 });
    // The next save writes a valid section.
    store.update('general', { keepHistoryDays: 3 });
    expect(new SettingsStore(db).get('general').keepHistoryDays).toBe(3);
  });
});

describe('a RetailCRM address typed as a shop name', () => {
  it('says what the address looks like and offers the one the merchant most likely meant', () => {
    const issue = (url: string) => retailcrmSettingsSchema.safeParse({ url }).error?.issues[0]?.message ?? null;
    expect(issue('moy-magazin')).toContain('Это не адрес RetailCRM. Он выглядит так: https://moy-magazin.retailcrm.ru');
    expect(issue('moy-magazin.retailcrm.ru')).toContain('https://moy-magazin.retailcrm.ru');
    expect(issue('https://moy-magazin.retailcrm.ru')).toBeNull();
    expect(suggestCrmUrl('Shop-2')).toBe('https://shop-2.retailcrm.ru');
    expect(suggestCrmUrl('??')).toBe('https://moy-magazin.retailcrm.ru');
  });
});
