// What README says of each EXFILGUARD_* variable, declared beside its schema in a zod
// registry, so README's settings tables are generated from the code that reads the
// variables (`npm run docs:settings`; a unit test fails when they drift apart).
import { z } from 'zod';

export interface SettingDoc {
  /** README's "meaning" column (Markdown): what it does, what to set it to, and why. */
  readonly description: string;
  /**
   * README's "default" column where the schema has no default to show: what an unset
   * optional variable means ("off", "random per process"), or a requirement said more
   * precisely than "(required)". A schema default is shown as written by an operator.
   */
  readonly unset?: string;
}

export const settingDocs = z.registry<SettingDoc>();
