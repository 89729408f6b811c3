import { describe, expect, it } from 'vitest';
import { proposeStatusMap } from '../../src-renderer/screens/setup/partnerStatusProposal.js';
import * as seed from '../emulators/retailcrm/seed.js';

const standard = seed.statuses.map((s) => ({ code: s.code, group: s.group, active: s.active }));

describe('статусы RetailCRM, предложенные для 12 статусов партнёра', () => {
  it('стандартный аккаунт: стандартные статусы, «Перезвонить», «Холд» и «Удалён» пустые', () => {
    expect(proposeStatusMap(standard, {}, null)).toEqual({
      statusMap: { '1': 'new', '2': 'new', '5': 'cancel-other', '6': 'send-to-assembling', '7': 'send-to-delivery', '8': 'delivering', '9': 'ready-for-self-pickup', '10': 'complete', '11': 'refund' },
      approveStatus: 'client-confirmed',
    });
  });
  it('свои статусы мерчанта: первый активный статус группы; заполненное мерчантом не трогается', () => {
    const own = [
      { code: 'novyi', group: 'new', active: true },
      { code: 'soglasovan', group: 'approval', active: true },
      { code: 'otmena-staraya', group: 'cancel', active: false },
      { code: 'otmena', group: 'cancel', active: true },
      { code: 'v-dostavke', group: 'delivery', active: true },
    ];
    expect(proposeStatusMap(own, { '2': 'moi-status' }, null)).toEqual({
      statusMap: { '1': 'novyi', '2': 'moi-status', '5': 'otmena', '7': 'v-dostavke', '8': 'v-dostavke' },
      approveStatus: 'soglasovan',
    });
    expect(proposeStatusMap(own, {}, 'uzhe-vybran').approveStatus).toBe('uzhe-vybran');
  });
});
