import { z } from 'zod';

/**
 * Every address a Ceph daemon uses, from the mon commands' JSON (Pacific's shapes): mons (`mon dump`), OSDs
 * (`osd dump`: public, cluster and both heartbeat addresses), mgrs (`mgr dump`), MDSs (`fs dump`: standbys
 * and each file system's ranks) and every daemon registered in the service map (`status`'s `servicemap`:
 * RGW, rbd-mirror, iSCSI, ...). A lost node's address must never be one of them (blocking it would cut the
 * cluster off from itself).
 *
 * One form, whatever the source: `ip:port` or `[ip6]:port`, without the `v1:`/`v2:` prefix and the
 * `/nonce` of a legacy address; a service-map daemon that is only a RADOS client has port 0. Callers compare
 * the IP (lib/heal/decisions/rbd-free.ts ipOf); the port stays because tests and messages name the daemon's
 * socket. An unspecified address (0.0.0.0, ::, a blank `-`) is left out: nothing listens there.
 */
export interface DaemonDumps {
  readonly monDump: string;
  readonly osdDump: string;
  readonly mgrDump: string;
  readonly fsDump: string;
  readonly status: string;
}

const AddrVecSchema = z.looseObject({
  addrvec: z.array(z.looseObject({ addr: z.string() })).default([]),
});
type AddrVec = z.infer<typeof AddrVecSchema>;

const MonDumpSchema = z.looseObject({ mons: z.array(z.looseObject({ public_addrs: AddrVecSchema.optional() })) });
const OsdDumpSchema = z.looseObject({
  osds: z.array(
    z.looseObject({
      public_addrs: AddrVecSchema.optional(),
      cluster_addrs: AddrVecSchema.optional(),
      heartbeat_back_addrs: AddrVecSchema.optional(),
      heartbeat_front_addrs: AddrVecSchema.optional(),
    }),
  ),
});
const MgrDumpSchema = z.looseObject({
  active_addrs: AddrVecSchema.optional(),
  standbys: z.array(z.looseObject({ addrs: AddrVecSchema.optional() })).default([]),
});
/** MDSMap::mds_info_t::dump: `addr` (legacy string) and `addrs` (addrvec). */
const MdsInfoSchema = z.looseObject({ addr: z.string().optional(), addrs: AddrVecSchema.optional() });
const FsDumpSchema = z.looseObject({
  standbys: z.array(MdsInfoSchema).default([]),
  // `info` is keyed `gid_<gid>`.
  filesystems: z
    .array(z.looseObject({ mdsmap: z.looseObject({ info: z.record(z.string(), MdsInfoSchema).default({}) }) }))
    .default([]),
});
/**
 * ServiceMap::dump: services -> { daemons: { summary: "<string>", <id>: { gid, addr (legacy), ... } } }:
 * `summary` sits among the daemons, so a daemon is whatever entry is an object.
 */
const StatusSchema = z.looseObject({
  servicemap: z
    .looseObject({
      services: z.record(z.string(), z.looseObject({ daemons: z.record(z.string(), z.unknown()).default({}) })),
    })
    .optional(),
});
const ServiceDaemonSchema = z.looseObject({ addr: z.string() });

const addrsOf = (vec: AddrVec | undefined): string[] => (vec?.addrvec ?? []).map((a) => a.addr);

/** `v2:10.0.0.1:3300/0`, `10.0.0.1:6800/1234`, `[::1]:6789` -> `10.0.0.1:3300`, `[::1]:6789`; else undefined. */
export const normalizedAddress = (raw: string): string | undefined => {
  const bare = raw.trim().replace(/^(?:v[12]|any):/, '');
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(\d+)(?:\/\d+)?$/.exec(bare);
  if (v6?.[1] && v6[2]) return /^[0:.]*$/.test(v6[1]) ? undefined : `[${v6[1].toLowerCase()}]:${v6[2]}`;
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d+)(?:\/\d+)?$/.exec(bare);
  if (!v4?.[1] || v4[1] === '0.0.0.0') return undefined;
  return `${v4[1]}:${v4[2]}`;
};

const mdsAddrs = (m: z.infer<typeof MdsInfoSchema>): string[] => {
  const vec = addrsOf(m.addrs);
  return vec.length ? vec : m.addr ? [m.addr] : [];
};

/** Throws (a ZodError or SyntaxError) on JSON that is not of these shapes: the caller says which cluster. */
export const daemonAddressesOf = (d: DaemonDumps): string[] => {
  const mons = MonDumpSchema.parse(JSON.parse(d.monDump)).mons.flatMap((m) => addrsOf(m.public_addrs));
  const osds = OsdDumpSchema.parse(JSON.parse(d.osdDump)).osds.flatMap((o) =>
    [o.public_addrs, o.cluster_addrs, o.heartbeat_back_addrs, o.heartbeat_front_addrs].flatMap(addrsOf),
  );
  const mgr = MgrDumpSchema.parse(JSON.parse(d.mgrDump));
  const mgrs = [...addrsOf(mgr.active_addrs), ...mgr.standbys.flatMap((s) => addrsOf(s.addrs))];
  const fs = FsDumpSchema.parse(JSON.parse(d.fsDump));
  const mdss = [
    ...fs.standbys.flatMap(mdsAddrs),
    ...fs.filesystems.flatMap((f) => Object.values(f.mdsmap.info).flatMap(mdsAddrs)),
  ];
  const services = Object.values(StatusSchema.parse(JSON.parse(d.status)).servicemap?.services ?? {}).flatMap((s) =>
    Object.values(s.daemons).flatMap((daemon) => {
      const parsed = ServiceDaemonSchema.safeParse(daemon);
      return parsed.success ? [parsed.data.addr] : [];
    }),
  );
  const all = [...mons, ...mgrs, ...osds, ...mdss, ...services].map(normalizedAddress);
  return [...new Set(all.filter((a): a is string => a !== undefined))];
};
