#!/usr/bin/env python3
"""The far end of the virtio-net test guest's link (guest-fixtures/src/guests/virtio-net-test.c).

Run in a private network namespace (unshare --net) as root:

    tap-responder.py TAP REPORT -- COMMAND...

creates the TAP interface TAP and brings it up, listens on it for frames of the guest's ethertype with an AF_PACKET
socket (packet(7)), then runs COMMAND (jvmm attached to TAP). Each frame of that ethertype received from the
TAP is written to REPORT as one line of hex, and each that carries the ping is answered with a pong addressed to
its source. Ends when COMMAND does, with COMMAND's exit status (128 + N for signal N).
"""
import fcntl
import select
import socket
import struct
import subprocess
import sys
import time

ETHERTYPE = 0x88B5  # GuestFixtures.VirtioNet.ETHERTYPE
PING = b"JVMM-NET-PING"
PONG = b"JVMM-NET-PONG"
RESPONDER_MAC = bytes.fromhex("020000000001")  # locally administered, unicast
ETH_ALEN = 6
ETH_HLEN = 14
ETH_ZLEN = 60  # shortest frame without FCS
PACKET_OUTGOING = 4  # sll_pkttype of frames this host sent (packet(7))
SIOCGIFFLAGS = 0x8913
IFF_RUNNING = 0x40


def pong_for(ping_frame):
    frame = ping_frame[ETH_ALEN:2 * ETH_ALEN] + RESPONDER_MAC + ETHERTYPE.to_bytes(2, "big") + PONG
    return frame.ljust(ETH_ZLEN, b"\0")


def await_link_up(sock, tap):
    """Waits (up to 5 s) for the kernel to mark the TAP running after jvmm attached to it.

    Until its link watch has run, the TAP's queueing discipline is noop and silently drops what we send; the same
    step sets the operstate that SIOCGIFFLAGS reports as IFF_RUNNING (net/core/link_watch.c, dev_get_flags).
    """
    request = struct.pack("16sH", tap.encode(), 0)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        flags = struct.unpack_from("H", fcntl.ioctl(sock.fileno(), SIOCGIFFLAGS, request), 16)[0]
        if flags & IFF_RUNNING:
            return
        time.sleep(0.01)


def answer(sock, tap, report):
    """Reads one frame from sock, records it and answers it if it is a ping."""
    frame, address = sock.recvfrom(65536)
    if address[2] == PACKET_OUTGOING:
        return
    report.write(frame.hex() + "\n")
    report.flush()
    if frame[ETH_HLEN:ETH_HLEN + len(PING)] == PING:
        await_link_up(sock, tap)
        sock.send(pong_for(frame))


def main(argv):
    if len(argv) < 5 or argv[3] != "--":
        sys.exit("usage: tap-responder.py TAP REPORT -- COMMAND...")
    tap, report_path, command = argv[1], argv[2], argv[4:]
    subprocess.run(["ip", "tuntap", "add", "dev", tap, "mode", "tap"], check=True)
    subprocess.run(["ip", "link", "set", tap, "up"], check=True)
    # Bound before COMMAND starts, so that the guest's ping cannot come before anyone listens.
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETHERTYPE))
    sock.bind((tap, ETHERTYPE))
    with open(report_path, "w") as report:
        vmm = subprocess.Popen(command)
        while vmm.poll() is None:
            if select.select([sock], [], [], 0.1)[0]:
                answer(sock, tap, report)
        # Frames still queued after COMMAND ended count too: the report must hold every frame the guest sent.
        while select.select([sock], [], [], 0)[0]:
            answer(sock, tap, report)
    status = vmm.returncode
    sys.exit(128 - status if status < 0 else status)


if __name__ == "__main__":
    main(sys.argv)
