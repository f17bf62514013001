"""A fake node's RBD client for the tests (test/support/rbd-holder.ts), as a node's ceph-csi holds an image.

librbd opening the image registers a watch on its header; the first write takes the exclusive lock. Run by
Debian's /usr/bin/python3 (its python3-rados and python3-rbd), with bind-shim.so preloaded so the cluster sees
this client at the node's address. Talks line by line: prints `ready <json>` once the image is open (and
written, unless --no-write), then answers each `write` on stdin with `write ok` or `write error <errno> <msg>`.
End of stdin closes the image (its watch and lock go with it) and exits 0.
"""
import argparse
import json
import sys

import rados
import rbd


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def write(image):
    try:
        image.write(b"capstan", 0)
        image.flush()
        return "write ok"
    except rbd.Error as error:
        return "write error %s %s" % (getattr(error, "errno", "?"), str(error).replace("\n", " "))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--conf", required=True)
    parser.add_argument("--keyring", required=True)
    parser.add_argument("--pool", required=True)
    parser.add_argument("--image", required=True)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    # Bounded waits: a blocklisted or cut-off client must answer with an error, not hang the test.
    cluster = rados.Rados(
        conffile=args.conf,
        conf={
            "keyring": args.keyring,
            "client_mount_timeout": "10",
            "rados_osd_op_timeout": "10",
            "rados_mon_op_timeout": "10",
            # Many holders share the test cluster's ceph.conf: none of them takes its admin socket.
            "admin_socket": "",
        },
    )
    cluster.connect(timeout=10)
    ioctx = cluster.open_ioctx(args.pool)
    image = rbd.Image(ioctx, args.image)
    first = None if args.no_write else write(image)
    say("ready " + json.dumps({"client": cluster.get_instance_id(), "write": first}))
    for line in sys.stdin:
        if line.strip() == "write":
            say(write(image))
    image.close()
    ioctx.close()
    cluster.shutdown()


if __name__ == "__main__":
    main()
