import { describe, expect, it } from 'vitest';
import type { EngineStatus } from '../../src-shared/api.js';
import { health, type HealthFacts, type HealthState } from '../../src-shared/health.js';
import { asCheckMessage } from '../../src-shared/check-wording.js';
import { SystemChecks, systemStatus } from '../../src-main/engine/core/system-checks.js';
import { SyncError } from '../../src-main/engine/errors.js';

type Status = NonNullable<HealthFacts['status']>;
const NOW = 1_800_000_000_000;

function status(over: Partial<Status> = {}): Status {
  return {
    paused: false,
    systems: [
      { id: 'retailcrm', configured: true, lastOkAt: NOW - 5000, lastError: null },
      { id: 'measoft', configured: true, lastOkAt: NOW - 5000, lastError: null },
      { id: 'lifepos', configured: false, lastOkAt: null, lastError: null },
    ],
    queue: { queued: 0, running: 0, retrying: 0, done: 12, attention: 0, dead: 0 },
    webhooks: { listening: true, localUrl: 'http://127.0.0.1:47800', publicUrl: null, error: null },
    tunnel: { provider: 'none', state: 'off', url: null, error: null, since: 0 },
    ...over,
  };
}

const nothingSetUp = status({
  systems: (['retailcrm', 'measoft', 'lifepos'] as const).map((id) => ({ id, configured: false, lastOkAt: null, lastError: null })),
});

