package io.roomwire.agent.mgmt.paho;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.agent.mgmt.MqttTransport;
import io.roomwire.agent.mgmt.MqttTransportOptions;
import io.roomwire.core.time.SystemScheduler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The transport reports connected only after the broker acknowledged its subscriptions, so that a
 * command sent on a new session right after "connected" cannot be dropped for want of a
 * subscriber; a broker that never acknowledges makes a failed attempt that is retried.
 */
class SubscriptionGateTest {

    /** A SUBSCRIBE the fake broker received and has not answered yet. */
    record Pending(OutputStream out, int packetId, int filters) {
        void acknowledge() throws IOException {
            byte[] p = new byte[5 + filters];
            p[0] = (byte) 0x90;
            p[1] = (byte) (3 + filters);
            p[2] = (byte) (packetId >> 8);
            p[3] = (byte) packetId;
            p[4] = 0; // no properties
            for (int i = 0; i < filters; i++) {
                p[5 + i] = 1; // granted QoS 1
            }
            synchronized (out) {
                out.write(p);
                out.flush();
            }
        }
    }

    /** Just enough of an MQTT 5 broker: accepts every session, answers PINGREQ, hands SUBSCRIBEs to the test. */
    static final class HoldingBroker implements AutoCloseable {
        final ServerSocket server;
        final BlockingQueue<Pending> subscribes = new LinkedBlockingQueue<>();
        final AtomicInteger sessions = new AtomicInteger();
        final List<Socket> sockets = new CopyOnWriteArrayList<>();

        HoldingBroker() throws IOException {
            server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
            Thread t = new Thread(this::acceptLoop, "fake-broker");
            t.setDaemon(true);
            t.start();
        }

        URI url() {
            return URI.create("tcp://127.0.0.1:" + server.getLocalPort());
        }

        private void acceptLoop() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    sockets.add(s);
                    Thread t = new Thread(() -> serve(s), "fake-broker-session");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket s) {
            try (s) {
                s.setTcpNoDelay(true);
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                while (true) {
                    int type = in.read();
                    if (type < 0) {
                        return;
                    }
                    int len = 0;
                    int mul = 1;
                    int b;
                    do {
                        b = in.read();
                        if (b < 0) {
                            return;
                        }
                        len += (b & 127) * mul;
                        mul *= 128;
                    } while ((b & 128) != 0);
                    byte[] body = in.readNBytes(len);
                    switch (type & 0xF0) {
                        case 0x10 -> { // CONNECT: new session, success, no properties
                            sessions.incrementAndGet();
                            write(out, new byte[] {0x20, 3, 0, 0, 0});
                        }
                        case 0x80 -> subscribes.add(new Pending(out, ((body[0] & 0xFF) << 8) | (body[1] & 0xFF),
                                countFilters(body)));
                        case 0xC0 -> write(out, new byte[] {(byte) 0xD0, 0});
                        case 0xE0 -> {
                            return;
                        }
                        default -> { }
                    }
                }
            } catch (IOException e) {
                // the client went away
            }
        }

        private static int countFilters(byte[] body) {
            int i = 2;
            int props = 0;
            int mul = 1;
            int b;
            do {
                b = body[i++] & 0xFF;
                props += (b & 127) * mul;
                mul *= 128;
            } while ((b & 128) != 0);
            i += props;
            int n = 0;
            while (i < body.length) {
                int l = ((body[i] & 0xFF) << 8) | (body[i + 1] & 0xFF);
                i += 2 + l + 1;
                n++;
            }
            return n;
        }

        private static void write(OutputStream out, byte[] p) throws IOException {
            synchronized (out) {
                out.write(p);
                out.flush();
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    static void await(String what, BooleanSupplier c) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            LockSupport.parkNanos(2_000_000);
        }
    }

    static MqttTransport.ConnectionListener recorder(List<Boolean> connected) {
        return new MqttTransport.ConnectionListener() {
            @Override
            public void connected(boolean sessionPresent) {
                connected.add(sessionPresent);
            }

            @Override
            public void connectionLost(String reason) {
            }
        };
    }

    @Test
    void connectedIsReportedOnlyOnceTheBrokerAcknowledgedEverySubscription() throws Exception {
        try (HoldingBroker broker = new HoldingBroker(); SystemScheduler net = new SystemScheduler(2)) {
            PahoMqttTransport t = new PahoMqttTransport(MqttTransportOptions.builder(broker.url(), "gate-1")
                    .reconnect(Duration.ofMillis(20), Duration.ofMillis(100)).build(), net);
            List<Boolean> connected = new CopyOnWriteArrayList<>();
            t.addConnectionListener(recorder(connected));
            t.subscribe("roomwire/v1/gate-1/cmd/+", 1, m -> { });
            t.subscribe("roomwire/v1/fleet/cmd/+", 1, m -> { });
            try {
                t.connect();
                Pending first = broker.subscribes.poll(15, TimeUnit.SECONDS);
                Pending second = broker.subscribes.poll(15, TimeUnit.SECONDS);
                assertNotNull(first, "first SUBSCRIBE");
                assertNotNull(second, "second SUBSCRIBE");
                assertFalse(t.isConnected(), "not connected while both SUBACKs are outstanding");
                first.acknowledge();
                // the second SUBACK is still held back: whatever the first one triggered, it is not "connected"
                assertFalse(t.isConnected(), "not connected while one SUBACK is outstanding");
                assertEquals(List.of(), connected);
                second.acknowledge();
                await("connected after the last SUBACK", t::isConnected);
                await("listener told", () -> !connected.isEmpty());
                assertEquals(List.of(false), connected);
                assertEquals(1, t.stats().connects());
                assertEquals(1, broker.sessions.get());
            } finally {
                t.disconnect();
            }
        }
    }

    @Test
    void noSubackWithinTheConnectTimeoutIsAFailedAttemptAndIsRetried() throws Exception {
        try (HoldingBroker broker = new HoldingBroker(); SystemScheduler net = new SystemScheduler(2)) {
            PahoMqttTransport t = new PahoMqttTransport(MqttTransportOptions.builder(broker.url(), "gate-2")
                    .connectTimeout(Duration.ofSeconds(1))
                    .reconnect(Duration.ofMillis(20), Duration.ofMillis(100)).build(), net);
            List<Boolean> connected = new CopyOnWriteArrayList<>();
            t.addConnectionListener(recorder(connected));
            t.subscribe("roomwire/v1/gate-2/cmd/+", 1, m -> { });
            try {
                t.connect();
                await("two attempts without SUBACK", () -> t.stats().failedAttempts() >= 2);
                assertTrue(broker.sessions.get() >= 2, "the broker saw the retry");
                assertTrue(t.stats().lastError().contains("SUBACK"), t.stats().lastError());
                assertEquals(0, t.stats().connects());
                assertFalse(t.isConnected());
                assertEquals(List.of(), connected);
                // a broker that answers after all: the next attempt connects
                Thread answer = new Thread(() -> {
                    try {
                        while (true) {
                            Pending p = broker.subscribes.take();
                            try {
                                p.acknowledge();
                            } catch (IOException e) {
                                // a SUBSCRIBE of an attempt already given up: its socket is closed
                            }
                        }
                    } catch (InterruptedException e) {
                        // done
                    }
                });
                answer.setDaemon(true);
                answer.start();
                // listeners are told just after isConnected() turns true: wait for them, not for the flag
                await("connected once SUBACKs come", () -> !connected.isEmpty());
                assertTrue(t.isConnected());
                assertEquals(List.of(false), connected);
                answer.interrupt();
            } finally {
                t.disconnect();
            }
        }
    }
}
