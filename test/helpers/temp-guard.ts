import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * vitest globalSetup: the whole run gets a temp folder of its own (TMPDIR, inherited by the test
 * workers and read by os.tmpdir()), and at the end every `goldwatch-*` entry left in it is
 * printed and fails the run: a test that leaves a folder behind is a leak. A private folder,
 * because other test runs on the same machine come and go in the shared one meanwhile.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const shared = tmpdir();
  const root = await mkdtemp(path.join(shared, "gw-test-run-"));
  const before = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return async () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    const left = (await readdir(root)).filter((n) => n.startsWith("goldwatch-"));
    await rm(root, { recursive: true, force: true, maxRetries: 3 });
    if (left.length > 0) {
      const list = left.map((n) => `  ${n}`).join("\n");
      process.stderr.write(`\ntest temp folders left behind (removed now):\n${list}\n`);
      // vitest reports an error thrown here but still exits 0: the exit code is set as well.
      process.exitCode = 1;
      throw new Error(
        `${left.length} goldwatch-* temp folder(s) left behind by tests; remove what a test creates (tempDir in test/helpers/temp.ts)`,
      );
    }
  };
}
