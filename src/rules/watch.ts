// Hot reload: the rule folders are watched; after a change settles, the whole rule
// set is loaded and validated again. A bad edit is refused with the loader's message
// (file, line, key) and the rules in force stay in force.
import { watch, type FSWatcher } from 'node:fs';
import type { CompiledRuleSet } from './compile.js';
import { loadRules, ruleFolders, type RuleSources } from './shipped.js';

export interface RuleWatchHandlers {
  /** `warnings`: what loads but does nothing (rules that can never fire), to be logged. */
  readonly onReload: (
    rules: CompiledRuleSet,
    files: readonly string[],
    warnings: readonly string[],
  ) => void;
  readonly onRefused: (error: Error) => void;
}

export class RuleWatcher {
  private readonly watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> = Promise.resolve();

  constructor(
    private readonly sources: RuleSources,
    private readonly handlers: RuleWatchHandlers,
    private readonly settleMs = 300,
  ) {}

  start(): void {
    for (const folder of ruleFolders(this.sources)) {
      const watcher = watch(folder, () => this.schedule());
      watcher.on('error', (error) => this.handlers.onRefused(error));
      this.watchers.push(watcher);
    }
  }

  close(): void {
    clearTimeout(this.timer);
    for (const watcher of this.watchers) watcher.close();
    this.watchers.length = 0;
  }

  /** Editors write files in several steps: wait until the changes settle. */
  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.reloading = this.reloading.then(() => this.reload());
    }, this.settleMs);
  }

  private async reload(): Promise<void> {
    try {
      const { ruleSet, compiled } = await loadRules(this.sources);
      this.handlers.onReload(compiled, ruleSet.files, ruleSet.warnings);
    } catch (error) {
      this.handlers.onRefused(error as Error);
    }
  }
}
