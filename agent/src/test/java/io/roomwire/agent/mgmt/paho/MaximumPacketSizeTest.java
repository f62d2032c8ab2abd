package io.roomwire.agent.mgmt.paho;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.roomwire.agent.mgmt.MqttTransportOptions;
import io.roomwire.core.time.SystemScheduler;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The client announces its Maximum Packet Size in CONNECT (MQTT 5, 3.1.2.11.4), so the broker
 * never forwards a larger PUBLISH to it (ManagementHostileInputTest shows Mosquitto dropping one).
 * Against a scripted broker on loopback.
 */
class MaximumPacketSizeTest {

    @Test
    void connectAnnouncesTheMaximumPacketSize() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             SystemScheduler scheduler = new SystemScheduler(1)) {
            MqttTransportOptions options = MqttTransportOptions.builder(
                            URI.create("tcp://127.0.0.1:" + server.getLocalPort()), "room-1")
                    .maxPacketSize(80 * 1024)
                    .reconnect(Duration.ofSeconds(30), Duration.ofSeconds(60))
                    .build();
            PahoMqttTransport t = new PahoMqttTransport(options, scheduler);
            server.setSoTimeout(10_000);
            t.connect();
            try (Socket s = server.accept()) {
                s.setSoTimeout(10_000);
                DataInputStream in = new DataInputStream(s.getInputStream());
                byte[] connect = readPacket(in);
                assertEquals(0x10, connect[0] & 0xf0, "CONNECT first");
                assertEquals(80 * 1024, maximumPacketSize(connect), "the limit is announced to the broker");
            }
            t.disconnect();
        }
    }

    private static byte[] readPacket(DataInputStream in) throws IOException {
        int header = in.readUnsignedByte();
        int len = 0;
        int shift = 0;
        int b;
        do {
            b = in.readUnsignedByte();
            len |= (b & 0x7f) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        byte[] body = new byte[len];
        in.readFully(body);
        byte[] out = new byte[len + 1];
        out[0] = (byte) header;
        System.arraycopy(body, 0, out, 1, len);
        return out;
    }

    /** Property 0x27 of a CONNECT packet (MQTT 5, 3.1.2.11), or -1. */
    private static long maximumPacketSize(byte[] connect) {
        int i = 1;
        int nameLen = ((connect[i] & 0xff) << 8) | (connect[i + 1] & 0xff);
        i += 2 + nameLen + 1 + 1 + 2; // protocol name, level, flags, keep alive
        int propLen = 0;
        int shift = 0;
        int b;
        do {
            b = connect[i++] & 0xff;
            propLen |= (b & 0x7f) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        int end = i + propLen;
        while (i < end) {
            int id = connect[i++] & 0xff;
            switch (id) {
                case 0x11, 0x27 -> {
                    long v = ((long) (connect[i] & 0xff) << 24) | ((connect[i + 1] & 0xff) << 16)
                            | ((connect[i + 2] & 0xff) << 8) | (connect[i + 3] & 0xff);
                    if (id == 0x27) {
                        return v;
                    }
                    i += 4;
                }
                case 0x21, 0x22 -> i += 2;
                case 0x17, 0x19 -> i += 1;
                default -> {
                    return -1;
                }
            }
        }
        return -1;
    }

}
