/**
 * The 12 partner statuses → the merchant's RetailCRM statuses, proposed from RetailCRM's status groups: the
 * standard status where the account has it, otherwise the first active status of the matching group. Rows the
 * merchant already filled are kept; statuses with no clear counterpart (Перезвонить, Холд, Удалён) stay empty.
 */
export interface CrmStatusRef {
  code: string;
  group: string | null;
  active: boolean;
}

const PLAN: Record<string, { codes: string[]; group: string | null }> = {
  '1': { codes: ['new'], group: 'new' },
  '2': { codes: ['new'], group: 'new' },
  '5': { codes: ['cancel-other'], group: 'cancel' },
  '6': { codes: ['send-to-assembling', 'assembling'], group: 'assembling' },
  '7': { codes: ['send-to-delivery'], group: 'delivery' },
  '8': { codes: ['delivering'], group: 'delivery' },
  '9': { codes: ['ready-for-self-pickup'], group: null },
  '10': { codes: ['complete'], group: 'complete' },
  '11': { codes: ['refund', 'return'], group: null },
};

export function proposeStatusMap(
  statuses: readonly CrmStatusRef[],
  current: Readonly<Record<string, string>>,
  approve: string | null,
): { statusMap: Record<string, string>; approveStatus: string | null } {
  const active = statuses.filter((s) => s.active);
  const pick = (codes: string[], group: string | null) =>
    codes.map((c) => active.find((s) => s.code === c)).find(Boolean)?.code ?? (group ? active.find((s) => s.group === group)?.code : undefined);
  const statusMap: Record<string, string> = { ...current };
  for (const [lead, plan] of Object.entries(PLAN)) {
    if (statusMap[lead]) continue;
    const code = pick(plan.codes, plan.group);
    if (code) statusMap[lead] = code;
  }
  return { statusMap, approveStatus: approve ?? pick(['client-confirmed'], 'approval') ?? null };
}
