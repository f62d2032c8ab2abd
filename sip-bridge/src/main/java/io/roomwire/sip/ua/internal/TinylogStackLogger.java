package io.roomwire.sip.ua.internal;

import gov.nist.core.StackLogger;
import java.util.Properties;
import org.tinylog.Logger;

/**
 * Sends jain-sip's own logging to tinylog (jain-sip would otherwise need log4j 1.x). Stack
 * chatter is debug level; the stack's "debug" is our trace. Instantiated by class name.
 */
public final class TinylogStackLogger implements StackLogger {

    public TinylogStackLogger() {
    }

    @Override
    public void logStackTrace() {
        if (Logger.isTraceEnabled()) {
            Logger.trace(new Throwable("stack trace"), "jain-sip stack trace");
        }
    }

    @Override
    public void logStackTrace(int traceLevel) {
        logStackTrace();
    }

    @Override
    public int getLineCount() {
        return 0;
    }

    @Override
    public void logException(Throwable ex) {
        if (answeringItsOwnWakeUp(ex)) {
            Logger.debug("jain-sip: no keep-alive answer on a closed connection: {}", ex.toString());
            return;
        }
        Logger.warn(ex, "jain-sip: {}", ex.toString());
    }

    /**
     * When a connection ends (the far end closed it, or ours is closing), jain-sip 1.3 wakes the connection's reader
     * by feeding it two CRLFs, which the reader then takes for an RFC 5626 keep-alive ping and tries to answer on the
     * socket that has just closed, reconnecting for it (ConnectionOrientedMessageChannel.sendSingleCLRF). That fails
     * whenever the far end has gone, and says nothing about any call: a call that loses its connection ends on its
     * own (BYE, keep-alive OPTIONS, media loss) with the reason. Debug, not the journal's warnings and errors.
     */
    private static boolean answeringItsOwnWakeUp(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            for (StackTraceElement e : t.getStackTrace()) {
                if (e.getMethodName().equals("sendSingleCLRF")
                        && e.getClassName().equals("gov.nist.javax.sip.stack.ConnectionOrientedMessageChannel")) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public void logDebug(String message) {
        Logger.trace("jain-sip: {}", cut(message));
    }

    @Override
    public void logDebug(String message, Exception ex) {
        Logger.trace(ex, "jain-sip: {}", cut(message));
    }

    @Override
    public void logTrace(String message) {
        Logger.trace("jain-sip: {}", cut(message));
    }

    @Override
    public void logFatalError(String message) {
        Logger.error("jain-sip: {}", cut(message));
    }

    @Override
    public void logError(String message) {
        Logger.error("jain-sip: {}", cut(message));
    }

    @Override
    public boolean isLoggingEnabled() {
        return true;
    }

    @Override
    public boolean isLoggingEnabled(int logLevel) {
        if (logLevel >= TRACE_DEBUG) {
            return Logger.isTraceEnabled();
        }
        if (logLevel >= TRACE_INFO) {
            return Logger.isDebugEnabled();
        }
        return true;
    }

    @Override
    public void logError(String message, Exception ex) {
        if (ex instanceof InterruptedException) {
            Logger.debug("jain-sip: event scanner stopped");
            return;
        }
        if (answeringItsOwnWakeUp(ex)) {
            Logger.debug("jain-sip: no keep-alive answer on a closed connection: {}: {}", cut(message), ex.toString());
            return;
        }
        Logger.error(ex, "jain-sip: {}", cut(message));
    }

    @Override
    public void logWarning(String message) {
        // The stack warns about its own TLS key store defaults, which our network layer replaces.
        Logger.debug("jain-sip: {}", cut(message));
    }

    @Override
    public void logInfo(String message) {
        Logger.debug("jain-sip: {}", cut(message));
    }

    @Override
    public void disableLogging() {
        // tinylog's level decides.
    }

    @Override
    public void enableLogging() {
        // tinylog's level decides.
    }

    @Override
    public void setBuildTimeStamp(String buildTimeStamp) {
        // not logged
    }

    @Override
    public void setStackProperties(Properties stackProperties) {
        // configuration comes from tinylog
    }

    /** jain-sip sometimes logs a whole packet as a byte array; one line stays one short line. */
    private static String cut(String m) {
        return m == null || m.length() <= 400 ? m : m.substring(0, 400) + "... (" + m.length() + " chars)";
    }

    @Override
    public String getLoggerName() {
        return "tinylog";
    }
}
