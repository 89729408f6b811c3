import Database from 'better-sqlite3';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/**
 * The floor for the webhook path: the least a server can do for the same guarantee — plain `node:http`, read
 * the body, a durable insert into a table like the inbox (WAL, `synchronous=FULL`, unique on the sender's
 * id), then 200. No routing, secret check, validation, events or processing.
 */
export async function startFloorServer(dir: string): Promise<{ url: string; rows: () => number; close: () => Promise<void> }> {
  const db = new Database(path.join(dir, 'floor.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE IF NOT EXISTS inbox (id INTEGER PRIMARY KEY, source TEXT NOT NULL, external_id TEXT NOT NULL,
    kind TEXT NOT NULL, payload TEXT NOT NULL, received_at INTEGER NOT NULL, UNIQUE (source, external_id)) STRICT`);
  const insert = db.prepare(`INSERT INTO inbox (source, external_id, kind, payload, received_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (source, external_id) DO NOTHING`);
  // The same commit strategy as the inbox: what arrived in one tick is one transaction (one disk sync).
  // Committing each request alone is slower under concurrency (senders queue behind each other's syncs), so
  // it would not be a floor.
  let pending: Array<{ id: string; text: string; res: http.ServerResponse }> = [];
  const commit = db.transaction((batch: typeof pending) => {
    const now = Date.now();
    for (const p of batch) insert.run('bench', p.id, 'event', p.text, now);
  });
  const flush = () => {
    const batch = pending;
    pending = [];
    commit(batch);
    for (const p of batch) {
      p.res.writeHead(200, { 'content-type': 'application/json' });
      p.res.end('{"ok":true}');
    }
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(text) as { id: string };
      pending.push({ id: body.id, text, res });
      if (pending.length === 1) setImmediate(flush);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/bench/x`,
    rows: () => (db.prepare('SELECT count(*) AS n FROM inbox').get() as { n: number }).n,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      db.close();
    },
  };
}
