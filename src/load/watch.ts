import { watch, type FSWatcher } from "node:fs";
import path from "node:path";
import type { Logger } from "../log.ts";
import { ConfigError } from "../config/errors.ts";
import type { LoadedConfig } from "./load.ts";

/** Reloads the config and golden sets when their files change (or on demand, e.g. SIGHUP). */
export interface ConfigWatcher {
  /** Reloads now; resolves with the new config when it was valid and different, else undefined. */
  reload(reason: string): Promise<LoadedConfig | undefined>;
  stop(): Promise<void>;
}

export interface WatchOptions {
  /** The config in force. */
  current(): LoadedConfig;
  /** Reads and validates the config again (loadConfig). */
  load(file: string): Promise<LoadedConfig>;
  /** Applies a valid, changed config. */
  apply(next: LoadedConfig): void;
  log: Logger;
  /** Quiet period after a change before reloading: editors and ConfigMap updates write in bursts. */
  debounceMs?: number;
  /** Watch the files (default true); false leaves only `reload()` (SIGHUP). */
  watchFiles?: boolean;
}

/** What decides a config's meaning: a reload that changes none of it is not applied. */
function fingerprint(loaded: LoadedConfig): string {
  const goldens = [...loaded.goldens.entries()].map(([job, g]) => [job, g.hash]);
  return JSON.stringify([loaded.config, goldens]);
}

/**
 * Watches the folders of the config file and of every golden set (folders, not files: editors
 * and Kubernetes ConfigMaps replace files by renaming, which a file watch loses). A valid change
 * is applied (jobs pick it up at their next slot); an invalid one is logged with the validation
 * error and the last good config stays.
 */
export function watchConfig(opts: WatchOptions): ConfigWatcher {
  const debounceMs = opts.debounceMs ?? 300;
  let watchers: FSWatcher[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  let stopped = false;

  const folders = (loaded: LoadedConfig) => [...new Set([loaded.dir, ...[...loaded.goldens.values()].map((g) => path.dirname(g.file))])];
  const rewatch = () => {
    for (const w of watchers) w.close();
    watchers = [];
    if (opts.watchFiles === false) return;
    for (const dir of folders(opts.current())) {
      try {
        const w = watch(dir, { persistent: false }, () => schedule());
        w.on("error", (e) => opts.log.warn({ dir, err: e.message }, "config watch failed; SIGHUP still reloads"));
        watchers.push(w);
      } catch (e) {
        opts.log.warn({ dir, err: (e as Error).message }, "cannot watch config folder; SIGHUP still reloads");
      }
    }
  };
  const schedule = () => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    // Nobody awaits a file-triggered reload: a failure to apply must still be seen.
    timer = setTimeout(
      () =>
        void reload("file changed").catch((e: Error) =>
          opts.log.error({ err: opts.current().secrets.redact(e.message) }, "config reload failed while applying"),
        ),
      debounceMs,
    );
  };
  const reload = (reason: string): Promise<LoadedConfig | undefined> => {
    const run = chain.then(async () => {
      if (stopped) return undefined;
      const current = opts.current();
      let next: LoadedConfig;
      try {
        next = await opts.load(current.file);
      } catch (e) {
        const message = e instanceof ConfigError ? e.message : (e as Error).message;
        opts.log.error(
          { reason, file: current.file, err: current.secrets.redact(message) },
          "config reload rejected; keeping the last good config",
        );
        return undefined;
      }
      if (fingerprint(next) === fingerprint(current)) {
        if (reason !== "file changed") opts.log.info({ reason, file: current.file }, "config reload: nothing changed");
        return undefined;
      }
      opts.apply(next);
      opts.log.info({ reason, file: next.file, jobs: Object.keys(next.config.jobs) }, "config reloaded");
      rewatch();
      return next;
    });
    chain = run.catch(() => undefined);
    return run;
  };
  rewatch();
  return {
    reload,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      for (const w of watchers) w.close();
      await chain;
    },
  };
}
