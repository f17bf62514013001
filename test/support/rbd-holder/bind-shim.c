/*
 * LD_PRELOAD shim for the fake node RBD clients of the tests (test/support/rbd-holder.ts): librados never
 * binds its client socket, so every client of this machine would show as 127.0.0.1. Before an AF_INET
 * socket connects, this binds it to CAPSTAN_BIND_ADDRESS (any port), so the OSDs and mons see the client
 * at that loopback address, as they would see a node's ceph-csi at the node's address.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

typedef int (*connect_fn)(int, const struct sockaddr *, socklen_t);

int connect(int fd, const struct sockaddr *addr, socklen_t len) {
  static connect_fn real_connect;
  if (!real_connect) real_connect = (connect_fn)dlsym(RTLD_NEXT, "connect");
  const char *wanted = getenv("CAPSTAN_BIND_ADDRESS");
  if (wanted && addr && addr->sa_family == AF_INET) {
    struct sockaddr_in local;
    memset(&local, 0, sizeof local);
    local.sin_family = AF_INET;
    local.sin_port = 0;
    if (inet_pton(AF_INET, wanted, &local.sin_addr) == 1) {
      int saved = errno;
      /* EINVAL: already bound (a retried connect on the same socket); keep that binding. */
      if (bind(fd, (struct sockaddr *)&local, sizeof local) != 0 && errno != EINVAL) return -1;
      errno = saved;
    }
  }
  return real_connect(fd, addr, len);
}
