package io.roomwire.agent.mgmt;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.roomwire.agent.config.Config;
import io.roomwire.core.health.Health;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * What remote management needs from the rest of the agent; the agent implements it over its
 * features (calls, calendar, OBTP, enrollment, lifecycle). Methods run on the transport's thread
 * and must return quickly: long work returns an unfinished stage. Throw {@link CommandException}
 * for errors the operator can act on ({@code bad_request}, {@code busy}, ...).
 */
public interface RoomControl {

    /**
     * The room's part of the retained status: at least {@code call} (state, and meeting when in one),
     * {@code nextMeeting} and {@code buttons}, {@code enrollment} and {@code compliance}. Never secrets.
     */
    JsonObject status();

    /** The room's part of telemetry: {@code calendarSyncAgeSeconds}, {@code call} quality (loss, jitter, bitrate) while in a call, {@code peripherals}. */
    JsonObject telemetry();

    /**
     * The last ended call's media figures for a diagnostics bundle ({@code call}, {@code target},
     * {@code endedAt}, {@code reason} and per-stream quality); empty when no call ended yet.
     */
    default JsonObject lastCall() {
        return new JsonObject();
    }

    /** Health of every service of the agent, by name. */
    Map<String, Health> health();

    /** True while a call is up or being set up (a reboot waits for this to end). */
    boolean inCall();

    /** Dials {@code target} (a SIP/SIPS URI, a meeting id from {@code obtp.list}, or a join URL). */
    CompletionStage<JsonElement> dial(String target) throws CommandException;

    /** Ends the current call; completes with what was ended (or that nothing was). */
    CompletionStage<JsonElement> hangup() throws CommandException;

    /** Sends DTMF digits in the current call. */
    JsonElement dtmf(String digits) throws CommandException;

    /** The meetings and join buttons of the schedule. */
    JsonElement obtpList() throws CommandException;

    /** Why a meeting does (or does not) get a join button. */
    JsonElement obtpExplain(String meetingId) throws CommandException;

    /** Synchronises the calendar now. */
    CompletionStage<JsonElement> calendarSync() throws CommandException;

    /** Starts (or restarts) enrollment; completes when the flow has started (with the code to show). */
    CompletionStage<JsonElement> enrollStart(boolean rekey) throws CommandException;

    /** Runs the self-test of every part (camera, codec, panel, network, broker, calendar). */
    CompletionStage<JsonElement> selftest() throws CommandException;

    /** Restarts the device (or the agent); called only when the room is idle, or forced. */
    void reboot(String reason);

    /** The configuration in force. */
    Config config();

    /**
     * Makes {@code next} the configuration: written atomically to the config file and applied where
     * it applies without a restart, the management service's own settings included (through
     * {@link ManagementService#configApplied}). Called only with a configuration validated by {@link Config#with}.
     */
    void applyConfig(Config next) throws IOException;
}
