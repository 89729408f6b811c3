import type { z } from 'zod';
import type { statuscheckPartnerSchema } from '../../../../src-shared/settings.js';
import { addDays, dayIn, type DayRange, type IdBatch } from './macros.js';
import type { PartnerRow } from './mapping.js';
import {
  ACCEPTED_LEAD_STATUSES,
  LEAD_STATUSES,
  PROCESSING_LEAD_STATUSES,
  REFUSAL_REASONS,
  TERMINAL_LEAD_STATUSES,
  leadStateTitle,
  recognizeReason,
  recognizeStatus,
  type LeadState,
  type LeadStatus,
} from './statuses.js';

/**
 * The status-check rules, pure: which orders a partner holds, which of them each mode asks about and in what
 * batches or date ranges, and what a partner's rows mean for each order — only orders asked about in that very
 * request can be touched (the seed's `$e2i`), and an edit is planned only where the mapped state differs from
 * what RetailCRM has.
 */

export type Partner = z.output<typeof statuscheckPartnerSchema>;
export type Mode = 'processing' | 'accepted' | 'range';
export const MODES: readonly Mode[] = ['processing', 'accepted', 'range'];
export const MODE_TITLES: Record<Mode, string> = {
  processing: 'заказы в обработке',
  accepted: 'принятые заказы',
  range: 'по диапазону дат',
};

/** What the rules need to know of a RetailCRM order. */
export interface OrderFacts {
  id: number;
  number: string;
  site: string;
  orderMethod: string | null;
  deliveryCode: string | null;
  externalId: string | null;
  customFields: Record<string, unknown>;
  status: string;
  /** RetailCRM's "Y-m-d H:i:s" in the account's zone. */
  createdAt: string | null;
  track: string | null;
}

/** An order the partner holds, as remembered between checks. */
export interface TrackedOrder {
  crmId: number;
  number: string;
  partnerId: string;
  status: string;
  /** UTC milliseconds. */
  createdAt: number | null;
  track: string | null;
  reasonValue: string | null;
  lastCheckedAt: number | null;
}

export function holdsOrder(p: Partner, o: OrderFacts): boolean {
  const h = p.holds;
  if (h.sites.length && !h.sites.includes(o.site)) return false;
  if (h.orderMethods.length && (!o.orderMethod || !h.orderMethods.includes(o.orderMethod))) return false;
  if (h.deliveryTypes.length && (!o.deliveryCode || !h.deliveryTypes.includes(o.deliveryCode))) return false;
  if (h.customField && fieldText(o.customFields[h.customField.code]) !== h.customField.value) return false;
  return true;
}

/** The partner's id of an order: null when the order has none yet (it cannot be asked about). */
export function partnerIdOf(p: Partner, o: OrderFacts): string | null {
  switch (p.partnerId.source) {
    case 'id':
      return String(o.id);
    case 'number':
      return o.number || null;
    case 'externalId':
      return o.externalId || null;
    case 'customField':
      return p.partnerId.field ? fieldText(o.customFields[p.partnerId.field]) : null;
  }
}

