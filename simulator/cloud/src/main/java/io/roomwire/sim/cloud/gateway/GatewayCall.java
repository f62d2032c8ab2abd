package io.roomwire.sim.cloud.gateway;

import io.roomwire.sim.cloud.gateway.media.GatewayMedia;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sip.Dialog;
import javax.sip.ServerTransaction;

/** What the simulated gateway saw of one call from the room; tests read it, and may act on it. */
public final class GatewayCall {

    /** Where the call stands, from the gateway's side. */
    public enum State { RINGING, ANSWERED, JOINED, ENDED, REJECTED }

    /** How the call was dialled. */
    public enum Mode { IVR, DIRECT }

    private final SimGateway gateway;
    final String callId;
    final String requestUri;
    final String user;
    final Mode mode;
    final String offer;
    volatile String answer;
    volatile GatewayMedia media;
    volatile State state = State.RINGING;
    volatile int finalStatus;
    volatile boolean byeFromRoom;
    volatile boolean byeFromGateway;
    volatile String endReason = "";
    volatile String meetingId;
    final AtomicInteger reinvitesFromRoom = new AtomicInteger();
    final AtomicInteger optionsFromRoom = new AtomicInteger();
    volatile Dialog dialog;
    volatile ServerTransaction inviteTx;
    volatile String toTag;
    volatile long sdpVersion = 1;
    volatile String direction = "sendrecv";

    GatewayCall(SimGateway gateway, String callId, String requestUri, String user, Mode mode, String offer) {
        this.gateway = gateway;
        this.callId = callId;
        this.requestUri = requestUri;
        this.user = user;
        this.mode = mode;
        this.offer = offer;
    }

    public String callId() {
        return callId;
    }

    public String requestUri() {
        return requestUri;
    }

    /** User part of the request URI ({@code tenant}, {@code 123456789.tenant}, ...). */
    public String user() {
        return user;
    }

    public Mode mode() {
        return mode;
    }

    /** The room's SDP offer as received. */
    public String offer() {
        return offer;
    }

    /** The gateway's SDP answer, once answered. */
    public Optional<String> answer() {
        return Optional.ofNullable(answer);
    }

    public Optional<GatewayMedia> media() {
        return Optional.ofNullable(media);
    }

    public State state() {
        return state;
    }

    /** The final status the gateway sent to the INVITE (200, 404, 486, 488 ...), 0 before that. */
    public int finalStatus() {
        return finalStatus;
    }

    /** DTMF digits received so far (from {@link GatewayMedia}). */
    public String digits() {
        GatewayMedia m = media;
        return m == null ? "" : m.digits();
    }

    /** The meeting the call joined (direct: from the URI; IVR: from the digits). */
    public Optional<String> meetingId() {
        return Optional.ofNullable(meetingId);
    }

    public boolean byeFromRoom() {
        return byeFromRoom;
    }

    public boolean byeFromGateway() {
        return byeFromGateway;
    }

    /** Why the gateway ended or refused the call. */
    public String endReason() {
        return endReason;
    }

    public int reinvitesFromRoom() {
        return reinvitesFromRoom.get();
    }

    public int optionsFromRoom() {
        return optionsFromRoom.get();
    }

    /** Puts the room on hold (re-INVITE with a=sendonly) and stops sending media. */
    public void hold() {
        gateway.reinvite(this, "sendonly");
    }

    /** Resumes after {@link #hold()} (re-INVITE with a=sendrecv). */
    public void resume() {
        gateway.reinvite(this, "sendrecv");
    }

    /** The gateway ends the call with BYE. */
    public void hangUp() {
        gateway.bye(this, "hung up by the gateway");
    }

    @Override
    public String toString() {
        return "GatewayCall[" + requestUri + " " + mode + " " + state + " status=" + finalStatus + " digits=" + digits() + "]";
    }
}
