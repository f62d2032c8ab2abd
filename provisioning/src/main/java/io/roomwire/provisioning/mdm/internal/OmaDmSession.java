package io.roomwire.provisioning.mdm.internal;

import io.roomwire.provisioning.mdm.MdmException;
import io.roomwire.provisioning.mdm.syncml.SyncCommand;
import io.roomwire.provisioning.mdm.syncml.SyncHeader;
import io.roomwire.provisioning.mdm.syncml.SyncItem;
import io.roomwire.provisioning.mdm.syncml.SyncMessage;
import io.roomwire.provisioning.mdm.syncml.SyncMl;
import io.roomwire.provisioning.mdm.syncml.SyncMlException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.tinylog.Logger;

/**
 * One client-initiated OMA-DM 1.2 session: the client package ({@code Alert 1201} or a generic
 * alert, {@code Replace ./DevInfo}, {@code Final}), then every server message is answered with a
 * {@code Status} per command (and {@code Results} per {@code Get}) until the server sends no more
 * commands. MsgID/CmdID/MsgRef/CmdRef follow the DM/1.2 rules across messages.
 */
public final class OmaDmSession {

    public static final String ALERT_CLIENT_INITIATED = "1201";
    public static final String ALERT_GENERIC = "1226";
    public static final String ALERT_NEXT_MESSAGE = "1222";
    public static final String UNENROLL_TYPE = "com.microsoft:mdm.unenrollment.userrequest";
    private static final int MAX_ROUND_TRIPS = 50;

    /** What happened in the session. */
    public record Outcome(int roundTrips, long bytesSent, long bytesReceived, int commands) {
    }

    /** Lets a test or tool watch each message: sent and received, already parsed. */
    public interface Tap {
        void message(boolean outgoing, SyncMessage m);
    }

    private final MdmHttp http;
    private final URI server;
    private final String deviceId;
    private final DmTree tree;
    private final String[][] devInfo;
    private final PolicyState policy;
    private final Tap tap;
    private boolean serverUnenroll;

    public OmaDmSession(MdmHttp http, URI server, String deviceId, String[][] devInfo, DmTree tree, PolicyState policy,
                        Tap tap) {
        this.http = http;
        this.server = server;
        this.deviceId = deviceId;
        this.devInfo = devInfo;
        this.tree = tree;
        this.policy = policy;
        this.tap = tap == null ? (o, m) -> { } : tap;
    }

    /** True when the server sent an unenroll ({@code Exec .../Unenroll} or an unenrollment alert). */
    public boolean serverUnenrolled() {
        return serverUnenroll;
    }

