/** `"Refund window (annual)"` → `refund-window-annual`: a case id the golden-set schema accepts. */
export function slug(text: string, max = 60): string {
  const s = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9_.:-]+/g, "-")
    .replace(/^[-.:]+|[-.:]+$/g, "")
    .slice(0, max)
    .replace(/[-.:]+$/, "");
  return s;
}

/** Hands out case ids: the preferred one when free and valid, else a numbered fallback; never the same twice. */
export function idAllocator(): (preferred: string | undefined, fallback: string) => string {
  const used = new Set<string>();
  return (preferred, fallback) => {
    const base = (preferred && slug(preferred)) || fallback;
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
    used.add(id);
    return id;
  };
}
