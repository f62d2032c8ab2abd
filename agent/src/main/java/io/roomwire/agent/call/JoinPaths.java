package io.roomwire.agent.call;

import io.roomwire.core.event.EventSink;
import io.roomwire.core.health.Service;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.Codec;
import io.roomwire.sip.SipSettings;
import io.roomwire.sip.health.SyntheticCallCheck;
import io.roomwire.sip.ua.SipJoinPath;
import java.util.ArrayList;
import java.util.List;

/** Builds the room's join path for {@link Calls}: the one place the agent names a JoinPath implementation. */
public final class JoinPaths {

    private JoinPaths() {
    }

    /** The SIP join path on {@code codec}, and the synthetic health call when {@code sip.health-*} ask for one. */
    public static Calls sip(SipSettings settings, Scheduler scheduler, EventSink events, Codec codec) {
        SipJoinPath sip = SipJoinPath.builder(settings, scheduler).events(events).codec(codec).build();
        List<Service> services = new ArrayList<>(List.of(sip));
        // The synthetic health call (sip.health-interval + sip.health-target): DEGRADED when it fails.
        SyntheticCallCheck.fromSettings(sip, settings, scheduler, events).ifPresent(services::add);
        return new Calls(sip, services, scheduler, events);
    }
}
