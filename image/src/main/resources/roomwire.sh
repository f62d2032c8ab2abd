#!/bin/sh
# /usr/bin/roomwire: the agent on the runtime bundled in the package, with the flags in /etc/roomwire/jvm.options.
set -eu
# The package's build (runtime/, lib/, VERSION); read-only, owned by dpkg.
BUILD_DIR=/usr/lib/roomwire
# The A/B prefix (docs/updates.md): slots/a, slots/b, the `current` link, trial, root.json. postinst makes
# slots/a a link to the package's build; updates write the other slot. It is under the unit's StateDirectory.
HOME_DIR=/var/lib/roomwire/update
JVM_OPTIONS=/etc/roomwire/jvm.options
# Tests run the launcher against a prefix and options file of their own (AbSlotProcessTest).
[ -z "${ROOMWIRE_HOME:-}" ] || HOME_DIR=$ROOMWIRE_HOME
[ -z "${ROOMWIRE_JVM_OPTIONS:-}" ] || JVM_OPTIONS=$ROOMWIRE_JVM_OPTIONS
SLOT_DIR=$BUILD_DIR
if [ -L "$HOME_DIR/current" ]; then
    # A/B slots: this script, not the slot on trial, decides whether the trial goes on. Only a start of the
    # service counts (`run`); `roomwire update status` or `roomwire version` by a person leave the trial alone.
    trial="$HOME_DIR/trial"
    if [ -f "$trial" ] && [ "${1:-}" = run ]; then
        field() { sed -n "s/^$1=//p" "$trial" | head -n 1; }
        from=$(field from); to=$(field to); version=$(field version); tries=$(field tries)
        timeout=$(field timeout); deadline=$(field deadline); failed=$(field failed)
        cur=$(basename "$(readlink "$HOME_DIR/current")")
        now=$(date +%s)
        reason=""
        if [ "$cur" != "$to" ]; then
            rm -f "$trial" # stopped before the pointer moved: the old slot never left
        elif [ -n "$failed" ]; then
            reason="health check failed: $failed"
        elif [ "${tries:-0}" -le 0 ]; then
            reason="crash loop: slot $to started without committing until no starts were left"
        elif [ -n "$deadline" ] && [ "$now" -gt "$deadline" ]; then
            reason="trial timeout: not committed within ${timeout}s"
        fi
        if [ -n "$reason" ]; then
            # The record first, then the pointer: a kill in between repeats the rollback at the next start.
            printf 'version=%s\nfrom=%s\nto=%s\nreason=%s\n' "$version" "$to" "$from" "$reason" > "$HOME_DIR/.rolled-back.tmp"
            mv -f "$HOME_DIR/.rolled-back.tmp" "$HOME_DIR/rolled-back"
            ln -sfn "slots/$from" "$HOME_DIR/current.next"
            mv -Tf "$HOME_DIR/current.next" "$HOME_DIR/current"
            rm -f "$trial"
            echo "roomwire: rolled back from $version in slot $to to slot $from: $reason" >&2
        elif [ "$cur" = "$to" ]; then
            [ -n "$deadline" ] || deadline=$((now + ${timeout:-180}))
            printf 'from=%s\nto=%s\nversion=%s\ntries=%s\ntimeout=%s\ndeadline=%s\n' \
                "$from" "$to" "$version" "$((tries - 1))" "$timeout" "$deadline" > "$HOME_DIR/.trial.tmp"
            mv -f "$HOME_DIR/.trial.tmp" "$trial"
            # The deadline holds even if the build on trial never commits, fails or checks it (it hangs, or its
            # update service is broken): a watcher outlives the exec below (same PID) and, once the deadline has
            # passed with this trial still there, kills the agent; the restart (on-failure) rolls back above. It holds
            # none of the launcher's output open (a reader of the agent's output sees its end when the agent ends).
            agent=$$
            (
                sleep $((deadline - now + 1))
                if [ -f "$trial" ] && [ "$(field deadline)" = "$deadline" ]; then
                    kill -KILL "$agent" 2>/dev/null || true
                fi
            ) </dev/null >/dev/null 2>&1 &
        fi
    fi
    SLOT_DIR="$HOME_DIR/slots/$(basename "$(readlink "$HOME_DIR/current")")"
    # slots/a is the package's build through a link until an update replaces it.
    SLOT_DIR=$(readlink -f "$SLOT_DIR" || echo "$SLOT_DIR")
