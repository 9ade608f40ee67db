import { afterAll } from "vitest";
import { removeTempDirs } from "./temp.ts";

// A setup file (vitest.config.ts setupFiles): runs in every test file's module graph, so the
// folders that file's tests made with tempDir/tempFiles go when it ends. Registered first, so it
// runs after the file's own afterAll hooks (processes that used the folders are stopped by then).
afterAll(removeTempDirs);
