package io.roomwire.sip.ua.internal;

import gov.nist.core.ServerLogger;
import gov.nist.javax.sip.message.SIPMessage;
import java.util.Properties;
import javax.sip.SipStack;
import org.tinylog.Logger;

/** Logs SIP messages at trace level (keys and digests are scrubbed by the log writer). */
public final class TinylogServerLogger implements ServerLogger {

    public TinylogServerLogger() {
    }

    @Override
    public void closeLogFile() {
        // nothing to close
    }

    @Override
    public void logMessage(SIPMessage message, String from, String to, boolean sender, long time) {
        log(message, from, to, sender);
    }

    @Override
    public void logMessage(SIPMessage message, String from, String to, String status, boolean sender, long time) {
        log(message, from, to, sender);
    }

    @Override
    public void logMessage(SIPMessage message, String from, String to, String status, boolean sender) {
        log(message, from, to, sender);
    }

    private static void log(SIPMessage message, String from, String to, boolean sender) {
        if (Logger.isTraceEnabled()) {
            Logger.trace("SIP {} {} -> {}: {}", sender ? "out" : "in", from, to, message.encode());
        }
    }

    @Override
    public void logException(Exception ex) {
        Logger.warn(ex, "jain-sip: {}", ex.toString());
    }

    @Override
    public void setStackProperties(Properties stackProperties) {
        // nothing configurable
    }

    @Override
    public void setSipStack(SipStack sipStack) {
        // not needed
    }
}
