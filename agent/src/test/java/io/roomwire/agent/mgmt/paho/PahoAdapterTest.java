package io.roomwire.agent.mgmt.paho;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.Socket;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.Test;

class PahoAdapterTest {

    @Test
    void socketsHandedToPahoHaveTcpNoDelayAndAreClosedOnDemand() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            for (NoDelaySocketFactory.Tracked f : new NoDelaySocketFactory.Tracked[] {NoDelaySocketFactory.create(null),
                    NoDelaySocketFactory.create(SSLContext.getDefault().getSocketFactory())}) {
                Socket s = f.factory().createSocket();
                s.connect(server.getLocalSocketAddress());
                try (Socket accepted = server.accept()) {
                    assertTrue(s.getTcpNoDelay());
                    assertTrue(accepted.isConnected());
                    f.closeAll(true);
                    assertTrue(s.isClosed());
                }
            }
            assertTrue(NoDelaySocketFactory.create(SSLContext.getDefault().getSocketFactory()).factory() instanceof SSLSocketFactory,
                    "Paho insists on an SSLSocketFactory for ssl://");
            assertFalse(NoDelaySocketFactory.create(null).factory() instanceof SSLSocketFactory,
                    "and on a plain one for tcp://");
        }
    }

    @Test
    void topicFiltersMatchLikeAnMqttBroker() {
        assertTrue(PahoMqttTransport.matches("roomwire/v1/room-1/cmd/+", "roomwire/v1/room-1/cmd/status.get"));
        assertFalse(PahoMqttTransport.matches("roomwire/v1/room-1/cmd/+", "roomwire/v1/room-1/cmd/a/b"));
        assertTrue(PahoMqttTransport.matches("roomwire/v1/#", "roomwire/v1/room-1/events"));
        assertTrue(PahoMqttTransport.matches("roomwire/v1/+/status", "roomwire/v1/room-2/status"));
        assertTrue(PahoMqttTransport.matches("$share/ops/roomwire/v1/+/events", "roomwire/v1/room-2/events"));
        assertFalse(PahoMqttTransport.matches("#", "$SYS/broker/uptime"));
        assertFalse(PahoMqttTransport.matches("roomwire/v1/room-1/status", "roomwire/v1/room-10/status"));
    }
}
