import type { ComponentType } from 'react';
import { ru } from './i18n/ru';
import { Dashboard } from './screens/Dashboard';

/**
 * The window's sections, in the order of the left menu. A new screen («Очередь заказов», «Печатные формы»,
 * «Журнал ошибок», «Настройки») is one more entry here.
 */
export const screens = [{ id: 'overview', title: ru.nav.overview, Component: Dashboard }] as const satisfies ReadonlyArray<{
  id: string;
  title: string;
  Component: ComponentType;
}>;

export type ScreenId = (typeof screens)[number]['id'];
