/**
 * The ceph.conf of the single-host test cluster (issue 11), pure. Every choice here was found necessary on
 * this machine (../shared/infra-notes.md, "Ceph (for RBD tests)"):
 * - everything on 127.0.0.1: `public_addr` and `cluster_addr` both (without `cluster_addr` the OSD listens
 *   on 0.0.0.0), msgr2 only, so the mon has one listening socket;
 * - one OSD on memstore (no block device), pools of size 1 that Ceph does not warn about, a fixed small
 *   pg_num with the autoscaler off, and CRUSH choosing OSDs, not hosts;
 * - fast paxos proposals and mgr stats: about 5 s to all PGs active+clean instead of about 12 s;
 * - no health warnings that say nothing about the cluster: every client is Pacific, so insecure global_id
 *   reclaim is refused; the mon's few MB do not need 30 % of the host's disk free;
 * - daemons log to stderr, which their log file (process.ts) collects;
 * - `keyring` in `[client]`, not `[global]` (a global one makes the OSD's mkfs fail with
 *   handle_auth_bad_method), and each daemon's keyring in its own data folder.
 */
export interface CephConfInput {
  readonly fsid: string;
  readonly dir: string;
  readonly monPort: number;
  readonly adminKeyring: string;
  readonly mgrModulePath: string;
}

export const monAddress = (port: number): string => `[v2:127.0.0.1:${port}]`;

export const cephConf = (c: CephConfInput): string => `[global]
fsid = ${c.fsid}
mon_host = ${monAddress(c.monPort)}
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
ms_bind_ipv4 = true
ms_bind_ipv6 = false
ms_bind_msgr1 = false
ms_bind_msgr2 = true
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
run_dir = ${c.dir}/run
admin_socket = ${c.dir}/run/$cluster-$name.asok
crash_dir = ${c.dir}/crash
mon_cluster_log_file = ${c.dir}/cluster.log
osd_pool_default_size = 1
osd_pool_default_min_size = 1
mon_allow_pool_size_one = true
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
mon_warn_on_pool_no_redundancy = false
paxos_propose_interval = 0.1
mgr_stats_period = 1
auth_allow_insecure_global_id_reclaim = false
mon_data_avail_warn = 5

[client]
keyring = ${c.adminKeyring}

[mon]
log_to_file = false
log_to_stderr = true
err_to_stderr = true
mon_data = ${c.dir}/mon-$id
keyring = $mon_data/keyring

[mgr]
log_to_file = false
log_to_stderr = true
err_to_stderr = true
mgr_data = ${c.dir}/mgr-$id
keyring = $mgr_data/keyring
mgr_module_path = ${c.mgrModulePath}

[osd]
log_to_file = false
log_to_stderr = true
err_to_stderr = true
osd_data = ${c.dir}/osd-$id
keyring = $osd_data/keyring
osd_objectstore = memstore
memstore_device_bytes = 1073741824
`;
