#!/usr/bin/env python3
"""A vhost-user vsock backend that plays the host side of virtio-vsock-test.bin, for QEMU TCG.

QEMU's vhost-user-vsock-device hands the guest's rx and tx virtqueues to this process over a Unix socket
(QEMU docs/interop/vhost-user.rst); guest memory arrives as file descriptors to map. This process is the host
of virtio 1.2 §5.10 for the test guest: it accepts the connection to port 5000, answers JVMM-VSOCK-PING with
JVMM-VSOCK-PONG, then connects to the guest's port 1234, sends JVMM-HOST-HELLO and waits for JVMM-GUEST-HELLO.
It prints one "host: ..." line per event on stdout, "host: protocol error: ..." for anything the guest gets
wrong, and exits when QEMU closes the socket. With "refuse" it answers the connection to port 5000 with RST.

Usage: vhost_user_vsock.py SOCKET_PATH GUEST_CID [refuse]
"""
import array
import mmap
import os
import select
import socket
import struct
import sys

# vhost-user requests (vhost-user.rst, "Front-end message types") and flags.
GET_FEATURES, SET_FEATURES, SET_OWNER, RESET_OWNER, SET_MEM_TABLE = 1, 2, 3, 4, 5
SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE, GET_VRING_BASE = 8, 9, 10, 11
SET_VRING_KICK, SET_VRING_CALL, SET_VRING_ERR = 12, 13, 14
GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES, GET_QUEUE_NUM, SET_VRING_ENABLE = 15, 16, 17, 18
GET_CONFIG = 24
FLAG_VERSION, FLAG_REPLY = 0x1, 0x4
VRING_NOFD = 1 << 8
VIRTIO_F_VERSION_1 = 1 << 32
VHOST_USER_F_PROTOCOL_FEATURES = 1 << 30
VHOST_USER_PROTOCOL_F_CONFIG = 1 << 9

# virtio 1.2 §2.7.5 descriptor flags; §5.10.6 packet header and operations.
VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE, VIRTQ_DESC_F_INDIRECT = 1, 2, 4
HDR = struct.Struct('<QQIIIHHIII')
TYPE_STREAM = 1
REQUEST, RESPONSE, RST, SHUTDOWN, RW, CREDIT_UPDATE, CREDIT_REQUEST = 1, 2, 3, 4, 5, 6, 7
HOST_CID = 2
HOST_PORT, GUEST_PORT, HOST_SOURCE_PORT = 5000, 1234, 6000
BUF_ALLOC = 65536
RXQ, TXQ = 0, 1


def say(line):
    print('host: ' + line, flush=True)


