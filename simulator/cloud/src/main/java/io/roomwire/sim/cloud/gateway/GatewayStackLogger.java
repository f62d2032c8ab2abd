package io.roomwire.sim.cloud.gateway;

import gov.nist.core.StackLogger;
import java.util.Properties;
import org.tinylog.Logger;

/** jain-sip logging of the simulated gateway, into tinylog (no log4j). Created by class name. */
public final class GatewayStackLogger implements StackLogger {

    public GatewayStackLogger() {
    }

    @Override public void logStackTrace() { }
    @Override public void logStackTrace(int traceLevel) { }
    @Override public int getLineCount() { return 0; }
    @Override public void logException(Throwable ex) { Logger.debug(ex, "gateway jain-sip: {}", ex.toString()); }
    @Override public void logDebug(String message) { Logger.trace("gateway jain-sip: {}", message); }
    @Override public void logDebug(String message, Exception ex) { Logger.trace(ex, "gateway jain-sip: {}", message); }
    @Override public void logTrace(String message) { Logger.trace("gateway jain-sip: {}", message); }
    @Override public void logFatalError(String message) { Logger.error("gateway jain-sip: {}", message); }
    @Override public void logError(String message) { Logger.warn("gateway jain-sip: {}", message); }
    @Override public boolean isLoggingEnabled() { return true; }
    @Override public boolean isLoggingEnabled(int logLevel) { return logLevel < TRACE_INFO || Logger.isTraceEnabled(); }
    @Override public void logError(String message, Exception ex) { Logger.warn(ex, "gateway jain-sip: {}", message); }
    @Override public void logWarning(String message) { Logger.debug("gateway jain-sip: {}", message); }
    @Override public void logInfo(String message) { Logger.trace("gateway jain-sip: {}", message); }
    @Override public void disableLogging() { }
    @Override public void enableLogging() { }
    @Override public void setBuildTimeStamp(String buildTimeStamp) { }
    @Override public void setStackProperties(Properties stackProperties) { }
    @Override public String getLoggerName() { return "tinylog"; }
}
