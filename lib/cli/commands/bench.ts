import { benchReleases } from '../../bench/releases.ts';
import { renderTable } from '../format.ts';
import { progress } from '../log.ts';

/** `capstan bench`: prints figures; it asserts nothing (the machines are shared and noisy). */
export const benchCommand = async (o: { clusters: number; samples: number; burst: number }) => {
  const r = await benchReleases({ ...o, log: progress('bench') });
  const ms = (n: number) => `${n.toFixed(0)} ms`;
  process.stdout.write(
    `\nRelease to ${r.clusters} clusters: enqueue -> last cluster applied (${r.pipeline.samples} samples each)\n${renderTable(
      ['PATH', 'P50', 'P95'],
      [
        ['capstan (HTTP edge, FIFO queue, deploy function, table)', ms(r.pipeline.p50), ms(r.pipeline.p95)],
        ['bare client (server-side apply, same objects)', ms(r.direct.p50), ms(r.direct.p95)],
        ['ratio', `${(r.pipeline.p50 / r.direct.p50).toFixed(1)}x`, `${(r.pipeline.p95 / r.direct.p95).toFixed(1)}x`],
      ],
    )}\n\nSustained: ${r.throughput.releases} releases sent at once, applied everywhere in ${r.throughput.seconds.toFixed(1)} s = ${r.throughput.perSecond.toFixed(2)} releases/s\n`,
  );
};
