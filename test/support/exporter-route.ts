/**
 * kubernetes-event-exporter's routing, as pkg/exporter/route.go and rule.go do it, for the rule fields capstan's
 * config uses: drop rules first; every match rule that matches sends the Event to its receiver; sub-routes only
 * when all match rules matched. Each field is an unanchored regular expression (Go's RE2; the patterns capstan
 * writes mean the same in JavaScript). Returns the receivers, once per send: a receiver listed twice got it twice.
 */
export interface ExporterRule {
  readonly receiver?: string;
  readonly message?: string;
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly namespace?: string;
  readonly reason?: string;
  readonly type?: string;
  readonly component?: string;
  readonly host?: string;
  readonly minCount?: number;
}

export interface ExporterRoute {
  readonly drop?: readonly ExporterRule[];
  readonly match?: readonly ExporterRule[];
  readonly routes?: readonly ExporterRoute[];
}

interface ExportedEvent {
  readonly message?: string;
  readonly involvedObject?: { readonly apiVersion?: string; readonly kind?: string };
  readonly metadata?: { readonly namespace?: string };
  readonly reason?: string;
  readonly type?: string;
  readonly source?: { readonly component?: string; readonly host?: string };
  readonly count?: number;
}

const matches = (rule: ExporterRule, event: ExportedEvent): boolean => {
  const fields: [string | undefined, string | undefined][] = [
    [rule.message, event.message],
    [rule.apiVersion, event.involvedObject?.apiVersion],
    [rule.kind, event.involvedObject?.kind],
    [rule.namespace, event.metadata?.namespace],
    [rule.reason, event.reason],
    [rule.type, event.type],
    [rule.component, event.source?.component],
    [rule.host, event.source?.host],
  ];
  if (fields.some(([pattern, value]) => pattern && !new RegExp(pattern).test(value ?? ''))) return false;
  return (event.count ?? 0) >= (rule.minCount ?? 0);
};

export const exporterReceivers = (route: ExporterRoute, event: ExportedEvent): string[] => {
  if ((route.drop ?? []).some((rule) => matches(rule, event))) return [];
  const sent: string[] = [];
  let all = true;
  for (const rule of route.match ?? []) {
    if (!matches(rule, event)) all = false;
    else if (rule.receiver) sent.push(rule.receiver);
  }
  if (all) for (const sub of route.routes ?? []) sent.push(...exporterReceivers(sub, event));
  return sent;
};
