/*
 * One RetailCRM account as the emulator holds it: the data (orders, customers, tasks, the history log with its
 * global id), the API keys with their scopes and sites, the per-key rate-limit bucket, triggers and the faults
 * a test injects. Nothing here knows HTTP or wire shapes.
 */
import type { EmulatorKey, EmulatorRequest, EmulatorTrigger, Json, Order, RetailCrmEmulatorOptions, StoredHistory, TriggerLogEntry } from './types.js';

export const allScopes = [
  'order_read', 'order_write', 'customer_read', 'customer_write', 'reference_read', 'reference_write',
  'user_read', 'user_write', 'task_read', 'task_write', 'integration_read', 'integration_write',
];

/** Which scope each method needs. */
export function scopeFor(method: string, path: string): string | null {
  if (path === '/api/credentials' || path === '/api/api-versions' || path === '/api/system-info') return null;
  if (path.startsWith('/api/v5/reference/')) return method === 'GET' ? 'reference_read' : 'reference_write';
  if (path.startsWith('/api/v5/orders')) return method === 'GET' ? 'order_read' : 'order_write';
  if (path.startsWith('/api/v5/customers')) return method === 'GET' ? 'customer_read' : 'customer_write';
  if (path.startsWith('/api/v5/users') || path.startsWith('/api/v5/user-groups')) return method === 'GET' ? 'user_read' : 'user_write';
  if (path.startsWith('/api/v5/tasks')) return method === 'GET' ? 'task_read' : 'task_write';
  return null;
}

export interface Account {
  sites: string[];
  keys: Map<string, EmulatorKey>;
  /** Live switches. */
  config: { rateLimit: number; limitStatus: 503 | 429 };
  orders: Map<number, Order>;
  history: StoredHistory[];
  tasks: Json[];
  customers: Json[];
  corporate: Json[];
  /** The next id of each kind; customer ids are shared by individual and corporate customers. */
  ids: { order: number; history: number; payment: number; item: number; task: number; customer: number };
  triggers: EmulatorTrigger[];
  triggerLog: TriggerLogEntry[];
  pendingTriggers: Set<Promise<void>>;
  requests: EmulatorRequest[];
  faults: { latencyMs: number; fail: number[]; drop: number; malformed: number };
  buckets: Map<string, { tokens: number; at: number }>;
}

export function createAccount(opts: RetailCrmEmulatorOptions): Account {
  return {
    sites: opts.sites ?? ['shop'],
    keys: new Map<string, EmulatorKey>((opts.keys ?? [{ key: 'test-key', scopes: allScopes }]).map((k) => [k.key, k])),
    config: { rateLimit: opts.rateLimit ?? 10, limitStatus: opts.limitStatus ?? (503 as 503 | 429) },
    orders: new Map<number, Order>(),
    history: [],
    tasks: [],
    customers: [],
    corporate: [],
    ids: { order: 1, history: 1, payment: 1, item: 1, task: 1, customer: 1 },
    triggers: [],
    triggerLog: [],
    pendingTriggers: new Set<Promise<void>>(),
    requests: [],
    faults: { latencyMs: 0, fail: [], drop: 0, malformed: 0 },
    buckets: new Map<string, { tokens: number; at: number }>(),
  };
}

/** Token bucket per key: `config.rateLimit` requests a second, refilled continuously. */
export function rateLimited(acc: Account, key: string): boolean {
  if (acc.config.rateLimit <= 0) return false;
  const t = performance.now();
  const b = acc.buckets.get(key) ?? { tokens: acc.config.rateLimit, at: t };
  b.tokens = Math.min(acc.config.rateLimit, b.tokens + ((t - b.at) / 1000) * acc.config.rateLimit);
  b.at = t;
  acc.buckets.set(key, b);
  if (b.tokens < 1) return true;
  b.tokens -= 1;
  return false;
}