describe('the header and tray state, from facts', () => {
  const table: Array<[string, HealthFacts, HealthState, string]> = [
    ['engine unreachable', { engineUp: false, status: status(), now: NOW }, 'offline', 'Нет связи'],
    ['no status yet', { engineUp: true, status: null, now: NOW }, 'starting', 'Запускается'],
    ['a brand-new install: nothing set up', { engineUp: true, status: nothingSetUp, now: NOW }, 'firstRun', 'Не настроено'],
    ['nothing set up, even with a working webhook port and an empty queue', { engineUp: true, status: { ...nothingSetUp, paused: true }, now: NOW }, 'firstRun', 'Не настроено'],
    [
      'a configured system whose last check failed',
      { engineUp: true, status: status({ systems: [{ id: 'retailcrm', configured: true, lastOkAt: NOW - 60_000, lastError: 'Адрес не отвечает' }] }), now: NOW },
      'failing',
      'Есть проблема',
    ],
    ['webhook port busy', { engineUp: true, status: status({ webhooks: { listening: false, localUrl: null, publicUrl: null, error: 'Порт 47800 занят' } }), now: NOW }, 'failing', 'Есть проблема'],
    ['paused', { engineUp: true, status: status({ paused: true }), now: NOW }, 'paused', 'На паузе'],
    ['jobs waiting for the merchant', { engineUp: true, status: status({ queue: { queued: 0, running: 0, retrying: 0, done: 3, attention: 1, dead: 0 } }), now: NOW }, 'attention', 'Нужно внимание'],
    ['jobs that gave up', { engineUp: true, status: status({ queue: { queued: 0, running: 0, retrying: 0, done: 3, attention: 0, dead: 2 } }), now: NOW }, 'attention', 'Нужно внимание'],
    ['tunnel needed and down', { engineUp: true, status: status({ tunnel: { provider: 'ngrok', state: 'down', url: null, error: 'нет сети', since: NOW - 1000 } }), now: NOW }, 'attention', 'Нужно внимание'],
    ['tunnel connecting for two minutes', { engineUp: true, status: status({ tunnel: { provider: 'localtunnel', state: 'connecting', url: null, error: null, since: NOW - 120_000 } }), now: NOW }, 'attention', 'Нужно внимание'],
    ['tunnel connecting for ten seconds', { engineUp: true, status: status({ tunnel: { provider: 'localtunnel', state: 'connecting', url: null, error: null, since: NOW - 10_000 } }), now: NOW }, 'ok', 'Работает'],
    ['own address: no tunnel to be down', { engineUp: true, status: status({ tunnel: { provider: 'own', state: 'off', url: null, error: null, since: 0 } }), now: NOW }, 'ok', 'Работает'],
    [
      'set up but never synced yet',
      { engineUp: true, status: status({ systems: [{ id: 'retailcrm', configured: true, lastOkAt: null, lastError: null }] }), now: NOW },
      'waiting',
      'Подключается',
    ],
    ['everything set up, synced, nothing waiting', { engineUp: true, status: status(), now: NOW }, 'ok', 'Работает'],
  ];

  it.each(table)('%s', (_name, facts, state, title) => {
    const h = health(facts);
    expect(h.state).toBe(state);
    expect(h.title).toBe(title);
    expect(h.tone === 'ok').toBe(state === 'ok' || state === 'waiting');
    // Anything less than green says why.
    if (!['ok', 'waiting', 'offline', 'starting'].includes(state)) expect(h.reasons.length).toBeGreaterThan(0);
  });

  it('a first run leads to «Настройки»; failing says which system and why; waiting jobs lead to the queue', () => {
    expect(health({ engineUp: true, status: nothingSetUp, now: NOW })).toMatchObject({ go: 'setup', tone: 'warning' });
    const failing = health({ engineUp: true, status: status({ systems: [{ id: 'measoft', configured: true, lastOkAt: null, lastError: 'Неверный пароль' }] }), now: NOW });
    expect(failing).toMatchObject({ tone: 'error', hint: 'MeaSoft: Неверный пароль', go: 'setup' });
    const waiting = health({ engineUp: true, status: status({ queue: { queued: 0, running: 0, retrying: 0, done: 0, attention: 3, dead: 0 } }), now: NOW });
    expect(waiting).toMatchObject({ go: 'queue', hint: '3 задачи ждут решения в «Нужно внимание»' });
  });

  it('a failure outranks the pause, and the pause is still listed', () => {
    const h = health({ engineUp: true, status: status({ paused: true, systems: [{ id: 'retailcrm', configured: true, lastOkAt: 1, lastError: 'Нет прав' }] }), now: NOW });
    expect(h.state).toBe('failing');
    expect(h.reasons.map((r) => r.text)).toEqual(['RetailCRM: Нет прав', 'на паузе']);
  });

  it('an error of a system that is not set up does not count', () => {
    const h = health({ engineUp: true, status: status({ systems: [...status().systems, { id: 'lifepos', configured: false, lastOkAt: null, lastError: 'старое' }] }), now: NOW });
    expect(h.state).toBe('ok');
  });
});

describe('one answer per system: the last real check or sync', () => {
  const poller = (over: Partial<EngineStatus['pollers'][number]>): EngineStatus['pollers'][number] => ({
    id: 'retailcrm.history', title: 'История', system: 'retailcrm', intervalMs: 60_000, running: false, active: true,
    lastRunAt: NOW - 30_000, lastOkAt: NOW - 30_000, lastError: null, nextRunAt: NOW + 30_000, progress: null, ...over,
  });

  it('a check after the last poll wins: a wrong address saved now is red at once', () => {
    const s = systemStatus('retailcrm', true, [poller({})], { at: NOW, ok: false, message: 'Адрес не отвечает', lasting: false });
    expect(s).toMatchObject({ lastError: 'Адрес не отвечает', lastOkAt: NOW - 30_000 });
  });

  it('a poll after a network failure of the check wins', () => {
    const s = systemStatus('retailcrm', true, [poller({ lastRunAt: NOW, lastOkAt: NOW })], { at: NOW - 10_000, ok: false, message: 'Таймаут', lasting: false });
    expect(s).toMatchObject({ lastError: null, lastOkAt: NOW });
  });

  it('a key missing rights stays red even while polls succeed (a poll does not use every right)', () => {
    const s = systemStatus('retailcrm', true, [poller({ lastRunAt: NOW, lastOkAt: NOW })], { at: NOW - 10_000, ok: false, message: 'Не хватает прав: order_write', lasting: true });
    expect(s).toMatchObject({ lastError: 'Не хватает прав: order_write' });
  });

  it('a passing check clears an old poll error; a later failing poll brings an error back', () => {
    const old = poller({ lastRunAt: NOW - 60_000, lastOkAt: NOW - 120_000, lastError: 'Неверный ключ' });
    expect(systemStatus('retailcrm', true, [old], { at: NOW, ok: true, message: 'ok', lasting: false })).toMatchObject({ lastError: null, lastOkAt: NOW });
    const later = poller({ lastRunAt: NOW + 1000, lastOkAt: NOW - 120_000, lastError: 'Сервер недоступен' });
    expect(systemStatus('retailcrm', true, [later], { at: NOW, ok: true, message: 'ok', lasting: false })).toMatchObject({ lastError: 'Сервер недоступен' });
  });

  it('a system not set up shows nothing from inactive pollers', () => {
    expect(systemStatus('retailcrm', false, [poller({ active: false })], null)).toEqual({ id: 'retailcrm', configured: false, lastOkAt: null, lastError: null });
    expect(systemStatus('retailcrm', true, [poller({ active: false, lastOkAt: NOW })], null)).toMatchObject({ lastOkAt: null });
  });
});

