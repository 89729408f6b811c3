import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { legalEntitySchema, siteSchema, storeSchema } from '../../src-main/engine/connectors/retailcrm/index.js';
import type { LpLegalEntity, LpOutlet } from '../../src-main/engine/connectors/lifepos/index.js';
import { outletForOrder, proposeOutlet, siteOutlets, storeOutlets, type OutletRefs } from '../../src-main/engine/flows/pos/rules.js';

/** A real account's references (the official client's recorded answers) as the RetailCRM client parses them. */
const real = (name: string) => (JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/real/retailcrm', `${name}.json`), 'utf8')) as { response: { body: Record<string, unknown> } }).response.body;
const sites = z.array(siteSchema).parse(Object.values(real('reference-sites').sites as Record<string, unknown>));
const stores = z.array(storeSchema).parse(real('reference-stores').stores);
const crmLegalEntities = z.array(legalEntitySchema).parse(real('reference-legal-entities').legalEntities);

const le = (guid: string, inn: string): LpLegalEntity => ({ guid, juridical_name: guid, juridical_address: null, inn, kpp: null, ogrn: null, tax_systems: [] });
const outlet = (guid: string, name: string, legalEntityGuid: string): LpOutlet => ({ guid, name, address: null, legalEntityGuid });

// «test» sells as ИП with INN …254; «test-ru» as «Vog_Gallery», INN …154 (both from the recorded sites).
const refs = (outlets: LpOutlet[], lp = [le('le-254', '773719480254'), le('le-154', '773719480154')]): OutletRefs => ({ sites, stores, crmLegalEntities, lpLegalEntities: lp, outlets });
const none = { byStore: {}, bySite: {} };

describe('LIFE POS outlet matching on a real account\'s references', () => {
  it('matches each site through its contragent INN to the one outlet of that legal entity', () => {
    const rows = siteOutlets(refs([outlet('o-1', 'Основной зал', 'le-254'), outlet('o-2', 'Галерея', 'le-154')]), none);
    expect(rows.map((r) => [r.site, r.inn, r.legalName, r.outletGuid, r.problem])).toEqual([
      ['test', '773719480254', 'ИП Бороздина Татьяна Александровна', 'o-1', null],
      ['test-ru', '773719480154', 'ИП Бороздина Татьяна Александровна', 'o-2', null],
    ]);
    expect(outletForOrder({ number: '1A', site: 'test-ru', shipmentStore: 'main12' }, rows, none)).toMatchObject({ outletGuid: 'o-2' });
  });

  it('names what is missing: an INN LIFE POS lacks, a legal entity without outlets, a site not in the references', () => {
    const rows = siteOutlets(refs([outlet('o-1', 'Основной зал', 'le-254')], [le('le-254', '773719480254')]), none);
    expect(rows[1]!.problem).toBe('В LIFE POS нет юрлица с ИНН 773719480154 (магазин «Test Shop»). Добавьте его: Структура бизнеса → Юридические лица.');
    expect(outletForOrder({ number: '2B', site: 'test-ru', shipmentStore: null }, rows, none)).toEqual({ problem: rows[1]!.problem });
    const empty = siteOutlets(refs([], [le('le-254', '773719480254')]), none);
    expect(empty[0]!.problem).toBe('У юрлица с ИНН 773719480254 в LIFE POS нет торговой точки (магазин «test»).');
    expect(outletForOrder({ number: '3C', site: 'other', shipmentStore: null }, empty, none)).toMatchObject({ problem: expect.stringContaining('Магазин «other» заказа №3C не найден') });
  });

  it('a site without requisites of its own is resolved through its contragent code; without any INN it is a problem', () => {
    const bare = [{ ...sites[1]!, contragent: null, contragentCode: 'Vog_Gallery' }, { ...sites[0]!, contragent: null, contragentCode: 'NDS' }];
    const rows = siteOutlets({ ...refs([outlet('o-2', 'Галерея', 'le-154')]), sites: bare }, none);
    expect(rows[0]).toMatchObject({ inn: '773719480154', outletGuid: 'o-2' });
    expect(rows[1]).toMatchObject({ inn: null, outletGuid: null, problem: expect.stringContaining('не указано юрлицо с ИНН') });
  });

  it('several outlets: a choice per store wins, then per site; a choice of another legal entity is ignored', () => {
    const outlets = [outlet('o-a', 'Ивовая', 'le-254'), outlet('o-b', 'Санкт-Петербург, Еда', 'le-254'), outlet('o-2', 'Галерея', 'le-154')];
    const waiting = siteOutlets(refs(outlets), none);
    expect(waiting[0]).toMatchObject({ outletGuid: null, problem: expect.stringContaining('несколько торговых точек') });
    expect(outletForOrder({ number: '4D', site: 'test', shipmentStore: 'food' }, waiting, none)).toMatchObject({ problem: expect.stringContaining('для склада «food» и магазина точка не выбрана') });

    const choice = { byStore: { food: 'o-b', main12: 'o-2' }, bySite: { test: 'o-a' } };
    const rows = siteOutlets(refs(outlets), choice);
    expect(rows[0]).toMatchObject({ outletGuid: 'o-a', problem: null });
    expect(outletForOrder({ number: '5E', site: 'test', shipmentStore: 'food' }, rows, choice)).toMatchObject({ outletGuid: 'o-b' });
    // «main12» was pointed at another seller's outlet: the site's own choice applies.
    expect(outletForOrder({ number: '6F', site: 'test', shipmentStore: 'main12' }, rows, choice)).toMatchObject({ outletGuid: 'o-a' });
    expect(storeOutlets(refs(outlets), choice).map((s) => [s.store, s.outletGuid])).toEqual([
      ['main12', null],
      ['food', 'o-b'],
    ]);
  });

  it('proposes an outlet by a name it shares with the store, ignoring words every shop has', () => {
    const outlets = [
      { guid: 'o-a', name: 'Магазин на Ивовой' },
      { guid: 'o-b', name: 'Магазин «Еда» Петербург' },
    ];
    expect(proposeOutlet(['Основной', 'Москва', 'ул. Ивовая, д. 23'], outlets)).toBe('o-a');
    expect(proposeOutlet(['Еда', 'Санкт-Петербург'], outlets)).toBe('o-b');
    expect(proposeOutlet(['Магазин'], outlets)).toBeNull();
    expect(proposeOutlet(['Ивовая', 'Еда'], outlets)).toBeNull();
    const proposals = storeOutlets(refs([outlet('o-a', 'Магазин на Ивовой', 'le-254'), outlet('o-b', 'Магазин «Еда»', 'le-254')]), none);
    expect(proposals.map((s) => [s.store, s.proposedGuid])).toEqual([
      ['main12', 'o-a'],
      ['food', 'o-b'],
    ]);
  });
});
