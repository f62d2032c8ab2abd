package io.roomwire.sip.ua.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.log.ScrubbingWriter;
import java.io.IOException;
import java.net.SocketException;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.tinylog.Logger;

/** Which of jain-sip's own log calls reach the journal's warnings and errors. */
class TinylogStackLoggerTest {

    private final TinylogStackLogger logger = new TinylogStackLogger();

    /** The frames jain-sip 1.3.0-91 logs with when its reader answers the CRLFs it was woken with (seen at stops). */
    private static <T extends Exception> T fromTheKeepAliveAnswer(T e) {
        e.setStackTrace(new StackTraceElement[] {
            new StackTraceElement("gov.nist.javax.sip.stack.IOHandler", "sendBytes", "IOHandler.java", 490),
            new StackTraceElement("gov.nist.javax.sip.stack.TLSMessageChannel", "sendMessage", "TLSMessageChannel.java", 238),
            new StackTraceElement("gov.nist.javax.sip.stack.ConnectionOrientedMessageChannel", "sendSingleCLRF",
                    "ConnectionOrientedMessageChannel.java", 729),
            new StackTraceElement("gov.nist.javax.sip.parser.PipelinedMsgParser", "run", "PipelinedMsgParser.java", 369),
        });
        return e;
    }

    private static List<String> loggedAfter(String mark) {
        return ScrubbingWriter.after(mark).stream().filter(l -> l.contains("TinylogStackLogger")).toList();
    }

    @Test
    void aKeepAliveAnswerOnAClosedConnectionStaysAtDebug() {
        String mark = "mark " + UUID.randomUUID();
        Logger.info(mark);
        logger.logException(fromTheKeepAliveAnswer(new SocketException("Socket output is already shutdown")));
        IOException refused = fromTheKeepAliveAnswer(new IOException("Could not connect to /127.0.0.1:37373"));
        logger.logError("Error is :", refused);
        logger.logError("A problem occured while trying to send a single CLRF in response to a double CLRF", refused);
        assertEquals(List.of(), loggedAfter(mark));
    }

    @Test
    void theSameFailuresElsewhereStillWarnAndErr() {
        String mark = "mark " + UUID.randomUUID();
        Logger.info(mark);
        SocketException shut = new SocketException("Socket output is already shutdown");
        shut.setStackTrace(new StackTraceElement[] {
            new StackTraceElement("gov.nist.javax.sip.stack.IOHandler", "sendBytes", "IOHandler.java", 459),
            new StackTraceElement("gov.nist.javax.sip.stack.TLSMessageChannel", "sendMessage", "TLSMessageChannel.java", 238),
            new StackTraceElement("gov.nist.javax.sip.stack.SIPClientTransactionImpl", "sendMessage", "SIPClientTransactionImpl.java", 700),
        });
        logger.logException(shut);
        logger.logError("Error is :", new IOException("Could not connect to /127.0.0.1:37373"));
        List<String> lines = loggedAfter(mark);
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains(" WARN ") && lines.get(0).contains("Socket output is already shutdown"), lines.get(0));
        assertTrue(lines.get(1).contains(" ERROR ") && lines.get(1).contains("Error is :"), lines.get(1));
    }
}
