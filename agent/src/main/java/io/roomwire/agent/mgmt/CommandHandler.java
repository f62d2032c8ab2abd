package io.roomwire.agent.mgmt;

import com.google.gson.JsonElement;
import java.util.concurrent.CompletionStage;

/**
 * Does one command. Runs on the transport's thread: return at once, and return an unfinished stage
 * for work that takes time. Throw (or complete exceptionally with) {@link CommandException} for
 * errors the operator can act on; anything else is answered {@code internal}.
 */
@FunctionalInterface
public interface CommandHandler {
    CompletionStage<JsonElement> handle(CommandRequest request) throws CommandException;
}