fi
JAVA="$SLOT_DIR/runtime/bin/java"
if [ ! -x "$JAVA" ]; then
    echo "roomwire: the bundled Java runtime $JAVA is missing: reinstall the roomwire package" >&2
    exit 1
fi
FLAGS=$(grep -v '^#' "$JVM_OPTIONS" | tr '\n' ' ')
CLASSPATH="$SLOT_DIR/lib/*"
CDS=""
CDS_LOG=""
if [ "$SLOT_DIR" = "$BUILD_DIR" ] && [ -r "$SLOT_DIR/lib/classpath" ] && [ -r "$SLOT_DIR/lib/roomwire.jsa" ]; then
    # The agent's classes, parsed and verified at build time (a training run against the simulated cloud);
    # the JVM uses the archive only with the class path, in the order and at the paths, it was made with.
    CLASSPATH=$(cat "$SLOT_DIR/lib/classpath")
    CDS="-XX:SharedArchiveFile=$SLOT_DIR/lib/roomwire.jsa"
elif [ "$SLOT_DIR" != "$BUILD_DIR" ] && [ -r "$SLOT_DIR/lib/classpath" ]; then
    # A build an update installed, made by the image module (it has lib/classpath: jars only). Its archive is made
    # here, where it runs (the package's names /usr/lib/roomwire): the slot's first run writes lib/slot.jsa when it
    # exits, and later starts map it (agent SlotArchive, docs/updates.md). The class path is the slot's jars in name
    # order, as lib/classpath lists the package's. A JVM that records refuses to start with a folder on its class
    # path, so no start records after one that did not reach UP (lib/slot.jsa.tried, removed by the agent at UP).
    CLASSPATH=$(for jar in "$SLOT_DIR"/lib/*.jar; do printf '%s:' "$jar"; done)
    CLASSPATH=${CLASSPATH%:}
    archive="$SLOT_DIR/lib/slot.jsa"
    if [ -r "$archive" ]; then
        CDS="-XX:SharedArchiveFile=$archive -Droomwire.slot-archive=$archive"
    elif [ "${1:-}" = run ] && [ ! -e "$archive.tried" ] && touch "$archive.tried" 2>/dev/null; then
        CDS="-XX:ArchiveClassesAtExit=$archive -Droomwire.slot-archive=$archive"
        CDS_LOG="-Xlog:cds*=error:stderr" # not the JDK's line for each class it cannot archive
    fi
fi
# WebRTC joins: webrtc-java and its native library, after the agent's jars (the CDS archive accepts a class path
# appended to its own). A slot whose build carries its own (an update made from a layout with webrtc/) runs with it, so
# the agent and its WebRTC library change together; otherwise the roomwire-webrtc package's, installed beside the build.
if [ -d "$SLOT_DIR/webrtc" ]; then
    CLASSPATH="$CLASSPATH:$SLOT_DIR/webrtc/*"
elif [ -d "$BUILD_DIR/webrtc" ]; then
    CLASSPATH="$CLASSPATH:$BUILD_DIR/webrtc/*"
fi
# The build's version stamp (the signed manifest's version for a slot an update installed) is the agent's version.
VERSION_FLAG=""
stamp=$(head -n 1 "$SLOT_DIR/VERSION" 2>/dev/null || true)
case "$stamp" in
    "" | *[!0-9A-Za-z.+~-]*) ;; # none, or not a version: the build's own
    *) VERSION_FLAG="-Droomwire.version=$stamp" ;;
esac
# JVM warnings (e.g. an archive it cannot use) go to standard error with the logs, never into --json output.
# shellcheck disable=SC2086
exec "$JAVA" $FLAGS $CDS -Xlog:disable -Xlog:all=warning:stderr $CDS_LOG -Djava.io.tmpdir="${RUNTIME_DIRECTORY:-/tmp}" \
    -Droomwire.home="$HOME_DIR" $VERSION_FLAG -cp "$CLASSPATH" "${ROOMWIRE_MAIN_CLASS:-io.roomwire.agent.Main}" "$@"
