import type { EventView } from '../../kube/events.ts';

/**
 * How far back the sweep looks at Events: it runs every minute, so ten minutes rides over a few missed runs (a
 * cluster that did not answer), while an older sighting is about a mount the kubelet may have made since. The
 * kubelet records each retry of a failing mount on the same Event (count and lastTimestamp move), so a mount
 * still failing is always recent.
 */
export const RBD_SYMPTOM_WINDOW_SECONDS = 600;

/**
 * The Events last seen within the window before `now`: an events.k8s.io series' lastObservedTime (its eventTime
 * is its first sighting), else lastTimestamp, else eventTime, else firstTimestamp. One seen "after" now is a
 * clock apart from capstan's and taken; one with no time at all cannot be placed and is left out.
 */
export const recentSymptoms = (
  events: readonly EventView[],
  now: Date,
  windowSeconds = RBD_SYMPTOM_WINDOW_SECONDS,
): EventView[] =>
  events.filter((event) => {
    const seen = Date.parse(
      event.series?.lastObservedTime ?? event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? '',
    );
    return Number.isFinite(seen) && now.getTime() - seen <= windowSeconds * 1000;
  });
