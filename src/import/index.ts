// Importers: suites people already have (promptfoo, OpenAI evals, Langfuse datasets) as golden sets.
export { importPromptfoo, type PromptfooOptions } from "./promptfoo.ts";
export { importOpenAiEvals, type IdealMatch } from "./openai-evals.ts";
export { importLangfuse } from "./langfuse.ts";
export { goldenYaml } from "./golden-out.ts";
export { formatReport, reportJson } from "./report.ts";
export { ImportError, type ImportResult, type ImportNote } from "./types.ts";
