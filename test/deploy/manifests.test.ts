import { execFileSync } from "node:child_process";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { loadConfig } from "../../src/load/load.ts";
import { tempDir } from "../helpers/temp.ts";

const DIR = "deploy/kubernetes";

/** A parsed manifest: read loosely, each test checks the fields it needs. */
type Obj = Record<string, any>;
let docs: { file: string; doc: Obj }[];
const one = (kind: string): Obj => {
  const found = docs.filter((d) => d.doc.kind === kind);
  expect(found.length, kind).toBe(1);
  return found[0]!.doc;
};

beforeAll(async () => {
  docs = [];
  for (const file of (await readdir(DIR)).filter((f) => f.endsWith(".yaml"))) {
    for (const d of parseAllDocuments(await readFile(path.join(DIR, file), "utf8"))) {
      if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join("; ")}`);
      docs.push({ file, doc: d.toJS() as Obj });
    }
  }
});

const deployment = () => one("Deployment");
const container = () => deployment().spec.template.spec.containers[0] as Obj;
const podLabels = () => deployment().spec.template.metadata.labels as Record<string, string>;
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
/** A probe's or Service's port, named or numbered, as the container's port number. */
const portNumber = (port: string | number): number | undefined =>
  typeof port === "number" ? port : (container().ports as Obj[]).find((p) => p.name === port)?.containerPort;

describe("Kubernetes manifests", () => {
  it("every file parses, and each object has apiVersion, kind and a name", () => {
    expect(docs.map((d) => d.doc.kind).sort()).toEqual(
      ["ConfigMap", "Deployment", "Kustomization", "PodDisruptionBudget", "Secret", "Service", "ServiceMonitor"].sort(),
    );
    for (const { file, doc } of docs.filter((d) => d.doc.kind !== "Kustomization")) {
      expect(doc.apiVersion, file).toBeTruthy();
      expect(doc.metadata?.name, file).toBeTruthy();
    }
  });

  it("the kustomization lists the manifests but not the example Secret or the ServiceMonitor", async () => {
    const k = one("Kustomization");
    expect([...k.resources].sort()).toEqual(["configmap.yaml", "deployment.yaml", "pdb.yaml", "service.yaml"]);
    for (const r of k.resources) await readFile(path.join(DIR, r));
  });

  it("builds with kubectl kustomize, where kubectl is installed", (ctx) => {
    let out: string;
    try {
      out = execFileSync("kubectl", ["kustomize", DIR], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return ctx.skip("kubectl is not installed");
      throw e;
    }
    const kinds = parseAllDocuments(out).map((d) => (d.toJS() as Obj).kind);
    expect(kinds.sort()).toEqual(["ConfigMap", "Deployment", "PodDisruptionBudget", "Service"]);
  });

  it("probes: liveness and startup on /healthz, readiness on /readyz, on the container's port", () => {
    const c = container();
    const port = (c.ports as Obj[])[0]!.containerPort as number;
    expect(c.livenessProbe.httpGet.path).toBe("/healthz");
    expect(c.startupProbe.httpGet.path).toBe("/healthz");
    expect(c.readinessProbe.httpGet.path).toBe("/readyz");
    for (const probe of [c.livenessProbe, c.startupProbe, c.readinessProbe]) expect(portNumber(probe.httpGet.port)).toBe(port);
  });

  it("the port goldwatch listens on (the real config loader, with the Deployment's env) is the container port", async () => {
    const c = container();
    const port = (c.ports as Obj[])[0]!.containerPort as number;
    const { loaded } = await loadConfigMap();
    expect(loaded.config.server.port).toBe(port);
    const annotations = deployment().spec.template.metadata.annotations as Record<string, string>;
    expect(Number(annotations["prometheus.io/port"])).toBe(port);
  });

  it("the Service targets that port and selects the pods; the PDB selects them too", () => {
    const svc = one("Service");
    expect(matches(svc.spec.selector, podLabels())).toBe(true);
    const port = (svc.spec.ports as Obj[])[0]!;
    expect(portNumber(port.targetPort)).toBe((container().ports as Obj[])[0]!.containerPort);
    const pdb = one("PodDisruptionBudget");
    expect(matches(pdb.spec.selector.matchLabels, podLabels())).toBe(true);
    expect(pdb.spec.minAvailable).toBeLessThan(deployment().spec.replicas);
  });

  it("the ServiceMonitor scrapes /metrics on the Service's port", () => {
    const sm = one("ServiceMonitor");
    const svc = one("Service");
    expect(matches(sm.spec.selector.matchLabels, svc.metadata.labels)).toBe(true);
    expect(sm.spec.endpoints[0].path).toBe("/metrics");
    expect((svc.spec.ports as Obj[]).map((p) => p.name)).toContain(sm.spec.endpoints[0].port);
  });

  it("secrets come from the Secret, and every ${VAR} the config needs is in the container's env", async () => {
    const c = container();
    const secret = one("Secret");
    const env = c.env as Obj[];
    const fromSecret = env.filter((e) => e.valueFrom?.secretKeyRef);
    for (const name of ["DATABASE_URL", "SLACK_BOT_TOKEN", "GOLDWATCH_API_TOKEN", "GOLDWATCH_INGEST_TOKEN"]) {
      const e = fromSecret.find((x) => x.name === name);
      expect(e?.valueFrom.secretKeyRef.name, name).toBe(secret.metadata.name);
    }
    // Required keys are in the example; optional ones may be left out of it.
    for (const e of fromSecret.filter((x) => !x.valueFrom.secretKeyRef.optional))
      expect(Object.keys(secret.stringData)).toContain(e.valueFrom.secretKeyRef.key);
    const { text } = await configMapFiles();
    const needed = [...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)\}/g)].map((m) => m[1]!);
    expect(needed.length).toBeGreaterThan(0);
    for (const v of needed)
      expect(
        env.map((e) => e.name),
        v,
      ).toContain(v);
    // No secret value is written into the manifests' env.
    for (const e of env.filter((x) => "value" in x)) expect(e.name).not.toMatch(/TOKEN|KEY|PASSWORD|DATABASE_URL/);
  });

  it("runs as non-root on a read-only root filesystem, with data_dir and /tmp on writable volumes", async () => {
    const pod = deployment().spec.template.spec;
    const c = container();
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
    const writable = new Set((pod.volumes as Obj[]).filter((v) => v.emptyDir || v.persistentVolumeClaim).map((v) => v.name));
    const mounts = c.volumeMounts as Obj[];
    const writableAt = (dir: string) =>
      mounts.some((m) => writable.has(m.name) && !m.readOnly && (dir === m.mountPath || dir.startsWith(`${m.mountPath}/`)));
    const { loaded } = await loadConfigMap();
    expect(path.isAbsolute(loaded.config.data_dir), "data_dir must not point into the read-only config folder").toBe(true);
    expect(writableAt(loaded.config.data_dir)).toBe(true);
    expect(writableAt("/tmp")).toBe(true);
    // The config folder is the ConfigMap, where the image's CMD reads it.
    const config = mounts.find((m) => m.mountPath === "/app/config");
    expect((pod.volumes as Obj[]).find((v) => v.name === config?.name)?.configMap?.name).toBe(one("ConfigMap").metadata.name);
  });

  it("requests memory and CPU, and limits memory above the request", () => {
    const { requests, limits } = container().resources;
    const mi = (q: string) => Number(/^(\d+)Mi$/.exec(q)?.[1] ?? NaN);
    expect(mi(requests.memory)).toBeGreaterThanOrEqual(128);
    expect(mi(limits.memory)).toBeGreaterThan(mi(requests.memory));
    expect(requests.cpu).toMatch(/^\d+m$/);
  });

  it("the memory alert's threshold is below the container's memory limit it is written against", async () => {
    const rules = parse(await readFile("deploy/prometheus/goldwatch-rules.yaml", "utf8")) as {
      groups: { rules: { alert: string; expr: string }[] }[];
    };
    const rule = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === "GoldwatchMemoryHigh")!;
    const m = /process_resident_memory_bytes > ([\d.]+) \* (\d+) \* 1024 \* 1024/.exec(rule.expr);
    expect(m, rule.expr).toBeTruthy();
    const limitMi = Number(/^(\d+)Mi$/.exec(container().resources.limits.memory)?.[1]);
    expect(Number(m![2])).toBe(limitMi);
    expect(Number(m![1])).toBeLessThan(0.9);
  });

  it("gives a shutdown room for server.shutdown_grace and the aborted runs' last writes", async () => {
    const { loaded } = await loadConfigMap();
    // shutdown_grace, then 15 s for aborted runs' writes (ABORT_WRITE_MS in src/service.ts).
    expect(deployment().spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(
      loaded.config.server.shutdown_grace + 15_000,
    );
  });
});

/** The ConfigMap's files written to a folder as the pod sees them (/app/config). */
async function configMapFiles(): Promise<{ dir: string; text: string }> {
  const data = one("ConfigMap").data as Record<string, string>;
  const dir = path.join(await tempDir(), "config");
  await mkdir(dir);
  for (const [name, text] of Object.entries(data)) await writeFile(path.join(dir, name), text);
  return { dir, text: data["goldwatch.config.yaml"]! };
}

/** The ConfigMap's config loaded by the real loader with the Deployment's plain env and stand-in secrets. */
async function loadConfigMap() {
  const { dir } = await configMapFiles();
  const env: Record<string, string> = {};
  for (const e of container().env as Obj[]) env[e.name] = "value" in e ? String(e.value) : `stand-in-${e.name.toLowerCase()}`;
  env.DATABASE_URL = "postgres://goldwatch:stand-in@postgres:5432/goldwatch";
  const loaded = await loadConfig(path.join(dir, "goldwatch.config.yaml"), { env });
  expect(parse(await readFile(path.join(dir, "goldwatch.config.yaml"), "utf8"))).toBeTruthy();
  return { loaded };
}
