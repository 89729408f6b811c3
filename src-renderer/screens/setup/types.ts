import type { CrmReferences, SettingsView } from '../../../src-shared/api';
import type { Failure } from '../../hooks/useApi';

/** RetailCRM reference books as the wizard holds them: loaded once RetailCRM is connected. */
export interface ReferencesState {
  refs: CrmReferences | null;
  loading: boolean;
  failure: Failure | null;
  reload(refresh?: boolean): Promise<void>;
}

/** What every step gets from the wizard. */
export interface StepContext {
  view: SettingsView;
  /** The step is the one on screen (steps stay mounted so unsaved input survives moving between them). */
  active: boolean;
  references: ReferencesState;
  onView(view: SettingsView): void;
  goTo(stepId: string): void;
}
