package io.roomwire.webrtc.internal;

import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCRtpSender;
import dev.onvoid.webrtc.internal.NativeObject;
import dev.onvoid.webrtc.internal.RefCountedObject;
import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.List;
import org.tinylog.Logger;

/**
 * Closes a peer connection and frees its native object.
 *
 * <p>webrtc-java 0.14.0's {@code RTCPeerConnection.close()} runs the native {@code Close()} but never drops the
 * reference it took when it made the connection (its issue #239; fixed on its main branch by PR #283, in no release on
 * Maven Central yet). Every call then left its native peer connection behind, with its transports, senders, receivers
 * and media engine state, and the factory's threads stayed alive after {@code dispose()}. This drops that
 * reference once, after {@code close()}, through the library's own generic release
 * ({@code RefCountedObject.release()}, the native {@code Release()} of any ref-counted object, which reads the handle of
 * the object it is called on). The connection is already closed (libwebrtc forgets its observer in {@code Close()}), so
 * freeing it calls nothing back.
 *
 * <p>The same JNI layer gives the Java object of each sender {@code addTrack} returns and each transceiver
 * {@code addTransceiver} returns a reference it cannot release (no {@code dispose()} in 0.14.0): {@link #close(RTCPeerConnection, List)}
 * drops those too. What it cannot reach: the ~20 kB session description of every {@code createOffer} and
 * {@code createAnswer}, which the library's native observer never deletes (docs/ARCHITECTURE.md, "The WebRTC join path").
 *
 * <p>Only for a library without the fix: PR #283 also made {@code RTCRtpSender} disposable, which is checked here, so a
 * library that releases the reference itself is never released twice (with it, dispose the senders and transceivers).
 */
public final class PeerConnectionCloser {

    /** What became of the native peer connection. */
    public enum Outcome {
        /** This dropped the last reference: the native connection and its objects are gone. */
        FREED,
        /** This dropped the library's reference, and something native still holds another. */
        STILL_REFERENCED,
        /** The library releases its reference in {@code close()} itself (a release with PR #283), or there was none. */
        LEFT_TO_LIBRARY
    }

    /** True when the library's {@code close()} releases the connection itself (PR #283: senders became disposable). */
    static final boolean LIBRARY_RELEASES = Arrays.stream(RTCRtpSender.class.getMethods()).anyMatch(m -> m.getName().equals("dispose"));
    private static final Field HANDLE = handleField();

    private PeerConnectionCloser() {
    }

    /**
     * Closes {@code pc} and frees its native object, and drops the references that 0.14.0 handed out with
     * {@code owned}: the senders {@code addTrack} returned and the transceivers {@code addTransceiver} returned, each
     * of which holds one reference its Java object can never give back (0.14.0's JNI {@code .release()}s it to the
     * wrapper). Not the wrappers {@code getSenders()}, {@code getTransceivers()}, {@code RTCRtpTransceiver.getSender()}
     * or {@code onTrack} hand out: those hold no reference. Every object named here is unusable afterwards (its handle
     * is zeroed, so a late call fails in Java instead of touching freed memory); so is anything obtained from it.
     */
    public static Outcome close(RTCPeerConnection pc, List<? extends NativeObject> owned) {
        long handle = LIBRARY_RELEASES || HANDLE == null ? 0 : handleOf(pc);
        pc.close();
        if (handle == 0) {
            return Outcome.LEFT_TO_LIBRARY;
        }
        Reference ref = new Reference(handle);
        ref.release();
        for (NativeObject o : owned) {
            long h = handleOf(o);
            if (h != 0) {
                setHandle(o, 0);
                new Reference(h).release();
            }
        }
        return handleOf(ref) == 0 ? Outcome.FREED : Outcome.STILL_REFERENCED;
    }

    private static long handleOf(NativeObject o) {
        try {
            return HANDLE.getLong(o);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void setHandle(NativeObject o, long handle) {
        try {
            HANDLE.setLong(o, handle);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Field handleField() {
        try {
            Field f = NativeObject.class.getDeclaredField("nativeHandle");
            f.setAccessible(true);
            return f;
        } catch (NoSuchFieldException | RuntimeException e) {
            // Another layout of the library: leave every connection to it (and to WebRtcMemoryGuard), as before.
            Logger.warn("webrtc-java has no NativeObject.nativeHandle ({}): closed peer connections are left to the library", e.toString());
            return null;
        }
    }

    /**
     * The carrier of one native reference for the library's release: the native side reads the handle of the object it
     * is called on and, once the last reference is gone, sets it to 0.
     */
    private static final class Reference extends RefCountedObject {
        Reference(long handle) {
            setHandle(this, handle);
        }
    }
}
