import { serverDatabase, serverUrl } from "../helpers/db.ts";
import { tempFiles } from "../helpers/fixtures.ts";
import { configYaml, GOLDEN } from "../service/fixtures.ts";
import path from "node:path";

/**
 * A config folder whose job never fires during a test, on the server when there is one (else PGlite
 * in the folder). The server schema's name is pushed on `schemas`, for the caller to drop.
 */
export async function serveFolder(schemas: string[]): Promise<{ dir: string; file: string; env: Record<string, string> }> {
  let env: Record<string, string> = { DATABASE_URL: "" };
  if (serverUrl) {
    const database = await serverDatabase();
    await database.close();
    schemas.push(database.schema);
    env = { DATABASE_URL: database.url };
  }
  const yaml = configYaml({ database: "${DATABASE_URL:-}", job: { schedule: "0 0 1 1 *" } });
  const dir = await tempFiles({ "goldwatch.config.yaml": yaml, "golden.yaml": GOLDEN });
  return { dir, file: path.join(dir, "goldwatch.config.yaml"), env };
}