class Memory:
    """Guest RAM as the regions of the last SET_MEM_TABLE, each mapped from its file descriptor."""

    def __init__(self):
        self.regions = []

    def set_table(self, payload, fds):
        count, = struct.unpack_from('<I', payload)
        for region in self.regions:
            region[4].close()
        self.regions = []
        for i in range(count):
            gpa, size, uva, offset = struct.unpack_from('<QQQQ', payload, 8 + 32 * i)
            mapping = mmap.mmap(fds[i], offset + size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
            os.close(fds[i])
            self.regions.append((gpa, size, uva, offset, mapping))

    def gpa_of_uva(self, uva):
        for gpa, size, start, _, _ in self.regions:
            if start <= uva < start + size:
                return gpa + uva - start
        raise ValueError('user address %#x outside guest memory' % uva)

    def _at(self, gpa, length):
        for start, size, _, offset, mapping in self.regions:
            if start <= gpa and gpa + length <= start + size:
                return mapping, offset + gpa - start
        raise ValueError('guest range %#x+%d outside guest memory' % (gpa, length))

    def read(self, gpa, length):
        mapping, at = self._at(gpa, length)
        return bytes(mapping[at:at + length])

    def write(self, gpa, data):
        mapping, at = self._at(gpa, len(data))
        mapping[at:at + len(data)] = data


class Vring:
    """The device side of one split virtqueue (virtio 1.2 §2.7)."""

    def __init__(self, memory):
        self.memory = memory
        self.num = 0
        self.desc = self.avail = self.used = None
        self.last_avail = 0
        self.kick = self.call = None

    def u16(self, gpa):
        return struct.unpack('<H', self.memory.read(gpa, 2))[0]

    def pop(self):
        """The next available chain as (head, [(address, length, writable)]), or None."""
        if self.desc is None or self.u16(self.avail + 2) == self.last_avail:
            return None
        head = self.u16(self.avail + 4 + 2 * (self.last_avail % self.num))
        self.last_avail = (self.last_avail + 1) & 0xffff
        buffers, index = [], head
        for _ in range(self.num):
            addr, length, flags, nxt = struct.unpack('<QIHH', self.memory.read(self.desc + 16 * index, 16))
            if flags & VIRTQ_DESC_F_INDIRECT:
                raise ValueError('indirect descriptor without VIRTIO_F_INDIRECT_DESC')
            buffers.append((addr, length, bool(flags & VIRTQ_DESC_F_WRITE)))
            if not flags & VIRTQ_DESC_F_NEXT:
                return head, buffers
            index = nxt
        raise ValueError('descriptor chain longer than the queue')

    def push(self, head, written):
        used_idx = self.u16(self.used + 2)
        self.memory.write(self.used + 4 + 8 * (used_idx % self.num), struct.pack('<II', head, written))
        self.memory.write(self.used + 2, struct.pack('<H', (used_idx + 1) & 0xffff))
        if self.call is not None:
            os.write(self.call, struct.pack('<Q', 1))


class HostPeer:
    """The host's half of both stream connections, and the packets waiting for the guest's rx buffers."""

    def __init__(self, guest_cid, refuse):
        self.guest_cid = guest_cid
        self.refuse = refuse
        self.to_guest = []
        self.received = {}  # (host port, guest port) -> bytes
        self.connected = set()

    def send(self, op, host_port, guest_port, payload=b''):
        fwd_cnt = len(self.received.get((host_port, guest_port), b''))
        self.to_guest.append(HDR.pack(HOST_CID, self.guest_cid, host_port, guest_port, len(payload), TYPE_STREAM,
                                      op, 0, BUF_ALLOC, fwd_cnt) + payload)

    def handle(self, packet):
        if len(packet) < HDR.size:
            return say('protocol error: packet of %d bytes' % len(packet))
        src_cid, dst_cid, src_port, dst_port, length, typ, op, flags, _, _ = HDR.unpack_from(packet)
        payload = packet[HDR.size:]
        if (src_cid, dst_cid, typ) != (self.guest_cid, HOST_CID, TYPE_STREAM) or length != len(payload):
            return say('protocol error: header %s with %d payload bytes' % (HDR.unpack_from(packet), len(payload)))
        key = (dst_port, src_port)
        if op == REQUEST and dst_port == HOST_PORT and self.refuse:
            say('refused guest port %d' % src_port)
            self.send(RST, dst_port, src_port)
        elif op == REQUEST and dst_port == HOST_PORT:
            say('accepted guest port %d' % src_port)
            self.connected.add(key)
            self.received[key] = b''
            self.send(RESPONSE, dst_port, src_port)
        elif key not in self.connected:
            if op != RST:
                say('protocol error: op %d on no connection (%d -> %d)' % (op, src_port, dst_port))
                self.send(RST, dst_port, src_port)
        elif op == RESPONSE and dst_port == HOST_SOURCE_PORT:
            say('guest accepted port %d' % src_port)
            self.send(RW, HOST_SOURCE_PORT, GUEST_PORT, b'JVMM-HOST-HELLO')
        elif op == RW:
            self.received[key] += payload
            say('received %s' % self.received[key].decode('ascii', 'replace'))
            if self.received[key] == b'JVMM-VSOCK-PING':
                self.send(RW, dst_port, src_port, b'JVMM-VSOCK-PONG')
                self.connected.add((HOST_SOURCE_PORT, GUEST_PORT))
                self.received[(HOST_SOURCE_PORT, GUEST_PORT)] = b''
                self.send(REQUEST, HOST_SOURCE_PORT, GUEST_PORT)
        elif op == SHUTDOWN:
            say('guest shut down port %d (flags %d)' % (src_port, flags))
            self.connected.discard(key)
            self.send(RST, dst_port, src_port)
        elif op == RST:
            say('guest reset port %d' % src_port)
            self.connected.discard(key)
        elif op == CREDIT_REQUEST:
            self.send(CREDIT_UPDATE, dst_port, src_port)
        elif op != CREDIT_UPDATE:
            say('protocol error: op %d' % op)


class Backend:
    def __init__(self, connection, guest_cid, refuse):
        self.connection = connection
        self.guest_cid = guest_cid
        self.memory = Memory()
        self.vrings = [Vring(self.memory), Vring(self.memory)]
        self.peer = HostPeer(guest_cid, refuse)

    def receive(self):
        fds = array.array('i')
        header, ancillary, _, _ = self.connection.recvmsg(12, socket.CMSG_SPACE(8 * fds.itemsize))
        if len(header) < 12:
            return None
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(data[:len(data) - len(data) % fds.itemsize])
        request, _, size = struct.unpack('<III', header)
        payload = b''
        while len(payload) < size:
            chunk = self.connection.recv(size - len(payload))
            if not chunk:
                return None
            payload += chunk
        return request, payload, list(fds)

    def reply(self, request, payload):
        self.connection.sendall(struct.pack('<III', request, FLAG_VERSION | FLAG_REPLY, len(payload)) + payload)

    def on_message(self, request, payload, fds):
        if request == GET_FEATURES:
            self.reply(request, struct.pack('<Q', VIRTIO_F_VERSION_1 | VHOST_USER_F_PROTOCOL_FEATURES))
        elif request == GET_PROTOCOL_FEATURES:
            self.reply(request, struct.pack('<Q', VHOST_USER_PROTOCOL_F_CONFIG))
        elif request == GET_QUEUE_NUM:
            self.reply(request, struct.pack('<Q', len(self.vrings)))
        elif request == GET_CONFIG:
            offset, size, flags = struct.unpack_from('<III', payload)
            config = struct.pack('<Q', self.guest_cid)[offset:offset + size].ljust(size, b'\0')
            self.reply(request, struct.pack('<III', offset, size, flags) + config)
        elif request == SET_MEM_TABLE:
            self.memory.set_table(payload, fds)
        elif request in (SET_VRING_NUM, SET_VRING_BASE, GET_VRING_BASE, SET_VRING_ENABLE):
            index, number = struct.unpack('<II', payload)
            vring = self.vrings[index]
            if request == SET_VRING_NUM:
                vring.num = number
            elif request == SET_VRING_BASE:
                vring.last_avail = number
            elif request == GET_VRING_BASE:
                vring.desc = None  # the ring stops until it is set up again
                self.reply(request, struct.pack('<II', index, vring.last_avail))
        elif request == SET_VRING_ADDR:
            index, _, desc, used, avail, _ = struct.unpack('<IIQQQQ', payload)
            vring = self.vrings[index]
            vring.desc, vring.used, vring.avail = (self.memory.gpa_of_uva(a) for a in (desc, used, avail))
        elif request in (SET_VRING_KICK, SET_VRING_CALL, SET_VRING_ERR):
            value, = struct.unpack('<Q', payload)
            fd = None if value & VRING_NOFD else fds[0]
            if request == SET_VRING_ERR:
                if fd is not None:
                    os.close(fd)
                return
            vring = self.vrings[value & 0xff]
            old = vring.kick if request == SET_VRING_KICK else vring.call
            if old is not None:
                os.close(old)
            if request == SET_VRING_KICK:
                vring.kick = fd
            else:
                vring.call = fd
        else:
            for fd in fds:
                os.close(fd)

    def process_queues(self):
        tx = self.vrings[TXQ]
        while (chain := tx.pop()) is not None:
            head, buffers = chain
            if any(writable for _, _, writable in buffers):
                say('protocol error: device-writable buffer in a tx chain')
            self.peer.handle(b''.join(self.memory.read(a, n) for a, n, w in buffers if not w))
            tx.push(head, 0)
        rx = self.vrings[RXQ]
        while self.peer.to_guest and (chain := rx.pop()) is not None:
            head, buffers = chain
            packet = self.peer.to_guest.pop(0)
            room = sum(n for _, n, writable in buffers if writable)
            if room < len(packet):
                say('protocol error: rx chain of %d bytes for a %d-byte packet' % (room, len(packet)))
            written = 0
            for address, length, writable in buffers:
                if writable and written < len(packet):
                    part = packet[written:written + length]
                    self.memory.write(address, part)
                    written += len(part)
            rx.push(head, written)

    def run(self):
        while True:
            kicks = {v.kick: v for v in self.vrings if v.kick is not None}
            ready, _, _ = select.select([self.connection] + list(kicks), [], [], 0.05)
            for fd in ready:
                if fd is self.connection:
                    message = self.receive()
                    if message is None:
                        return
                    self.on_message(*message)
                else:
                    os.read(fd, 8)
            if self.memory.regions:
                try:
                    self.process_queues()
                except ValueError as e:
                    say('protocol error: %s' % e)


def main():
    path, guest_cid, refuse = sys.argv[1], int(sys.argv[2]), sys.argv[3:] == ['refuse']
    if os.path.exists(path):
        os.unlink(path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    say('listening on %s' % path)
    connection, _ = server.accept()
    Backend(connection, guest_cid, refuse).run()
    say('done')


if __name__ == '__main__':
    main()
