package io.roomwire.agent;

import io.roomwire.agent.config.Config;
import io.roomwire.agent.signin.SignIn;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.Device;

/** The agent with every feature the configuration turns on: what {@code roomwire run} runs. */
public final class StandardAgent {

    private StandardAgent() {
    }

    public static Agent build(Config config, Device device, Scheduler scheduler, EventSink.Hub events) {
        SignIn signIn = new SignIn();
        MeetingRoom meetings = new MeetingRoom(signIn, target -> org.tinylog.Logger.info("Join pressed: {} {}",
                target.kind().wireName(), target.uri()));
        Agent.Builder b = Agent.builder().config(config).device(device).scheduler(scheduler).events(events)
                .feature(signIn::services)
                .feature(meetings::services);
        return b.build();
    }
}