describe('a connection check is worded as a check', () => {
  it('no automatic retry promised and no «Повторить» button pointed to', () => {
    expect(asCheckMessage('RetailCRM недоступен: соединение не установлено. Повторим автоматически.')).toBe(
      'RetailCRM недоступен: соединение не установлено. Проверьте адрес в настройках и попробуйте ещё раз.',
    );
    expect(asCheckMessage('Проверьте логин, пароль или ключ в «Настройках», затем нажмите «Повторить».')).toBe(
      'Проверьте логин, пароль или ключ в «Настройках», затем снова проверьте подключение.',
    );
    expect(asCheckMessage('MeaSoft отклонил данные (HTTP 400). Исправьте их и нажмите «Повторить».')).not.toMatch(/Повтор/);
  });
});

describe('a save re-checks the system at once', () => {
  it('several saves in a row make one check; its result is kept, worded as a check; an unconfigured system has none', async () => {
    let calls = 0;
    let changed = 0;
    let configured = true;
    let answer: () => Promise<{ ok: boolean; message: string }> = async () => ({ ok: true, message: 'ok' });
    const checks = new SystemChecks({
      test: (s) => (s === 'retailcrm' ? () => (calls++, answer()) : undefined),
      configured: () => configured,
      redact: (t) => t.replace('secret-key', '[скрыто]'),
      redactDetail: (t) => t,
      changed: () => changed++,
      settleMs: 10,
    });
    checks.saved('retailcrm');
    checks.saved('retailcrm.apiKey');
    checks.saved('general');
    await new Promise((r) => setTimeout(r, 60));
    expect(calls).toBe(1);
    expect(checks.latest('retailcrm')).toMatchObject({ ok: true });
    expect(changed).toBeGreaterThan(0);

    answer = async () => {
      throw new SyncError({ kind: 'retryable', system: 'retailcrm', message: 'RetailCRM недоступен: соединение не установлено. Повторим автоматически.' });
    };
    await checks.check('retailcrm');
    expect(checks.latest('retailcrm')).toMatchObject({ ok: false, lasting: false, message: 'RetailCRM недоступен: соединение не установлено. Проверьте адрес в настройках и попробуйте ещё раз.' });

    answer = async () => ({ ok: false, message: 'Ключ secret-key без прав' });
    const r = await checks.testNow('retailcrm');
    expect(r).toEqual({ ok: false, message: 'Ключ [скрыто] без прав', detail: null });
    expect(checks.latest('retailcrm')).toMatchObject({ ok: false, lasting: true });

    configured = false;
    await checks.check('retailcrm');
    expect(checks.latest('retailcrm')).toBeNull();
    checks.close();
  });
});
