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
# shellcheck disable=SC2086
exec "$JAVA" $FLAGS -Djava.io.tmpdir="${RUNTIME_DIRECTORY:-/tmp}" -cp "$HOME_DIR/lib/*" io.roomwire.agent.Main "$@"
