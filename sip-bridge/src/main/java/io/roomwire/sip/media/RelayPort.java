package io.roomwire.sip.media;

import java.net.DatagramSocket;
import java.net.InetSocketAddress;

/** One bound UDP socket and the thread that reads it. */
final class RelayPort {
    final DatagramSocket socket;
    final InetSocketAddress local; // kept: a closed socket no longer knows its address
    Thread thread;

    RelayPort(DatagramSocket socket) {
        this.socket = socket;
        this.local = (InetSocketAddress) socket.getLocalSocketAddress();
    }

    InetSocketAddress local() {
        return local;
    }
}