function fieldText(v: unknown): string | null {
  if (typeof v === 'string') return v.trim() || null;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

function mapped(p: Partner, statuses: readonly LeadStatus[]): Set<string> {
  return new Set(statuses.map((s) => p.statusMap[String(s)]).filter((c): c is string => !!c));
}

/** RetailCRM statuses in which an order leaves the checks: cancelled, paid, returned, deleted, and the merchant's. */
export function terminalStatuses(p: Partner): Set<string> {
  return new Set([...mapped(p, TERMINAL_LEAD_STATUSES), ...p.terminalStatuses]);
}

/** The RetailCRM statuses a mode asks about; null: every non-terminal one (the date range). */
export function modeStatuses(p: Partner, mode: Mode): Set<string> | null {
  if (mode === 'processing') return mapped(p, PROCESSING_LEAD_STATUSES);
  if (mode === 'accepted') {
    const s = mapped(p, ACCEPTED_LEAD_STATUSES);
    if (p.approveStatus) s.add(p.approveStatus);
    return s;
  }
  return null;
}

export function askedInMode(p: Partner, mode: Mode, orders: readonly TrackedOrder[]): TrackedOrder[] {
  const terminal = terminalStatuses(p);
  const statuses = modeStatuses(p, mode);
  return orders.filter((o) => !terminal.has(o.status) && (statuses === null || statuses.has(o.status)));
}

/** One request's worth of orders. */
export interface Ask {
  mode: Mode;
  orders: TrackedOrder[];
  batch: IdBatch | null;
  range: DayRange | null;
}

/** Id modes: the longest-unchecked orders first, `batchSize` per request; every asked order in exactly one batch. */
export function planBatches(mode: Mode, orders: readonly TrackedOrder[], batchSize: number): Ask[] {
  const sorted = [...orders].sort((a, b) => (a.lastCheckedAt ?? 0) - (b.lastCheckedAt ?? 0) || a.crmId - b.crmId);
  const asks: Ask[] = [];
  for (let i = 0; i < sorted.length; i += batchSize) {
    const chunk = sorted.slice(i, i + batchSize);
    asks.push({ mode, orders: chunk, batch: { ids: chunk.map((o) => o.crmId), ext: chunk.map((o) => o.partnerId) }, range: null });
  }
  return asks;
}

/**
 * Date mode: only days that hold orders (in the partner's zone, within the look-back), grouped into ranges of at
 * most `maxDays` days; a gap inside a range costs nothing, a day without orders at either end is never asked.
 */
export function planRanges(orders: readonly TrackedOrder[], opts: { timeZone: string; maxDays: number; lookbackDays: number; now: number }): Ask[] {
  const today = dayIn(opts.now, opts.timeZone);
  const earliest = addDays(today, -opts.lookbackDays);
  const byDay = new Map<string, TrackedOrder[]>();
  for (const o of orders) {
    if (o.createdAt === null) continue;
    const day = dayIn(o.createdAt, opts.timeZone);
    if (day < earliest) continue;
    const list = byDay.get(day) ?? [];
    list.push(o);
    byDay.set(day, list);
  }
  const days = [...byDay.keys()].sort();
  const asks: Ask[] = [];
  let cur: { from: string; to: string; orders: TrackedOrder[] } | null = null;
  for (const day of days) {
    if (cur && day <= addDays(cur.from, opts.maxDays - 1)) {
      cur.to = day;
      cur.orders.push(...byDay.get(day)!);
      continue;
    }
    if (cur) asks.push({ mode: 'range', orders: cur.orders, batch: null, range: { from: cur.from, to: cur.to } });
    cur = { from: day, to: day, orders: [...byDay.get(day)!] };
  }
  if (cur) asks.push({ mode: 'range', orders: cur.orders, batch: null, range: { from: cur.from, to: cur.to } });
  return asks;
}

/** What RetailCRM gets for one order. */
export interface CrmPatch {
  status?: string;
  statusComment?: string;
  customFields?: Record<string, string>;
  delivery?: { data: { trackNumber: string } };
}

export interface Verdict {
  crmId: number;
  number: string;
  partnerId: string;
  row: PartnerRow;
  /** The recognised state, null when the partner's status was not understood. */
  state: LeadState | null;
  reason: number | null;
  /** What is done, in the merchant's words (for the timeline and the preview). */
  decision: string;
  /** The edit, when the mapped state differs from RetailCRM's; null: nothing to change. */
  patch: CrmPatch | null;
  from: string;
  to: string | null;
}

export interface Decisions {
  verdicts: Verdict[];
  /** Rows for orders not asked about in this request: ignored. */
  notAsked: string[];
  /** Asked orders the partner said nothing about. */
  silent: number;
}

/**
 * The seed's processing code, declaratively: for each row find the order through the ids of this request only
 * (`$e2i`), recognise its status, map it to the merchant's RetailCRM status and plan an edit only when something
 * differs. An approved order is never sent back to processing by a stale answer.
 */
export function decide(p: Partner, ask: Ask, rows: readonly PartnerRow[]): Decisions {
  const e2i = new Map(ask.orders.map((o) => [o.partnerId, o]));
  const last = new Map<string, PartnerRow>();
  const notAsked: string[] = [];
  for (const r of rows) {
    if (e2i.has(r.id)) last.set(r.id, r);
    else notAsked.push(r.id);
  }
  const reverse = reverseStatusMap(p);
  const verdicts: Verdict[] = [];
  for (const [pid, row] of last) verdicts.push(decideOne(p, e2i.get(pid)!, row, reverse));
  return { verdicts, notAsked, silent: ask.orders.length - last.size };
}

function reverseStatusMap(p: Partner): Map<string, LeadStatus> {
  const m = new Map<string, LeadStatus>();
  for (const [k, code] of Object.entries(p.statusMap)) if (!m.has(code)) m.set(code, Number(k) as LeadStatus);
  if (p.approveStatus && !m.has(p.approveStatus)) m.set(p.approveStatus, 6);
  return m;
}

function decideOne(p: Partner, o: TrackedOrder, row: PartnerRow, reverse: Map<string, LeadStatus>): Verdict {
  const base = { crmId: o.crmId, number: o.number, partnerId: o.partnerId, row, from: o.status };
  const raw = row.status[0] ?? null;
  let state: LeadState | null = null;
  for (const candidate of row.status) {
    state = recognizeStatus(candidate, p.statusWords);
    if (state !== null) break;
  }
  const holdDays = typeof row.hold === 'number' ? row.hold : null;
  if (row.hold === true || (holdDays !== null && holdDays > 0)) state = 4;
  const reason = row.reason !== null ? recognizeReason(row.reason, p.reasonWords) : null;
  if (state === null) {
    return {
      ...base,
      state,
      reason,
      patch: null,
      to: null,
      decision: raw ? `статус партнёра «${raw}» не распознан — заказ не меняется; добавьте это слово в таблицу статусов` : 'партнёр не указал статус — заказ не меняется',
    };
  }
  const target = state === 'accept' ? (p.approveStatus ?? p.statusMap['6'] ?? null) : (p.statusMap[String(state)] ?? null);
  if (!target) {
    return {
      ...base,
      state,
      reason,
      patch: null,
      to: null,
      decision:
        state === 'accept'
          ? 'партнёр подтвердил заказ, но статус подтверждения в RetailCRM не выбран — заказ не меняется'
          : `статусу «${leadStateTitle(state)}» не сопоставлен статус RetailCRM — заказ не меняется`,
    };
  }
  const current = reverse.get(o.status) ?? null;
  const lead: LeadStatus = state === 'accept' ? 6 : state;
  const alreadyApproved = current !== null && current >= 6 && current <= 10;
  if (alreadyApproved && (lead <= 4 || state === 'accept')) {
    return { ...base, state, reason, patch: null, to: null, decision: `заказ уже подтверждён («${o.status}»), ответ «${leadStateTitle(state)}» его не возвращает назад` };
  }
  const patch: CrmPatch = {};
  const changes: string[] = [];
  if (target !== o.status) {
    patch.status = target;
    changes.push(`статус ${o.status} → ${target}`);
  }
  const reasonTitle = lead === 5 && reason !== null ? REFUSAL_REASONS[reason]! : null;
  if (reasonTitle && p.reasonTo.kind === 'field' && p.reasonTo.field && reasonTitle !== o.reasonValue) {
    patch.customFields = { [p.reasonTo.field]: reasonTitle };
    changes.push(`причина отказа «${reasonTitle}»`);
  }
  if (p.writeTrack && row.track && row.track !== o.track) {
    patch.delivery = { data: { trackNumber: row.track } };
    changes.push(`трек ${row.track}`);
  }
  if (changes.length === 0) {
    return { ...base, state, reason, patch: null, to: target, decision: `без изменений: в RetailCRM уже «${target}»` };
  }
  const comment = [
    p.keepRawInComment && raw ? `${p.name}: ${raw}` : null,
    reasonTitle && p.reasonTo.kind === 'comment' ? `причина отказа: ${reasonTitle}` : null,
    holdDays ? `холд ${holdDays} дн.` : null,
    p.keepRawInComment ? row.comment : null,
  ].filter(Boolean);
  if (patch.status && comment.length) patch.statusComment = comment.join('; ');
  return { ...base, state, reason, patch, to: target, decision: `изменить: ${changes.join(', ')}` };
}

export function leadTitle(state: LeadState | null): string {
  return state === null ? 'не распознан' : state === 'accept' ? 'Подтверждён' : LEAD_STATUSES[state];
}
