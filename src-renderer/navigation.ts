import type { ComponentType } from 'react';
import type { EngineStatus } from '../src-shared/api';
import { ru } from './i18n/ru';
import { Dashboard } from './screens/Dashboard';
import { OrderQueue } from './screens/OrderQueue';
import { SetupScreen } from './screens/setup/Setup';
import { ErrorLog } from './screens/ErrorLog';
import { PrintPreview } from './screens/PrintPreview';

/** The window's sections, in the order of the left menu; a new screen is one more entry here. */
export const screens = [
  { id: 'overview', title: ru.nav.overview, Component: Dashboard },
  { id: 'queue', title: ru.orders.nav, Component: OrderQueue },
  { id: 'print', title: ru.print.nav, Component: PrintPreview },
  { id: 'errors', title: ru.errorLog.nav, Component: ErrorLog, badge: (s: EngineStatus) => s.errors.unread },
  { id: 'setup', title: ru.setup.nav, Component: SetupScreen },
] as const satisfies ReadonlyArray<{
  id: string;
  title: string;
  Component: ComponentType;
  /** A count next to the menu item (e.g. unread errors), from the engine's live status. */
  badge?: (status: EngineStatus) => number;
}>;

export type ScreenId = (typeof screens)[number]['id'];
