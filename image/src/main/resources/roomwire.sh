#!/bin/sh
# /usr/bin/roomwire: the agent on the runtime bundled in the package, with the flags in /etc/roomwire/jvm.options.
set -eu
HOME_DIR=/usr/lib/roomwire
JAVA="$HOME_DIR/runtime/bin/java"
if [ ! -x "$JAVA" ]; then
    echo "roomwire: the bundled Java runtime $JAVA is missing: reinstall the roomwire package" >&2
    exit 1
fi
FLAGS=$(grep -v '^#' /etc/roomwire/jvm.options | tr '\n' ' ')
# The jars in the order the CDS archive was made with: the JVM uses the archive only for the same class path.
CLASSPATH=$(cat "$HOME_DIR/lib/classpath")
# The agent's classes, parsed and verified at build time (a training run against the simulated cloud).
CDS=""
if [ -r "$HOME_DIR/lib/roomwire.jsa" ]; then
    CDS="-XX:SharedArchiveFile=$HOME_DIR/lib/roomwire.jsa"
fi
# JVM warnings (e.g. an archive it cannot use) go to standard error with the logs, never into --json output.
# shellcheck disable=SC2086
exec "$JAVA" $FLAGS $CDS -Xlog:disable -Xlog:all=warning:stderr -Djava.io.tmpdir="${RUNTIME_DIRECTORY:-/tmp}" \
    -cp "$CLASSPATH" io.roomwire.agent.Main "$@"
