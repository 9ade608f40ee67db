import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

/** Temporary folders made by this test file, removed after it (test/helpers/cleanup.ts). */
const made = new Set<string>();

/** A fresh `goldwatch-*` folder in the temp folder, removed when the test file ends. */
export async function tempDir(prefix = "goldwatch-"): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** Removes every folder tempDir made in this file (an embedded database inside included). */
export async function removeTempDirs(): Promise<void> {
  const dirs = [...made];
  made.clear();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true, maxRetries: 3 })));
}