    /**
     * Runs the session. {@code localUnenroll} sends the user-request unenrollment alert instead of
     * a normal check-in.
     */
    public Outcome run(String sessionId, boolean localUnenroll) throws MdmException {
        int msgId = 1;
        List<SyncCommand> first = new ArrayList<>();
        int cmd = 1;
        if (localUnenroll) {
            first.add(SyncCommand.alert(cmd++, ALERT_GENERIC, List.of(new SyncItem("", "", "int", UNENROLL_TYPE,
                    Optional.of("1")))));
        } else {
            first.add(SyncCommand.alert(cmd++, ALERT_CLIENT_INITIATED, List.of()));
        }
        List<SyncItem> info = new ArrayList<>();
        for (String[] kv : devInfo) {
            info.add(SyncItem.source("./DevInfo/" + kv[0], "", kv[1]));
        }
        first.add(SyncCommand.of(SyncCommand.REPLACE, cmd, info));
        SyncMessage out = new SyncMessage(header(sessionId, msgId), first, true);
        long sent = 0;
        long received = 0;
        int commands = 0;
        for (int trip = 1; trip <= MAX_ROUND_TRIPS; trip++) {
            byte[] body = SyncMl.write(out);
            tap.message(true, out);
            sent += body.length;
            MdmHttp.Response r = http.post(server, SyncMl.CONTENT_TYPE, body, "OMA-DM check-in");
            received += r.body().length;
            if (r.status() != 200) {
                throw new MdmException(r.status() >= 500 ? MdmException.Kind.SERVER
                        : r.status() == 401 || r.status() == 403 ? MdmException.Kind.AUTHENTICATION
                        : MdmException.Kind.MESSAGE_FORMAT,
                        "OMA-DM check-in at " + server + " failed with HTTP " + r.status()
                                + (r.status() == 401 || r.status() == 403 ? ": the server refused the client "
                                + "certificate; enroll again (roomwire enroll)" : ""));
            }
            SyncMessage in;
            try {
                in = SyncMl.parse(r.body());
            } catch (SyncMlException e) {
                throw new MdmException(MdmException.Kind.MESSAGE_FORMAT, "OMA-DM session " + sessionId
                        + " aborted: the server sent " + e.getMessage(), e);
            }
            tap.message(false, in);
            check(in, sessionId, msgId);
            if (!in.hasOperations() && in.fin()) {
                return new Outcome(trip, sent, received, commands);
            }
            msgId++;
            List<SyncCommand> replies = new ArrayList<>();
            int[] next = {1};
            replies.add(SyncCommand.status(next[0]++, in.header().msgId(), 0, "SyncHdr", deviceId, 200));
            for (SyncCommand c : in.commands()) {
                if (c.needsStatus()) {
                    commands++;
                    handle(c, in.header().msgId(), next, replies);
                }
            }
            if (!in.fin()) {
                replies.add(SyncCommand.alert(next[0]++, ALERT_NEXT_MESSAGE, List.of()));
            }
            out = new SyncMessage(header(sessionId, msgId), replies, true);
        }
        throw new MdmException(MdmException.Kind.MESSAGE_FORMAT, "OMA-DM session " + sessionId + " aborted: the server "
                + "kept it going for more than " + MAX_ROUND_TRIPS + " messages");
    }

    private SyncHeader header(String sessionId, int msgId) {
        return new SyncHeader(sessionId, msgId, server.toString(), deviceId);
    }

    private void check(SyncMessage in, String sessionId, int ourMsgId) throws MdmException {
        if (!sessionId.equals(in.header().sessionId())) {
            throw new MdmException(MdmException.Kind.MESSAGE_FORMAT, "OMA-DM session " + sessionId
                    + " aborted: the server answered for session '" + in.header().sessionId() + "'");
        }
        for (SyncCommand c : in.commands()) {
            if (c.isStatus() && "SyncHdr".equals(c.refCmd())) {
                int code = c.statusCode();
                if (code == 401 || code == 403 || code == 407) {
                    throw new MdmException(MdmException.Kind.AUTHENTICATION, "OMA-DM server refused the session (status "
                            + code + "); enroll again (roomwire enroll)");
                }
                if (c.msgRef() >= 0 && c.msgRef() != ourMsgId) {
                    throw new MdmException(MdmException.Kind.MESSAGE_FORMAT, "OMA-DM session " + sessionId
                            + " aborted: the server's SyncHdr status refers to message " + c.msgRef() + ", not " + ourMsgId);
                }
            }
        }
    }

