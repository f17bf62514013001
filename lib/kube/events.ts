import type { CoreV1Event } from '@kubernetes/client-node';
import type { KubeClients } from './connect.ts';
import { translateKubeError } from './errors.ts';

/**
 * A core/v1 Event in its JSON form, the fields capstan reads: what kubernetes-event-exporter forwards (minus its
 * enrichment), so one reader (lib/sources/rbd-symptoms.ts) takes both. Times are RFC 3339 strings
 * (`Date#toISOString()`: the client hands them over as `Date`s); absent ones are left out.
 */
export interface EventView {
  readonly metadata: { readonly name?: string; readonly namespace?: string; readonly uid: string };
  readonly involvedObject: {
    readonly kind: string;
    readonly name: string;
    readonly namespace?: string;
    readonly uid?: string;
  };
  readonly reason?: string;
  readonly message?: string;
  readonly type?: string;
  readonly source?: { readonly component?: string; readonly host?: string };
  readonly reportingComponent?: string;
  readonly firstTimestamp?: string;
  readonly lastTimestamp?: string;
  readonly eventTime?: string;
  readonly count?: number;
  /** events.k8s.io's repeats: `count` and `lastTimestamp` stay unset, the series says when it was last seen. */
  readonly series?: { readonly count?: number; readonly lastObservedTime?: string };
}

/** A page of a list: the API server's own bound, so a cluster with many Events is read in a few calls. */
const PAGE = 500;

/**
 * Warning Events with one of `reasons`, in every namespace. A field selector per reason (field selectors take no
 * set of values), so the API server filters and the answer holds only those; pages are followed to the end.
 */
export const listWarningEvents = async (kube: KubeClients, reasons: readonly string[]): Promise<EventView[]> => {
  try {
    const lists = await Promise.all(reasons.map((reason) => listAll(kube, `type=Warning,reason=${reason}`)));
    return lists.flat().map(eventView);
  } catch (error) {
    return translateKubeError(kube.cluster, error);
  }
};

const listAll = async (kube: KubeClients, fieldSelector: string): Promise<CoreV1Event[]> => {
  const items: CoreV1Event[] = [];
  let _continue: string | undefined;
  do {
    const page = await kube.core.listEventForAllNamespaces({ fieldSelector, limit: PAGE, _continue });
    items.push(...page.items);
    _continue = page.metadata?._continue || undefined;
  } while (_continue);
  return items;
};

/**
 * metav1.Time arrives as a `Date`; MicroTime (`eventTime`) is no type the client knows, so it may stay the string
 * the server sent. Either way an RFC 3339 string, or nothing for a zero time (`null` on the wire).
 */
const timeOf = (value: Date | string | null | undefined): string | undefined => {
  if (value === null || value === undefined) return undefined;
  return value instanceof Date ? value.toISOString() : String(value);
};

const eventView = (event: CoreV1Event): EventView => {
  const { involvedObject: o, metadata: m } = event;
  const firstTimestamp = timeOf(event.firstTimestamp);
  const lastTimestamp = timeOf(event.lastTimestamp);
  const eventTime = timeOf(event.eventTime);
  const lastObservedTime = timeOf(event.series?.lastObservedTime);
  return {
    metadata: {
      uid: m.uid ?? '',
      ...(m.name ? { name: m.name } : {}),
      ...(m.namespace ? { namespace: m.namespace } : {}),
    },
    involvedObject: {
      kind: o.kind ?? '',
      name: o.name ?? '',
      ...(o.namespace ? { namespace: o.namespace } : {}),
      ...(o.uid ? { uid: o.uid } : {}),
    },
    ...(event.reason ? { reason: event.reason } : {}),
    ...(event.message ? { message: event.message } : {}),
    ...(event.type ? { type: event.type } : {}),
    ...(event.source ? { source: { component: event.source.component, host: event.source.host } } : {}),
    ...(event.reportingComponent ? { reportingComponent: event.reportingComponent } : {}),
    ...(firstTimestamp ? { firstTimestamp } : {}),
    ...(lastTimestamp ? { lastTimestamp } : {}),
    ...(eventTime ? { eventTime } : {}),
    ...(event.count !== undefined ? { count: event.count } : {}),
    ...(event.series
      ? {
          series: {
            ...(event.series.count !== undefined ? { count: event.series.count } : {}),
            ...(lastObservedTime ? { lastObservedTime } : {}),
          },
        }
      : {}),
  };
};
