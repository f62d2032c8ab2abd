#!/bin/sh
# Launcher installed as /opt/roomwire/bin/roomwire: the bundled runtime with the image's JVM flags.
set -eu
HOME_DIR=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
JAVA="$HOME_DIR/runtime/bin/java"
[ -x "$JAVA" ] || JAVA=java
FLAGS=$(grep -v '^#' "$HOME_DIR/etc/jvm.options" | tr '\n' ' ')
# shellcheck disable=SC2086
exec "$JAVA" $FLAGS -Djava.io.tmpdir="${RUNTIME_DIRECTORY:-/tmp}" -cp "$HOME_DIR/lib/*" io.roomwire.agent.Main "$@"
