package io.roomwire.agent.config;

/** One thing wrong with a configuration, located by file and line (0 when not from a file line). */
public record ConfigProblem(String source, int line, String key, String message) {

    @Override
    public String toString() {
        String where = line > 0 ? source + ":" + line : source;
        return where + ": " + (key.isEmpty() ? "" : key + ": ") + message;
    }
}