    private void handle(SyncCommand c, int msgRef, int[] next, List<SyncCommand> replies) {
        switch (c.name()) {
            case SyncCommand.GET -> {
                List<SyncItem> found = new ArrayList<>();
                int worst = DmTree.OK;
                for (SyncItem it : c.items()) {
                    DmTree.Value v = tree.get(it.target());
                    if (v.status() == DmTree.OK) {
                        found.add(SyncItem.source(it.target(), v.format(), v.data()));
                    } else {
                        worst = v.status();
                    }
                    if (c.items().size() > 1) {
                        replies.add(SyncCommand.status(next[0]++, msgRef, c.cmdId(), c.name(), it.target(), v.status()));
                    }
                }
                if (c.items().size() <= 1) {
                    replies.add(SyncCommand.status(next[0]++, msgRef, c.cmdId(), c.name(), target(c),
                            c.items().isEmpty() ? DmTree.NOT_FOUND : worst));
                }
                if (!found.isEmpty()) {
                    replies.add(SyncCommand.results(next[0]++, msgRef, c.cmdId(), found));
                }
            }
            case SyncCommand.REPLACE, SyncCommand.ADD, SyncCommand.DELETE, SyncCommand.EXEC -> perItem(c, msgRef, next, replies);
            case SyncCommand.ALERT -> replies.add(SyncCommand.status(next[0]++, msgRef, c.cmdId(), c.name(), "", alert(c)));
            case SyncCommand.ATOMIC -> atomic(c, msgRef, next, replies);
            case SyncCommand.SEQUENCE -> {
                replies.add(SyncCommand.status(next[0]++, msgRef, c.cmdId(), c.name(), "", DmTree.OK));
                for (SyncCommand n : c.nested()) {
                    handle(n, msgRef, next, replies);
                }
            }
            default -> {
                Logger.info("OMA-DM server sent unsupported command <{}>; answered 406", c.name());
                replies.add(SyncCommand.status(next[0]++, msgRef, c.cmdId(), c.name(), "", DmTree.NOT_SUPPORTED));
            }
        }
    }

    private int alert(SyncCommand c) {
        if (ALERT_GENERIC.equals(c.data().orElse("")) && c.items().stream()
                .anyMatch(i -> i.type().toLowerCase(Locale.ROOT).contains("unenroll"))) {
            serverUnenroll = true;
            return DmTree.OK;
        }
        return DmTree.OK;
    }

    private void perItem(SyncCommand c, int msgRef, int[] next, List<SyncCommand> replies) {
        if (c.items().isEmpty()) {
            replies.add(SyncCommand.status(next[0]++, msgRef, c.cmdId(), c.name(), "", DmTree.NOT_FOUND));
            return;
        }
        for (SyncItem it : c.items()) {
            int code = apply(c.name(), it);
            if (code != DmTree.OK) {
                Logger.info("OMA-DM {} {} answered {}", c.name(), it.target(), code);
            }
            replies.add(SyncCommand.status(next[0]++, msgRef, c.cmdId(), c.name(), it.target(), code));
        }
    }

    private int apply(String name, SyncItem it) {
        String data = it.data().orElse("");
        int code = switch (name) {
            case SyncCommand.REPLACE -> tree.replace(it.target(), data);
            case SyncCommand.ADD -> tree.add(it.target(), data);
            case SyncCommand.DELETE -> tree.delete(it.target());
            default -> tree.exec(it.target(), it.data());
        };
        if (SyncCommand.EXEC.equals(name) && code == DmTree.OK && it.target().endsWith("/Unenroll")) {
            serverUnenroll = true;
        }
        return code;
    }

    /** All or nothing: any failure rolls the policy back; the Atomic gets 507, the rolled-back commands 216. */
    private void atomic(SyncCommand c, int msgRef, int[] next, List<SyncCommand> replies) {
        Map<String, String> before = policy.snapshot();
        boolean unenrollBefore = serverUnenroll;
        List<SyncCommand> inner = new ArrayList<>();
        int[] innerNext = {0};
        for (SyncCommand n : c.nested()) {
            handle(n, msgRef, innerNext, inner);
        }
        boolean failed = inner.stream().anyMatch(s -> s.isStatus() && s.statusCode() / 100 != 2);
        replies.add(SyncCommand.status(next[0]++, msgRef, c.cmdId(), c.name(), "", failed ? 507 : DmTree.OK));
        if (failed) {
            policy.restore(before);
            serverUnenroll = unenrollBefore;
        }
        for (SyncCommand s : inner) {
            int id = next[0]++;
            if (s.isStatus()) {
                int code = failed && s.statusCode() / 100 == 2 ? 216 : s.statusCode();
                replies.add(SyncCommand.status(id, s.msgRef(), s.cmdRef(), s.refCmd(), s.targetRef(), code));
            } else if (!failed) {
                replies.add(SyncCommand.results(id, s.msgRef(), s.cmdRef(), s.items()));
            }
        }
    }

    private static String target(SyncCommand c) {
        return c.items().isEmpty() ? "" : c.items().get(0).target();
    }
}
