// Creates and migrates an embedded database in its own process, so the benchmark measures a
// service reopening its data folder (initdb's one-time memory is not part of steady state).
import { openDatabase } from "../src/store/db.ts";
import { migrate } from "../src/store/migrate.ts";

const database = await openDatabase({ dataDir: process.argv[2]! });
await migrate(database.db);
await database.close();
